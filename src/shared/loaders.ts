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
}

/** Called once per page loader made (with its kind); the function it returns gets each batch's size. */
export type BatchObserver = (kind: string) => (size: number) => void;

export function pageLoaders(observe?: BatchObserver): PageLoaders {
  const byArgs = new Map<string, DataLoader<string, unknown>>();
  const bySite = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();
  return {
    pages<T>(kind: string, site: object, args: unknown, batch: (parentIds: readonly string[]) => Promise<T[]>): DataLoader<string, T> {
      let atSite = bySite.get(site);
      let loader = atSite?.get(kind);
      if (!loader) {
        // Identical arguments at another site (an alias, a fragment) share the loader too.
        const key = `${kind}:${JSON.stringify(args)}`;
        loader = byArgs.get(key);
        if (!loader) byArgs.set(key, (loader = new DataLoader(observed(batch as (ids: readonly string[]) => Promise<unknown[]>, kind, observe))));
        if (!atSite) bySite.set(site, (atSite = new Map()));
        atSite.set(kind, loader);
      }
      return loader as DataLoader<string, T>;
    },
  };
}

/** `batch`, telling `observe` the size of each batch (metrics); `batch` itself without an observer. */
function observed<T>(batch: (ids: readonly string[]) => Promise<T[]>, kind: string, observe?: BatchObserver): (ids: readonly string[]) => Promise<T[]> {
  if (!observe) return batch;
  const sized = observe(kind);
  return (ids) => {
    sized(ids.length);
    return batch(ids);
  };
}
