import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../shared/config';
import { appendEvents } from '../events/event-log';
import type { OrganisationService } from '../organisations/organisation.service';
import type { PeriodService } from '../periods/period.service';
import { requireWriter } from '../shared/access';
import type { Actor } from '../shared/actor';
import { BadUserInputError, ConflictError, NotFoundError, StaleVersionError } from '../shared/errors';
import { runPage, type Connection, type ConnectionArgs, type PageOptions, pageRequest } from '../shared/pagination';
import { normaliseText } from '../shared/text';
import { manyByKey, oneByKey } from '../shared/batch';
import { isUuid, requireUuid } from '../shared/ids';
import { LOCALITY_KINDS, type Organisation } from '../organisations/organisation.entity';
import { writeScope, type Scoped, type WriteScope } from '../organisations/organisation.access';
import { ORGANISATION_SELECT, ORGANISATION_SELECT_UNTIMED } from '../organisations/organisation.sql';
import { summaryAggregates } from '../summaries/summary-aggregates';
import { checkDateRange, inTransaction } from '../shared/transaction';
import { CommunityModel, ModelStatus } from './model.entity';
import { ModelRole } from './model-organisation.entity';
import { CreateModelInput, ModelFilter, ModelOrder, UpdateModelInput } from './model.inputs';
import { MODEL_RETURNING, MODEL_SELECT, type ModelColumns, type ModelParent, modelListQuery } from './model.sql';

export interface ModelOrganisationRow {
  modelId: string;
  organisationId: string;
  role: ModelRole;
}

/** Reads and changes models; owns their validation, versions and change events. */
export class ModelService {
  constructor(
    private readonly db: DataSource,
    private readonly config: Config,
    private readonly organisations: OrganisationService,
    private readonly periods: PeriodService,
  ) {}

  async byIds(ids: readonly string[], manager: EntityManager = this.db.manager): Promise<Array<CommunityModel | null>> {
    const rows: CommunityModel[] = await manager.query(`SELECT ${MODEL_SELECT} FROM model m WHERE m.id = ANY($1::uuid[])`, [ids.filter(isUuid)]); // a malformed id (say, from _entities) is simply absent
    return oneByKey(ids, rows, (r) => r.id);
  }

  /**
   * A page of models for each parent (an organisation, its subtree, a source model: see
   * ModelParent), or the root list; with `withCount` each carries its `totalCount`.
   */
  async page(
    args: ConnectionArgs,
    filter: ModelFilter | null | undefined,
    order: ModelOrder | null | undefined,
    parent?: ModelParent & { ids: readonly string[] },
    { withCount = false, cursors = true, ...columns }: PageOptions & ModelColumns = {},
  ): Promise<Array<Connection<CommunityModel>>> {
    const query = modelListQuery(filter, order, columns);
    if (parent) query.parent = parent;
    const request = pageRequest(args, query.order, this.config.defaultPageSize, this.config.maxPageSize);
    return runPage<CommunityModel>(this.db.manager, query, request, withCount, cursors);
  }

  /** The organisation that leads each model (DataLoader batch): one join, no second lookup. */
  async leadsOf(modelIds: readonly string[], timestamps = true): Promise<Array<Organisation | null>> {
    const rows: Array<Organisation & { modelId: string }> = await this.db.query(
      `SELECT mo.model_id AS "modelId", ${timestamps ? ORGANISATION_SELECT : ORGANISATION_SELECT_UNTIMED} FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id
       WHERE mo.model_id = ANY($1::uuid[]) AND mo.role = 'LEAD'`,
      [modelIds.filter(isUuid)],
    );
    return oneByKey(modelIds, rows, (r) => r.modelId);
  }

