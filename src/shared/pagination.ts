import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from './cursor';
import { BadUserInputError } from './errors';
import { isUuid, isUuidList } from './ids';
import { fieldsConstructor } from './objects';
import { SqlParams, TIMESTAMP_FIELDS } from './sql';

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: 'Which way a list is sorted.',
  valuesConfig: { ASC: { description: 'Smallest (or earliest, or A) first.' }, DESC: { description: 'Largest (or latest, or Z) first.' } },
});

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: 'Items after `after`, at most the page-size cap.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this list (an edge or pageInfo.endCursor): the page starts after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Items before `before` (counted from the end), at most the page-size cap.' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor from this list (an edge or pageInfo.startCursor): with `last`, the page ends before it.' })
  before?: string | null;
}

/** ConnectionArgs from argument values already coerced (graphql's getArgumentValues), as type-graphql would make them. */
export function connectionArgsOf(values: Readonly<Record<string, unknown>>): ConnectionArgs {
  const args = new ConnectionArgs();
  if (values.first !== undefined) args.first = values.first as number | null;
  if (values.after !== undefined) args.after = values.after as string | null;
  if (values.last !== undefined) args.last = values.last as number | null;
  if (values.before !== undefined) args.before = values.before as string | null;
  return args;
}

@ObjectType('PageInfo', { description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether items follow this page (ask with `first` and `after: endCursor`).' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Whether items precede this page (ask with `last` and `before: startCursor`).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first edge; null for an empty page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the last edge; null for an empty page.' })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount?: number;
}

/** Builds the Edge and Connection object types for one node type. */
export function connectionTypes<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a list, with its cursor.` })
  class EdgeType {
    @Field(() => String, { description: 'Where this edge is in the list: pass it as `after` (or `before`) to page from here. Opaque.' })
    cursor!: string;

    @Field(() => node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (a Relay cursor connection).` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: "The items of this page, in the list's order." })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Whether more pages follow or precede, and their cursors.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Number of items matching the filter, across all pages.' })
    totalCount!: number;
  }
  return { EdgeType, ConnectionType };
}

/**
 * An edge whose cursor is encoded only when a client asks for it: most pages are read without
 * cursors, and encoding one per row was a visible share of a request's CPU.
 */
class PageEdge<T> implements Edge<T> {
  constructor(
    readonly node: T,
    private readonly order: string,
    // The sort key travels as text so timestamps keep their microseconds in the cursor; null when
    // the page was read without it (no cursor selected).
    private readonly sortValue: string | number | null,
  ) {}

  get cursor(): string {
    if (this.sortValue === null) throw new Error('This page was read without cursors: its selection asks for none.');
    return encodeCursor({ order: this.order, value: this.sortValue, id: String((this.node as { id: unknown }).id) });
  }
}

/** An edge of a page read without cursors (its selection asks for none): only its node. */
class NodeEdge<T> implements Edge<T> {
  constructor(readonly node: T) {}

  get cursor(): string {
    throw new Error('This page was read without cursors: its selection asks for none.');
  }
}

/** Refuses a page size outside 0..maxSize (every list, connection or not, the same way). */
export function checkPageSize(name: string, value: number, maxSize: number): number {
  if (!Number.isInteger(value) || value < 0 || value > maxSize) {
    throw new BadUserInputError(`\`${name}\` must be between 0 and ${maxSize}; got ${value}. Page through larger sets with cursors.`, {
      argument: name,
      maxPageSize: maxSize,
    });
  }
  return value;
}

/** Validated paging request: a direction, a limit and an optional keyset position. */
export interface PageRequest {
  limit: number;
  backwards: boolean;
  after: { value: string | number; id: string } | null;
}

export function pageRequest(args: ConnectionArgs, order: string, defaultSize: number, maxSize: number): PageRequest {
  const { first, last, after, before } = args;
  if (first != null && last != null) {
    throw new BadUserInputError('Pass either `first` or `last`, not both.', { argument: 'first' });
  }
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const)
    if (value != null) checkPageSize(name, value, maxSize);
  if (after != null && before != null) {
    throw new BadUserInputError('Pass either `after` or `before`, not both.', { argument: 'after' });
  }
  const backwards = last != null || (before != null && first == null);
  const cursor = backwards ? before : after;
  if (!backwards && before != null) {
    throw new BadUserInputError('`before` pages backwards: use it with `last`.', { argument: 'before' });
  }
  if (backwards && after != null) {
    throw new BadUserInputError('`after` pages forwards: use it with `first`.', { argument: 'after' });
  }
  const position = cursor != null ? decodeCursor(cursor, order) : null;
  return {
    limit: (backwards ? last : first) ?? defaultSize,
    backwards,
    after: position ? { value: position.value, id: position.id } : null,
  };
}

