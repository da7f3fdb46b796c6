/**
 * What both peer servers share: the pool (as ours: 10 connections, JIT off), a count of the SQL
 * statements sent (every `query` of every pooled client: BEGIN, SET and COMMIT count too), and a
 * node:http server that answers GET /readyz and GET /sql-count itself and hands everything else to
 * PostGraphile.
 *
 * Env: DATABASE_URL (required), PORT, HOST (127.0.0.1), DB_POOL_SIZE (10), PEER_LOG_SQL=true prints
 * each statement's first 300 characters (to see what a peer sends; not while measuring).
 */
import http from 'node:http';
import pg from 'pg';

export function peerPool(name) {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    console.error(`${name}: DATABASE_URL is required`);
    process.exit(1);
  }
  const pool = new pg.Pool({ connectionString, max: Number(process.env.DB_POOL_SIZE || 10), options: '-c jit=off' });
  const counter = { statements: 0 };
  const logSql = process.env.PEER_LOG_SQL === 'true';
  pool.on('connect', (client) => {
    const query = client.query;
    client.query = function countedQuery(...args) {
      counter.statements += 1;
      if (logSql)
        console.log(
          `${name} SQL: ${String(typeof args[0] === 'string' ? args[0] : args[0]?.text)
            .slice(0, 300)
            .replace(/\s+/g, ' ')}`,
        );
      return query.apply(this, args);
    };
  });
  pool.on('error', (error) => console.error(`${name}: idle client error`, error.message));
  return { pool, counter };
}

/** Listens on PORT; `handler(req, res)` gets every request but /readyz and /sql-count. */
export function listen(name, counter, handler, stop) {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    } else if (req.method === 'GET' && req.url === '/sql-count') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ statements: counter.statements }));
    } else {
      handler(req, res);
    }
  });
  const host = process.env.HOST || '127.0.0.1';
  server.listen(Number(process.env.PORT || 4200), host, () => {
    console.log(`${name} ready at http://${host}:${server.address().port}/graphql`);
  });
  const shutdown = () => {
    server.close();
    Promise.resolve(stop()).finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return server;
}
