import type { DataSource } from 'typeorm';
import type { Config } from '../shared/config';
import type { CommunityModel, Domain } from '../models/model.entity';
import { MODEL_SELECT } from '../models/model.sql';
import { BadUserInputError, NotFoundError } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { checkPageSize, pageRequest, runDepthPage, type ConnectionArgs } from '../shared/pagination';
import type { ModelDescendantConnection, ModelReach, ReplicatedModel, ReplicationPath } from './graph.types';
import type { ReplicationLink } from './replication-link.entity';

const DESCENDANTS_ORDER = 'model:DESCENDANTS';

/*
 * One step down the graph from `d.id`, as a LATERAL subquery kept apart by OFFSET 0: without it
 * the planner, guessing the work table large (or the link table small, before ANALYZE), hashes
 * the whole link table at every step, 17 s instead of 50 ms for a 10,000-step chain.
 */
const STEP_DOWN = 'SELECT l.target_model_id, l.replicated_on FROM replication_link l WHERE l.source_model_id = d.id OFFSET 0';

/**
 * Reads over the replication graph (a forest: every model has at most one source): reach,
 * descendants, the most replicated models and paths between organisations. Recursive CTEs,
 * capped at a depth between 1 and MAX_GRAPH_DEPTH; one statement per batch.
 */
export class ReplicationGraphService {
  constructor(
    private readonly db: DataSource,
    private readonly config: Config,
  ) {}

