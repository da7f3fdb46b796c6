import 'reflect-metadata';
import net from 'node:net';
import { loadConfig, type Config } from '../../src/shared/config';
import { startServer, type RunningServer } from '../../src/app/server';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  extensions?: { sqlStatements?: number };
}

export interface TestServer extends RunningServer {
  /** POSTs a GraphQL document over real HTTP. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any error, returning data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/**
 * Starts the real server on a free port: against DATABASE_URL when set (already migrated by the
 * global setup), otherwise against a fresh embedded in-memory database.
 */
export async function startTestServer(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const base = loadConfig(env);
  const config: Config = {
    ...base,
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    runMigrations: !base.databaseUrl,
    seedDemo: true,
    sqlStats: true,
    dbPoolSize: 5,
    // The suite shares a machine (and a PostgreSQL) that can be loaded many times over: the
    // production bounds (10 s per statement, 15 s per request) would cut heavy tests short there.
    // Tests of the bounds set their own.
    dbStatementTimeoutMs: 60_000,
    dbQueryTimeoutMs: 65_000,
    requestTimeoutMs: 120_000,
    ...overrides,
  };
  const server = await startServer(config);
  const gql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphQLResponse;
  };
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const res = await gql(query, variables);
    if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors, null, 2)}`);
    return res.data;
  };
  return Object.assign(server, { gql, ok });
}

let counter = 0;
/** A name no other test (or run) uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix} ${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** A TCP port free on 127.0.0.1 right now, for a server started as a child process. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET /readyz of a running server: its status and JSON body. */
export async function readyz(server: RunningServer): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url.replace('/graphql', '/readyz'));
  return { status: res.status, body: await res.json() };
}

/** Polls /readyz until the server is ready and its event listener is back, or `timeoutMs` passes; the last answer. */
export async function untilServingAgain(server: RunningServer, timeoutMs = 20_000): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + timeoutMs;
  let up = await readyz(server);
  while ((up.status !== 200 || !up.body.events.listening) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    up = await readyz(server);
  }
  return up;
}