/** How a page is read: with each parent's `totalCount`, whether rows carry their timestamps, and their sort keys (for cursors). */
export interface PageOptions {
  withCount?: boolean;
  timestamps?: boolean;
  /** false: the selection asks for no cursor (edges.cursor, pageInfo.startCursor/endCursor), so rows come without their sort key. */
  cursors?: boolean;
}

/** What varies between the lists: the table, the filter, the sort key and how rows attach to parents. */
export interface PageQuery {
  /** `model m` */
  from: string;
  alias: string;
  select: string;
  where: string[];
  params: SqlParams;
  /** SQL of the sort key (never null; coalesce nullable columns) and its SQL type for the cursor. */
  sortSql: string;
  sortType: 'text' | 'int' | 'date' | 'timestamptz';
  direction: SortDirection;
  order: string;
  /** For nested lists: `p.id` is each parent id; the condition ties rows to it (`from` may add a join). */
  parent?: { ids: readonly string[]; condition: string; from?: string };
}

/**
 * A connection from `rows`, the page as read (at most `limit + 1` rows, the extra one telling that
 * more follow), in reading order. Every list of the API (root lists, nested lists, descendants,
 * the change log) is a PageConnection, whose pageInfo and totalCount are made in that one class:
 * here, or by connectionsByPosition for runPage's nested pages.
 */
export function toConnection<R, E extends Edge<unknown>>(
  rows: readonly R[],
  request: Pick<PageRequest, 'limit' | 'backwards'> & { fromCursor: boolean },
  toEdge: (row: R) => E,
  totalCount?: number,
): Connection<E['node']> & { edges: E[] } {
  const hasMore = rows.length > request.limit;
  const pageRows = hasMore ? rows.slice(0, request.limit) : request.backwards ? [...rows] : rows;
  if (request.backwards) (pageRows as R[]).reverse();
  return new PageConnection(pageRows.map(toEdge), totalCount, hasMore, request);
}

/** Where a connection's page sits: its cursors read from its edges only when a selection asks for them. */
class PagePageInfo implements PageInfo {
  constructor(
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
    private readonly edges: ReadonlyArray<Edge<unknown>>,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges[this.edges.length - 1]?.cursor ?? null;
  }
}

/**
 * Every connection of the API (toConnection's, connectionsByPosition's): its edges, its
 * totalCount (undefined when the selection does not count) and a pageInfo made only when read
 * (most selections read only edges).
 */
class PageConnection<E extends Edge<unknown>> implements Connection<E['node']> {
  constructor(
    readonly edges: E[],
    readonly totalCount: number | undefined,
    private readonly more: boolean,
    private readonly request: Parameters<typeof toConnection>[1],
  ) {}

  get pageInfo(): PageInfo {
    const { backwards, fromCursor } = this.request;
    return new PagePageInfo(backwards ? fromCursor : this.more, backwards ? this.more : fromCursor, this.edges);
  }
}

/**
 * A page statement with each parent's total beside it: `SELECT "__parent", "__total", x.*`, one
 * row per page row, and one row of nulls (with the total) for a parent whose page is empty.
 * `parents` is the SQL of the parent ids `p(id, n)`; without parents the list has one pseudo
 * parent, ''.
 */
export function withTotals(count: string, page: string, parents?: string, parentColumn = 'p.id'): string {
  if (!parents) return `SELECT '' AS "__parent", c.total AS "__total", x.* FROM (${count}) c LEFT JOIN LATERAL (${page}) x ON true`;
  return `SELECT ${parentColumn} AS "__parent", c.total AS "__total", x.* FROM ${parents}
     CROSS JOIN LATERAL (${count}) c LEFT JOIN LATERAL (${page}) x ON true ORDER BY p.n`;
}

/**
 * One SQL statement for a page of each parent (a LATERAL join keeps each parent to its own
 * limit), or a plain page when there is no parent; with `withCount`, each page's `totalCount`
 * comes from the same statement. Returns one connection per parent id.
 */