  /** The depth cap to use: the argument, or DEFAULT_GRAPH_DEPTH; outside 1..MAX_GRAPH_DEPTH is BAD_USER_INPUT. */
  depth(maxDepth: number | null | undefined): number {
    if (maxDepth == null) return this.config.defaultGraphDepth;
    if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > this.config.maxGraphDepth) {
      throw new BadUserInputError(`maxDepth must be between 1 and ${this.config.maxGraphDepth}; got ${maxDepth}.`, {
        argument: 'maxDepth',
        maxGraphDepth: this.config.maxGraphDepth,
      });
    }
    return maxDepth;
  }

  /** Reach of each (model, depth cap) key: one recursive CTE for the whole batch. */
  async reach(keys: ReadonlyArray<{ modelId: string; maxDepth: number }>): Promise<ModelReach[]> {
    const rows: Array<ModelReach & { n: string }> = await this.db.query(
      `WITH RECURSIVE d(n, id, depth, replicated_on) AS (
         SELECT k.n::int, rl.target_model_id, 1, rl.replicated_on
         FROM unnest($1::uuid[], $2::int[]) WITH ORDINALITY AS k(id, max_depth, n)
         JOIN replication_link rl ON rl.source_model_id = k.id
         UNION ALL
         SELECT d.n, rl.target_model_id, d.depth + 1, rl.replicated_on
         FROM d CROSS JOIN LATERAL (${STEP_DOWN}) rl
         WHERE d.depth < ($2::int[])[d.n]
       ),
       a AS (
         SELECT n, count(*) FILTER (WHERE depth = 1)::int AS direct, count(*)::int AS total, max(depth)::int AS depth,
                min(replicated_on)::text AS first, max(replicated_on)::text AS latest
         FROM d GROUP BY n
       ),
       o AS (SELECT d.n, count(DISTINCT mo.organisation_id)::int AS orgs FROM d JOIN model_organisation mo ON mo.model_id = d.id GROUP BY d.n),
       l AS (SELECT d.n, count(DISTINCT m.locality_id)::int AS locs FROM d JOIN model m ON m.id = d.id GROUP BY d.n)
       SELECT a.n, a.direct AS "directReplicas", a.total AS descendants, a.depth, coalesce(o.orgs, 0) AS "organisationsReached",
              coalesce(l.locs, 0) AS "localitiesReached", a.first AS "firstReplicatedOn", a.latest AS "latestReplicatedOn"
       FROM a LEFT JOIN o USING (n) LEFT JOIN l USING (n)`,
      [keys.map((k) => k.modelId), keys.map((k) => k.maxDepth)],
    );
    const byN = new Map(rows.map(({ n, ...reach }) => [Number(n), reach]));
    return keys.map(
      (_, i) =>
        byN.get(i + 1) ?? {
          directReplicas: 0,
          descendants: 0,
          depth: 0,
          organisationsReached: 0,
          localitiesReached: 0,
          firstReplicatedOn: null,
          latestReplicatedOn: null,
        },
    );
  }

  /**
   * A page of descendants of each model, ordered by (depth, id) with keyset cursors, and their
   * total, in one statement for every model asking the same page.
   */
  async descendants(modelIds: readonly string[], maxDepth: number, args: ConnectionArgs): Promise<ModelDescendantConnection[]> {
    const request = pageRequest(args, DESCENDANTS_ORDER, this.config.defaultPageSize, this.config.maxPageSize);
    const walk = {
      recursive: true,
      ctes: `d(root, id, depth) AS (
         SELECT rl.source_model_id, rl.target_model_id, 1 FROM replication_link rl WHERE rl.source_model_id = ANY($1::uuid[])
         UNION ALL
         SELECT d.root, rl.target_model_id, d.depth + 1 FROM d CROSS JOIN LATERAL (${STEP_DOWN}) rl WHERE d.depth < $2
       )`,
      from: 'model m',
      alias: 'm',
      select: MODEL_SELECT,
    };
    return runDepthPage<CommunityModel>(this.db, walk, modelIds, maxDepth, request, DESCENDANTS_ORDER) as Promise<ModelDescendantConnection[]>;
  }

  /**
   * The models that spread most: by replications dated within the period (grouped by source), or
   * without a period by their replica count. Ties by id. An unknown period is NOT_FOUND.
   */
  async topReplicated(period: string | null, domain: Domain | null, first: number | null | undefined): Promise<ReplicatedModel[]> {
    const limit = checkPageSize('first', first ?? this.config.defaultPageSize, this.config.maxPageSize);
    if (period === null) {
      return this.db.query(
        `SELECT m.id AS "modelId", m.replica_count AS replications FROM model m
         WHERE m.replica_count > 0 AND ($1::model_domain IS NULL OR m.domain = $1::model_domain)
         ORDER BY m.replica_count DESC, m.id LIMIT $2`,
        [domain, limit],
      );
    }
    // One row per result, or one row of nulls when the period exists but nothing matched.
    const rows: Array<{ modelId: string | null; replications: number | null }> = await this.db.query(
      `SELECT x."modelId", x.replications FROM reporting_period rp
       LEFT JOIN LATERAL (
         SELECT rl.source_model_id AS "modelId", count(*)::int AS replications
         FROM replication_link rl JOIN model m ON m.id = rl.source_model_id
         WHERE rl.replicated_on BETWEEN rp.starts_on AND rp.ends_on AND ($2::model_domain IS NULL OR m.domain = $2::model_domain)
         GROUP BY rl.source_model_id ORDER BY replications DESC, rl.source_model_id LIMIT $3
       ) x ON true
       WHERE rp.code = $1`,
      [period, domain, limit],
    );
    if (rows.length === 0) throw new NotFoundError('Reporting period', period);
    return rows.filter((r): r is ReplicatedModel => r.modelId !== null);
  }

  /**
   * The shortest chain of links from a model run by `fromId` to a model run by `toId`, or null
   * (also for unknown ids). Walks up from the second organisation's models (each model has one
   * source, so going up is one chain per model) until a model of the first one, within the cap.
   */
  async path(fromId: string, toId: string): Promise<ReplicationPath | null> {
    if (!isUuid(fromId) || !isUuid(toId)) return null;
    const rows: Array<
      CommunityModel & {
        __depth: number;
        linkId: string | null;
        linkSource: string;
        linkTarget: string;
        linkReplicatedOn: string | null;
        linkNote: string | null;
        linkCreatedAt: Date;
      }
    > = await this.db.query(
      `WITH RECURSIVE up(start, id, depth) AS (
           SELECT mo.model_id, mo.model_id, 0 FROM model_organisation mo WHERE mo.organisation_id = $2::uuid
           UNION ALL
           SELECT up.start, rl.source_model_id, up.depth + 1
           FROM up CROSS JOIN LATERAL (SELECT l.source_model_id FROM replication_link l WHERE l.target_model_id = up.id OFFSET 0) rl
           WHERE up.depth < $3 AND NOT EXISTS (SELECT 1 FROM model_organisation a WHERE a.model_id = up.id AND a.organisation_id = $1::uuid)
         ),
         best AS (
           SELECT up.start, up.depth FROM up
           WHERE EXISTS (SELECT 1 FROM model_organisation a WHERE a.model_id = up.id AND a.organisation_id = $1::uuid)
           ORDER BY up.depth, up.start LIMIT 1
         ),
         chain(id, depth) AS (
           SELECT best.start, 0 FROM best
           UNION ALL
           SELECT rl.source_model_id, c.depth + 1 FROM chain c JOIN replication_link rl ON rl.target_model_id = c.id JOIN best ON c.depth < best.depth
         )
         SELECT c.depth AS "__depth", ${MODEL_SELECT},
                rl.id AS "linkId", rl.source_model_id AS "linkSource", rl.target_model_id AS "linkTarget",
                rl.replicated_on::text AS "linkReplicatedOn", rl.note AS "linkNote", rl.created_at AS "linkCreatedAt"
         FROM chain c JOIN model m ON m.id = c.id CROSS JOIN best
         LEFT JOIN replication_link rl ON rl.target_model_id = c.id AND c.depth < best.depth
         ORDER BY c.depth DESC`,
      [fromId, toId, this.config.maxGraphDepth],
    );
    if (rows.length === 0) return null;
    const models: CommunityModel[] = [];
    const links: ReplicationLink[] = [];
    for (const { __depth: _d, linkId, linkSource, linkTarget, linkReplicatedOn, linkNote, linkCreatedAt, ...model } of rows) {
      models.push(model as CommunityModel);
      if (linkId)
        links.push({
          id: linkId,
          sourceModelId: linkSource,
          targetModelId: linkTarget,
          replicatedOn: linkReplicatedOn,
          note: linkNote,
          createdAt: linkCreatedAt,
        } as ReplicationLink);
    }
    return { models, links, length: links.length };
  }
}
