import 'reflect-metadata';
import { Role } from '../../src/shared/actor';
import { signToken, type TokenClaims } from '../../src/shared/auth';
import { loadConfig, type AuthConfig, type Config } from '../../src/shared/config';
import { startServer, type RunningServer } from '../../src/app/server';
import { SNAPSHOT_DIR_VAR, snapshotFiles } from './snapshot';
import { TEST_JWT_SECRET } from './basics';

export { freePort, TEST_JWT_SECRET } from './basics';

/** What a test may override: any setting, and any part of the auth settings. */
export type TestConfig = Partial<Omit<Config, 'auth'>> & { auth?: Partial<AuthConfig> };

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  extensions?: { sqlStatements?: number };
}

export interface TestServer extends RunningServer {
  /**
   * POSTs a GraphQL document over real HTTP, as an ADMIN unless `headers` has an `authorization`
   * of its own (`{ authorization: '' }` sends none: an anonymous caller).
   */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** A token this server accepts (signed with its secret, its issuer and audience). */
  token(claims: Partial<TokenClaims>, expiresIn?: string | number): Promise<string>;
  /** `Authorization: Bearer <token>` of the default test caller, an ADMIN. */
  adminHeaders: Record<string, string>;
  /** Like gql, but fails the test on any error, returning data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/**
 * For a test of the migrations or the demo seed themselves: an embedded database that starts
 * empty, so the server's own start-up migrates and seeds it (pass as, or within, the overrides).
 */
export const EMPTY_EMBEDDED_DATABASE: Partial<Config> = { embeddedSnapshot: undefined };

/**
 * For a test that asserts the demo data's own figures, or whole-table row counts: an embedded
 * database of its own in the PostgreSQL pass too, where the shared database holds every other test
 * file's changes (reports and replications under the demo organisations, rows written meanwhile by
 * files running in parallel). The embedded pass runs the same assertions.
 */
export const OWN_DATABASE: Partial<Config> = process.env.DATABASE_URL ? { databaseUrl: undefined, runMigrations: true } : {};

/**
 * Starts the real server on a free port: against DATABASE_URL when set (already migrated by the
 * global setup), otherwise (or with OWN_DATABASE) against its own embedded in-memory database,
 * started from the global setup's migrated snapshot (with the demo data when `seedDemo`); the server still runs its
 * start-up migrations over it, which find nothing to do. Its start-up demo seed (an idempotent
 * insert of every demo row, 0.1-0.15 s of CPU per server) is left out on the seeded snapshot,
 * which the same seed made; it runs on an empty embedded database (EMPTY_EMBEDDED_DATABASE), and
 * on PostgreSQL, whose demo data the test servers' start-up seeds write. Loading the demo data
 * again is tested in demo-data.part.ts.
 */
export async function startTestServer(overrides: TestConfig = {}, env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const base = loadConfig(env);
  const { auth, ...rest } = overrides;
  const snapshotDir = process.env[SNAPSHOT_DIR_VAR];
  const seedDemo = overrides.seedDemo ?? true;
  // Embedded: no DATABASE_URL, or a test's own database (OWN_DATABASE) in the PostgreSQL pass.
  const embedded = !('databaseUrl' in rest ? rest.databaseUrl : base.databaseUrl);
  const snapshot = embedded && snapshotDir ? snapshotFiles(snapshotDir)[seedDemo ? 'seeded' : 'migrated'] : undefined;
  const config: Config = {
    ...base,
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    runMigrations: !base.databaseUrl,
    seedDemo: true,
    embeddedSnapshot: snapshot,
    sqlStats: true,
    dbPoolSize: 5,
    // The suite shares a machine (and a PostgreSQL) that can be loaded many times over: the
    // production bounds (10 s per statement, 15 s per request) would cut heavy tests short there.
    // Tests of the bounds set their own.
    dbStatementTimeoutMs: 60_000,
    dbQueryTimeoutMs: 65_000,
    requestTimeoutMs: 120_000,
    // A line per request from every test server would bury the run's output: warnings and errors
    // only, unless LOG_LEVEL asks for more. A test that reads the lines sets logDestination.
    logLevel: env.LOG_LEVEL ? base.logLevel : 'warn',
    ...rest,
    auth: { ...base.auth, jwtSecret: TEST_JWT_SECRET, jwksUrl: null, ...auth },
  };
  // On the seeded snapshot (not an empty database, nor a seed asked for): the demo data is there already.
  if (snapshot && config.embeddedSnapshot === snapshot && overrides.seedDemo === undefined) config.seedDemo = false;
  const server = await startServer(config);
  const token = (claims: Partial<TokenClaims>, expiresIn?: string | number) => {
    if (!server.signing) throw new Error('This test server verifies with AUTH_JWKS_URL: it has no secret to sign with.');
    return signToken(server.signing.secret, config.auth, { sub: 'test-admin', role: Role.ADMIN, ...claims }, expiresIn);
  };
  const adminHeaders: Record<string, string> = server.signing ? { authorization: `Bearer ${await token({})}` } : {};
  const gql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const sent: Record<string, string> = { 'content-type': 'application/json', ...adminHeaders, ...headers };
    if (!sent.authorization) delete sent.authorization;
    const res = await fetch(server.url, {
      method: 'POST',
      headers: sent,
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphQLResponse;
  };
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const res = await gql(query, variables);
    if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors, null, 2)}`);
    return res.data;
  };
  return Object.assign(server, { gql, ok, token, adminHeaders });
}

let counter = 0;
/** A name no other test (or run) uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix} ${process.pid}-${Date.now().toString(36)}-${counter}`;
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
