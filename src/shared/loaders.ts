import DataLoader from 'dataloader';
import { getArgumentValues, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo, type ValueNode } from 'graphql';
import { undirectedFieldsAt } from './graphql';
import { withFields } from './objects';

/**
 * A nested list (`Type.field`: a page per parent, read through a page loader of `kind`) that a
 * page of its parents can bring: one statement for every parent of the page, run in the page's
 * own batch, so that each parent's resolver then has its page at once, with no loader round, no
 * promise and no microtask per parent (see PageLoaders.bring).
 */
export interface NestedPage {
  /**
   * The batch for the list at `site` (the list field's resolve info, made from its parent page's)
   * with the argument values `args`; null leaves the list to its resolver, for arguments only the
   * resolver converts or validates. `context` is the request's (each feature reads its own).
   */
  batch(context: never, site: GraphQLResolveInfo, args: Readonly<Record<string, unknown>>): NestedBatch | null;
}

/** One statement for a nested list's pages: `kind` is the page loader kind its resolver gives `pages` (metrics and tracing name the batch by it). */
export interface NestedBatch {
  kind: string;
  run(parentIds: readonly string[]): Promise<unknown[]>;
}

/** Nested lists that pages can bring, by `Type.field` (the features' `nestedPages`). */
export type NestedPages = Readonly<Record<string, NestedPage>>;

/** A page's connections, as `bring` reads them: the ids of their nodes. */
type PagesOf = ReadonlyArray<{ edges: ReadonlyArray<{ node: unknown }> }>;

/** The nested-list loaders every request has, whatever its features. */
export interface PageLoaders {
  /**
   * Nested lists: one loader per list kind and argument set, keyed by parent id, so every parent
   * asking the same page of the same list shares one SQL statement. `site` is the field's
   * `info.fieldNodes`: within one request the same site always has the same arguments, so every
   * parent after the first finds its loader without the arguments being serialised again.
   */
  pages<T>(kind: string, site: object, args: unknown, batch: (parentIds: readonly string[]) => Promise<T[]>): DataLoader<string, T>;
  /**
   * The loader `pages` made for this kind at this site, if it made one: what every parent after
   * the first asks, before building the arguments and the batch function `pages` would need
   * (a few hundred parents per response, each of them allocating nothing here).
   */
  pageAt<T>(kind: string, site: object): DataLoader<string, T> | undefined;
  /**
   * For the nodes of `pages`, just read at `info` and of GraphQL type `type`: runs every nested
   * list their selection shows that can be brought (NestedPages), one statement each, and keeps
   * each node's page for `brought`. A list it cannot bring, or whose statement fails, is left to
   * its resolver, which reads it (or reports its error at its own path) as it would have anyway.
   */
  bring(context: object, info: GraphQLResolveInfo, type: string, pages: PagesOf): Promise<void>;
  /** The page `bring` brought for `parentId` at this place in the document (the field's `info.fieldNodes`), if it did. */
  brought<T>(site: readonly FieldNode[], parentId: string): T | undefined;
}

/** Where wrapBatches hands a request's nested-list loaders its wrapper, applied to each batch function as its loader is made. */
const WRAP_PAGES = Symbol('wrapPages');

type WithPageWrappers = PageLoaders & { [WRAP_PAGES]?: (wrap: BatchWrapper) => void };

export function pageLoaders(nested: NestedPages = {}): PageLoaders {
  const byArgs = new Map<string, DataLoader<string, unknown>>();
  const bySite = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();
  const wrappers: BatchWrapper[] = [];
  /** What `bring` brought: by the list's first field node, then by parent id. */
  const broughtAt = new Map<FieldNode, Map<string, unknown>>();
  const wrapped = (kind: string, batch: Batch): Batch => {
    // The wrapper registered first wraps outermost.
    for (let i = wrappers.length - 1; i >= 0; i -= 1) batch = wrappers[i](kind, batch);
    return batch;
  };
  const bringOne = async (context: object, info: GraphQLResolveInfo, type: string, list: NestedList, ids: readonly string[]): Promise<void> => {
    const values = await broughtValues(context, info, type, list, ids, wrapped);
    if (!values) return;
    let byParent = broughtAt.get(list.nodes[0]);
    if (!byParent) broughtAt.set(list.nodes[0], (byParent = new Map()));
    for (let i = 0; i < ids.length; i += 1) byParent.set(ids[i], values[i]);
  };
  const loaders: WithPageWrappers = {
    pages<T>(kind: string, site: object, args: unknown, batch: (parentIds: readonly string[]) => Promise<T[]>): DataLoader<string, T> {
      let atSite = bySite.get(site);
      let loader = atSite?.get(kind);
      if (!loader) {
        // Identical arguments at another site (an alias, a fragment) share the loader too.
        const key = `${kind}:${JSON.stringify(args)}`;
        loader = byArgs.get(key);
        if (!loader) {
          byArgs.set(key, (loader = new DataLoader(wrapped(kind, batch as Batch) as (ids: readonly string[]) => Promise<unknown[]>)));
        }
        if (!atSite) bySite.set(site, (atSite = new Map()));
        atSite.set(kind, loader);
      }
      return loader as DataLoader<string, T>;
    },
    pageAt<T>(kind: string, site: object): DataLoader<string, T> | undefined {
      return bySite.get(site)?.get(kind) as DataLoader<string, T> | undefined;
    },
    async bring(context, info, type, pages) {
      const lists = nestedLists(info, type, nested);
      if (lists.length === 0) return;
      const ids = new Set<string>();
      for (const page of pages) {
        for (const edge of page.edges) {
          const id = (edge.node as { id?: unknown } | null)?.id;
          if (typeof id === 'string') ids.add(id);
        }
      }
      if (ids.size === 0) return;
      const parentIds = [...ids];
      await Promise.all(lists.map((list) => bringOne(context, info, type, list, parentIds)));
    },
    brought<T>(site: readonly FieldNode[], parentId: string): T | undefined {
      return broughtAt.get(site[0])?.get(parentId) as T | undefined;
    },
    [WRAP_PAGES]: (wrap) => {
      wrappers.push(wrap);
    },
  };
  return loaders;
}