export async function runPage<T>(manager: EntityManager, query: PageQuery, request: PageRequest, withCount = false, cursors = true): Promise<Connection<T>[]> {
  const { params, alias } = query;
  const from = query.parent?.from ?? query.from;
  // The count condition is the filter without the cursor: taken before the cursor is added.
  const filter = query.parent ? [query.parent.condition, ...query.where] : [...query.where];
  const where = [...filter];
  const descending = (query.direction === SortDirection.DESC) !== request.backwards;
  const cmp = descending ? '<' : '>';
  const dir = descending ? 'DESC' : 'ASC';
  if (request.after) {
    const value = `${params.add(request.after.value)}::${query.sortType}`;
    where.push(`(${query.sortSql}, ${alias}.id) ${cmp} (${value}, ${params.add(request.after.id)}::uuid)`);
  }
  const whereSql = (conditions: string[]) => (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '');
  const page =
    `SELECT ${query.select}${cursors ? `, (${query.sortSql})::text AS "__sort"` : ''} FROM ${from}${whereSql(where)}` +
    ` ORDER BY ${query.sortSql} ${dir}, ${alias}.id ${dir} LIMIT ${request.limit + 1}`;
  const parents = query.parent ? `unnest(${params.add(uuidArray(query.parent.ids))}::uuid[]) WITH ORDINALITY AS p(id, n)` : undefined;
  let sql: string;
  // Rows name their parent by its position (an int), not its id: no UUID text to decode and fold per row.
  if (withCount) sql = withTotals(`SELECT count(*)::int AS total FROM ${from}${whereSql(filter)}`, page, parents, 'p.n::int');
  else if (parents) sql = `SELECT p.n::int AS "__parent", x.* FROM ${parents} CROSS JOIN LATERAL (${page}) x ORDER BY p.n`;
  else sql = page;
  const aliases = selectAliases(query.select);
  const columns = aliases && [...(withCount ? ['__parent', '__total'] : parents ? ['__parent'] : []), ...aliases, ...(cursors ? ['__sort'] : [])];
  const rows = await pageRows(manager, sql, params.values, query.select, columns);
  const shape = { limit: request.limit, backwards: request.backwards, fromCursor: request.after !== null };
  const toEdge = (row: Record<string, unknown>) => {
    if (!cursors) return new NodeEdge(row as T);
    const sort = row.__sort;
    // Not `delete`: that turns each row into a dictionary, slower for every field read after.
    row.__sort = undefined;
    return new PageEdge(row as T, query.order, query.sortType === 'int' ? Number(sort) : String(sort));
  };
  return connectionsByPosition(rows, query.parent ? query.parent.ids.length : 1, shape, toEdge, withCount);
}

/**
 * Rows per JSON value of a page statement (pageRows): a value of the dashboard's pages is 5-10 kB,
 * and even rows of long descriptions stay far below V8's large-object size (128 kB, a two-byte
 * string of 64k characters), which a whole page of hundreds of rows passed: each such string, and
 * each buffer node-postgres grew to hold it, was memory mapped, faulted in page by page and unmapped
 * again: system time on every request (`npm run bench:codecs` shows it).
 */
export const ROWS_PER_VALUE = 50;

/**
 * The rows of a page statement, read as a few JSON values: `json_agg` over the statement's rows
 * in groups of ROWS_PER_VALUE, numbered in the statement's order (a subquery ends in ORDER BY or
 * LIMIT, which PostgreSQL neither flattens nor reorders) and kept in it, so node-postgres decodes
 * one field per group with one `JSON.parse` instead of a string per column of every row: on the
 * dashboard's pages (hundreds of rows) about half the Node CPU of reading them. With `columns`
 * (the statement's, in order) each row comes as a JSON array of its values, made into an object
 * by a constructor for those columns (fieldsConstructor, one hidden class per column list): about 30 % fewer bytes to decode and parse than objects that
 * repeat every key, for the same objects with the same keys. Without (a select list
 * selectAliases cannot read), each row comes as a JSON object. JSON columns (a brought lead,
 * summary figures) arrive as values, parsed once, and every other column a page reads is text, a
 * uuid, an enum, a boolean or an int4 (JSON strings, booleans and numbers alike); the
 * timestamps, JSON strings in ISO 8601, become the Dates a row read as columns has. A page of no
 * row is no group: `[]`.
 */
