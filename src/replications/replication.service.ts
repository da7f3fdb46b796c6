import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../shared/config';
import { appendEvents, type NewEvent } from '../events/event-log';
import { ModelStatus } from '../models/model.entity';
import type { ModelService } from '../models/model.service';
import { MODEL_SELECT } from '../models/model.sql';
import { LOCALITY_KINDS } from '../organisations/organisation.entity';
import { writeScope } from '../organisations/organisation.access';
import type { OrganisationService } from '../organisations/organisation.service';
import { requireWriter } from '../shared/access';
import type { Actor } from '../shared/actor';
import { BadUserInputError, ConflictError, NotFoundError } from '../shared/errors';
import { manyByKey, oneByKey } from '../shared/batch';
import { isUuid, requireUuid } from '../shared/ids';
import { runPage, SortDirection, type Connection, type ConnectionArgs, type PageOptions, type PageQuery, pageRequest } from '../shared/pagination';
import { SqlParams, returningList } from '../shared/sql';
import { checkDateRange, inTransaction } from '../shared/transaction';
import { summaryAggregates, type Withdrawn } from '../summaries/summary-aggregates';
import type { CommunityModel } from '../models/model.entity';
import { LinkModelsInput, ReplicateModelInput, ReplicationLinkFilter, ReplicationLinkOrder, ReplicationLinkOrderField } from './replication.inputs';
import { ReplicationLink } from './replication-link.entity';
import { LINK_COLUMNS, LINK_SELECT } from './replication.sql';

/** Serialises changes to the replication graph so the cycle check sees every committed link. */
const GRAPH_LOCK_KEY = 727_002;

/** Replication links: the edges of the graph, their cycle check and the replica counts. */
export class ReplicationService {
  constructor(
    private readonly db: DataSource,
    private readonly config: Config,
    private readonly models: ModelService,
    private readonly organisations: OrganisationService,
  ) {}

  async byIds(ids: readonly string[]): Promise<Array<ReplicationLink | null>> {
    const rows: ReplicationLink[] = await this.db.query(`SELECT ${LINK_SELECT} FROM replication_link rl WHERE rl.id = ANY($1::uuid[])`, [ids.filter(isUuid)]); // a malformed id (say, from _entities) is simply absent
    return oneByKey(ids, rows, (r) => r.id);
  }

  private listQuery(filter: ReplicationLinkFilter | null | undefined, order?: ReplicationLinkOrder | null): PageQuery {
    const params = new SqlParams();
    const where: string[] = [];
    const f = filter ?? ({ includeDescendants: true } as ReplicationLinkFilter);
    for (const [older, newer] of [
      ['replicatedFrom', 'replicatedSince'],
      ['replicatedTo', 'replicatedUntil'],
    ] as const) {
      if (f[older] != null && f[newer] != null && f[older] !== f[newer]) {
        throw new BadUserInputError(`Pass ${newer} alone: ${older} is its deprecated name.`, { argument: `filter.${older}` });
      }
    }
    const since = f.replicatedSince ?? f.replicatedFrom;
    const until = f.replicatedUntil ?? f.replicatedTo;
    if (f.sourceModelId) where.push(`rl.source_model_id = ${params.add(f.sourceModelId)}::uuid`);
    if (f.targetModelId) where.push(`rl.target_model_id = ${params.add(f.targetModelId)}::uuid`);
    if (f.organisationId) {
      const org = params.add(f.organisationId);
      const runs =
        f.includeDescendants !== false
          ? `SELECT 1 FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id
             WHERE mo.model_id IN (rl.source_model_id, rl.target_model_id) AND o.path LIKE (SELECT w.path FROM organisation w WHERE w.id = ${org}::uuid) || '%'`
          : `SELECT 1 FROM model_organisation mo WHERE mo.model_id IN (rl.source_model_id, rl.target_model_id) AND mo.organisation_id = ${org}::uuid`;
      where.push(`EXISTS (${runs})`);
    }
    if (f.domain?.length)
      where.push(`EXISTS (SELECT 1 FROM model sm WHERE sm.id = rl.source_model_id AND sm.domain = ANY(${params.add(f.domain)}::model_domain[]))`);
    if (since) where.push(`rl.replicated_on >= ${params.add(since)}::date`);
    if (until) where.push(`rl.replicated_on <= ${params.add(until)}::date`);
    const field = order?.field ?? ReplicationLinkOrderField.CREATED_AT;
    return {
      from: 'replication_link rl',
      alias: 'rl',
      select: LINK_SELECT,
      where,
      params,
      sortSql: field === ReplicationLinkOrderField.CREATED_AT ? 'rl.created_at' : "coalesce(rl.replicated_on, '-infinity'::date)",
      sortType: field === ReplicationLinkOrderField.CREATED_AT ? 'timestamptz' : 'date',
      direction: order?.direction ?? SortDirection.DESC,
      order: `replicationLink:${field}`,
    };
  }

