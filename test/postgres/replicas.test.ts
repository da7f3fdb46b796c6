import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { Role } from '../../src/shared/actor';
import { readyz, startTestServer, uniqueName, type TestServer } from '../helpers/server';

/*
 * Read replicas against a real streaming standby of the PostgreSQL the suite runs on
 * (scripts/standby.sh; `.ci/run` makes it and exports TEST_REPLICA_URL, its server URL, and
 * REPLICA_TESTS=required). The standby holds every database of the primary, this run's too.
 *
 * Pausing replay and stopping the standby touch the whole standby: these cases run one after the
 * other in this one file, which is the only one that uses it, and they leave it streaming again
 * (afterAll resumes replay and starts it, whatever happened).
 *
 * Which server answered a query is read from `extensions.sqlBackends` (SQL_STATS): the process id
 * of each connection the request used. The test looks those pids up in the standby's own
 * pg_stat_activity and asks the standby `pg_is_in_recovery()`: a backend listed there is a
 * backend of the standby (primary and standby run on one machine, so a pid names one process).
 */
const replicaServer = process.env.TEST_REPLICA_URL;
const required = process.env.REPLICA_TESTS === 'required';
const run = promisify(execFile);
const script = path.resolve(__dirname, '..', '..', 'scripts', 'standby.sh');

function onStandby(): string {
  const url = new URL(replicaServer as string);
  url.pathname = new URL(process.env.DATABASE_URL as string).pathname;
  return url.toString();
}

