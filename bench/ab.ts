import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { dashboardQuery } from './dashboard';
import { CLK_TCK, log, oursEnv, START_NODE_FLAGS, startChild, stopChild, type ChildServer } from './support';

/**
 * Two builds of ours side by side, under load at the same time: each gets its own connections
 * (10 by default) for the same seconds, so both see the same machine. The interleaved rounds of
 * `npm run bench` measure one server after the other, and on this machine the speed drifts by a
 * third from one minute to the next, more than most changes weigh; measured at once, a change
 * shows in every round. Prints each round's Node CPU per request (system time apart) and the
 * ratio A / B, then their medians.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvk_bench_peers node dist/bench/ab.js \
 *     --a dist/src/main.js --b <other build>/dist/src/main.js [--b-require <file.js>] \
 *     [--variant without|with] [--rounds 5] [--duration 12] [--warmup 20] [--connections 10]
 *
 * `--b-require` preloads a file into B alone (node -r), to measure a change against the same
 * build without it. DATABASE_URL must name a database `npm run bench` has seeded (1x; its `_x10`
 * for 10x).
 */
const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    'b-require': { type: 'string' },
    variant: { type: 'string', default: 'without' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
if (!values.a || !values.b) throw new Error('--a and --b name the two builds (their dist/src/main.js)');
if (values.variant !== 'with' && values.variant !== 'without') throw new Error('--variant is with or without (summary)');
if (![rounds, duration, connections].every((n) => Number.isInteger(n) && n > 0) || !(warmup >= 0)) {
  throw new Error('--rounds, --duration and --connections must be positive whole numbers, --warmup a number of seconds');
}
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must name a database `npm run bench` has seeded');
const query = JSON.stringify({ query: dashboardQuery(values.variant === 'with') });

interface Figures {
  msPerRequest: number;
  systemMsPerRequest: number;
  requestsPerSecond: number;
  failed: number;
}

/** utime and stime of a process (the server runs in one, WORKERS=1), in clock ticks. */
function cpuTicks(pid: number): { user: number; system: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

function load(server: ChildServer, seconds: number) {
  return autocannon({ url: server.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: query, connections, duration: seconds });
}

const median = (list: number[]) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];

async function main(): Promise<void> {
  const flags = START_NODE_FLAGS.split(/\s+/).filter(Boolean);
  const env = { ...oursEnv(url!), SQL_STATS: 'false' };
  const a = await startChild('ab-a', path.resolve(values.a!), env, flags);
  const b = await startChild('ab-b', path.resolve(values.b!), env, [...flags, ...(values['b-require'] ? ['-r', path.resolve(values['b-require'])] : [])]);
  try {
    log(
      `A ${values.a}, B ${values.b}${values['b-require'] ? ` with -r ${values['b-require']}` : ''}: the dashboard ${values.variant} summary, ${connections} connections each`,
    );
    log(`warm-up ${warmup} s, both at once`);
    if (warmup > 0) await Promise.all([load(a, warmup), load(b, warmup)]);
    const all: { a: Figures[]; b: Figures[] } = { a: [], b: [] };
    console.log(`\n| round | A Node CPU ms/req (system) | A req/s | B Node CPU ms/req (system) | B req/s | A / B |`);
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (let round = 1; round <= rounds; round += 1) {
      const before = { a: cpuTicks(a.child.pid!), b: cpuTicks(b.child.pid!) };
      const [ra, rb] = await Promise.all([load(a, duration), load(b, duration)]);
      const after = { a: cpuTicks(a.child.pid!), b: cpuTicks(b.child.pid!) };
      const figures = (side: 'a' | 'b', result: typeof ra): Figures => {
        const ms = (ticks: number) => (ticks * 1000) / CLK_TCK / result.requests.total;
        const user = after[side].user - before[side].user;
        const system = after[side].system - before[side].system;
        return {
          msPerRequest: ms(user + system),
          systemMsPerRequest: ms(system),
          requestsPerSecond: result.requests.average,
          failed: result.errors + result.non2xx,
        };
      };
      const fa = figures('a', ra);
      const fb = figures('b', rb);
      if (fa.failed + fb.failed > 0) throw new Error(`round ${round}: ${fa.failed} failed requests to A, ${fb.failed} to B`);
      all.a.push(fa);
      all.b.push(fb);
      console.log(
        `| ${round} | ${fa.msPerRequest.toFixed(2)} (${fa.systemMsPerRequest.toFixed(2)}) | ${fa.requestsPerSecond.toFixed(1)} | ${fb.msPerRequest.toFixed(2)} (${fb.systemMsPerRequest.toFixed(2)}) | ${fb.requestsPerSecond.toFixed(1)} | ${(fa.msPerRequest / fb.msPerRequest).toFixed(3)} |`,
      );
    }
    const ratios = all.a.map((fa, i) => fa.msPerRequest / all.b[i].msPerRequest);
    console.log(
      `\nmedians: A ${median(all.a.map((f) => f.msPerRequest)).toFixed(2)} ms/req (system ${median(all.a.map((f) => f.systemMsPerRequest)).toFixed(2)}),` +
        ` B ${median(all.b.map((f) => f.msPerRequest)).toFixed(2)} (system ${median(all.b.map((f) => f.systemMsPerRequest)).toFixed(2)});` +
        ` A / B ${median(ratios).toFixed(3)}, A lower in ${ratios.filter((r) => r < 1).length} of ${rounds} rounds`,
    );
  } finally {
    await Promise.all([stopChild(a), stopChild(b)]);
  }
}

main().catch((error) => {
  console.error('bench failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