/**
 * The values of `list` for the parents `ids` (in their order), run through `wrap` as a loader's
 * batch would be; null when the list cannot be brought or its statement failed.
 */
async function broughtValues(
  context: object,
  info: GraphQLResolveInfo,
  type: string,
  list: NestedList,
  ids: readonly string[],
  wrap: (kind: string, batch: Batch) => Batch,
): Promise<unknown[] | null> {
  const parentType = info.schema.getType(type);
  const field = isObjectType(parentType) ? parentType.getFields()[list.field] : undefined;
  if (!field || !isObjectType(parentType)) return null;
  let args: Readonly<Record<string, unknown>> | undefined = list.literalArgs;
  if (!args) {
    try {
      args = getArgumentValues(field, list.nodes[0], info.variableValues);
    } catch {
      return null; // the resolver reports it, at its own path
    }
    // Arguments without variables are the same in every request: coerced once.
    if (!list.nodes[0].arguments?.some((arg) => hasVariable(arg.value))) list.literalArgs = args;
  }
  const site: GraphQLResolveInfo = withFields(info, { fieldName: list.field, fieldNodes: list.nodes, returnType: field.type, parentType });
  const batch = list.page.batch(context as never, site, args);
  if (!batch) return null;
  try {
    const values = await wrap(batch.kind, batch.run as Batch)(ids);
    return Array.isArray(values) && values.length === ids.length ? values : null;
  } catch {
    return null; // read again by the resolver, whose error then lands on its own field
  }
}

/** A nested list a page's nodes select: its field, its field nodes (one response key) and how to bring it. */
interface NestedList {
  field: string;
  nodes: readonly FieldNode[];
  page: NestedPage;
  /** Its argument values, once coerced, when they hold no variable. */
  literalArgs?: Readonly<Record<string, unknown>>;
}

/** Whether a value in the document names a variable, at any depth. */
function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => hasVariable(field.value));
  return false;
}

/**
 * The nested lists of `type` that the nodes of the page read at `info` select (under
 * `edges.node`, through fragments) and that a page may bring: each field asked under one response
 * key only (aliases with other arguments each keep their own loader) and with no `@skip` or
 * `@include` on it or on the way to it (a skipped list must cost no statement). Remembered per
 * place in the document: its field nodes stay the same array, as the list's own loaders expect.
 */
function nestedLists(info: GraphQLResolveInfo, type: string, nested: NestedPages): readonly NestedList[] {
  let byType = nestedListsAt.get(info.fieldNodes);
  const known = byType?.get(type);
  if (known) return known;
  const found = new Map<string, FieldNode[]>();
  const refused = new Set<string>();
  for (const field of undirectedFieldsAt(info, ['edges', 'node'])) {
    const name = field.name.value;
    if (!Object.hasOwn(nested, `${type}.${name}`)) continue;
    const same = found.get(name) ?? [];
    if (field.directives?.length || (same.length > 0 && (same[0].alias?.value ?? name) !== (field.alias?.value ?? name))) refused.add(name);
    found.set(name, [...same, field]);
  }
  const lists = [...found].filter(([name]) => !refused.has(name)).map(([name, nodes]) => ({ field: name, nodes, page: nested[`${type}.${name}`] }));
  if (!byType) nestedListsAt.set(info.fieldNodes, (byType = new Map()));
  byType.set(type, lists);
  return lists;
}

const nestedListsAt = new WeakMap<readonly FieldNode[], Map<string, readonly NestedList[]>>();

/** A batch function: the keys of one batch in, their values (in order) out; one SQL statement. */
export type Batch = (keys: readonly unknown[]) => PromiseLike<unknown>;

/** What wraps a batch function: `name` is the loader's key (`modelById`) or the nested list's kind (`organisation.children`). */
export type BatchWrapper = (name: string, batch: Batch) => Batch;

/**
 * Wraps every batch function of one request's (or one event's) loaders, once, when they are made:
 * each DataLoader's (dataloader 2 keeps it in `_batchLoadFn`) and each nested-list loader's that
 * `pages` makes (as it makes it: asking for an existing one wraps nothing). Metrics observe batch
 * sizes and tracing makes a span per batch through it, so nothing runs per key or per field.
 */
export function wrapBatches<L extends object>(loaders: L, wrap: BatchWrapper): L {
  for (const [name, loader] of Object.entries(loaders) as Array<[string, unknown]>) {
    if (loader instanceof DataLoader) {
      const inner = loader as unknown as { _batchLoadFn: Batch };
      if (typeof inner._batchLoadFn === 'function') inner._batchLoadFn = wrap(name, inner._batchLoadFn);
    }
  }
  const withPages = loaders as L & Partial<WithPageWrappers>;
  const register = withPages[WRAP_PAGES];
  if (typeof register === 'function') {
    register(wrap);
    return loaders;
  }
  const pages = withPages.pages;
  if (typeof pages === 'function') {
    // Page loaders made elsewhere than pageLoaders(): each call's batch is wrapped (only a new loader keeps it).
    withPages.pages = ((kind: string, site: object, args: unknown, batch: Batch) =>
      pages.call(loaders, kind, site, args, wrap(kind, batch) as never)) as PageLoaders['pages'];
  }
  return loaders;
}
