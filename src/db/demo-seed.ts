import type { DataSource, EntityManager } from 'typeorm';
import { stableUuid } from '../shared/ids';
import { summaryAggregates } from '../summaries/summary-aggregates';
import { normaliseText } from '../shared/text';
import { DEMO_LINKS, DEMO_MODELS, DEMO_ORGANISATIONS, DEMO_PERIOD, DEMO_REPORTS } from './demo-data';

export const demoId = {
  organisation: (key: string) => stableUuid('dvk-demo-organisation', key),
  model: (key: string) => stableUuid('dvk-demo-model', key),
  link: (sourceKey: string, targetKey: string) => stableUuid('dvk-demo-link', `${sourceKey}->${targetKey}`),
  period: (code: string) => stableUuid('dvk-demo-period', code),
  report: (orgKey: string, code: string) => stableUuid('dvk-demo-report', `${orgKey}@${code}`),
};

/** Rows an `INSERT … RETURNING` added (0 when ON CONFLICT skipped them). */
const added = (result: unknown): number => (Array.isArray(result) ? result.length : 0);

async function seedOrganisations(m: EntityManager): Promise<number> {
  let inserted = 0;
  const paths = new Map<string, string>();
  for (const org of DEMO_ORGANISATIONS) {
    const id = demoId.organisation(org.key);
    const path = `${org.parentKey ? paths.get(org.parentKey) : '/'}${id}/`;
    paths.set(org.key, path);
    inserted += added(
      await m.query(
        `INSERT INTO organisation (id, name, short_name, kind, parent_id, path, search_name) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING RETURNING id`,
        [id, org.name, org.shortName ?? null, org.kind, org.parentKey ? demoId.organisation(org.parentKey) : null, path, normaliseText(org.name)],
      ),
    );
  }
  return inserted;
}

/** The models and who runs them; returns the ids of the models that were not there yet. */
async function seedModels(m: EntityManager, periodId: string): Promise<{ inserted: number; newModels: string[] }> {
  let inserted = 0;
  const newModels: string[] = [];
  for (const model of DEMO_MODELS) {
    const id = demoId.model(model.key);
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO model (id, name, domain, status, recognised_period_id, locality_id, search_name) VALUES ($1, $2, $3, 'ACTIVE', $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING id`,
      [id, model.name, model.domain, periodId, model.localityKey ? demoId.organisation(model.localityKey) : null, normaliseText(model.name)],
    );
    inserted += rows.length;
    newModels.push(...rows.map((r) => r.id));
    const orgs = [model.leadKey, ...(model.partnerKeys ?? [])].map(demoId.organisation);
    const roles = orgs.map((_, i) => (i === 0 ? 'LEAD' : 'PARTNER'));
    inserted += added(
      await m.query(
        `INSERT INTO model_organisation (model_id, organisation_id, role) SELECT $1, unnest($2::uuid[]), unnest($3::model_role[])
         ON CONFLICT DO NOTHING RETURNING model_id`,
        [id, orgs, roles],
      ),
    );
  }
  return { inserted, newModels };
}

/** The replication links, their replica counts, and the summary aggregates of every model they or the new models move. */
async function seedLinks(m: EntityManager, newModels: string[]): Promise<number> {
  let inserted = 0;
  // Summary aggregates: new models contribute; an existing model gaining its link back changes.
  const relinked: Array<{ id: string }> = await m.query(
    `SELECT x.target AS id FROM unnest($1::uuid[], $2::uuid[]) AS x(link_id, target)
     WHERE NOT EXISTS (SELECT 1 FROM replication_link rl WHERE rl.id = x.link_id) AND NOT x.target = ANY($3::uuid[])`,
    [DEMO_LINKS.map((l) => demoId.link(l.sourceKey, l.targetKey)), DEMO_LINKS.map((l) => demoId.model(l.targetKey)), newModels],
  );
  const withdrawn = await summaryAggregates.withdraw(
    m,
    relinked.map((r) => r.id),
  );
  for (const link of DEMO_LINKS) {
    inserted += added(
      await m.query(
        `INSERT INTO replication_link (id, source_model_id, target_model_id, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id`,
        [demoId.link(link.sourceKey, link.targetKey), demoId.model(link.sourceKey), demoId.model(link.targetKey), link.note],
      ),
    );
  }
  await m.query(
    `UPDATE model m SET replica_count = c.n FROM (
       SELECT s.id, (SELECT count(*) FROM replication_link rl WHERE rl.source_model_id = s.id)::int AS n FROM unnest($1::uuid[]) AS s(id)
     ) c WHERE m.id = c.id AND m.replica_count <> c.n`,
    [DEMO_LINKS.map((l) => demoId.model(l.sourceKey))],
  );
  await summaryAggregates.contribute(m, { ...withdrawn, modelIds: [...withdrawn.modelIds, ...newModels] });
  return inserted;
}

async function seedReports(m: EntityManager, periodId: string): Promise<number> {
  let inserted = 0;
  for (const r of DEMO_REPORTS) {
    inserted += added(
      await m.query(
        `INSERT INTO period_report (id, organisation_id, period_id, total, economy, culture_society, security_defence, political_system, newly_replicated, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id`,
        [
          demoId.report(r.organisationKey, r.periodCode),
          demoId.organisation(r.organisationKey),
          periodId,
          r.total,
          r.economy,
          r.cultureSociety,
          r.securityDefence,
          r.politicalSystem,
          r.newlyReplicated,
          r.note,
        ],
      ),
    );
  }
  return inserted;
}

/**
 * Loads the 2023-H1 report's organisations, models, link and reported figures. Ids are derived
 * from stable keys and every insert is ON CONFLICT DO NOTHING, so loading twice changes nothing
 * (and never overwrites edits made since). One transaction.
 */
export async function seedDemoData(db: DataSource): Promise<{ inserted: number }> {
  return db.transaction(async (m) => {
    const periodId = demoId.period(DEMO_PERIOD.code);
    let inserted = added(
      await m.query(
        `INSERT INTO reporting_period (id, code, label, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING id`,
        [periodId, DEMO_PERIOD.code, DEMO_PERIOD.label, DEMO_PERIOD.startsOn, DEMO_PERIOD.endsOn],
      ),
    );
    inserted += await seedOrganisations(m);
    const models = await seedModels(m, periodId);
    inserted += models.inserted;
    inserted += await seedLinks(m, models.newModels);
    inserted += await seedReports(m, periodId);
    return { inserted };
  });
}
