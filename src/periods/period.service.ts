import type { DataSource, EntityManager } from 'typeorm';
import { appendEvents } from '../events/event-log';
import { writeScope } from '../organisations/organisation.access';
import type { OrganisationService } from '../organisations/organisation.service';
import { requireAdmin, requireWriter } from '../shared/access';
import type { Actor } from '../shared/actor';
import { BadUserInputError, ConflictError, NotFoundError, StaleVersionError } from '../shared/errors';
import { manyByKey, oneByKey } from '../shared/batch';
import { isUuid } from '../shared/ids';
import { returningList, selectList } from '../shared/sql';
import { inTransaction } from '../shared/transaction';
import { PeriodReport } from './period-report.entity';
import { CreateReportingPeriodInput, RecordPeriodReportInput } from './period.inputs';
import { ReportingPeriod } from './reporting-period.entity';

const PERIOD_COLUMNS = {
  id: '{a}.id',
  code: '{a}.code',
  label: '{a}.label',
  startsOn: '{a}.starts_on::text',
  endsOn: '{a}.ends_on::text',
  createdAt: '{a}.created_at',
};
const REPORT_COLUMNS = {
  id: '{a}.id',
  organisationId: '{a}.organisation_id',
  periodId: '{a}.period_id',
  total: '{a}.total',
  economy: '{a}.economy',
  cultureSociety: '{a}.culture_society',
  securityDefence: '{a}.security_defence',
  politicalSystem: '{a}.political_system',
  newlyReplicated: '{a}.newly_replicated',
  note: '{a}.note',
  createdAt: '{a}.created_at',
  updatedAt: '{a}.updated_at',
  version: '{a}.version',
};
const PERIOD_SELECT = selectList('rp', PERIOD_COLUMNS);
const REPORT_SELECT = selectList('r', REPORT_COLUMNS);

/** Figures counted from the registered models, to set beside a report. */
export interface RegisteredFigures {
  total: number;
  economy: number;
  cultureSociety: number;
  securityDefence: number;
  politicalSystem: number;
  newlyReplicated: number;
}

/** Reporting periods and the figures organisations reported for them. */
export class PeriodService {
  constructor(
    private readonly db: DataSource,
    private readonly organisations: OrganisationService,
  ) {}

  async byIds(ids: readonly string[]): Promise<Array<ReportingPeriod | null>> {
    const rows: ReportingPeriod[] = await this.db.query(`SELECT ${PERIOD_SELECT} FROM reporting_period rp WHERE rp.id = ANY($1::uuid[])`, [ids.filter(isUuid)]); // a malformed id (say, from _entities) is simply absent
    return oneByKey(ids, rows, (r) => r.id);
  }

  async byCodes(codes: readonly string[]): Promise<Array<ReportingPeriod | null>> {
    const rows: ReportingPeriod[] = await this.db.query(`SELECT ${PERIOD_SELECT} FROM reporting_period rp WHERE rp.code = ANY($1::text[])`, [codes]);
    return oneByKey(codes, rows, (r) => r.code);
  }

  async all(): Promise<ReportingPeriod[]> {
    return this.db.query(`SELECT ${PERIOD_SELECT} FROM reporting_period rp ORDER BY rp.starts_on DESC, rp.code`);
  }

  async requireByCode(manager: EntityManager, code: string): Promise<ReportingPeriod> {
    const [row]: ReportingPeriod[] = await manager.query(`SELECT ${PERIOD_SELECT} FROM reporting_period rp WHERE rp.code = $1`, [code]);
    if (!row) throw new NotFoundError('Reporting period', code);
    return row;
  }

  /** Reports grouped by organisation id (DataLoader batch). */
  async reportsByOrganisation(organisationIds: readonly string[]): Promise<PeriodReport[][]> {
    const rows: PeriodReport[] = await this.db.query(
      `SELECT ${REPORT_SELECT} FROM period_report r JOIN reporting_period rp ON rp.id = r.period_id
       WHERE r.organisation_id = ANY($1::uuid[]) ORDER BY rp.starts_on DESC`,
      [organisationIds],
    );
    return manyByKey(organisationIds, rows, (r) => r.organisationId);
  }

  /** Reports grouped by period id (DataLoader batch). */
  async reportsByPeriod(periodIds: readonly string[]): Promise<PeriodReport[][]> {
    const rows: PeriodReport[] = await this.db.query(
      `SELECT ${REPORT_SELECT} FROM period_report r JOIN organisation o ON o.id = r.organisation_id
       WHERE r.period_id = ANY($1::uuid[]) ORDER BY o.path`,
      [periodIds],
    );
    return manyByKey(periodIds, rows, (r) => r.periodId);
  }

