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

/** A constructor made by fieldsConstructor: `new C(values)` has `names[i] = values[i]` for each name. */
export type FieldsConstructor = new (values: readonly unknown[]) => Record<string, unknown>;

/** fieldsConstructor's constructors by their names, bounded by the characters of the names kept. */
const constructors = new Map<string, FieldsConstructor | null>();
const CONSTRUCTOR_CACHE_CHARS = 1024 * 1024;
let constructorCacheChars = 0;

/**
 * A constructor that assigns `names` in turn from an array of values, so every object it makes
 * has the same V8 hidden class with the values as in-object fields (as `JSON.parse` gives objects
 * of the same keys, and unlike copying into `{}`: see withFields). Generated once per list of
 * names (a `new Function` of `this.name = values[i]` lines); null unless every name is an
 * identifier (not `__proto__`) and none repeats, so no caller's text is ever made code. The names
 * are our own (loader names, the columns of our select lists); the cache is bounded all the same:
 * past 1 MiB of names a list gets a constructor that is not kept.
 */
export function fieldsConstructor(names: readonly string[]): FieldsConstructor | null {
  const signature = names.join(',');
  let made = constructors.get(signature);
  if (made !== undefined) return made;
  const identifiers = names.every((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== '__proto__') && new Set(names).size === names.length;
  made = identifiers ? (new Function('values', names.map((n, i) => `this.${n} = values[${i}];`).join('\n')) as unknown as FieldsConstructor) : null;
  if (constructorCacheChars + signature.length <= CONSTRUCTOR_CACHE_CHARS) {
    constructorCacheChars += signature.length;
    constructors.set(signature, made);
  }
  return made;
}
