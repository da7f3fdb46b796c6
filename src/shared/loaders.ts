import DataLoader from 'dataloader';

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
}

/** Where wrapBatches hands a request's nested-list loaders its wrapper, applied to each batch function as its loader is made. */
const WRAP_PAGES = Symbol('wrapPages');

type WithPageWrappers = PageLoaders & { [WRAP_PAGES]?: (wrap: BatchWrapper) => void };

export function pageLoaders(): PageLoaders {
  const byArgs = new Map<string, DataLoader<string, unknown>>();
  const bySite = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();
  const wrappers: BatchWrapper[] = [];
  const loaders: WithPageWrappers = {
    pages<T>(kind: string, site: object, args: unknown, batch: (parentIds: readonly string[]) => Promise<T[]>): DataLoader<string, T> {
      let atSite = bySite.get(site);
      let loader = atSite?.get(kind);
      if (!loader) {
        // Identical arguments at another site (an alias, a fragment) share the loader too.
        const key = `${kind}:${JSON.stringify(args)}`;
        loader = byArgs.get(key);
        if (!loader) {
          // The wrapper registered first wraps outermost.
          let wrapped = batch as Batch;
          for (let i = wrappers.length - 1; i >= 0; i -= 1) wrapped = wrappers[i](kind, wrapped);
          byArgs.set(key, (loader = new DataLoader(wrapped as (ids: readonly string[]) => Promise<unknown[]>)));
        }
        if (!atSite) bySite.set(site, (atSite = new Map()));
        atSite.set(kind, loader);
      }
      return loader as DataLoader<string, T>;
    },
    pageAt<T>(kind: string, site: object): DataLoader<string, T> | undefined {
      return bySite.get(site)?.get(kind) as DataLoader<string, T> | undefined;
    },
    [WRAP_PAGES]: (wrap) => {
      wrappers.push(wrap);
    },
  };
  return loaders;
}

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
