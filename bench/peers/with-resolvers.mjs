/**
 * PostGraphile 5 (grafast) calls Promise.withResolvers, which Node has only from 22; the bench runs
 * on Node 20. The same behaviour as the standard one (ES2024): a promise and the functions that
 * settle it. Installed only when missing, before PostGraphile is loaded.
 */
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
