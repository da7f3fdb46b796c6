/**
 * `source` through `step` (an undefined result is skipped), after an optional first value.
 * `return()` reaches the source at once, as with the log streams themselves.
 */
export function mapStream<T, U>(source: AsyncIterableIterator<T>, step: (value: T) => Promise<U | undefined>, first?: U): AsyncIterableIterator<U> {
  let pendingFirst = first !== undefined;
  const iterator: AsyncIterableIterator<U> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (pendingFirst) {
        pendingFirst = false;
        return { value: first as U, done: false };
      }
      for (;;) {
        const item = await source.next();
        if (item.done) return { value: undefined, done: true };
        const value = await step(item.value);
        if (value !== undefined) return { value, done: false };
      }
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
  };
  return iterator;
}
