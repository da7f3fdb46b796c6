import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { BufferReader } from 'pg-protocol/dist/buffer-reader';
import { ROWS_PER_VALUE } from '../src/shared/pagination';
import { utf8Bytes } from '../src/shared/text';
import { DASHBOARD_MODELS, DASHBOARD_ORGANISATIONS } from './dashboard';
import { log, percentile } from './support';

/**
 * What the text codecs cost on the dashboard's own bytes, in this process alone: its models page
 * (20 models of each of the first 50 organisations, six columns) as PostgreSQL sends it, read as
 * one JSON value (as before), in JSON values of ROWS_PER_VALUE rows of objects, and of arrays (as
 * src/shared/pagination.ts reads it now), each decoded by V8 (`Buffer#toString`, node-postgres as
 * shipped) and by the patched reader (patches/pg-protocol: ICU for long text), then parsed; and
 * the page as a JavaScript string encoded to UTF-8 by `Buffer.from` and by utf8Bytes. Prints user
 * and system CPU per operation, medians over the rounds; system time is where a string past V8's
 * large-object size shows (its pages mapped and faulted in on every allocation).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvk_bench_peers node dist/bench/codecs.js [--rounds 5] [--operations 2000]
 *
 * DATABASE_URL must name a database `npm run bench` has seeded.
 */
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, operations: { type: 'string', default: '2000' } } });
const rounds = Number(values.rounds);
const operations = Number(values.operations);
if (!(Number.isInteger(rounds) && rounds > 0 && Number.isInteger(operations) && operations > 0))
  throw new Error('--rounds and --operations must be positive whole numbers');

const PAGE = DASHBOARD_MODELS;
const COLUMNS = ['__parent', '__total', 'id', 'name', 'domain', 'status'];
const grouped = (value: string) =>
  `SELECT json_agg(q.r ORDER BY q.i)::text AS "rows" FROM (SELECT ${value} AS r, row_number() OVER () AS i FROM (${PAGE}) s) q` +
  ` GROUP BY (q.i - 1) / ${ROWS_PER_VALUE} ORDER BY (q.i - 1) / ${ROWS_PER_VALUE}`;

/** node-postgres's field decoding: the reader as patched, and as pg-protocol ships it (Buffer#toString). */
function patchedString(bytes: Buffer): string {
  const reader = new BufferReader();
  reader.setBuffer(0, bytes);
  return reader.string(bytes.length);
}
const shippedString = (bytes: Buffer) => bytes.toString('utf-8');

class Row {
  constructor(values: readonly unknown[]) {
    const self = this as unknown as Record<string, unknown>;
    for (let i = 0; i < COLUMNS.length; i += 1) self[COLUMNS[i]] = values[i];
  }
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must name a database `npm run bench` has seeded');
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  let whole: Buffer;
  let objects: Buffer[];
  let arrays: Buffer[];
  try {
    const ids = [`{${(await client.query<{ id: string }>(DASHBOARD_ORGANISATIONS)).rows.map((r) => r.id).join(',')}}`];
    whole = Buffer.from((await client.query<{ rows: string }>(`SELECT coalesce(json_agg(q), '[]'::json)::text AS "rows" FROM (${PAGE}) q`, ids)).rows[0].rows);
    objects = (await client.query<{ rows: string }>(grouped('row_to_json(s)'), ids)).rows.map((r) => Buffer.from(r.rows));
    arrays = (await client.query<{ rows: string }>(grouped(`json_build_array(${COLUMNS.map((c) => `s."${c}"`).join(', ')})`), ids)).rows.map((r) =>
      Buffer.from(r.rows),
    );
  } finally {
    await client.end();
  }
  const rows = (JSON.parse(whole.toString()) as unknown[]).length;
  if (rows === 0) throw new Error('no rows: seed the bench database first (npm run bench)');
  const text = JSON.stringify(JSON.parse(whole.toString()));
  log(
    `models page: ${rows} rows, ${whole.length} bytes as one value; ${objects.length} values of objects (${objects.reduce((n, b) => n + b.length, 0)} bytes), ` +
      `${arrays.length} of arrays (${arrays.reduce((n, b) => n + b.length, 0)} bytes); as a string ${text.length} UTF-16 units`,
  );
  let sink: unknown;
  const cases: Array<[string, () => unknown]> = [
    ['one value: decode (V8), parse', () => JSON.parse(shippedString(whole))],
    ['one value: decode (patched), parse', () => JSON.parse(patchedString(whole))],
    ['objects in groups: decode (V8), parse', () => objects.map((b) => JSON.parse(shippedString(b)) as unknown[])],
    ['objects in groups: decode (patched), parse', () => objects.map((b) => JSON.parse(patchedString(b)) as unknown[])],
    ['arrays in groups: decode (V8), parse, rows', () => arrays.map((b) => (JSON.parse(shippedString(b)) as unknown[][]).map((v) => new Row(v)))],
    ['arrays in groups: decode (patched), parse, rows', () => arrays.map((b) => (JSON.parse(patchedString(b)) as unknown[][]).map((v) => new Row(v)))],
    ['the page as a string: Buffer.from', () => Buffer.from(text, 'utf8')],
    ['the page as a string: utf8Bytes', () => utf8Bytes(text)],
  ];
  for (const [, run] of cases) for (let i = 0; i < 200; i += 1) sink = run();
  const figures = new Map<string, { user: number[]; system: number[] }>(cases.map(([name]) => [name, { user: [], system: [] }]));
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, run] of cases) {
      const before = process.cpuUsage();
      for (let i = 0; i < operations; i += 1) sink = run();
      const used = process.cpuUsage(before);
      figures.get(name)!.user.push(used.user / operations);
      figures.get(name)!.system.push(used.system / operations);
    }
  }
  void sink;
  const median = (list: number[]) =>
    percentile(
      [...list].sort((x, y) => x - y),
      50,
    );
  console.log(`\n### The dashboard's models page through the codecs (${rounds} rounds of ${operations} operations, medians)\n`);
  console.log('| operation | user µs | system µs |');
  console.log('|---|---:|---:|');
  for (const [name, f] of figures) console.log(`| ${name} | ${median(f.user).toFixed(1)} | ${median(f.system).toFixed(1)} |`);
}

main().catch((error) => {
  console.error('bench failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
