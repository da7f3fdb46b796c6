import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dashboardQuery } from './dashboard';
import { CLK_TCK, OUT_DIR, ROOT, START_NODE_FLAGS, log, oursEnv, packageOf, procCpuTicks, startChild, stopChild, type ChildServer } from './support';

/*
 * What one dashboard request allocates in ours, by package and by function (V8's sampling heap
 * profiler, including what the collections freed: bench/alloc-preload.ts), and the server's CPU
 * over the same requests. Allocation is a figure the machine's load hardly moves, unlike CPU time,
 * so two builds can be compared on a busy machine: `--base` runs a second build alike. `(native)`
 * is code without a script: V8's own, and graphql-jit's generated code (the compiled operation).
 *
 *   node dist/bench/alloc.js [--requests 500] [--connections 10] [--variant without|with] [--top 25]
 *                            [--query '<another document>' instead of the dashboard]
 *                            [--ours dist/src/main.js] [--base <other build's dist/src/main.js>]
 *                            [--survivors] [--node-flags '<V8 flags>']
 *
 * `--survivors` counts only what outlived a young-generation collection (the profiler leaves out
 * what the scavenges freed): where the objects that survive scavenges were allocated. A warm
 * server answering one request at a time (`--connections 1`) should show next to nothing.
 *
 * DATABASE_URL: a database `npm run bench` has seeded (the synthetic city at 1x).
 */

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    connections: { type: 'string', default: '10' },
    variant: { type: 'string', default: 'without' },
    query: { type: 'string' },
    top: { type: 'string', default: '25' },
    ours: { type: 'string', default: 'dist/src/main.js' },
    base: { type: 'string' },
    'node-flags': { type: 'string', default: START_NODE_FLAGS },
    survivors: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const connections = Number(values.connections);
const top = Number(values.top);
if (!(requests > 0 && connections > 0 && top > 0)) throw new Error('--requests, --connections and --top must be positive numbers');
if (values.variant !== 'with' && values.variant !== 'without') throw new Error(`--variant must be with or without; got ${values.variant}`);
const body = JSON.stringify({ query: values.query ?? dashboardQuery(values.variant === 'with') });

function post(agent: http.Agent, url: URL): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function load(agent: http.Agent, url: URL, count: number): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (sent < count) {
        sent += 1;
        await post(agent, url);
      }
    }),
  );
}

async function until(file: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the server wrote no ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function summarise(profileFile: string): { total: number; byPackage: Map<string, number>; byFunction: Map<string, number> } {
  const profile = JSON.parse(fs.readFileSync(profileFile, 'utf8')) as { head: Node; error?: string };
  if (profile.error) throw new Error(profile.error);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const stack: Node[] = [profile.head];
  while (stack.length) {
    const node = stack.pop()!;
    stack.push(...node.children);
    if (!node.selfSize) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url);
    total += node.selfSize;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
    const name = `${functionName || '(anonymous)'}  ${pkg}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
  }
  return { total, byPackage, byFunction };
}

async function measure(label: string, script: string): Promise<{ kB: number; cpuMs: number; answer: Buffer }> {
  const profileFile = path.join(OUT_DIR, `alloc-${label}.heapprofile`);
  for (const f of [profileFile, `${profileFile}.started`, `${profileFile}.done`]) fs.rmSync(f, { force: true });
  const env = { ...oursEnv(process.env.DATABASE_URL!), SQL_STATS: 'false', ALLOC_PROFILE_FILE: profileFile, ALLOC_SURVIVORS_ONLY: String(values.survivors) };
  const preload = path.join(ROOT, 'dist', 'bench', 'alloc-preload.js');
  const server: ChildServer = await startChild(`alloc-${label}`, script, env, [...values['node-flags']!.split(' ').filter(Boolean), '-r', preload]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  try {
    const url = new URL(server.url);
    const answer = await post(agent, url);
    await load(agent, url, 100); // warm-up: compiled operation, optimised code, pools
    server.child.kill('SIGUSR2');
    await until(`${profileFile}.started`);
    const ticks = procCpuTicks(server.child.pid!);
    await load(agent, url, requests);
    const cpuMs = ((procCpuTicks(server.child.pid!) - ticks) * 1000) / CLK_TCK;
    server.child.kill('SIGUSR2');
    await until(`${profileFile}.done`);
    const { total, byPackage, byFunction } = summarise(profileFile);
    const kB = (bytes: number) => (bytes / 1024 / requests).toFixed(1).padStart(8);
    console.log(
      `\n## ${label} (${script}): ${kB(total).trim()} kB ${values.survivors ? 'outlived a scavenge' : 'allocated'} and ${(cpuMs / requests).toFixed(2)} ms CPU per request (${requests} requests, ${connections} connections)\n`,
    );
    console.log('kB/request by package or file:');
    for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${kB(bytes)}  ${name}`);
    console.log('\nkB/request by function:');
    for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${kB(bytes)}  ${name}`);
    return { kB: total / 1024 / requests, cpuMs: cpuMs / requests, answer };
  } finally {
    agent.destroy();
    await stopChild(server);
  }
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must name a database `npm run bench` has seeded');
  log(`${requests} requests (${values.query ?? `the dashboard, ${values.variant} summary`}) at ${connections} connections, after 100 of warm-up`);
  const ours = await measure('ours', path.resolve(values.ours!));
  if (values.base) {
    const base = await measure('base', path.resolve(values.base));
    if (!base.answer.equals(ours.answer)) throw new Error('ours and base gave different answers');
    console.log(
      `\nours/base: ${(ours.kB / base.kB).toFixed(3)} of the allocation, ${(ours.cpuMs / base.cpuMs).toFixed(3)} of the CPU (one window each: CPU moves with the machine's load)`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