  /** The organisations running each model, lead first (DataLoader batch). */
  async organisationsOf(modelIds: readonly string[]): Promise<ModelOrganisationRow[][]> {
    const rows: ModelOrganisationRow[] = await this.db.query(
      `SELECT mo.model_id AS "modelId", mo.organisation_id AS "organisationId", mo.role
       FROM model_organisation mo WHERE mo.model_id = ANY($1::uuid[])
       ORDER BY mo.model_id, mo.role, mo.organisation_id`,
      [modelIds],
    );
    return manyByKey(modelIds, rows, (r) => r.modelId);
  }

  /** Locks a model row in a transaction, or throws NOT_FOUND. */
  async lock(manager: EntityManager, id: string, what = 'Model', argument = 'id'): Promise<CommunityModel> {
    requireUuid(id, argument, 'model');
    const [row]: CommunityModel[] = await manager.query(`SELECT ${MODEL_SELECT} FROM model m WHERE m.id = $1 FOR UPDATE`, [id]);
    if (!row) throw new NotFoundError(what, id);
    return row;
  }

  /** Materialised paths of the organisations running a model (for event filtering). */
  async organisationPaths(manager: EntityManager, modelId: string): Promise<string[]> {
    const rows: Array<{ path: string }> = await manager.query(
      `SELECT o.path FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id WHERE mo.model_id = $1 ORDER BY o.path`,
      [modelId],
    );
    return rows.map((r) => r.path);
  }

  /** The organisation that leads a model, for scope checks (inside the caller's transaction). */
  async leadOf(manager: EntityManager, modelId: string): Promise<Scoped> {
    const [lead]: Scoped[] = await manager.query(
      `SELECT o.name, o.path FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id WHERE mo.model_id = $1 AND mo.role = 'LEAD'`,
      [modelId],
    );
    // Every model has a lead; one without (never written by this API) is nobody's but an ADMIN's.
    return lead ?? { name: 'no lead organisation', path: '' };
  }

  /**
   * Inserts a model and the organisations that run it, inside the caller's transaction, each of
   * them within the caller's scope. Shared by createModel and replicateModel.
   */
  async insert(m: EntityManager, input: CreateModelInput, scope: WriteScope): Promise<CommunityModel> {
    const name = input.name.trim();
    // UUIDs are case-insensitive: compare them in one case so duplicates are seen as such.
    const lead = input.leadOrganisationId.toLowerCase();
    const partners = [...new Set((input.partnerOrganisationIds ?? []).map((id) => id.toLowerCase()))];
    if (partners.includes(lead)) {
      throw new BadUserInputError('The lead organisation cannot also be a partner.', { argument: 'partnerOrganisationIds' });
    }
    checkDateRange(input.startedOn, 'startedOn');
    for (const id of [lead, ...partners]) {
      const org = await this.organisations.lock(m, id);
      scope.require(org, `give it a model to run`);
      if (org.archivedAt) throw new ConflictError(`Organisation "${org.name}" is archived and cannot run a new model.`);
    }
    if (input.localityId) await this.lockLocality(m, input.localityId);
    const periodId = input.recognisedPeriod ? (await this.periods.requireByCode(m, input.recognisedPeriod)).id : null;
    const [row]: CommunityModel[] = await m.query(
      `INSERT INTO model (name, description, domain, status, started_on, recognised_period_id, locality_id, search_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${MODEL_RETURNING}`,
      [
        name,
        input.description?.trim() || null,
        input.domain,
        input.status ?? ModelStatus.ACTIVE,
        input.startedOn ?? null,
        periodId,
        input.localityId ?? null,
        normaliseText(name),
      ],
    );
    await m.query(
      `INSERT INTO model_organisation (model_id, organisation_id, role)
       SELECT $1, unnest($2::uuid[]), unnest($3::model_role[])`,
      [row.id, [lead, ...partners], [ModelRole.LEAD, ...partners.map(() => ModelRole.PARTNER)]],
    );
    return row;
  }

