import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { DEMO_LINKS, DEMO_MODELS, DEMO_ORGANISATIONS, DEMO_PERIOD, DEMO_REPORTS, DemoDomain } from '../../src/db/demo-data';

/** The source report, kept in the repository with its provenance (data/sources/README.md). */
const REPORT_PATH = path.resolve(__dirname, '..', '..', 'data', 'sources', 'dan-van-kheo-hoa-binh-2023-h1.txt');
const REPORT_SHA256 = '27d0444698ae6533d4dee1e7bcdadcbdf086c74b85608144f06f45f41ff901d0';
const RAW_REPORT = fs.readFileSync(REPORT_PATH);

test('the source report is the file data/sources/README.md describes', () => {
  expect(createHash('sha256').update(RAW_REPORT).digest('hex')).toBe(REPORT_SHA256);
});

/** Normalise only runs of whitespace; everything else (diacritics, quotes, dashes) must match exactly. */
const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

const REPORT = normalise(RAW_REPORT.toString('utf8'));

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- Checks, written as pure functions so that they can be shown to fail on bad input ----------

/** Excerpts that are not verbatim substrings of the text. */
function notVerbatim(excerpts: readonly string[], text: string): string[] {
  return excerpts.filter((e) => normalise(e).length === 0 || !text.includes(normalise(e)));
}

/** Values that occur more than once. */
function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) dup.add(v);
    seen.add(v);
  }
  return [...dup];
}

/** Problems with a parent-before-child ordering of a tree given as a list. */
function orderingProblems(items: readonly { key: string; parentKey?: string }[]): string[] {
  const all = new Set(items.map((i) => i.key));
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const item of items) {
    if (item.parentKey !== undefined) {
      if (!all.has(item.parentKey)) problems.push(`${item.key}: unknown parent ${item.parentKey}`);
      else if (!seen.has(item.parentKey)) problems.push(`${item.key}: listed before its parent ${item.parentKey}`);
    }
    seen.add(item.key);
  }
  return problems;
}

/**
 * Is `name` a model name exactly as the report writes it? Either quoted (“name”, allowing the
 * stray spaces and straight quotes the report has before the closing quote) or, for names the
 * report does not quote, right after "mô hình ".
 */
function isNamedInReport(name: string, text: string): boolean {
  const n = escapeRegExp(name);
  return new RegExp(`“${n}\\s*[”"]`).test(text) || new RegExp(`mô hình ${n}(?=[\\s,.;])`).test(text);
}

// ---- Indexes -------------------------------------------------------------------------------------

const orgKeys = new Set(DEMO_ORGANISATIONS.map((o) => o.key));
const modelByKey = new Map(DEMO_MODELS.map((m) => [m.key, m] as const));
const DOMAINS: readonly DemoDomain[] = ['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM'];

describe('the checks themselves can fail', () => {
  it('notVerbatim flags invented or altered text but accepts whitespace changes', () => {
    expect(notVerbatim(['mô hình “Nuôi Voi”'], REPORT)).toEqual(['mô hình “Nuôi Voi”']);
    // Diacritics matter: "Hoa Binh" is not "Hòa Bình".
    expect(notVerbatim(['thành phố Hoa Binh'], REPORT)).toHaveLength(1);
    expect(notVerbatim([''], REPORT)).toHaveLength(1);
    expect(notVerbatim(['thành phố   Hòa\nBình'], REPORT)).toEqual([]);
  });

  it('duplicates and orderingProblems detect bad input', () => {
    expect(duplicates(['a', 'b', 'a'])).toEqual(['a']);
    expect(orderingProblems([{ key: 'child', parentKey: 'root' }, { key: 'root' }])).toHaveLength(1);
    expect(orderingProblems([{ key: 'orphan', parentKey: 'nowhere' }])).toHaveLength(1);
  });

  it('isNamedInReport rejects truncated or invented names', () => {
    expect(isNamedInReport('Trồng bí', REPORT)).toBe(false);
    expect(isNamedInReport('Nuôi Voi', REPORT)).toBe(false);
    expect(isNamedInReport('Trồng bí xanh', REPORT)).toBe(true);
  });
});

