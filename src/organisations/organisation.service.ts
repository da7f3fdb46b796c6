import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../shared/config';
import { appendEvents } from '../events/event-log';
import { requireAdmin } from '../shared/access';
import type { Actor } from '../shared/actor';
import { BadUserInputError, ConflictError, NotFoundError, StaleVersionError } from '../shared/errors';
import {
  runPage,
  SortDirection,
  type Connection,
  type ConnectionArgs,
  type PageOptions,
  type PageQuery,
  pageRequest,
  runDepthPage,
} from '../shared/pagination';
import { SqlParams, returningList } from '../shared/sql';
import { normaliseText, searchCondition } from '../shared/text';
import { oneByKey } from '../shared/batch';
import { isUuid, requireUuid } from '../shared/ids';
import { inTransaction } from '../shared/transaction';
import { summaryAggregates, type Withdrawn } from '../summaries/summary-aggregates';
import { summaryColumn, type PageSummaryKey } from '../summaries/summary.service';
import { LOCALITY_KINDS, Organisation } from './organisation.entity';
import { CreateOrganisationInput, OrganisationFilter, OrganisationOrder, OrganisationOrderField, UpdateOrganisationInput } from './organisation.inputs';
import type { OrganisationDescendantConnection } from './organisation.types';
import { ORGANISATION_COLUMNS, ORGANISATION_SELECT as SELECT, ORGANISATION_SELECT_UNTIMED as SELECT_UNTIMED } from './organisation.sql';

const RETURNING = returningList(ORGANISATION_COLUMNS);
const DESCENDANTS_ORDER = 'organisation:DESCENDANTS';

/** Reads and changes organisations: tree placement, optimistic versions, the change log. */
export class OrganisationService {
  constructor(
    private readonly db: DataSource,
    private readonly config: Config,
  ) {}

  /** Organisations by id, in key order, null where absent (DataLoader batch). */
  async byIds(ids: readonly string[]): Promise<Array<Organisation | null>> {
    const rows: Organisation[] = await this.db.query(`SELECT ${SELECT} FROM organisation o WHERE o.id = ANY($1::uuid[])`, [ids.filter(isUuid)]); // a malformed id (say, from _entities) is simply absent
    return oneByKey(ids, rows, (r) => r.id);
  }

  private listQuery(
    filter: OrganisationFilter | null | undefined,
    order: OrganisationOrder | null | undefined,
    timestamps = true,
    summary: PageSummaryKey | null = null,
  ): PageQuery {
    const params = new SqlParams();
    const where: string[] = [];
    const f = filter ?? { includeArchived: false };
    if (!f.includeArchived) where.push('o.archived_at IS NULL');
    if (f.parentId) where.push(`o.parent_id = ${params.add(f.parentId)}::uuid`);
    if (f.withinId) {
      const within = `(SELECT w.path FROM organisation w WHERE w.id = ${params.add(f.withinId)}::uuid)`;
      where.push(`o.path LIKE ${within} || '_%'`);
      const maxDepth = this.depth(f.maxDepth, 'filter.maxDepth');
      if (maxDepth !== null) {
        const levels = (path: string) => `(length(${path}) - length(replace(${path}, '/', '')))`;
        where.push(`${levels('o.path')} - ${levels(within)} <= ${params.add(maxDepth)}::int`);
      }
    } else if (f.maxDepth != null) {
      throw new BadUserInputError('filter.maxDepth counts levels below filter.withinId: pass withinId too.', { argument: 'filter.maxDepth' });
    }
    if (f.kind?.length) where.push(`o.kind = ANY(${params.add(f.kind)}::organisation_kind[])`);
    where.push(...searchCondition('o.search_name', f.search, params));
    const field = order?.field ?? OrganisationOrderField.NAME;
    return {
      from: 'organisation o',
      alias: 'o',
      select: `${timestamps ? SELECT : SELECT_UNTIMED}${summary ? `, ${summaryColumn(summary)}` : ''}`,
      where,
      params,
      sortSql: field === OrganisationOrderField.NAME ? 'o.search_name COLLATE "C"' : 'o.created_at',
      sortType: field === OrganisationOrderField.NAME ? 'text' : 'timestamptz',
      direction: order?.direction ?? SortDirection.ASC,
      order: `organisation:${field}`,
    };
  }

  /**
   * One page of organisations for each parent id (children lists), or the root list; with
   * `withCount` each carries its `totalCount`, with `summary` each row its figures for that key
   * (`__summary`, see summaryColumn), read by the same statement.
   */
  async page(
    args: ConnectionArgs,
    filter: OrganisationFilter | null | undefined,
    order: OrganisationOrder | null | undefined,
    parentIds?: readonly string[],
    { withCount = false, timestamps = true, summary = null }: PageOptions & { summary?: PageSummaryKey | null } = {},
  ): Promise<Array<Connection<Organisation>>> {
    const query = this.listQuery(filter, order, timestamps, summary);
    if (parentIds) query.parent = { ids: parentIds, condition: 'o.parent_id = p.id' };
    const request = pageRequest(args, query.order, this.config.defaultPageSize, this.config.maxPageSize);
    return runPage<Organisation>(this.db.manager, query, request, withCount);
  }

