/**
 * `{ ...base, ...fields }`, for code that runs per request or per event. Node 20's V8 (11.3) gives
 * every object that optimised code makes with a spread followed by more properties a map (hidden
 * class) of its own, a new one on each call, in the old generation; V8 then keeps what the request
 * made through the young-generation collections after it, copying and promoting it, until the next
 * full collection (`node dist/bench/maps.js` counts the maps made per request). `Object.assign`
 * into a fresh object adds the same properties along shared transitions.
 */
export function withFields<B extends object, F extends object>(base: B, fields: F): Omit<B, keyof F> & F {
  return Object.assign({}, base, fields) as Omit<B, keyof F> & F;
}