  async create(input: CreateModelInput, actor: Actor): Promise<CommunityModel> {
    requireWriter(actor, 'create models');
    return inTransaction(this.db, async (m) => {
      const row = await this.insert(m, input, await writeScope(m, actor, 'create models'));
      await summaryAggregates.contribute(m, [row.id]);
      await appendEvents(m, actor, [
        {
          type: 'MODEL_CREATED',
          entityType: 'Model',
          entityId: row.id,
          organisationPaths: await this.organisationPaths(m, row.id),
          payload: { name: row.name, domain: row.domain, status: row.status, version: row.version },
        },
      ]);
      return row;
    });
  }

  async update(input: UpdateModelInput, actor: Actor): Promise<CommunityModel> {
    requireWriter(actor, 'change models');
    return inTransaction(this.db, async (m) => {
      const current = await this.lock(m, input.id);
      const scope = await writeScope(m, actor, 'change models');
      scope.require(await this.leadOf(m, current.id), `change or archive the model "${current.name}" it leads`);
      if (current.version !== input.version) throw new StaleVersionError('Model', input.id, input.version, current.version);
      for (const key of ['name', 'domain', 'status'] as const) {
        if (input[key] === null) throw new BadUserInputError(`${key} cannot be removed; send a value or omit it.`, { argument: key });
      }
      checkDateRange(input.startedOn, 'startedOn');
      if (input.localityId) await this.lockLocality(m, input.localityId);
      const runners = await this.newOrganisations(m, current, input, scope);
      let periodId = current.recognisedPeriodId;
      if (input.recognisedPeriod !== undefined) {
        periodId = input.recognisedPeriod === null ? null : (await this.periods.requireByCode(m, input.recognisedPeriod)).id;
      }
      const name = input.name?.trim() ?? current.name;
      // Only domain, status, start date, recognised period and organisations move summary figures; the model row lock keeps them steady.
      const moves =
        (input.domain ?? current.domain) !== current.domain ||
        periodId !== current.recognisedPeriodId ||
        (input.status ?? current.status) !== current.status ||
        (input.startedOn === undefined ? current.startedOn : input.startedOn) !== current.startedOn ||
        runners !== null;
      const oldPaths = runners ? await this.organisationPaths(m, current.id) : [];
      const withdrawn = moves ? await summaryAggregates.withdraw(m, [current.id]) : null;
      if (runners) {
        await m.query('DELETE FROM model_organisation WHERE model_id = $1', [current.id]);
        await m.query(`INSERT INTO model_organisation (model_id, organisation_id, role) SELECT $1, unnest($2::uuid[]), unnest($3::model_role[])`, [
          current.id,
          [runners.lead, ...runners.partners],
          [ModelRole.LEAD, ...runners.partners.map(() => ModelRole.PARTNER)],
        ]);
      }
      const [[row]]: [CommunityModel[]] = await m.query(
        `UPDATE model SET name = $2, description = $3, domain = $4, status = $5, started_on = $6, locality_id = $7,
           recognised_period_id = $8, search_name = $9, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING ${MODEL_RETURNING}`,
        [
          current.id,
          name,
          input.description === undefined ? current.description : input.description?.trim() || null,
          input.domain ?? current.domain,
          input.status ?? current.status,
          input.startedOn === undefined ? current.startedOn : input.startedOn,
          input.localityId === undefined ? current.localityId : input.localityId,
          periodId,
          normaliseText(name),
        ],
      );
      if (withdrawn) await summaryAggregates.contribute(m, withdrawn);
      // A new name moves no figure, but free-text summaries read the search text from summary_model.
      else if (normaliseText(name) !== normaliseText(current.name)) await summaryAggregates.refreshModels(m, [current.id]);
      const type = row.status === ModelStatus.ARCHIVED && current.status !== ModelStatus.ARCHIVED ? 'MODEL_ARCHIVED' : 'MODEL_UPDATED';
      // A change of organisations concerns the ones that left as well as those that joined.
      const organisationPaths = [...new Set([...oldPaths, ...(await this.organisationPaths(m, row.id))])].sort();
      const payload: Record<string, unknown> = { name: row.name, domain: row.domain, status: row.status, version: row.version };
      if (runners) Object.assign(payload, { leadOrganisationId: runners.lead, partnerOrganisationIds: runners.partners });
      await appendEvents(m, actor, [{ type, entityType: 'Model', entityId: row.id, organisationPaths, payload }]);
      return row;
    });
  }

