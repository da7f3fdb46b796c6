import v8 from 'node:v8';
import vm from 'node:vm';
import { wideDocument } from '../../bench/dashboard';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * Out of memory from distinct documents: graphql-jit's compiled operations were kept by count
 * (1,000) only, each holding its document even after Apollo's own cache had dropped it, so 768
 * distinct ~120 kB documents took the server from 123 MB to 3.9 GB and a heap OOM. The cache is
 * now bounded by (estimated) bytes. The server runs in this process, so its heap is ours to measure.
 */

/** A full garbage collection, whether or not node was started with --expose-gc. */
function collect(): void {
  const gc = (global as { gc?: () => void }).gc ?? (v8.setFlagsFromString('--expose-gc'), vm.runInNewContext('gc') as () => void);
  gc();
  gc();
}

const heapUsed = () => {
  collect();
  return process.memoryUsage().heapUsed;
};

/**
 * A distinct document of 1,640 fields from 2 kB of text (bench/dashboard.ts): what is compiled
 * (1.9 MB of generated code with the patched graphql-jit, about 5 MB of heap: `node
 * dist/bench/jit-size.js`) dwarfs what Apollo's own document cache keeps of it.
 */
const MAX_BYTES = 8 * 1024 * 1024;
const DOCUMENTS = 40;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ compiledCacheMaxBytes: MAX_BYTES });
});
afterAll(() => s?.stop());

it(`keeps the compiled cache under its byte bound and the heap bounded over ${DOCUMENTS} distinct large documents`, async () => {
  const post = async (query: string) => {
    const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };
  // Warm up (schema, first compilations), then measure from there.
  for (let i = 0; i < 3; i += 1) expect((await post(wideDocument(-1 - i))).errors).toBeUndefined();
  const before = heapUsed();
  let maxCacheBytes = 0;
  for (let i = 0; i < DOCUMENTS; i += 1) {
    const reply = await post(wideDocument(i));
    expect(reply.errors).toBeUndefined();
    expect(Object.values(reply.data ?? {})).toEqual(Array(40).fill(null));
    maxCacheBytes = Math.max(maxCacheBytes, s.compiledCache().bytes);
  }
  const grown = heapUsed() - before;
  const cache = s.compiledCache();
  console.log(
    `[compiled cache] ${DOCUMENTS} documents: heap grew ${(grown / 1e6).toFixed(0)} MB; cache ${cache.entries} entries, ${(cache.bytes / 1e6).toFixed(1)} MB estimated (at most ${(maxCacheBytes / 1e6).toFixed(1)} MB, bound ${(MAX_BYTES / 1e6).toFixed(1)} MB)`,
  );
  expect(maxCacheBytes).toBeLessThanOrEqual(MAX_BYTES);
  expect(cache.entries).toBeGreaterThan(0);
  expect(cache.entries).toBeLessThan(DOCUMENTS);
  // Kept, these compilations would take some 200 MB (about 5 MB each; 304 MB for 80 before the
  // byte bound, with the unpatched graphql-jit's 3–4 MB each).
  // Bounded, what remains is the compiled cache (8 MiB estimated) and Apollo's parsed documents
  // (12–13 MB measured for 80): 75 MB leaves a wide margin on both sides.
  expect(grown).toBeLessThan(75 * 1e6);
  // And the server answers a normal query.
  const normal = await post(`{ organisations(first: 1) { totalCount } }`);
  expect(normal.errors).toBeUndefined();
}, 300_000);