describe('demo data is traceable to the report', () => {
  it('every source excerpt is a verbatim substring of the report', () => {
    const sources = [
      DEMO_PERIOD.source,
      ...DEMO_ORGANISATIONS.map((o) => o.source),
      ...DEMO_MODELS.map((m) => m.source),
      ...DEMO_LINKS.map((l) => l.source),
      ...DEMO_REPORTS.map((r) => r.source),
    ];
    expect(notVerbatim(sources, REPORT)).toEqual([]);
  });

  it('every model name is written in the report exactly so', () => {
    const missing = DEMO_MODELS.filter((m) => !isNamedInReport(m.name, REPORT)).map((m) => m.name);
    expect(missing).toEqual([]);
  });

  it("every model's name appears in its own source excerpt", () => {
    const unjustified = DEMO_MODELS.filter((m) => !normalise(m.source).includes(m.name)).map((m) => m.key);
    expect(unjustified).toEqual([]);
  });

  it('model names carry no surrounding whitespace or quotes', () => {
    const bad = DEMO_MODELS.filter((m) => m.name !== m.name.trim() || /^[“"]|[”"]$/.test(m.name)).map((m) => m.key);
    expect(bad).toEqual([]);
  });

  it('the period is the first half of 2023 and the report mentions it', () => {
    expect(DEMO_PERIOD.code).toBe('2023-H1');
    expect(DEMO_PERIOD.startsOn).toBe('2023-01-01');
    expect(DEMO_PERIOD.endsOn).toBe('2023-06-30');
    expect(REPORT).toContain(DEMO_PERIOD.label);
  });
});

describe('demo data keys and references', () => {
  it('keys are unique, across organisations and models', () => {
    expect(duplicates(DEMO_ORGANISATIONS.map((o) => o.key))).toEqual([]);
    expect(duplicates(DEMO_MODELS.map((m) => m.key))).toEqual([]);
    expect(duplicates([...DEMO_ORGANISATIONS.map((o) => o.key), ...DEMO_MODELS.map((m) => m.key)])).toEqual([]);
  });

  it('keys are short ASCII slugs', () => {
    const bad = [...DEMO_ORGANISATIONS, ...DEMO_MODELS].map((r) => r.key).filter((k) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(k) || k.length > 60);
    expect(bad).toEqual([]);
  });

  it('there is exactly one root, the city, and parents come before children', () => {
    const roots = DEMO_ORGANISATIONS.filter((o) => o.parentKey === undefined);
    expect(roots.map((o) => o.key)).toEqual(['city']);
    expect(roots[0].kind).toBe('CITY');
    expect(DEMO_ORGANISATIONS[0].key).toBe('city');
    expect(orderingProblems(DEMO_ORGANISATIONS)).toEqual([]);
  });

  it('every lead, partner and locality key refers to an existing organisation', () => {
    const problems: string[] = [];
    for (const m of DEMO_MODELS) {
      if (!orgKeys.has(m.leadKey)) problems.push(`${m.key}: lead ${m.leadKey}`);
      for (const p of m.partnerKeys ?? []) if (!orgKeys.has(p)) problems.push(`${m.key}: partner ${p}`);
      if (m.localityKey !== undefined && !orgKeys.has(m.localityKey)) problems.push(`${m.key}: locality ${m.localityKey}`);
      if ((m.partnerKeys ?? []).includes(m.leadKey)) problems.push(`${m.key}: lead is also a partner`);
      if (duplicates(m.partnerKeys ?? []).length > 0) problems.push(`${m.key}: duplicate partners`);
    }
    expect(problems).toEqual([]);
  });

  it('localities are wards or communes', () => {
    const kindByKey = new Map(DEMO_ORGANISATIONS.map((o) => [o.key, o.kind] as const));
    const bad = DEMO_MODELS.filter((m) => m.localityKey !== undefined && !['WARD', 'COMMUNE'].includes(kindByKey.get(m.localityKey) ?? '')).map((m) => m.key);
    expect(bad).toEqual([]);
  });

  it('every report refers to an existing organisation', () => {
    expect(DEMO_REPORTS.filter((r) => !orgKeys.has(r.organisationKey))).toEqual([]);
    expect(duplicates(DEMO_REPORTS.map((r) => `${r.organisationKey}/${r.periodCode}`))).toEqual([]);
  });
});