  /**
   * Sets the status to ARCHIVED. Idempotent: a model already archived is returned as it is, with
   * no new version and no event, whatever version was sent (a retried request succeeds).
   */
  async archive(id: string, version: number, actor: Actor): Promise<CommunityModel> {
    requireUuid(id, 'id', 'model');
    const archived = async () => {
      const [current] = await this.byIds([id.toLowerCase()]);
      return current?.status === ModelStatus.ARCHIVED ? current : null;
    };
    const already = await archived();
    if (already) return already;
    try {
      return await this.update({ id, version, status: ModelStatus.ARCHIVED } as UpdateModelInput, actor);
    } catch (error) {
      // Archived meanwhile by a concurrent request: the same outcome.
      const now = error instanceof StaleVersionError ? await archived() : null;
      if (now) return now;
      throw error;
    }
  }

  /** Locks the locality of a model: it must be a city, ward or commune (BAD_USER_INPUT otherwise). */
  private async lockLocality(m: EntityManager, id: string): Promise<Organisation> {
    const locality = await this.organisations.lock(m, id, 'Locality', 'localityId');
    if (!LOCALITY_KINDS.includes(locality.kind)) {
      throw new BadUserInputError(`The locality must be a city, ward or commune; "${locality.name}" is ${locality.kind}.`, {
        argument: 'localityId',
        kind: locality.kind,
      });
    }
    return locality;
  }

  /**
   * The organisations that will run the model after an update, or null when the update does not
   * change them. Locks every organisation that joins (it must not be archived, and must be within
   * the caller's scope); ones that stay may be archived.
   */
  private async newOrganisations(
    m: EntityManager,
    current: CommunityModel,
    input: UpdateModelInput,
    scope: WriteScope,
  ): Promise<{ lead: string; partners: string[] } | null> {
    if (input.leadOrganisationId === undefined && input.partnerOrganisationIds === undefined) return null;
    if (input.leadOrganisationId === null) {
      throw new BadUserInputError('A model always has a lead organisation: send a new one or omit leadOrganisationId.', { argument: 'leadOrganisationId' });
    }
    const rows: ModelOrganisationRow[] = await m.query(
      `SELECT mo.organisation_id AS "organisationId", mo.role FROM model_organisation mo WHERE mo.model_id = $1`,
      [current.id],
    );
    const oldLead = rows.find((r) => r.role === ModelRole.LEAD)?.organisationId ?? null;
    const oldPartners = rows.filter((r) => r.role === ModelRole.PARTNER).map((r) => r.organisationId);
    const lead = input.leadOrganisationId?.toLowerCase() ?? (oldLead as string);
    let partners: string[];
    if (input.partnerOrganisationIds !== undefined) {
      partners = [...new Set((input.partnerOrganisationIds ?? []).map((id) => id.toLowerCase()))];
      if (partners.includes(lead)) throw new BadUserInputError('The lead organisation cannot also be a partner.', { argument: 'partnerOrganisationIds' });
    } else partners = oldPartners.filter((id) => id !== lead);
    const before = new Set([oldLead, ...oldPartners]);
    for (const id of [lead, ...partners].filter((o) => !before.has(o)).sort()) {
      const org = await this.organisations.lock(m, id, 'Organisation', id === lead ? 'leadOrganisationId' : 'partnerOrganisationIds');
      if (org.archivedAt) throw new ConflictError(`Organisation "${org.name}" is archived and cannot join a model.`);
      scope.require(org, 'give it a model to run');
    }
    const unchanged = lead === oldLead && partners.length === oldPartners.length && partners.every((p) => oldPartners.includes(p));
    return unchanged ? null : { lead, partners: partners.sort() };
  }
}
