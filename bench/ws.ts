import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Role } from '../src/shared/actor';
import { signToken } from '../src/shared/auth';
import { BENCH_JWT_SECRET, CLK_TCK, OUT_DIR, ensureDatabase, log, percentile, procCpuTicks, procMemoryKb, startChild, stopChild } from './support';

/*
 * `npm run bench:ws`: N WebSocket subscribers on one server instance (a child process on
 * PostgreSQL) and a steady stream of mutations over HTTP. Every subscriber holds
 * `changes(after, filter)` with the changed model resolved on each event. Reports delivery
 * latency from the event's append (clock_timestamp() right before commit) to receipt, deliveries
 * and events per second, and the server's memory and CPU.
 * Options: --subscribers 1000  --rate 20 (mutations/s)  --duration 15 (s)  --profile
 */

interface Options {
  subscribers: number;
  rate: number;
  duration: number;
  /** Write a CPU profile of the server (node --cpu-prof) under .data/bench/. */
  profile: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '20' },
      duration: { type: 'string', default: '15' },
      profile: { type: 'boolean', default: false },
    },
  });
  return { subscribers: Number(values.subscribers), rate: Number(values.rate), duration: Number(values.duration), profile: !!values.profile };
}

/** The bench's mutations are an ADMIN's (the server's NODE_ENV=production refuses anonymous writes). */
let admin: Promise<string> | null = null;

/** System (kernel) CPU ticks of the server process (stime, the 15th field of /proc/<pid>/stat). */
function kernelTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]);
}

/** Lead organisations the bench's models are spread over (all inside the subscribed organisation). */
const LEADS = 10;