  /** Replication links, newest first unless ordered otherwise; with `withCount`, their `totalCount` from the same statement. */
  async page(
    args: ConnectionArgs,
    filter: ReplicationLinkFilter | null | undefined,
    { withCount = false }: PageOptions = {},
    order?: ReplicationLinkOrder | null,
  ): Promise<Connection<ReplicationLink>> {
    const query = this.listQuery(filter, order);
    const [page] = await runPage<ReplicationLink>(
      this.db.manager,
      query,
      pageRequest(args, query.order, this.config.defaultPageSize, this.config.maxPageSize),
      withCount,
    );
    return page;
  }

  /** The link that made each model a replica (a model has at most one source), null for originals. */
  async byTargetIds(modelIds: readonly string[]): Promise<Array<ReplicationLink | null>> {
    const rows: ReplicationLink[] = await this.db.query(`SELECT ${LINK_SELECT} FROM replication_link rl WHERE rl.target_model_id = ANY($1::uuid[])`, [
      modelIds,
    ]);
    return oneByKey(modelIds, rows, (r) => r.targetModelId);
  }

  /**
   * The chain of sources of each model, nearest first, back to the origin (recursive CTE over
   * all requested models at once; capped at maxDepth steps).
   */
  async lineage(modelIds: readonly string[], maxDepth: number): Promise<CommunityModel[][]> {
    const rows: Array<CommunityModel & { start: string }> = await this.db.query(
      `WITH RECURSIVE chain(start, model_id, depth) AS (
         SELECT rl.target_model_id, rl.source_model_id, 1 FROM replication_link rl WHERE rl.target_model_id = ANY($1::uuid[])
         UNION ALL
         SELECT c.start, rl.source_model_id, c.depth + 1 FROM chain c
         JOIN replication_link rl ON rl.target_model_id = c.model_id WHERE c.depth < $2
       )
       SELECT c.start AS "start", ${MODEL_SELECT} FROM chain c JOIN model m ON m.id = c.model_id ORDER BY c.start, c.depth`,
      [modelIds, maxDepth],
    );
    return manyByKey(modelIds, rows, (r) => r.start).map((chain) => chain.map(({ start: _start, ...model }) => model as CommunityModel));
  }

  /** Whether `candidate` is `modelId` itself or one of its sources, at any distance. */
  private async isSourceOrSelf(m: EntityManager, modelId: string, candidate: string): Promise<boolean> {
    if (modelId === candidate) return true;
    const [row] = await m.query(
      `WITH RECURSIVE up(id) AS (
         SELECT $1::uuid
         UNION
         SELECT rl.source_model_id FROM up JOIN replication_link rl ON rl.target_model_id = up.id
       ) SELECT EXISTS (SELECT 1 FROM up WHERE id = $2::uuid) AS found`,
      [modelId, candidate],
    );
    return row.found;
  }