  /** A depth bound of the tree: null for none; outside 1..MAX_GRAPH_DEPTH is BAD_USER_INPUT. */
  depth(maxDepth: number | null | undefined, argument = 'maxDepth'): number | null {
    if (maxDepth == null) return null;
    if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > this.config.maxGraphDepth) {
      throw new BadUserInputError(`${argument} must be between 1 and ${this.config.maxGraphDepth}; got ${maxDepth}.`, {
        argument,
        maxGraphDepth: this.config.maxGraphDepth,
      });
    }
    return maxDepth;
  }

  /**
   * A page of the (non-archived) organisations below each parent, ordered by (depth, id) with
   * keyset cursors, and their total: one statement for every parent asking the same page. Depth
   * is read from the materialised paths (levels = ids in the path), the subtree by path prefix.
   */
  async descendants(parentIds: readonly string[], maxDepth: number | null, args: ConnectionArgs): Promise<OrganisationDescendantConnection[]> {
    const request = pageRequest(args, DESCENDANTS_ORDER, this.config.defaultPageSize, this.config.maxPageSize);
    const levels = (path: string) => `(length(${path}) - length(replace(${path}, '/', '')))`;
    const walk = {
      recursive: false,
      ctes: `p AS (
         SELECT r.id AS root, w.path, ${levels('w.path')} AS lv FROM unnest($1::uuid[]) AS r(id) JOIN organisation w ON w.id = r.id
       ),
       d AS (
         SELECT p.root, o.id, ${levels('o.path')} - p.lv AS depth FROM p JOIN organisation o ON o.path LIKE p.path || '_%'
         WHERE o.archived_at IS NULL AND ($2::int IS NULL OR ${levels('o.path')} - p.lv <= $2::int)
       )`,
      from: 'organisation o',
      alias: 'o',
      select: SELECT,
    };
    return runDepthPage<Organisation>(this.db, walk, parentIds, maxDepth, request, DESCENDANTS_ORDER) as Promise<OrganisationDescendantConnection[]>;
  }

  /** Locks and returns an organisation inside a transaction, or throws NOT_FOUND. */
  async lock(manager: EntityManager, id: string, what = 'Organisation', argument = 'id'): Promise<Organisation> {
    requireUuid(id, argument, 'organisation');
    const [row]: Organisation[] = await manager.query(`SELECT ${SELECT} FROM organisation o WHERE o.id = $1 FOR UPDATE`, [id]);
    if (!row) throw new NotFoundError(what, id);
    return row;
  }

  async create(input: CreateOrganisationInput, actor: Actor): Promise<Organisation> {
    requireAdmin(actor, 'create organisations');
    const name = input.name.trim();
    return inTransaction(this.db, async (m) => {
      let parentPath = '/';
      if (input.parentId) {
        const parent = await this.lock(m, input.parentId, 'Parent organisation');
        if (parent.archivedAt) throw new ConflictError(`Parent organisation "${parent.name}" is archived; choose an active parent.`);
        parentPath = parent.path;
      }
      const [row]: Organisation[] = await m.query(
        `WITH id AS (SELECT gen_random_uuid() AS id)
         INSERT INTO organisation (id, name, short_name, kind, parent_id, path, search_name)
         SELECT id.id, $1, $2, $3, $4, $5 || id.id || '/', $6 FROM id
         RETURNING ${RETURNING}`,
        [name, input.shortName?.trim() || null, input.kind, input.parentId ?? null, parentPath, normaliseText(name)],
      );
      await appendEvents(m, actor, [
        {
          type: 'ORGANISATION_CREATED',
          entityType: 'Organisation',
          entityId: row.id,
          organisationPaths: [row.path],
          payload: { name: row.name, kind: row.kind },
        },
      ]);
      return row;
    });
  }

  async update(input: UpdateOrganisationInput, actor: Actor): Promise<Organisation> {
    requireAdmin(actor, 'change or move organisations');
    return inTransaction(this.db, async (m) => {
      const current = await this.lock(m, input.id);
      if (current.version !== input.version) throw new StaleVersionError('Organisation', input.id, input.version, current.version);
      if (input.name === null) throw new BadUserInputError('name cannot be removed; send a new name or omit it.', { argument: 'name' });
      if (input.kind === null) throw new BadUserInputError('kind cannot be removed; send a kind or omit it.', { argument: 'kind' });
      if (input.kind && LOCALITY_KINDS.includes(current.kind) && !LOCALITY_KINDS.includes(input.kind)) {
        const [used] = await m.query(`SELECT count(*)::int AS n FROM model WHERE locality_id = $1`, [current.id]);
        if (used.n > 0) {
          throw new ConflictError(
            `"${current.name}" is the locality of ${used.n} model(s): it must stay a city, ward or commune. Give those models another locality first.`,
            { models: used.n },
          );
        }
      }
      let path = current.path;
      let withdrawn: Withdrawn | null = null;
      if (input.parentId !== undefined && input.parentId !== current.parentId) {
        let parentPath = '/';
        if (input.parentId !== null) {
          const parent = await this.lock(m, input.parentId, 'Parent organisation');
          if (parent.path.startsWith(current.path)) {
            throw new ConflictError(`"${parent.name}" is inside "${current.name}": an organisation cannot be moved under itself or its own subtree.`);
          }
          if (parent.archivedAt) throw new ConflictError(`Parent organisation "${parent.name}" is archived; choose an active parent.`);
          parentPath = parent.path;
        }
        path = `${parentPath}${current.id}/`;
        withdrawn = await this.withdrawSubtree(m, current.path);
        await m.query(`UPDATE organisation SET path = $1 || substr(path, $2) WHERE path LIKE $3 AND id <> $4`, [
          path,
          current.path.length + 1,
          `${current.path}_%`,
          current.id,
        ]);
      }
      const name = input.name?.trim() ?? current.name;
      const [[row]]: [Organisation[]] = await m.query(
        `UPDATE organisation SET name = $2, short_name = $3, kind = $4, parent_id = $5, path = $6, search_name = $7,
           version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING ${RETURNING}`,
        [
          current.id,
          name,
          input.shortName === undefined ? current.shortName : input.shortName?.trim() || null,
          input.kind ?? current.kind,
          input.parentId === undefined ? current.parentId : input.parentId,
          path,
          normaliseText(name),
        ],
      );
      if (withdrawn) await summaryAggregates.contribute(m, withdrawn);
      await appendEvents(m, actor, [
        {
          type: 'ORGANISATION_UPDATED',
          entityType: 'Organisation',
          entityId: row.id,
          organisationPaths: [row.path],
          payload: { name: row.name, version: row.version },
        },
      ]);
      return row;
    });
  }

  /**
   * Before a move: locks the subtree's organisations and the models they run (in id order), so no
   * model can start, change or gain an organisation there meanwhile, and reads what those models
   * contribute to the summaries under the old paths.
   */
  private async withdrawSubtree(m: EntityManager, path: string): Promise<Withdrawn> {
    await m.query(`SELECT 1 FROM organisation WHERE path LIKE $1 ORDER BY id FOR UPDATE`, [`${path}%`]);
    const rows: Array<{ id: string }> = await m.query(
      `SELECT m.id FROM model m WHERE m.id IN (
         SELECT mo.model_id FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id WHERE o.path LIKE $1)
       ORDER BY m.id FOR SHARE`,
      [`${path}%`],
    );
    return summaryAggregates.withdraw(
      m,
      rows.map((r) => r.id),
    );
  }

  /**
   * Brings an archived organisation back. Its parent must be active (restore from the top down).
   * Idempotent: an organisation that is not archived is returned as it is. Summaries count models,
   * not organisations, so no figure moves.
   */
  async restore(id: string, version: number, actor: Actor): Promise<Organisation> {
    requireAdmin(actor, 'restore organisations');
    return inTransaction(this.db, async (m) => {
      const current = await this.lock(m, id);
      if (!current.archivedAt) return current;
      if (current.version !== version) throw new StaleVersionError('Organisation', id, version, current.version);
      if (current.parentId) {
        const parent = await this.lock(m, current.parentId, 'Parent organisation');
        if (parent.archivedAt) throw new ConflictError(`Parent organisation "${parent.name}" is archived; restore it first.`, { parentId: parent.id });
      }
      const [[row]]: [Organisation[]] = await m.query(
        `UPDATE organisation SET archived_at = NULL, version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${RETURNING}`,
        [id],
      );
      await appendEvents(m, actor, [
        {
          type: 'ORGANISATION_RESTORED',
          entityType: 'Organisation',
          entityId: id,
          organisationPaths: [row.path],
          payload: { name: row.name, version: row.version },
        },
      ]);
      return row;
    });
  }

  async archive(id: string, version: number, actor: Actor): Promise<Organisation> {
    requireAdmin(actor, 'archive organisations');
    return inTransaction(this.db, async (m) => {
      const current = await this.lock(m, id);
      if (current.version !== version) throw new StaleVersionError('Organisation', id, version, current.version);
      if (current.archivedAt) return current;
      const [active] = await m.query(`SELECT count(*)::int AS n FROM organisation WHERE parent_id = $1 AND archived_at IS NULL`, [id]);
      if (active.n > 0) {
        throw new ConflictError(`"${current.name}" still has ${active.n} active child organisation(s); archive or move them first.`);
      }
      const [[row]]: [Organisation[]] = await m.query(
        `UPDATE organisation SET archived_at = now(), version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${RETURNING}`,
        [id],
      );
      await appendEvents(m, actor, [
        { type: 'ORGANISATION_ARCHIVED', entityType: 'Organisation', entityId: id, organisationPaths: [row.path], payload: { name: row.name } },
      ]);
      return row;
    });
  }
}