async function gql(url: string, query: string, variables?: Record<string, unknown>): Promise<any> {
  admin ??= signToken(BENCH_JWT_SECRET, { issuer: null, audience: null }, { sub: 'bench-ws', role: Role.ADMIN }, '1d');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await admin}` },
    body: JSON.stringify({ query, variables }),
  });
  const body: any = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function main(): Promise<void> {
  const opts = options();
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/dvk_bench_ws').toString();
  await ensureDatabase(url);
  const server = await startChild(
    'ws-server',
    path.join(__dirname, '..', 'src', 'main.js'),
    {
      DATABASE_URL: url,
      NODE_ENV: 'production',
      SQL_STATS: 'false',
      SEED_DEMO: 'true',
      DB_POOL_SIZE: '10',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '20',
    },
    opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${OUT_DIR}`, '--cpu-prof-name=ws-server.cpuprofile'] : [],
  );
  const pid = server.child.pid as number;
  const clients: Client[] = [];
  try {
    const wsUrl = server.url.replace(/^http/, 'ws');
    const { createOrganisation: org } = await gql(server.url, `mutation($name: String!) { createOrganisation(input: { name: $name, kind: OTHER }) { id } }`, {
      name: `[bench] ws ${new Date().toISOString()}`,
    });
    // The models' leads: units under the organisation (a createModel locks its lead's row, so one lead
    // would queue every mutation behind the previous one's commit on a busy machine).
    const units: string[] = [];
    for (let i = 0; i < LEADS; i += 1) {
      const { createOrganisation: unit } = await gql(
        server.url,
        `mutation($name: String!, $parent: ID!) { createOrganisation(input: { name: $name, kind: OTHER, parentId: $parent }) { id } }`,
        { name: `[bench] ws unit ${i} ${Date.now()}`, parent: org.id },
      );
      units.push(unit.id);
    }
    const createModels = async (count: number, label: string) => {
      const started = Date.now();
      const inflight: Array<Promise<unknown>> = [];
      for (let i = 0; i < count; i += 1) {
        const due = started + (i * 1000) / opts.rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inflight.push(
          gql(server.url, `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`, {
            input: { name: `[bench] ws ${label} ${i}`, domain: 'ECONOMY', leadOrganisationId: units[i % units.length] },
          }).then(
            () => (committed += 1),
            // A refused mutation (a saturated database) commits no event: counted, not delivered, not expected.
            (error: Error) => {
              refused += 1;
              if (refused === 1) log(`a mutation was refused (more may follow): ${error.message.slice(0, 160)}`);
            },
          ),
        );
      }
      await Promise.all(inflight);
      return started;
    };
    let committed = 0;
    let refused = 0;
    // Calibration: the same mutations at the same rate with no subscriber, for the server CPU a
    // mutation costs by itself (subtracted below, so what remains is the fan-out's).
    const calibration = Math.max(10, Math.round(opts.rate * 3));
    const calibrationCpu = procCpuTicks(pid);
    await createModels(calibration, 'calibration');
    await new Promise((r) => setTimeout(r, 500));
    const cpuPerMutationMs = ((procCpuTicks(pid) - calibrationCpu) * 1000) / CLK_TCK / Math.max(1, committed);
    log(`calibration: ${calibration} mutations with no subscriber, ${cpuPerMutationMs.toFixed(2)} ms of server CPU each`);
    const { latestChangeCursor: after } = await gql(server.url, '{ latestChangeCursor }');

    // Subscribers: one socket each, as partner apps would connect.
    const latencies: number[] = [];
    const perEvent = new Map<string, { at: number; received: number; last: number }>();
    let markerSeen = 0;
    let markerDone: () => void = () => undefined;
    const markerReached = new Promise<void>((resolve) => (markerDone = resolve));
    log(`opening ${opts.subscribers} WebSocket subscribers`);
    for (let i = 0; i < opts.subscribers; i += 1) {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
      clients.push(client);
      client.subscribe(
        {
          query: `subscription($after: String, $org: ID!) { changes(after: $after, filter: { organisationId: $org }) { cursor at type model { id name } } }`,
          variables: { after, org: org.id },
        },
        {
          next: (result: any) => {
            const now = Date.now();
            const event = result.data?.changes;
            if (!event) return;
            if (event.type === 'ORGANISATION_UPDATED') {
              // The marker: the one organisation update in this filter.
              if (++markerSeen === opts.subscribers) markerDone();
              return;
            }
            const at = Date.parse(event.at);
            latencies.push(now - at);
            const stats = perEvent.get(event.cursor) ?? { at, received: 0, last: 0 };
            stats.received += 1;
            stats.last = now;
            perEvent.set(event.cursor, stats);
          },
          error: (error) => console.error('subscriber error', error),
          complete: () => undefined,
        },
      );
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
    }
    // A marker change that every subscriber must receive: then all of them are live.
    await gql(server.url, `mutation($id: ID!) { updateOrganisation(input: { id: $id, version: 1, shortName: "marker" }) { id } }`, { id: org.id });
    await Promise.race([
      markerReached,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${markerSeen} of ${opts.subscribers} subscribers live after 60 s`)), 60_000)),
    ]);
    log(`all ${opts.subscribers} subscribers live; server RSS ${(procMemoryKb(pid).rss / 1024).toFixed(0)} MB`);

    // The mutation stream: a steady rate for the duration.
    const cpuBefore = procCpuTicks(pid);
    const kernelBefore = kernelTicks(pid);
    // The bench's own CPU (the subscribers' receiving work and the mutations' client side): it shares the cores.
    const clientBefore = process.cpuUsage();
    let total = Math.round(opts.rate * opts.duration);
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, procMemoryKb(pid).rss)), 200);
    committed = refused = 0;
    const started = await createModels(total, 'model');
    const sent = total;
    total = committed;
    // Wait for the last deliveries (at most 30 s).
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && [...perEvent.values()].reduce((n, s) => n + s.received, 0) < total * opts.subscribers) {
      await new Promise((r) => setTimeout(r, 100));
    }
    clearInterval(sampler);
    const elapsed = (Math.max(...[...perEvent.values()].map((s) => s.last)) - started) / 1000;
    const cpuMs = ((procCpuTicks(pid) - cpuBefore) * 1000) / CLK_TCK;
    const kernelMs = ((kernelTicks(pid) - kernelBefore) * 1000) / CLK_TCK;
    const clientUsage = process.cpuUsage(clientBefore);
    const clientMs = (clientUsage.user + clientUsage.system) / 1000;
    const delivered = latencies.length;
    latencies.sort((a, b) => a - b);
    const complete = [...perEvent.values()].filter((s) => s.received === opts.subscribers).length;
    const fanout = [...perEvent.values()].map((s) => s.last - s.at).sort((a, b) => a - b);
    const result = {
      date: new Date().toISOString(),
      subscribers: opts.subscribers,
      mutations: total,
      mutationsRefused: refused,
      mutationRate: opts.rate,
      delivered,
      expected: total * opts.subscribers,
      eventsFullyDelivered: complete,
      deliveriesPerSecond: Math.round(delivered / elapsed),
      eventsPerSecond: Math.round((complete / elapsed) * 10) / 10,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      latencyMaxMs: latencies.at(-1),
      lastSubscriberP50Ms: percentile(fanout, 50),
      lastSubscriberP99Ms: percentile(fanout, 99),
      serverPeakRssMb: Math.round(peakRss / 1024),
      serverHwmMb: Math.round(procMemoryKb(pid).hwm / 1024),
      serverCpuMsPerEvent: Math.round((cpuMs / total) * 10) / 10,
      /** Share of the server's CPU spent in the kernel (socket writes; on loopback the receive side's TCP work too). */
      serverKernelCpuShare: cpuMs ? Math.round((kernelMs / cpuMs) * 100) / 100 : null,
      serverCpuMsPerMutationAlone: Math.round(cpuPerMutationMs * 100) / 100,
      /** Server CPU per delivery, the mutations' own CPU (from the calibration) taken out. */
      fanoutCpuUsPerDelivery: delivered ? Math.round((((cpuMs - total * cpuPerMutationMs) * 1000) / delivered) * 10) / 10 : null,
      /** The same with the mutations left in. */
      serverCpuUsPerDelivery: delivered ? Math.round(((cpuMs * 1000) / delivered) * 10) / 10 : null,
      /** CPU of this bench process (the N clients receiving, parsing and counting; the mutations' client side) per delivery: on this machine it competes with the server. */
      clientCpuUsPerDelivery: delivered ? Math.round(((clientMs * 1000) / delivered) * 10) / 10 : null,
      loadAverage: os.loadavg().map((n) => Math.round(n * 10) / 10),
    };
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, 'ws-latest.json'), JSON.stringify(result, null, 2));
    console.log(
      '\n| subscribers | events | delivered | deliveries/s | latency p50 / p99 / max (ms) | last subscriber p50 / p99 (ms) | server peak RSS | server CPU per event | per mutation alone | fan-out CPU per delivery | load average |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    console.log(
      `| ${result.subscribers} | ${total} at ${opts.rate}/s${refused ? ` (${refused} of ${sent} refused)` : ''} | ${delivered} of ${result.expected} | ${result.deliveriesPerSecond} | ` +
        `${result.latencyP50Ms} / ${result.latencyP99Ms} / ${result.latencyMaxMs} | ${result.lastSubscriberP50Ms} / ${result.lastSubscriberP99Ms} | ` +
        `${result.serverPeakRssMb} MB | ${result.serverCpuMsPerEvent} ms | ${result.serverCpuMsPerMutationAlone} ms | ` +
        `${result.fanoutCpuUsPerDelivery} µs (${result.serverCpuUsPerDelivery} µs with the mutation) | ${result.loadAverage.join(' / ')} |`,
    );
    console.log(`\nserver CPU in the kernel: ${Math.round((result.serverKernelCpuShare ?? 0) * 100)} % (socket writes)`);
    console.log(`the bench's own CPU (the clients): ${result.clientCpuUsPerDelivery} µs per delivery`);
    console.log(`\nwritten to ${path.join(OUT_DIR, 'ws-latest.json')}`);
    if (delivered !== result.expected) process.exitCode = 1;
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await stopChild(server);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