type Backends = Array<{ pid: number; replica: boolean }>;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The replica's figures on /metrics (one replica configured). */
async function replicaMetrics(server: TestServer): Promise<{ inRotation: number; lagSeconds: number; lagBytes: number; reads: number }> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{replica=`));
    if (!line) throw new Error(`${name} is not on /metrics`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return {
    inRotation: value('dvk_replica_in_rotation'),
    lagSeconds: value('dvk_replica_lag_seconds'),
    lagBytes: value('dvk_replica_lag_bytes'),
    reads: value('dvk_replica_reads_total'),
  };
}

const describeReplicas = replicaServer ? describe : required ? describe : describe.skip;
const title =
  replicaServer || required
    ? 'read replicas'
    : 'read replicas [needs TEST_REPLICA_URL: scripts/standby.sh, then TEST_REPLICA_URL=postgres://postgres@127.0.0.1:5433]';

describeReplicas(title, () => {
  let primary: Client;
  let standby: Client;

  beforeAll(async () => {
    if (!replicaServer)
      throw new Error('REPLICA_TESTS=required, but TEST_REPLICA_URL is not set: run scripts/standby.sh and export TEST_REPLICA_URL (.ci/run does).');
    primary = new Client({ connectionString: process.env.DATABASE_URL });
    standby = new Client({ connectionString: onStandby() });
    await primary.connect();
    await standby.connect();
    // This run's database is new: the standby must have replayed up to now before a test reads from it.
    const [{ lsn }] = (await primary.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows;
    await until('the standby to catch up', async () => (await standby.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn])).rows[0].done);
  }, 120_000);

  afterAll(async () => {
    await standby?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await standby?.end().catch(() => undefined);
    await primary?.end();
    if (replicaServer) await run('bash', [script, 'start', new URL(replicaServer).port || '5432']).catch(() => undefined);
  }, 120_000);

  /** Where each backend a response names lives: 'standby' (and in recovery there), 'primary', or 'unknown'. */
  async function whereAnswered(backends: Backends): Promise<string[]> {
    const pids = backends.map((b) => b.pid);
    const onStandbyRows = (await standby.query('SELECT pid, pg_is_in_recovery() AS recovery FROM pg_stat_activity WHERE pid = ANY($1)', [pids])).rows;
    const onPrimaryRows = (await primary.query('SELECT pid, pg_is_in_recovery() AS recovery FROM pg_stat_activity WHERE pid = ANY($1)', [pids])).rows;
    return pids.map((pid) => {
      if (onStandbyRows.some((row) => row.pid === pid && row.recovery === true)) return 'standby';
      if (onPrimaryRows.some((row) => row.pid === pid && row.recovery === false)) return 'primary';
      return 'unknown';
    });
  }

  async function callers(server: TestServer) {
    const writer = { authorization: `Bearer ${await server.token({ sub: uniqueName('writer').replace(/\s/g, '-'), role: Role.ADMIN })}` };
    const reader = { authorization: `Bearer ${await server.token({ sub: uniqueName('reader').replace(/\s/g, '-'), role: Role.VIEWER })}` };
    return { writer, reader };
  }

  async function create(server: TestServer, headers: Record<string, string>): Promise<{ id: string; readPrimaryUntil: string | null }> {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        query: `mutation ($name: String!) { createOrganisation(input: { name: $name, kind: OTHER }) { id } }`,
        variables: { name: uniqueName('Tổ chức replica') },
      }),
    });
    const body = (await res.json()) as { data: { createOrganisation: { id: string } }; extensions: { sqlBackends: Backends } };
    expect(body.data.createOrganisation.id).toEqual(expect.any(String));
    expect(body.extensions.sqlBackends.every((b) => !b.replica)).toBe(true);
    return { id: body.data.createOrganisation.id, readPrimaryUntil: res.headers.get('x-read-primary-until') };
  }

  /** Whether the organisation `id` is found, and which pool answered: 'replica', 'primary' (every connection), or 'mixed'. */
  async function read(server: TestServer, id: string, headers: Record<string, string>): Promise<{ found: boolean; from: string; backends: Backends }> {
    const res = await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id }, headers);
    expect(res.errors).toBeUndefined();
    const backends = (res.extensions as { sqlBackends: Backends }).sqlBackends;
    expect(backends.length).toBeGreaterThan(0);
    const from = backends.every((b) => b.replica) ? 'replica' : backends.every((b) => !b.replica) ? 'primary' : 'mixed';
    return { found: res.data.node !== null, from, backends };
  }

  async function pauseReplay(): Promise<void> {
    await standby.query('SELECT pg_wal_replay_pause()');
    await until('replay to pause', async () => (await standby.query(`SELECT pg_get_wal_replay_pause_state() = 'paused' AS paused`)).rows[0].paused);
  }

  it('answers queries (and _entities) from the standby, and mutations from the primary', async () => {
    // Arrange: a replica in rotation however loaded the machine is
    const server = await startTestServer({ databaseReplicaUrls: [onStandby()], replicaMaxLagMs: 60_000, replicaCheckIntervalMs: 200 });
    try {
      const { writer, reader } = await callers(server);
      await until('the replica to be in rotation', async () => (await readyz(server)).body.replicas[0].inRotation);

      // Act
      const { id } = await create(server, writer);
      const query = await server.gql(`{ organisations(first: 3) { totalCount edges { node { name } } } }`, {}, reader);
      const entities = await server.gql(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id } } }`,
        { r: [{ __typename: 'Organisation', id }] },
        reader,
      );
      const mutation = await server.gql(`mutation ($id: ID!) { archiveOrganisation(input: { id: $id, version: 1 }) { id archivedAt } }`, { id }, writer);
      const changeLog = await server.gql(`{ ... on Query { latestChangeCursor } changes(first: 1) { edges { cursor } } }`, {}, reader);
      const ready = await readyz(server);

      // Assert: the query's connections were the standby's, in recovery; the mutation's the primary's
      const queryBackends = (query.extensions as { sqlBackends: Backends }).sqlBackends;
      expect(query.errors).toBeUndefined();
      expect(queryBackends.length).toBeGreaterThan(0);
      expect(queryBackends.every((b) => b.replica)).toBe(true);
      expect(await whereAnswered(queryBackends)).toEqual(queryBackends.map(() => 'standby'));
      expect(await whereAnswered((entities.extensions as { sqlBackends: Backends }).sqlBackends)).toContain('standby');
      const mutationBackends = (mutation.extensions as { sqlBackends: Backends }).sqlBackends;
      expect(mutation.errors).toBeUndefined();
      expect(await whereAnswered(mutationBackends)).toEqual(mutationBackends.map(() => 'primary'));
      // The change log by cursor reads the primary, as subscriptions do: a cursor from there is never ahead of it
      const changeLogBackends = (changeLog.extensions as { sqlBackends: Backends }).sqlBackends;
      expect(changeLog.errors).toBeUndefined();
      expect(changeLogBackends.length).toBeGreaterThan(0);
      expect(changeLogBackends.every((b) => !b.replica)).toBe(true);
      expect(ready.status).toBe(200);
      expect(ready.body.replicas).toEqual([
        expect.objectContaining({ state: 'healthy', inRotation: true, lagMs: expect.any(Number), lagBytes: expect.any(Number) }),
      ]);
      expect(ready.body.replicas[0].reads).toBeGreaterThan(0);
      expect(server.replicaStatus()[0].name).toMatch(/^127\.0\.0\.1:\d+\//);
    } finally {
      await server.stop();
    }
  });

  it('keeps a writer on the primary through a paused replica (by subject and by header), others read the stale replica', async () => {
    // Arrange: the lag limit above anything the test waits, so the paused replica stays in rotation
    const server = await startTestServer({
      databaseReplicaUrls: [onStandby()],
      replicaMaxLagMs: 600_000,
      replicaCheckIntervalMs: 200,
      readYourWritesMs: 30_000,
    });
    try {
      const { writer, reader } = await callers(server);
      await until('the replica to be in rotation', async () => (await readyz(server)).body.replicas[0].inRotation);
      await pauseReplay();

      // Act
      const { id, readPrimaryUntil } = await create(server, writer);
      const own = await read(server, id, writer);
      const other = await read(server, id, reader);
      const anonymousWithHeader = await read(server, id, { authorization: '', 'x-read-primary-until': readPrimaryUntil ?? '' });
      const expiredHeader = await read(server, id, { ...reader, 'x-read-primary-until': String(Date.now() - 1) });
      const garbageHeader = await read(server, id, { ...reader, 'x-read-primary-until': 'soon; DROP TABLE model' });

      // Assert
      expect(Number(readPrimaryUntil)).toBeGreaterThan(Date.now() + 20_000);
      expect(own).toEqual(expect.objectContaining({ found: true, from: 'primary' }));
      expect(other).toEqual(expect.objectContaining({ found: false, from: 'replica' }));
      expect(new Set(await whereAnswered(other.backends))).toEqual(new Set(['standby']));
      expect(anonymousWithHeader).toEqual(expect.objectContaining({ found: true, from: 'primary' }));
      expect(expiredHeader).toEqual(expect.objectContaining({ found: false, from: 'replica' }));
      expect(garbageHeader).toEqual(expect.objectContaining({ found: false, from: 'replica' }));
      // The pause shows from the next health check on (every 200 ms here).
      await until('the check to see the pause', async () => (await readyz(server)).body.replicas[0].replayPaused === true);
      const ready = await readyz(server);
      expect(ready.body.replicas[0]).toEqual(expect.objectContaining({ state: 'healthy', replayPaused: true }));

      // Act: replay resumes; the other caller's read catches up
      await standby.query('SELECT pg_wal_replay_resume()');
      await until('the replica to replay the write', async () => (await read(server, id, reader)).found);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
      await server.stop();
    }
  }, 120_000);

  it('takes a replica lagging past REPLICA_MAX_LAG_MS out of rotation (reads go to the primary), and back when it catches up', async () => {
    // Arrange
    const server = await startTestServer({ databaseReplicaUrls: [onStandby()], replicaMaxLagMs: 1_500, replicaCheckIntervalMs: 200, readYourWritesMs: 0 });
    try {
      const { writer, reader } = await callers(server);
      await until('the replica to be in rotation', async () => (await readyz(server)).body.replicas[0].inRotation);
      await pauseReplay();

      // Act: a write the paused replica cannot replay; the check sees the lag grow past the limit
      const { id, readPrimaryUntil } = await create(server, writer);
      await until('the replica to be lagging', async () => (await readyz(server)).body.replicas[0].state === 'lagging', 30_000);
      const ready = await readyz(server);
      const other = await read(server, id, reader);
      const lagging = await replicaMetrics(server);

      // Assert: no read-your-writes window (0), yet everybody reads the write, from the primary
      expect(readPrimaryUntil).toBeNull();
      expect(ready.status).toBe(200);
      expect(ready.body.replicas[0]).toEqual(expect.objectContaining({ inRotation: false, replayPaused: true }));
      expect(ready.body.replicas[0].lagMs).toBeGreaterThan(1_500);
      expect(ready.body.replicas[0].lagBytes).toBeGreaterThan(0);
      expect(other).toEqual(expect.objectContaining({ found: true, from: 'primary' }));
      expect(new Set(await whereAnswered(other.backends))).toEqual(new Set(['primary']));
      expect(lagging.inRotation).toBe(0);
      expect(lagging.lagSeconds).toBeGreaterThan(1.5);
      expect(lagging.lagBytes).toBeGreaterThan(0);

      // Act: replay resumes
      await standby.query('SELECT pg_wal_replay_resume()');
      await until('the replica to be back in rotation', async () => (await readyz(server)).body.replicas[0].inRotation);
      const back = await read(server, id, reader);
      const caughtUp = await replicaMetrics(server);

      // Assert
      expect(back).toEqual(expect.objectContaining({ found: true, from: 'replica' }));
      expect(caughtUp.inRotation).toBe(1);
      expect(caughtUp.reads).toBeGreaterThan(0);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
      await server.stop();
    }
  }, 120_000);

  it('falls back to the primary while the standby is stopped, stays ready, and returns the standby to rotation after a restart', async () => {
    // Arrange
    const server = await startTestServer({
      databaseReplicaUrls: [onStandby()],
      replicaMaxLagMs: 60_000,
      replicaCheckIntervalMs: 200,
      replicaCheckTimeoutMs: 1_000,
    });
    const port = new URL(replicaServer as string).port;
    try {
      const { reader } = await callers(server);
      await until('the replica to be in rotation', async () => (await readyz(server)).body.replicas[0].inRotation);
      await standby.end();

      // Act: only this standby stops (scripts/standby.sh stop PORT; the primary is never touched)
      await run('bash', [script, 'stop', port]);
      await until('the replica to be down', async () => (await readyz(server)).body.replicas[0].state === 'down', 30_000);
      const ready = await readyz(server);
      const query = await server.gql(`{ organisations(first: 2) { totalCount } }`, {}, reader);

      // Assert
      expect(ready.status).toBe(200);
      expect(ready.body.replicas[0]).toEqual(expect.objectContaining({ state: 'down', inRotation: false, reason: expect.any(String) }));
      expect(query.errors).toBeUndefined();
      expect(query.data.organisations.totalCount).toBeGreaterThan(0);
      expect((query.extensions as { sqlBackends: Backends }).sqlBackends.every((b) => !b.replica)).toBe(true);

      // Act: it starts again
      await run('bash', [script, 'start', port], { timeout: 120_000 });
      await until('the replica to be back in rotation', async () => (await readyz(server)).body.replicas[0].inRotation);
      const back = await server.gql(`{ organisations(first: 2) { totalCount } }`, {}, reader);

      // Assert
      expect((back.extensions as { sqlBackends: Backends }).sqlBackends.every((b) => b.replica)).toBe(true);
    } finally {
      await server.stop();
      standby = new Client({ connectionString: onStandby() });
      await standby.connect().catch(() => undefined);
    }
  }, 180_000);
});
