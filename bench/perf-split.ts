import fs from 'node:fs';
import readline from 'node:readline';

/**
 * Where a server's CPU went, from a `perf` recording of it under load: each sample in the first
 * part of the request path its stack shows (reading rows from PostgreSQL, executing the operation,
 * serialising and writing the answer, ...), and the JavaScript functions that most samples were in
 * or under (the nearest JavaScript frame of each stack).
 *
 *   node --perf-basic-prof-only-functions ... dist/src/main.js     (the server, under load)
 *   perf record -e cpu-clock -F 1999 -g -p <server pid> -o perf.data -- sleep 12
 *   perf script -i perf.data -F ip,sym > perf.txt
 *   node dist/bench/perf-split.js perf.txt [--top 25]
 *
 * `bench/README.md`, "Where the Node CPU goes", has the whole command under the bench's load.
 */
const PARTS: ReadonlyArray<[string, RegExp]> = [
  ['PostgreSQL: reading and parsing rows (node-postgres)', /pg-protocol\/dist\/parser|_handleDataRow|_handleRowDescription|pg\/lib\/client\.js/],
  ['answer: JSON.stringify', /JsonStringif|runHttpQuery/],
  ['answer: encoding and writing', /express\/lib\/response|_http_outgoing|writable|Socket\._writeGeneric|node:buffer|utf8Bytes/],
  [
    'execution: compiled operation, resolvers, loaders, pages',
    /JS:\*?\S+ :\d+:\d+|src\/shared\/(pagination|loaders|field-resolvers)|src\/(models|replications|organisations|summaries)\/|graphql\/|graphql-jit|dataloader/,
  ],
  ['PostgreSQL: sending statements (pg, TypeORM, pool, guard)', /pg\/lib\/query|pg-protocol\/dist\/serializer|typeorm|pg-pool|request-scope/],
  ['Apollo Server request pipeline', /@apollo\/server|@as-integrations/],
  ['HTTP in: node http, express, body parsing', /_http_server|_http_incoming|express|router|body-parser|raw-body|type-is|negotiator|llhttp/],
  ['metrics and logs', /prom-client|metrics\.js|request-log|pino/],
  ['garbage collection', /Scaveng|Heap::|MarkCompact|Marking|Sweep|GCTracer|MinorMC|Concurrent/],
  ['kernel and the rest', /./],
];

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/bench/perf-split.js <perf script -F ip,sym output> [--top N]');
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 25;
  const parts = new Map<string, number>(PARTS.map(([name]) => [name, 0]));
  const owners = new Map<string, number>();
  let samples = 0;
  let frames: string[] = [];
  const flush = () => {
    if (frames.length === 0) return;
    samples += 1;
    const stack = frames.join('\n');
    const part = PARTS.find(([, pattern]) => pattern.test(stack))![0];
    parts.set(part, parts.get(part)! + 1);
    const js = frames.find((f) => f.startsWith('JS:'));
    const owner = js ? js.replace(/(\s)\S*\/node_modules\//, '$1').replace(/(\s)\S*?\/dist\/src\//, '$1src/') : `[native] ${frames[0]}`;
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    frames = [];
  };
  for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) {
    const text = line.trim();
    if (!text) flush();
    else frames.push(text.includes(' ') ? text.slice(text.indexOf(' ') + 1) : text);
  }
  flush();
  if (samples === 0) throw new Error(`no samples in ${file}`);
  const pct = (n: number) => `${((100 * n) / samples).toFixed(1)} %`;
  console.log(`${samples} samples\n\n| part of the request path | share |\n|---|---:|`);
  for (const [name, n] of parts) console.log(`| ${name} | ${pct(n)} |`);
  console.log(`\n| nearest JavaScript function (or native leaf) | share |\n|---|---:|`);
  for (const [name, n] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| \`${name.slice(0, 90)}\` | ${pct(n)} |`);
}

main().catch((error) => {
  console.error('perf-split failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