describe('demo replication links', () => {
  it('refer to existing models, are not self-links and are not repeated', () => {
    const problems: string[] = [];
    for (const l of DEMO_LINKS) {
      if (!modelByKey.has(l.sourceKey)) problems.push(`unknown source ${l.sourceKey}`);
      if (!modelByKey.has(l.targetKey)) problems.push(`unknown target ${l.targetKey}`);
      if (l.sourceKey === l.targetKey) problems.push(`self-link ${l.sourceKey}`);
    }
    expect(problems).toEqual([]);
    expect(duplicates(DEMO_LINKS.map((l) => `${l.sourceKey}->${l.targetKey}`))).toEqual([]);
  });

  it('link a model to a replica of the same name run by another organisation', () => {
    for (const l of DEMO_LINKS) {
      const from = modelByKey.get(l.sourceKey);
      const to = modelByKey.get(l.targetKey);
      expect(from).toBeDefined();
      expect(to).toBeDefined();
      expect(to?.name).toBe(from?.name);
      expect(to?.domain).toBe(from?.domain);
      expect(to?.leadKey).not.toBe(from?.leadKey);
      expect(l.note.trim().length).toBeGreaterThan(0);
    }
  });

  it('include the police model rolled out to the ward and commune police', () => {
    const link = DEMO_LINKS.find((l) => modelByKey.get(l.sourceKey)?.leadKey === 'city-police');
    expect(link).toBeDefined();
    expect(modelByKey.get(link?.targetKey ?? '')?.leadKey).toBe('ward-police');
  });
});

describe('demo models and reported figures', () => {
  const cityReport = DEMO_REPORTS.find((r) => r.organisationKey === 'city');

  it("the city's 2023-H1 figures are those of the report", () => {
    expect(cityReport).toBeDefined();
    expect(cityReport).toMatchObject({
      periodCode: '2023-H1',
      total: 179,
      economy: 51,
      cultureSociety: 70,
      securityDefence: 46,
      politicalSystem: 12,
      newlyReplicated: 16,
    });
    for (const n of [179, 51, 70, 46, 12, 16]) expect(normalise(cityReport?.source ?? '')).toMatch(new RegExp(`\\b${n}\\b`));
  });

  it('per-domain figures sum to the total in every report that gives them all', () => {
    for (const r of DEMO_REPORTS) {
      const parts = [r.economy, r.cultureSociety, r.securityDefence, r.politicalSystem];
      const sum = parts.reduce<number>((acc, n) => acc + (n ?? 0), 0);
      if (parts.every((n) => n !== null)) expect(sum).toBe(r.total);
      else expect(sum).toBeLessThanOrEqual(r.total);
    }
  });

  it("the military command's report is 6 + 2 security-and-defence models", () => {
    const mil = DEMO_REPORTS.find((r) => r.organisationKey === 'city-military-command');
    expect(mil).toMatchObject({
      total: 8,
      economy: null,
      cultureSociety: null,
      securityDefence: 8,
      politicalSystem: null,
      newlyReplicated: null,
    });
    expect(mil?.source).toContain('06 mô hình Làng bản văn hóa Quốc phòng');
    expect(mil?.source).toContain('02 mô hình Làng bản văn hóa Quốc phòng - An ninh');
    expect(mil?.note.trim().length).toBeGreaterThan(0);
  });

  it('there are models in all four domains', () => {
    for (const d of DOMAINS) expect(DEMO_MODELS.filter((m) => m.domain === d).length).toBeGreaterThan(0);
    expect(DEMO_MODELS.filter((m) => !DOMAINS.includes(m.domain))).toEqual([]);
  });

  it('registered models never outnumber the reported figures (no models invented to meet numbers)', () => {
    const reported: Record<DemoDomain, number | null | undefined> = {
      ECONOMY: cityReport?.economy,
      CULTURE_SOCIETY: cityReport?.cultureSociety,
      SECURITY_DEFENCE: cityReport?.securityDefence,
      POLITICAL_SYSTEM: cityReport?.politicalSystem,
    };
    for (const d of DOMAINS) {
      expect(DEMO_MODELS.filter((m) => m.domain === d).length).toBeLessThanOrEqual(reported[d] ?? 0);
    }
    expect(DEMO_MODELS.length).toBeLessThanOrEqual(cityReport?.total ?? 0);
  });

  it('a model name appears twice only as the two ends of a replication link', () => {
    const replicaKeys = new Set(DEMO_LINKS.map((l) => l.targetKey));
    const originals = DEMO_MODELS.filter((m) => !replicaKeys.has(m.key)).map((m) => m.name);
    expect(duplicates(originals)).toEqual([]);
  });

  it('the Kỳ Sơn party-cell model is located in phường Kỳ Sơn', () => {
    const m = DEMO_MODELS.find((x) => x.name === 'Đổi mới hình thức sinh hoạt chi bộ cơ sở');
    expect(m?.localityKey).toBe('ky-son-ward');
    expect(DEMO_ORGANISATIONS.find((o) => o.key === 'ky-son-ward')?.kind).toBe('WARD');
  });
});