  /**
   * Inserts a link after the checks; the caller holds the graph lock. The target's summary
   * contribution includes its incoming link: `withdrawn` is what it contributed before (or just its
   * id when it is new). Aggregates are written before any event, as in every mutation (lock order).
   */
  private async insertLink(
    m: EntityManager,
    source: CommunityModel,
    target: CommunityModel,
    replicatedOn: string | null,
    note: string | null,
    actor: Actor,
    withdrawn: Withdrawn | string[],
    precedingEvents: NewEvent[] = [],
  ): Promise<ReplicationLink> {
    const [existing]: ReplicationLink[] = await m.query(`SELECT ${LINK_SELECT} FROM replication_link rl WHERE rl.target_model_id = $1`, [target.id]);
    if (existing) {
      throw new ConflictError(
        existing.sourceModelId === source.id
          ? `"${target.name}" is already linked as a replica of "${source.name}".`
          : `"${target.name}" is already a replica of another model (link ${existing.id}); a model has one source. Unlink it first.`,
        { existingLinkId: existing.id },
      );
    }
    if (await this.isSourceOrSelf(m, source.id, target.id)) {
      throw new ConflictError(`Linking "${source.name}" → "${target.name}" would make a cycle: "${target.name}" is already a source of "${source.name}".`);
    }
    const [link]: ReplicationLink[] = await m.query(
      `INSERT INTO replication_link (source_model_id, target_model_id, replicated_on, note) VALUES ($1, $2, $3, $4)
       RETURNING ${returningList(LINK_COLUMNS)}`,
      [source.id, target.id, replicatedOn, note],
    );
    await m.query('UPDATE model SET replica_count = replica_count + 1 WHERE id = $1', [source.id]);
    await summaryAggregates.contribute(m, withdrawn);
    await appendEvents(m, actor, [
      ...precedingEvents,
      {
        type: 'REPLICATION_RECORDED',
        entityType: 'ReplicationLink',
        entityId: link.id,
        organisationPaths: [...new Set([...(await this.models.organisationPaths(m, source.id)), ...(await this.models.organisationPaths(m, target.id))])],
        payload: { sourceModelId: source.id, targetModelId: target.id, replicatedOn: link.replicatedOn, domain: target.domain },
      },
    ]);
    return link;
  }

