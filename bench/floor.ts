import http from 'node:http';
import { Pool } from 'pg';
import { floorSql } from './dashboard';

/**
 * The floor of the benchmark: the least a Node server can do to answer the dashboard document.
 * It ignores the request body, runs one hand-written SQL statement that builds the whole JSON
 * answer in PostgreSQL, and writes it out as `{"data": ...}` without parsing it.
 *
 * Env: DATABASE_URL (required), PORT (default 4100), HOST (127.0.0.1), DB_POOL_SIZE (10, as ours),
 * FLOOR_SUMMARY=false for the document without `summary`. GET /sql-count: the statements sent so far
 * (one per answer), as the peer servers of bench/peers/ report theirs.
 */
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('floor: DATABASE_URL is required');
  process.exit(1);
}
const SQL = floorSql(process.env.FLOOR_SUMMARY !== 'false');
// JIT off, as for our server: compiling this one big statement costs more than running it.
const pool = new Pool({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_SIZE || 10), options: '-c jit=off' });

let statements = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    return;
  }
  if (req.method === 'GET' && req.url === '/sql-count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ statements }));
    return;
  }
  // Read and drop the body: every POST is the dashboard document.
  req.on('data', () => undefined);
  req.on('end', () => {
    statements += 1;
    pool.query<{ body: string }>(SQL).then(
      (result) => {
        const body = `{"data":${result.rows[0].body}}`;
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      (error: Error) => {
        console.error('floor: query failed', error);
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: error.message }] }));
      },
    );
  });
});

server.listen(Number(process.env.PORT || 4100), process.env.HOST || '127.0.0.1', () => {
  console.log(`floor ready at http://${process.env.HOST || '127.0.0.1'}:${(server.address() as { port: number }).port}/graphql`);
});

const stop = () => {
  server.close();
  pool.end().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
