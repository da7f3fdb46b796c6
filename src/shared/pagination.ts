import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from './cursor';
import { BadUserInputError } from './errors';
import { SqlParams } from './sql';

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: 'Items after `after`, at most the page-size cap.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Items before `before` (counted from the end), at most the page-size cap.' })
  last?: number | null;

  @Field(() => String, { nullable: true })
  before?: string | null;
}

@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
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
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
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
    // The sort key travels as text so timestamps keep their microseconds in the cursor.
    private readonly sortValue: string | number,
  ) {}

  get cursor(): string {
    return encodeCursor({ order: this.order, value: this.sortValue, id: String((this.node as { id: unknown }).id) });
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
  for (const [name, value] of [['first', first], ['last', last]] as const) if (value != null) checkPageSize(name, value, maxSize);
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

/** How a page is read: with each parent's `totalCount`, and whether rows carry their timestamps. */
export interface PageOptions {
  withCount?: boolean;
  timestamps?: boolean;
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
 * One SQL statement for a page of each parent (a LATERAL join keeps each parent to its own
 * limit), or a plain page when there is no parent. Returns one connection per parent id.
 */
export async function runPage<T>(manager: EntityManager, query: PageQuery, request: PageRequest, withCount = false): Promise<Connection<T>[]> {
  const { params, alias } = query;
  // The count condition is the filter without the cursor: taken before the cursor is added.
  const countWhere = query.parent ? [query.parent.condition, ...query.where] : [];
  const descending = (query.direction === SortDirection.DESC) !== request.backwards;
  const cmp = descending ? '<' : '>';
  const dir = descending ? 'DESC' : 'ASC';
  const where = [...query.where];
  if (query.parent) where.unshift(query.parent.condition);
  if (request.after) {
    const value = `${params.add(request.after.value)}::${query.sortType}`;
    where.push(`(${query.sortSql}, ${alias}.id) ${cmp} (${value}, ${params.add(request.after.id)}::uuid)`);
  }
  const inner =
    `SELECT ${query.select}, (${query.sortSql})::text AS "__sort" FROM ${query.parent?.from ?? query.from}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${query.sortSql} ${dir}, ${alias}.id ${dir} LIMIT ${request.limit + 1}`;
  const parentIds = query.parent?.ids ?? [''];
  let rows: Array<Record<string, unknown>>;
  if (query.parent && withCount) {
    // Each parent's total beside its page, in the same statement: a parent whose page is empty
    // still comes back once (LEFT JOIN), with a null row and its count.
    const ids = params.add(query.parent.ids);
    const count = `SELECT count(*)::int AS total FROM ${query.parent.from ?? query.from} WHERE ${countWhere.join(' AND ')}`;
    rows = await manager.query(
      `SELECT p.id AS "__parent", c.total AS "__total", x.* FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS p(id, n)
       CROSS JOIN LATERAL (${count}) c LEFT JOIN LATERAL (${inner}) x ON true ORDER BY p.n`,
      params.values,
    );
  } else if (query.parent) {
    const ids = params.add(query.parent.ids);
    rows = await manager.query(
      `SELECT p.id AS "__parent", x.* FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS p(id, n) CROSS JOIN LATERAL (${inner}) x ORDER BY p.n`,
      params.values,
    );
  } else {
    rows = await manager.query(inner, params.values);
  }
  const grouped = new Map<string, Array<Record<string, unknown>>>();
  const totals = new Map<string, number>();
  for (const row of rows) {
    // `__parent` stays on the row: deleting a first property would turn every row into a slow dictionary object.
    const key = query.parent ? String(row.__parent) : '';
    let list = grouped.get(key);
    if (!list) grouped.set(key, (list = []));
    if (withCount) {
      totals.set(key, row.__total as number);
      if (row.id == null) continue; // the empty page of a parent with a count
    }
    list.push(row);
  }
  return parentIds.map((parentId) => {
    const list = grouped.get(parentId) ?? [];
    const hasMore = list.length > request.limit;
    const pageRows = hasMore ? list.slice(0, request.limit) : list;
    if (request.backwards) pageRows.reverse();
    const edges = pageRows.map((row) => {
      const sort = row.__sort;
      delete row.__sort;
      return new PageEdge(row as T, query.order, query.sortType === 'int' ? Number(sort) : String(sort));
    });
    const pageInfo: PageInfo = {
      hasNextPage: request.backwards ? request.after !== null : hasMore,
      hasPreviousPage: request.backwards ? hasMore : request.after !== null,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    };
    return withCount && query.parent ? { edges, pageInfo, totalCount: totals.get(parentId) ?? 0 } : { edges, pageInfo };
  });
}

/** Counts matching rows per parent in one statement (or once without parents). */
export async function runCount(manager: EntityManager, query: Pick<PageQuery, 'from' | 'where' | 'params' | 'parent'>): Promise<number[]> {
  const where = [...query.where];
  if (query.parent) where.unshift(query.parent.condition);
  const inner = `SELECT count(*)::int AS n FROM ${query.parent?.from ?? query.from}` + (where.length ? ` WHERE ${where.join(' AND ')}` : '');
  if (!query.parent) {
    const [row] = await manager.query(inner, query.params.values);
    return [row.n];
  }
  const ids = query.params.add(query.parent.ids);
  const rows: Array<{ n: number }> = await manager.query(
    `SELECT c.n FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS p(id, ord) CROSS JOIN LATERAL (${inner}) c ORDER BY p.ord`,
    query.params.values,
  );
  return rows.map((r) => r.n);
}