  private async lockGraph(m: EntityManager): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [GRAPH_LOCK_KEY]);
  }

  async link(input: LinkModelsInput, actor: Actor): Promise<ReplicationLink> {
    requireWriter(actor, 'link models');
    checkDateRange(input.replicatedOn, 'replicatedOn');
    if (input.sourceModelId.toLowerCase() === input.targetModelId.toLowerCase()) {
      throw new BadUserInputError('A model cannot be a replica of itself: choose two different models.', { argument: 'targetModelId' });
    }
    return inTransaction(this.db, async (m) => {
      await this.lockGraph(m);
      const source = await this.models.lock(m, input.sourceModelId, 'Source model');
      const target = await this.models.lock(m, input.targetModelId, 'Target model');
      // The replica's organisation says where its model came from; the source may be anyone's.
      const scope = await writeScope(m, actor, 'link models');
      scope.require(await this.models.leadOf(m, target.id), `link its model "${target.name}" as a replica`);
      const withdrawn = await summaryAggregates.withdraw(m, [target.id]);
      return this.insertLink(m, source, target, input.replicatedOn ?? null, input.note?.trim() || null, actor, withdrawn);
    });
  }

  async replicate(input: ReplicateModelInput, actor: Actor): Promise<ReplicationLink> {
    requireWriter(actor, 'replicate models');
    checkDateRange(input.replicatedOn, 'replicatedOn');
    return inTransaction(this.db, async (m) => {
      await this.lockGraph(m);
      const source = await this.models.lock(m, input.sourceModelId, 'Source model');
      if (source.status === ModelStatus.ARCHIVED) throw new ConflictError(`"${source.name}" is archived and cannot be replicated.`);
      const organisation = await this.organisations.lock(m, input.targetOrganisationId, 'Target organisation');
      const scope = await writeScope(m, actor, 'replicate models');
      scope.require(organisation, `replicate a model into it`);
      const [runsIt] = await m.query(`SELECT 1 FROM model_organisation WHERE model_id = $1 AND organisation_id = $2`, [source.id, organisation.id]);
      if (runsIt) throw new ConflictError(`"${organisation.name}" already runs "${source.name}"; replicate it to another organisation.`);
      // One replica of a model per organisation: a second would count the same uptake twice. An
      // archived replica (the organisation gave it up) does not stand in the way of a new one.
      const [duplicate]: Array<{ linkId: string; modelId: string }> = await m.query(
        `SELECT rl.id AS "linkId", rl.target_model_id AS "modelId" FROM replication_link rl
         JOIN model r ON r.id = rl.target_model_id AND r.status <> 'ARCHIVED'
         JOIN model_organisation mo ON mo.model_id = rl.target_model_id AND mo.organisation_id = $2
         WHERE rl.source_model_id = $1 LIMIT 1`,
        [source.id, organisation.id],
      );
      if (duplicate) {
        throw new ConflictError(
          `"${organisation.name}" already runs a replica of "${source.name}" (model ${duplicate.modelId}); archive it before replicating the model there again.`,
          {
            existingLinkId: duplicate.linkId,
            existingModelId: duplicate.modelId,
          },
        );
      }
      // The replica runs in the nearest city, ward or commune at or above the target organisation.
      const [locality] = await m.query(
        `SELECT o.id FROM organisation o WHERE $1 LIKE o.path || '%' AND o.kind = ANY($2::organisation_kind[]) ORDER BY length(o.path) DESC LIMIT 1`,
        [organisation.path, LOCALITY_KINDS],
      );
      const replica = await this.models.insert(
        m,
        {
          name: input.name?.trim() || source.name,
          description: source.description,
          domain: source.domain,
          status: ModelStatus.ACTIVE,
          startedOn: input.replicatedOn ?? null,
          leadOrganisationId: organisation.id,
          localityId: locality?.id ?? null,
        },
        scope,
      );
      const created: NewEvent = {
        type: 'MODEL_CREATED',
        entityType: 'Model',
        entityId: replica.id,
        organisationPaths: [organisation.path],
        payload: { name: replica.name, domain: replica.domain, status: replica.status, version: replica.version, replicaOf: source.id },
      };
      return this.insertLink(m, source, replica, input.replicatedOn ?? null, input.note?.trim() || null, actor, [replica.id], [created]);
    });
  }

  /** Removes a link; the replica stays as a model of its own. */
  async unlink(linkId: string, actor: Actor): Promise<ReplicationLink> {
    requireWriter(actor, 'unlink models');
    requireUuid(linkId, 'id', 'replication link');
    return inTransaction(this.db, async (m) => {
      await this.lockGraph(m);
      const [link]: ReplicationLink[] = await m.query(`SELECT ${LINK_SELECT} FROM replication_link rl WHERE rl.id = $1 FOR UPDATE`, [linkId]);
      if (!link) throw new NotFoundError('Replication link', linkId);
      // The replica's figures include its incoming link; its row lock keeps the rest of them steady.
      const target = await this.models.lock(m, link.targetModelId);
      const scope = await writeScope(m, actor, 'unlink models');
      scope.require(await this.models.leadOf(m, target.id), `unlink its model "${target.name}" from its source`);
      const withdrawn = await summaryAggregates.withdraw(m, [link.targetModelId]);
      await m.query('DELETE FROM replication_link WHERE id = $1', [link.id]);
      await m.query('UPDATE model SET replica_count = replica_count - 1 WHERE id = $1', [link.sourceModelId]);
      await summaryAggregates.contribute(m, withdrawn);
      await appendEvents(m, actor, [
        {
          type: 'REPLICATION_REMOVED',
          entityType: 'ReplicationLink',
          entityId: link.id,
          organisationPaths: [
            ...new Set([...(await this.models.organisationPaths(m, link.sourceModelId)), ...(await this.models.organisationPaths(m, link.targetModelId))]),
          ],
          payload: { sourceModelId: link.sourceModelId, targetModelId: link.targetModelId, domain: target.domain },
        },
      ]);
      return link;
    });
  }
}