  /**
   * What is registered for each (organisation subtree, period): models recognised in the period
   * and run in the subtree, per domain, and replications recorded within the period's dates.
   * One statement for all keys.
   */
  async registered(keys: ReadonlyArray<{ organisationId: string; periodId: string }>): Promise<RegisteredFigures[]> {
    const rows: Array<RegisteredFigures> = await this.db.query(
      `SELECT f.* FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(org_id, period_id, n)
       JOIN organisation ko ON ko.id = k.org_id
       JOIN reporting_period kp ON kp.id = k.period_id
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS total,
                count(*) FILTER (WHERE m.domain = 'ECONOMY')::int AS economy,
                count(*) FILTER (WHERE m.domain = 'CULTURE_SOCIETY')::int AS "cultureSociety",
                count(*) FILTER (WHERE m.domain = 'SECURITY_DEFENCE')::int AS "securityDefence",
                count(*) FILTER (WHERE m.domain = 'POLITICAL_SYSTEM')::int AS "politicalSystem",
                (SELECT count(*)::int FROM replication_link rl
                   WHERE rl.replicated_on BETWEEN kp.starts_on AND kp.ends_on
                     AND EXISTS (SELECT 1 FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id
                                 WHERE mo.model_id = rl.target_model_id AND o.path LIKE ko.path || '%')) AS "newlyReplicated"
         FROM model m
         WHERE m.recognised_period_id = k.period_id AND m.status <> 'ARCHIVED'
           AND EXISTS (SELECT 1 FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id
                       WHERE mo.model_id = m.id AND o.path LIKE ko.path || '%')
       ) f ORDER BY k.n`,
      [keys.map((k) => k.organisationId), keys.map((k) => k.periodId)],
    );
    return rows;
  }

  async createPeriod(input: CreateReportingPeriodInput, actor: Actor): Promise<ReportingPeriod> {
    requireAdmin(actor, 'create reporting periods');
    if (input.startsOn > input.endsOn) throw new BadUserInputError('startsOn must not be after endsOn.', { argument: 'startsOn' });
    return inTransaction(this.db, async (m) => {
      const [existing] = await m.query('SELECT 1 FROM reporting_period WHERE code = $1', [input.code]);
      if (existing) throw new ConflictError(`A reporting period with code "${input.code}" already exists.`);
      const [row]: ReportingPeriod[] = await m.query(
        `INSERT INTO reporting_period (code, label, starts_on, ends_on) VALUES ($1, $2, $3, $4)
         RETURNING ${returningList(PERIOD_COLUMNS)}`,
        [input.code, input.label.trim(), input.startsOn, input.endsOn],
      );
      await appendEvents(m, actor, [
        { type: 'PERIOD_CREATED', entityType: 'ReportingPeriod', entityId: row.id, organisationPaths: [], payload: { code: row.code } },
      ]);
      return row;
    });
  }

  async recordReport(input: RecordPeriodReportInput, actor: Actor): Promise<PeriodReport> {
    requireWriter(actor, 'record reports');
    const parts = [input.economy, input.cultureSociety, input.securityDefence, input.politicalSystem];
    const given = parts.filter((p): p is number => p != null);
    const sum = given.reduce((a, b) => a + b, 0);
    if ((given.length === parts.length && sum !== input.total) || sum > input.total) {
      throw new BadUserInputError('The domain figures must add up to total (leave the ones the report does not give empty; those given cannot exceed total).', {
        argument: 'total',
      });
    }
    return inTransaction(this.db, async (m) => {
      const organisation = await this.organisations.lock(m, input.organisationId);
      (await writeScope(m, actor, 'record reports')).require(organisation, 'record a report for it');
      const period = await this.requireByCode(m, input.period);
      const [existing]: PeriodReport[] = await m.query(
        `SELECT ${REPORT_SELECT} FROM period_report r WHERE r.organisation_id = $1 AND r.period_id = $2 FOR UPDATE`,
        [organisation.id, period.id],
      );
      const values = [
        input.total,
        input.economy ?? null,
        input.cultureSociety ?? null,
        input.securityDefence ?? null,
        input.politicalSystem ?? null,
        input.newlyReplicated ?? null,
        input.note?.trim() || null,
      ];
      let row: PeriodReport;
      if (existing) {
        if (input.version == null) {
          throw new ConflictError(
            `"${organisation.name}" already has a report for ${period.code} (version ${existing.version}); send that version to replace it.`,
            { currentVersion: existing.version },
          );
        }
        if (existing.version !== input.version) throw new StaleVersionError('PeriodReport', existing.id, input.version, existing.version);
        [[row]] = await m.query(
          `UPDATE period_report SET total = $2, economy = $3, culture_society = $4, security_defence = $5, political_system = $6,
             newly_replicated = $7, note = $8, version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING ${returningList(REPORT_COLUMNS)}`,
          [existing.id, ...values],
        );
      } else {
        [row] = await m.query(
          `INSERT INTO period_report (organisation_id, period_id, total, economy, culture_society, security_defence, political_system, newly_replicated, note)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${returningList(REPORT_COLUMNS)}`,
          [organisation.id, period.id, ...values],
        );
      }
      await appendEvents(m, actor, [
        {
          type: 'PERIOD_REPORT_RECORDED',
          entityType: 'PeriodReport',
          entityId: row.id,
          organisationPaths: [organisation.path],
          payload: { period: period.code, total: row.total, version: row.version },
        },
      ]);
      return row;
    });
  }
}