async function pageRows(
  manager: EntityManager,
  sql: string,
  values: unknown[],
  select: string,
  columns: readonly string[] | null,
): Promise<Array<Record<string, unknown>>> {
  const Row = columns && fieldsConstructor(columns);
  const value = Row ? `json_build_array(${columns!.map((c) => `s."${c}"`).join(', ')})` : 'row_to_json(s)';
  const groups = (await manager.query(
    `SELECT json_agg(q.r ORDER BY q.i) AS "rows" FROM (SELECT ${value} AS r, row_number() OVER () AS i FROM (${sql}) s) q` +
      ` GROUP BY (q.i - 1) / ${ROWS_PER_VALUE} ORDER BY (q.i - 1) / ${ROWS_PER_VALUE}`,
    values,
  )) as Array<{ rows: unknown[] }>;
  let rows: Array<Record<string, unknown>>;
  if (Row) {
    rows = [];
    for (const group of groups) for (const row of group.rows as unknown[][]) rows.push(new Row(row));
  } else {
    const objects = groups as Array<{ rows: Array<Record<string, unknown>> }>;
    rows = objects.length === 1 ? objects[0].rows : objects.flatMap((group) => group.rows);
  }
  for (const key of TIMESTAMP_FIELDS) {
    if (!select.includes(`AS "${key}"`)) continue;
    for (const row of rows) {
      const value = row[key];
      if (typeof value === 'string') row[key] = new Date(value);
    }
  }
  return rows;
}

/**
 * What selectAliases keeps of the select lists it has read, bounded by their characters: the
 * lists are our own, a few dozen in all, so the bound is never reached in practice; past it a
 * list is read again each time, not kept.
 */
const SELECT_CACHE_CHARS = 1024 * 1024;
let selectCacheChars = 0;

/** selectAliases's answers by select list. */
const aliasCache = new Map<string, string[] | null>();

/**
 * The column names of a select list (`expr AS "name", …`), in order: the items at the top level
 * (commas outside parentheses and quotes), each ending in `AS "name"`. Null when an item does not
 * (then the page's rows come as JSON objects, whatever the list holds).
 */
export function selectAliases(select: string): string[] | null {
  const cached = aliasCache.get(select);
  if (cached !== undefined) return cached;
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  let quote: string | null = null;
  for (let i = 0; i < select.length; i += 1) {
    const c = select[i];
    if (quote) {
      if (c === quote) {
        if (select[i + 1] === quote) i += 1;
        else quote = null;
      }
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      items.push(select.slice(start, i));
      start = i + 1;
    }
  }
  items.push(select.slice(start));
  let aliases: string[] | null = [];
  if (quote || depth !== 0) aliases = null;
  else {
    for (const item of items) {
      const alias = /\sAS\s+"([^"]+)"\s*$/i.exec(item);
      if (!alias) {
        aliases = null;
        break;
      }
      aliases.push(alias[1]);
    }
  }
  const chars = select.length + (aliases?.join('').length ?? 0);
  if (selectCacheChars + chars <= SELECT_CACHE_CHARS) {
    selectCacheChars += chars;
    aliasCache.set(select, aliases);
  }
  return aliases;
}

/**
 * Parent ids as one `uuid[]` literal (`{id,id,…}`) when every one is a UUID, which needs no
 * quoting: pg's own array serialiser quotes and escapes each element into a string of its own, a
 * few hundred per statement. Anything else goes as the array, as before.
 */
export function uuidArray(ids: readonly string[]): string | readonly string[] {
  if (ids.length === 0) return '{}';
  const joined = ids.join(',');
  return isUuidList(joined, ids.length) ? `{${joined}}` : ids;
}

/**
 * connectionsByParent for runPage's rows, which name their parent by its position (`__parent`,
 * 1-based; none without parents): edges go straight into their parent's list, with no key string
 * per row and no intermediate arrays. The same connections (PageConnection) as toConnection's.
 */
function connectionsByPosition<R extends Record<string, unknown>, E extends Edge<unknown>>(
  rows: readonly R[],
  parents: number,
  shape: Parameters<typeof toConnection>[1],
  toEdge: (row: R) => E,
  withCount: boolean,
): Array<Connection<E['node']> & { edges: E[] }> {
  const edges: E[][] = [];
  const more: boolean[] = [];
  const totals: number[] = [];
  for (let i = 0; i < parents; i += 1) {
    edges.push([]);
    more.push(false);
    totals.push(0);
  }
  const { limit } = shape;
  for (const row of rows) {
    const at = parents === 1 && typeof row.__parent !== 'number' ? 0 : (row.__parent as number) - 1;
    if (withCount) {
      totals[at] = row.__total as number;
      if (row.id == null) continue; // the empty page of a parent with a count (rows with a count keep their id)
    }
    // Rows come in reading order: the one past the limit only tells that more follow.
    if (edges[at].length < limit) edges[at].push(toEdge(row));
    else more[at] = true;
  }
  const connections: Array<PageConnection<E>> = [];
  for (let i = 0; i < parents; i += 1) {
    if (shape.backwards) edges[i].reverse();
    connections.push(new PageConnection(edges[i], withCount ? totals[i] : undefined, more[i], shape));
  }
  return connections;
}

