import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { demoId } from '../../src/db/demo-seed';
import { Role } from '../../src/shared/actor';
import { signingSecret, signToken } from '../../src/shared/auth';
import { ConfigError, loadConfig } from '../../src/shared/config';
import { scriptCommand } from '../helpers/entry-point';
import { seeder, useTestServer } from '../helpers/seed';
import { TEST_JWT_SECRET, uniqueName, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/**
 * Who may do what: tokens (each kind of bad one refused with UNAUTHENTICATED and its reason),
 * roles and the subtree an EDITOR may change (FORBIDDEN, checked in the services, so HTTP and
 * WebSocket alike), anonymous reads on and off, the audit trail and the history fields.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const ISSUER = 'https://id.dan-van.test';
const AUDIENCE = 'dan-van-graph';
const KY_SON = demoId.organisation('ky-son-ward');
const MONG_HOA = demoId.organisation('mong-hoa-commune');
const CITY = demoId.organisation('city');

const t = useTestServer({ auth: { issuer: ISSUER, audience: AUDIENCE, anonymousReads: true } });

interface Reply {
  status: number;
  body: any;
}

/** POSTs over real HTTP with exactly these headers (none: an anonymous caller). */
async function post(server: TestServer, query: string, variables?: Record<string, unknown>, token?: string | null): Promise<Reply> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

const codesOf = (reply: Reply) => (reply.body.errors ?? []).map((e: any) => e.extensions?.code);

/**
 * Every row the mutations below could touch: the two wards' subtrees (the city's row included),
 * their models, links, reports and events, and the reporting periods. Scoped, so other test files
 * writing elsewhere on a shared PostgreSQL do not move it.
 */
async function dbState(server: TestServer): Promise<Record<string, unknown>> {
  const [row] = await server.db.dataSource.query(
    `WITH orgs AS (SELECT id, path FROM organisation WHERE path LIKE ANY($1) OR id = $2),
          models AS (SELECT DISTINCT mo.model_id AS id FROM model_organisation mo JOIN orgs ON orgs.id = mo.organisation_id)
     SELECT
       (SELECT md5(coalesce(string_agg(o::text, '|' ORDER BY o.id), '')) FROM organisation o WHERE o.id IN (SELECT id FROM orgs)) AS organisations,
       (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.id), '')) FROM model m WHERE m.id IN (SELECT id FROM models)) AS models,
       (SELECT md5(coalesce(string_agg(mo::text, '|' ORDER BY mo::text), '')) FROM model_organisation mo WHERE mo.model_id IN (SELECT id FROM models) OR mo.organisation_id IN (SELECT id FROM orgs)) AS runs,
       (SELECT md5(coalesce(string_agg(rl::text, '|' ORDER BY rl.id), '')) FROM replication_link rl WHERE rl.source_model_id IN (SELECT id FROM models) OR rl.target_model_id IN (SELECT id FROM models)) AS links,
       (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r.id), '')) FROM period_report r WHERE r.organisation_id IN (SELECT id FROM orgs)) AS reports,
       (SELECT md5(coalesce(string_agg(rp::text, '|' ORDER BY rp.id), '')) FROM reporting_period rp) AS periods,
       (SELECT count(*)::int FROM change_event e WHERE e.entity_id IN (SELECT id FROM orgs UNION SELECT id FROM models)
          OR EXISTS (SELECT 1 FROM unnest(e.organisation_paths) p JOIN orgs ON p = orgs.path)) AS events`,
    [[`/${CITY}/${KY_SON}/%`, `/${CITY}/${MONG_HOA}/%`], CITY],
  );
  return { ...row };
}

/** A refusal with exactly `code`, no data, the database as it was, and a server that answers the next request. */
async function refused(query: string, variables: Record<string, unknown> | undefined, token: string | null, code: string): Promise<Reply> {
  const before = await dbState(t.server);
  const reply = await post(t.server, query, variables, token);
  const after = await dbState(t.server);
  expect(codesOf(reply)).toEqual([code]);
  expect(reply.body.errors[0].message.length).toBeGreaterThan(20);
  expect(Object.values(reply.body.data ?? {}).filter((v) => v !== null)).toEqual([]);
  expect(after).toEqual(before);
  const next = await post(t.server, `{ organisation(id: "${KY_SON}") { name } }`);
  expect(next.body.data.organisation.name).toBe('Phường Kỳ Sơn');
  return reply;
}

const UPDATE_MODEL = `mutation($input: UpdateModelInput!) { updateModel(input: $input) { id version } }`;
const ARCHIVE_MODEL = `mutation($id: ID!, $version: Int!) { archiveModel(id: $id, version: $version) { id } }`;
const CREATE_MODEL = `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`;
const LINK = `mutation($input: LinkModelsInput!) { linkModels(input: $input) { id } }`;
const UNLINK = `mutation($id: ID!) { unlinkModels(id: $id) { id } }`;
const REPLICATE = `mutation($input: ReplicateModelInput!) { replicateModel(input: $input) { id target { id } } }`;
const REPORT = `mutation($input: RecordPeriodReportInput!) { recordPeriodReport(input: $input) { id version } }`;
const CREATE_ORG = `mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }`;
const UPDATE_ORG = `mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }`;
const ARCHIVE_ORG = `mutation($id: ID!, $version: Int!) { archiveOrganisation(id: $id, version: $version) { id } }`;
const CREATE_PERIOD = `mutation($input: CreateReportingPeriodInput!) { createReportingPeriod(input: $input) { id } }`;

interface Fixture {
  kySonModel: { id: string; version: number };
  mongHoaModel: { id: string; version: number };
  mongHoaOriginal: { id: string; version: number };
  /** A link whose replica is Mông Hóa's. */
  intoMongHoa: string;
  period: string;
  kySonVersion: number;
  mongHoaVersion: number;
}

let fx: Fixture;
let editor: string;
let partner: string;
let viewer: string;

beforeAll(async () => {
  const seed = seeder(t.server);
  const kySonModel = await seed.model({ leadOrganisationId: KY_SON, name: uniqueName('Mô hình Kỳ Sơn') });
  const mongHoaModel = await seed.model({ leadOrganisationId: MONG_HOA, name: uniqueName('Mô hình Mông Hóa') });
  const mongHoaOriginal = await seed.model({ leadOrganisationId: MONG_HOA, name: uniqueName('Mô hình gốc Mông Hóa') });
  const intoMongHoa = (await seed.replicate(kySonModel.id, MONG_HOA, '2023-04-01')).id;
  const period = `A${Date.now().toString(36).slice(-6)}`;
  await t.server.ok(CREATE_PERIOD, { input: { code: period, label: 'Kỳ thử quyền', startsOn: '2030-01-01', endsOn: '2030-06-30' } });
  const versions = await t.server.ok(`{ k: organisation(id: "${KY_SON}") { version } m: organisation(id: "${MONG_HOA}") { version } }`);
  fx = { kySonModel, mongHoaModel, mongHoaOriginal, intoMongHoa, period, kySonVersion: versions.k.version, mongHoaVersion: versions.m.version };
  editor = await t.server.token({ sub: 'editor-ky-son', role: Role.EDITOR, org: KY_SON });
  partner = await t.server.token({ sub: 'partner-app', role: Role.PARTNER });
  viewer = await t.server.token({ sub: 'viewer', role: Role.VIEWER, org: KY_SON });
});

/** Every mutation of the API, aimed at Mông Hóa (or at organisations and periods, ADMIN-only). */
function everyMutation(): Array<[string, string, Record<string, unknown>]> {
  return [
    ['updateModel of a Mông Hóa model', UPDATE_MODEL, { input: { id: fx.mongHoaModel.id, version: fx.mongHoaModel.version, name: 'Đổi tên trái phép' } }],
    ['archiveModel of a Mông Hóa model', ARCHIVE_MODEL, { id: fx.mongHoaModel.id, version: fx.mongHoaModel.version }],
    ['createModel led by Mông Hóa', CREATE_MODEL, { input: { name: uniqueName('Mô hình lạ'), domain: 'ECONOMY', leadOrganisationId: MONG_HOA } }],
    [
      'createModel with Mông Hóa as a partner',
      CREATE_MODEL,
      { input: { name: uniqueName('Mô hình chung'), domain: 'ECONOMY', leadOrganisationId: KY_SON, partnerOrganisationIds: [MONG_HOA] } },
    ],
    ['linkModels making a Mông Hóa model a replica', LINK, { input: { sourceModelId: fx.kySonModel.id, targetModelId: fx.mongHoaOriginal.id } }],
    ['unlinkModels of a Mông Hóa replica', UNLINK, { id: fx.intoMongHoa }],
    ['replicateModel into Mông Hóa', REPLICATE, { input: { sourceModelId: fx.kySonModel.id, targetOrganisationId: MONG_HOA, name: uniqueName('Bản sao') } }],
    ['recordPeriodReport for Mông Hóa', REPORT, { input: { organisationId: MONG_HOA, period: fx.period, total: 1 } }],
    ['updateOrganisation moving Kỳ Sơn under Mông Hóa', UPDATE_ORG, { input: { id: KY_SON, version: fx.kySonVersion, parentId: MONG_HOA } }],
    ['updateOrganisation renaming Kỳ Sơn (its own)', UPDATE_ORG, { input: { id: KY_SON, version: fx.kySonVersion, name: 'Phường Kỳ Sơn mới' } }],
    ['createOrganisation under Kỳ Sơn', CREATE_ORG, { input: { name: uniqueName('Tổ chức con'), kind: 'OTHER', parentId: KY_SON } }],
    ['archiveOrganisation Mông Hóa', ARCHIVE_ORG, { id: MONG_HOA, version: fx.mongHoaVersion }],
    [
      'createReportingPeriod',
      CREATE_PERIOD,
      { input: { code: `B${Date.now().toString(36).slice(-6)}`, label: 'Kỳ lạ', startsOn: '2031-01-01', endsOn: '2031-06-30' } },
    ],
  ];
}

describe('scope: an EDITOR of phường Kỳ Sơn', () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('is FORBIDDEN mutation #%i across organisations, changing nothing', async (i) => {
    const [label, query, variables] = everyMutation()[i];
    const reply = await refused(query, variables, editor, 'FORBIDDEN');
    expect([label, reply.body.errors[0].message]).toEqual([label, expect.stringMatching(/Kỳ Sơn|ADMIN/)]);
  });

  it('names Mông Hóa and its own organisation in the refusal', async () => {
    const reply = await refused(UPDATE_MODEL, { input: { id: fx.mongHoaModel.id, version: fx.mongHoaModel.version, name: 'x' } }, editor, 'FORBIDDEN');
    expect(reply.body.errors[0].message).toMatch(/Phường Kỳ Sơn.*Xã Mông Hóa.*outside its subtree/);
  });

  it("changes what is in its subtree, and replicates anyone's model into it", async () => {
    const updated = await post(
      t.server,
      UPDATE_MODEL,
      { input: { id: fx.kySonModel.id, version: fx.kySonModel.version, description: 'Do phường ghi' } },
      editor,
    );
    expect(updated.body.errors).toBeUndefined();
    fx.kySonModel.version = updated.body.data.updateModel.version;
    const replicated = await post(
      t.server,
      REPLICATE,
      { input: { sourceModelId: fx.mongHoaOriginal.id, targetOrganisationId: KY_SON, name: uniqueName('Học Mông Hóa') } },
      editor,
    );
    expect(replicated.body.errors).toBeUndefined();
    expect(replicated.body.data.replicateModel.target.id).toBeDefined();
    const report = await post(t.server, REPORT, { input: { organisationId: KY_SON, period: fx.period, total: 2 } }, editor);
    expect(report.body.errors).toBeUndefined();
    const [event] = await t.server.db.dataSource.query(`SELECT actor, actor_role AS role FROM change_event WHERE entity_id = $1`, [
      report.body.data.recordPeriodReport.id,
    ]);
    expect(event).toEqual({ actor: 'editor-ky-son', role: 'EDITOR' });
  });

  it("an EDITOR of the city may change Mông Hóa's models (its subtree)", async () => {
    const cityEditor = await t.server.token({ sub: 'editor-city', role: Role.EDITOR, org: CITY });
    const reply = await post(
      t.server,
      UPDATE_MODEL,
      { input: { id: fx.mongHoaModel.id, version: fx.mongHoaModel.version, description: 'Thành phố ghi' } },
      cityEditor,
    );
    expect(reply.body.errors).toBeUndefined();
    fx.mongHoaModel.version = reply.body.data.updateModel.version;
  });

  it('an EDITOR whose organisation does not exist changes nothing', async () => {
    const ghost = await t.server.token({ sub: 'ghost', role: Role.EDITOR, org: '00000000-0000-4000-8000-00000000beef' });
    const reply = await refused(UPDATE_MODEL, { input: { id: fx.kySonModel.id, version: fx.kySonModel.version, name: 'x' } }, ghost, 'FORBIDDEN');
    expect(reply.body.errors[0].message).toMatch(/does not exist/);
  });

  it('is FORBIDDEN over WebSocket too (a mutation sent on the socket goes through the same services)', async () => {
    const client = wsClient(t.server, { authorization: `Bearer ${editor}` });
    const before = await dbState(t.server);
    const sub = new Subscription(client, UPDATE_MODEL, { input: { id: fx.mongHoaModel.id, version: fx.mongHoaModel.version, name: 'qua socket' } });
    await sub.until((s) => s.done);
    const errors = sub.results[0]?.errors ?? (sub.error as any[]);
    expect(errors.map((e: any) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await dbState(t.server)).toEqual(before);
    await client.dispose();
  });
});

describe('roles that never write', () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('a PARTNER is FORBIDDEN mutation #%i', async (i) => {
    const [, query, variables] = everyMutation()[i];
    const reply = await refused(query, variables, partner, 'FORBIDDEN');
    expect(reply.body.errors[0].message).toMatch(/PARTNER/);
  });

  it('a VIEWER is FORBIDDEN even in its own organisation', async () => {
    const reply = await refused(UPDATE_MODEL, { input: { id: fx.kySonModel.id, version: fx.kySonModel.version, name: 'x' } }, viewer, 'FORBIDDEN');
    expect(reply.body.errors[0].message).toMatch(/VIEWER/);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('an anonymous caller is UNAUTHENTICATED for mutation #%i (anonymous reads on)', async (i) => {
    const [, query, variables] = everyMutation()[i];
    const reply = await refused(query, variables, null, 'UNAUTHENTICATED');
    expect(reply.body.errors[0].extensions.reason).toBe('TOKEN_MISSING');
  });

  it('an anonymous mutation over WebSocket is UNAUTHENTICATED', async () => {
    const client = wsClient(t.server);
    const sub = new Subscription(client, UNLINK, { id: fx.intoMongHoa });
    await sub.until((s) => s.done);
    const errors = sub.results[0]?.errors ?? (sub.error as any[]);
    expect(errors.map((e: any) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    await client.dispose();
  });
});

/** The claims of a good token, signed some other way. */
async function forged(build: (jwt: SignJWT) => SignJWT, secret = TEST_JWT_SECRET, alg = 'HS256'): Promise<string> {
  const base = new SignJWT({ role: 'ADMIN' })
    .setProtectedHeader({ alg })
    .setSubject('forger')
    .setIssuedAt()
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('1h');
  return build(base).sign(new TextEncoder().encode(secret));
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Each kind of bad token, with the reason it must be refused for. */
async function badTokens(): Promise<Array<[string, string, string]>> {
  const now = Math.floor(Date.now() / 1000);
  return [
    ['expired (beyond the clock skew)', await forged((j) => j.setExpirationTime(now - 120)), 'TOKEN_EXPIRED'],
    ['malformed (not three parts)', 'not-a-jwt', 'TOKEN_MALFORMED'],
    ['malformed (garbage parts)', 'a.b.c', 'TOKEN_MALFORMED'],
    ['wrongly signed', await forged((j) => j, 'another-secret-of-someone-else-0123456789'), 'TOKEN_SIGNATURE_INVALID'],
    ['for another audience', await forged((j) => j.setAudience('another-api')), 'TOKEN_AUDIENCE_INVALID'],
    ['from another issuer', await forged((j) => j.setIssuer('https://evil.example')), 'TOKEN_ISSUER_INVALID'],
    [
      'alg: none',
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'forger', role: 'ADMIN', iss: ISSUER, aud: AUDIENCE, exp: now + 3600 })}.`,
      'TOKEN_ALGORITHM_NOT_ALLOWED',
    ],
    ['HS512 instead of HS256', await forged((j) => j, TEST_JWT_SECRET, 'HS512'), 'TOKEN_ALGORITHM_NOT_ALLOWED'],
    ['not valid yet', await forged((j) => j.setNotBefore(now + 600)), 'TOKEN_NOT_YET_VALID'],
    [
      'without exp',
      await new SignJWT({ role: 'ADMIN' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('forever')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET)),
      'TOKEN_CLAIMS_INVALID',
    ],
    [
      'with an unknown role',
      await new SignJWT({ role: 'ROOT' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET)),
      'TOKEN_CLAIMS_INVALID',
    ],
    ['an EDITOR without org', await t.server.token({ sub: 'lost-editor', role: Role.EDITOR }), 'TOKEN_CLAIMS_INVALID'],
  ];
}

describe('bad tokens', () => {
  it('refuses each kind with UNAUTHENTICATED, HTTP 401 and its reason, for mutations and queries, never showing the token', async () => {
    for (const [label, token, reason] of await badTokens()) {
      const reply = await refused(CREATE_ORG, { input: { name: uniqueName('Tổ chức'), kind: 'OTHER' } }, token, 'UNAUTHENTICATED');
      expect([label, reply.status, reply.body.errors[0].extensions.reason]).toEqual([label, 401, reason]);
      for (const part of [token, ...token.split('.')].filter((p) => p.length > 8)) expect(JSON.stringify(reply.body)).not.toContain(part);
      const query = await post(t.server, `{ models(first: 1) { totalCount } }`, undefined, token);
      expect([label, query.status, codesOf(query), query.body.errors[0].extensions.reason]).toEqual([label, 401, ['UNAUTHENTICATED'], reason]);
    }
  });

  it('accepts a token that expired within AUTH_CLOCK_SKEW_S', async () => {
    const recent = await forged((j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 5));
    const reply = await post(t.server, `{ models(first: 1) { totalCount } }`, undefined, recent);
    expect(reply.body.errors).toBeUndefined();
  });

  it('refuses each kind on connection_init: close 4401 with the reason, never the token', async () => {
    for (const [label, token, reason] of await badTokens()) {
      const client = wsClient(t.server, { authorization: `Bearer ${token}` });
      const sub = new Subscription(client, `subscription { changes { cursor } }`);
      await sub.until((s) => s.done);
      expect([label, client.closes[0]?.code]).toEqual([label, 4401]);
      expect(client.closes[0].reason).toMatch(new RegExp(`^UNAUTHENTICATED ${reason}: `));
      for (const part of [token, ...token.split('.')].filter((p) => p.length > 8)) expect(client.closes[0].reason).not.toContain(part);
      await client.dispose();
    }
  });
});

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id name } } }`;

describe('anonymous reads on (the development default)', () => {
  it('answers anonymous queries, _entities and the change log over HTTP', async () => {
    expect((await post(t.server, `{ organisation(id: "${KY_SON}") { name } }`)).body.data.organisation.name).toBe('Phường Kỳ Sơn');
    expect((await post(t.server, ENTITIES, { r: [{ __typename: 'Organisation', id: MONG_HOA }] })).body.data._entities).toEqual([
      { id: MONG_HOA, name: 'Xã Mông Hóa' },
    ]);
    expect((await post(t.server, `{ changes(first: 1) { edges { cursor } } }`)).body.data.changes.edges).toHaveLength(1);
  });

  it('lets an anonymous and a PARTNER WebSocket subscribe', async () => {
    for (const params of [undefined, { authorization: `Bearer ${partner}` }]) {
      const client = wsClient(t.server, params);
      const sub = new Subscription(client, `subscription($org: ID!) { summaryChanged(organisationId: $org) { organisationId } }`, { org: KY_SON });
      await sub.count(1);
      expect(sub.data[0].summaryChanged.organisationId).toBe(KY_SON);
      expect(client.closes).toEqual([]);
      sub.stop();
      await client.dispose();
    }
  });
});

describe('ANONYMOUS_READS=false', () => {
  const closed = useTestServer({ auth: { anonymousReads: false } });

  it('refuses anonymous queries, _entities and the change log over HTTP with 401 UNAUTHENTICATED', async () => {
    for (const [query, variables] of [
      [`{ organisation(id: "${KY_SON}") { name } }`, undefined],
      [ENTITIES, { r: [{ __typename: 'Organisation', id: MONG_HOA }] }],
      [`{ changes(first: 1) { edges { cursor } } }`, undefined],
      [`{ latestChangeCursor }`, undefined],
    ] as const) {
      const reply = await post(closed.server, query, variables as Record<string, unknown> | undefined);
      expect([query, reply.status, codesOf(reply), reply.body.errors[0].extensions.reason]).toEqual([query, 401, ['UNAUTHENTICATED'], 'TOKEN_MISSING']);
      expect(reply.body.data ?? null).toBeNull();
    }
  });

  it('answers the same to a VIEWER token', async () => {
    await closed.server.ok(CREATE_MODEL, { input: { name: uniqueName('Mô hình'), domain: 'ECONOMY', leadOrganisationId: KY_SON } });
    const token = await closed.server.token({ sub: 'viewer', role: Role.VIEWER });
    const reply = await post(closed.server, ENTITIES, { r: [{ __typename: 'Organisation', id: MONG_HOA }] }, token);
    expect(reply.body.data._entities).toEqual([{ id: MONG_HOA, name: 'Xã Mông Hóa' }]);
    expect((await post(closed.server, `{ changes(first: 1) { edges { cursor } } }`, undefined, token)).body.data.changes.edges).toHaveLength(1);
  });

  it('refuses an anonymous connection_init (4401), and lets a PARTNER subscribe', async () => {
    const anonymous = wsClient(closed.server);
    const refusedSub = new Subscription(anonymous, `subscription { changes { cursor } }`);
    await refusedSub.until((s) => s.done);
    expect(anonymous.closes[0]).toEqual({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED TOKEN_MISSING: .*ANONYMOUS_READS=false/) });
    await anonymous.dispose();
    const client = wsClient(closed.server, { token: await closed.server.token({ sub: 'partner', role: Role.PARTNER }) });
    const sub = new Subscription(client, `subscription($org: ID!) { changes(filter: { organisationId: $org }) { cursor type actor actorRole } }`, {
      org: KY_SON,
    });
    await new Promise((r) => setTimeout(r, 300)); // subscribed before the change below
    const created = await closed.server.ok(CREATE_MODEL, { input: { name: uniqueName('Mô hình mới'), domain: 'ECONOMY', leadOrganisationId: KY_SON } });
    await sub.count(1);
    expect(sub.data[0].changes).toMatchObject({ type: 'MODEL_CREATED', actor: 'test-admin', actorRole: 'ADMIN' });
    expect(created.createModel.id).toBeDefined();
    sub.stop();
    await client.dispose();
  });
});

describe('history', () => {
  it('shows who changed a model and an organisation, and when, newest first', async () => {
    const model = await post(
      t.server,
      CREATE_MODEL,
      { input: { name: uniqueName('Mô hình có lịch sử'), domain: 'ECONOMY', leadOrganisationId: KY_SON } },
      editor,
    );
    const id = model.body.data.createModel.id;
    expect((await post(t.server, UPDATE_MODEL, { input: { id, version: 1, status: 'SUSPENDED' } }, editor)).body.errors).toBeUndefined();
    await t.server.ok(ARCHIVE_MODEL, { id, version: 2 });
    const data = await t.server.ok(
      `query($id: ID!) { model(id: $id) { history(first: 2) { totalCount edges { cursor node { type actor actorRole at } } pageInfo { hasNextPage endCursor } } } }`,
      { id },
    );
    const { history } = data.model;
    expect(history.totalCount).toBe(3);
    expect(history.edges.map((e: any) => [e.node.type, e.node.actor, e.node.actorRole])).toEqual([
      ['MODEL_ARCHIVED', 'test-admin', 'ADMIN'],
      ['MODEL_UPDATED', 'editor-ky-son', 'EDITOR'],
    ]);
    expect(new Date(history.edges[0].node.at).getTime()).toBeGreaterThanOrEqual(new Date(history.edges[1].node.at).getTime());
    expect(history.pageInfo.hasNextPage).toBe(true);
    const rest = await t.server.ok(
      `query($id: ID!, $after: String) { model(id: $id) { history(first: 2, after: $after) { edges { node { type actor } } pageInfo { hasNextPage } } } }`,
      { id, after: history.pageInfo.endCursor },
    );
    expect(rest.model.history.edges.map((e: any) => [e.node.type, e.node.actor])).toEqual([['MODEL_CREATED', 'editor-ky-son']]);
    expect(rest.model.history.pageInfo.hasNextPage).toBe(false);

    const org = await t.server.ok(
      `mutation { createOrganisation(input: { name: "${uniqueName('Tổ chức có lịch sử')}", kind: OTHER, parentId: "${KY_SON}" }) { id } }`,
    );
    const orgHistory = await t.server.ok(`query($id: ID!) { organisation(id: $id) { history { totalCount edges { node { type actor actorRole } } } } }`, {
      id: org.createOrganisation.id,
    });
    expect(orgHistory.organisation.history).toEqual({
      totalCount: 1,
      edges: [{ node: { type: 'ORGANISATION_CREATED', actor: 'test-admin', actorRole: 'ADMIN' } }],
    });
  });

  it('reads the history of every parent in one statement, whatever the page', async () => {
    const statements = async (first: number) => {
      const reply = await t.server.gql(
        `{ organisations(first: ${first}) { edges { node { history(first: 3) { totalCount edges { node { type } } } models(first: 5) { edges { node { history(first: 2) { edges { node { actor } } } } } } } } } }`,
      );
      expect(reply.errors).toBeUndefined();
      return reply.extensions?.sqlStatements;
    };
    expect(await statements(2)).toBe(await statements(30));
  });

  it('refuses a history cursor that is not an event cursor', async () => {
    const reply = await post(t.server, `{ organisation(id: "${KY_SON}") { history(after: "x") { totalCount } } }`);
    expect(codesOf(reply)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('configuration and the development secret', () => {
  it('refuses to start in production without a real key, or with API_TOKENS, in one line', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET.*AUTH_JWKS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET, API_TOKENS: 'portal:12345678' })).toThrow(/API_TOKENS.*production/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET }).auth.anonymousReads).toBe(false);
    expect(loadConfig({}).auth).toMatchObject({ anonymousReads: true, clockSkewS: 30, jwtSecret: null });
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(scriptCommand('src/main.ts')[0], scriptCommand('src/main.ts').slice(1), {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production', AUTH_JWT_SECRET: '', AUTH_JWKS_URL: '', DATA_DIR: 'memory://' },
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => resolve({ code, output }));
    });
    expect(run.code).toBe(1);
    expect(run.output.trim()).toMatch(/^Configuration error: NODE_ENV=production needs AUTH_JWT_SECRET/);
    expect(run.output.trim().split('\n')).toHaveLength(1);
  });

  it('generates the per-data-folder secret once (mode 600), and npm run token signs with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-auth-'));
    try {
      const config = loadConfig({ DATA_DIR: path.join(dir, 'pglite') });
      const first = signingSecret(config);
      expect(first?.file).toBe(path.join(dir, 'auth-secret'));
      expect(fs.statSync(first!.file!).mode & 0o777).toBe(0o600);
      expect(signingSecret(config)?.secret).toBe(first?.secret);
      expect(signingSecret(loadConfig({ DATA_DIR: 'memory://' }))?.file).toBeNull();
      const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          scriptCommand('scripts/token.ts')[0],
          [...scriptCommand('scripts/token.ts').slice(1), '--role', 'EDITOR', '--organisation', KY_SON],
          {
            cwd: ROOT,
            env: { ...process.env, DATA_DIR: path.join(dir, 'pglite'), AUTH_JWT_SECRET: '', AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE },
          },
        );
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.on('exit', (code) => resolve({ code, stdout }));
      });
      expect(run.code).toBe(0);
      const token = run.stdout.trim().split('\n').at(-1)!;
      const { payload } = await jwtVerify(token, new TextEncoder().encode(first!.secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      expect(payload).toMatchObject({ role: 'EDITOR', org: KY_SON, sub: 'dev-editor' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a token from the token command works against the server, as the role it names', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(scriptCommand('scripts/token.ts')[0], [...scriptCommand('scripts/token.ts').slice(1), '--role', 'PARTNER', '--sub', 'portal-app'], {
        cwd: ROOT,
        env: { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.stderr).toBe('');
    const token = run.stdout.trim().split('\n').at(-1)!;
    expect((await post(t.server, `{ organisation(id: "${KY_SON}") { name } }`, undefined, token)).body.data.organisation.name).toBe('Phường Kỳ Sơn');
    await refused(UPDATE_MODEL, { input: { id: fx.kySonModel.id, version: fx.kySonModel.version, name: 'x' } }, token, 'FORBIDDEN');
    expect(await signToken(TEST_JWT_SECRET, { issuer: ISSUER, audience: AUDIENCE }, { sub: 's', role: Role.VIEWER })).toMatch(/^ey/);
  });
});