/**
 * The connection of each parent, in `parentIds` order, from the rows of one page statement: each
 * row names its parent (`__parent`; none without parents) and, with `withCount`, the parent's
 * total (`__total`), where a parent with an empty page comes back as one row without an id.
 */
export function connectionsByParent<R extends { __parent?: unknown; __total?: unknown; id?: unknown }, E extends Edge<unknown>>(
  rows: readonly R[],
  parentIds: readonly string[],
  shape: Parameters<typeof toConnection>[1],
  toEdge: (row: R) => E,
  withCount: boolean,
): Array<Connection<E['node']> & { edges: E[] }> {
  const grouped = new Map<string, R[]>();
  const totals = new Map<string, number>();
  for (const row of rows) {
    // `__parent` stays on the row: deleting a first property would turn every row into a slow dictionary object.
    const key = String(row.__parent ?? '').toLowerCase();
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    if (withCount) {
      totals.set(key, row.__total as number);
      if (row.id == null) continue; // the empty page of a parent with a count
    }
    list.push(row);
  }
  return parentIds.map((parentId) => {
    const key = parentId.toLowerCase();
    return toConnection(grouped.get(key) ?? [], shape, toEdge, withCount ? (totals.get(key) ?? 0) : undefined);
  });
}

/**
 * A walk down a tree to page by depth: CTE definitions ending with `d(root, id, depth)`, over the
 * statement's parameters $1 (the root ids, uuid[]) and $2 (the depth cap, int, may be null), and
 * the table whose rows are the nodes (`from` with `alias`, `select` its columns).
 */
export interface DepthWalk {
  recursive: boolean;
  ctes: string;
  from: string;
  alias: string;
  select: string;
}

/** An edge of a depth-ordered page: how many steps below its root the node is. */
export interface DepthEdge<T> extends Edge<T> {
  depth: number;
}

/**
 * A page of each root's descendants, ordered by (depth, id) with keyset cursors of `order`, and
 * each root's total, in one statement for every root asking the same page (Model.descendants,
 * Organisation.descendants).
 */
export async function runDepthPage<T>(
  manager: Pick<EntityManager, 'query'>,
  walk: DepthWalk,
  rootIds: readonly string[],
  maxDepth: number | null,
  request: PageRequest,
  order: string,
): Promise<Array<Connection<T> & { edges: Array<DepthEdge<T>>; totalCount: number }>> {
  const dir = request.backwards ? 'DESC' : 'ASC';
  const params: unknown[] = [rootIds, maxDepth, request.limit + 1];
  let after = '';
  if (request.after) {
    const depth = Number(request.after.value);
    if (!Number.isInteger(depth) || !isUuid(request.after.id)) {
      throw new BadUserInputError('This cursor is not one this API issued. Use a cursor from an edge or pageInfo.', { argument: 'cursor' });
    }
    params.push(depth, request.after.id);
    after = `WHERE (d.depth, d.id) ${request.backwards ? '<' : '>'} ($4::int, $5::uuid)`;
  }
  const rows: Array<Record<string, unknown>> = await manager.query(
    `WITH ${walk.recursive ? 'RECURSIVE ' : ''}${walk.ctes},
     totals AS (SELECT root, count(*)::int AS n FROM d GROUP BY root),
     page AS (
       SELECT ranked.* FROM (SELECT d.root, d.id, d.depth, row_number() OVER (PARTITION BY d.root ORDER BY d.depth ${dir}, d.id ${dir}) AS rn FROM d ${after}) ranked
       WHERE ranked.rn <= $3
     )
     SELECT r.id AS "__parent", coalesce(t.n, 0) AS "__total", x.*
     FROM unnest($1::uuid[]) WITH ORDINALITY AS r(id, ord)
     LEFT JOIN totals t ON t.root = r.id
     LEFT JOIN LATERAL (
       SELECT pg.depth AS "__depth", pg.rn AS "__rn", ${walk.select} FROM page pg JOIN ${walk.from} ON ${walk.alias}.id = pg.id WHERE pg.root = r.id
     ) x ON true
     ORDER BY r.ord, x."__rn"`,
    params,
  );
  const shape = { limit: request.limit, backwards: request.backwards, fromCursor: request.after !== null };
  const toEdge = ({ __parent: _p, __total: _t, __rn: _r, __depth, ...node }: Record<string, unknown>): DepthEdge<T> => ({
    cursor: encodeCursor({ order, value: Number(__depth), id: String(node.id) }),
    depth: Number(__depth),
    node: node as T,
  });
  return connectionsByParent(rows, rootIds, shape, toEdge, true) as Array<Connection<T> & { edges: Array<DepthEdge<T>>; totalCount: number }>;
}
