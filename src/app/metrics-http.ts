import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { AggregatorRegistry, Registry } from 'prom-client';
import { StartupError, type Config } from '../shared/config';
import type { Metrics } from './metrics';

/**
 * Serving /metrics: on the API's port (a route), or on METRICS_PORT (a listener of its own). With
 * WORKERS=N one scrape answers for every worker: the primary aggregates them (prom-client's
 * AggregatorRegistry, over the cluster's IPC). On METRICS_PORT the primary itself listens; on the
 * API's port the worker the scrape landed on asks the primary for the aggregate.
 */

const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
const ASK = 'dvk:metrics:ask';
const ANSWER = 'dvk:metrics:answer';
/** Longer than prom-client's own 5 s wait for the workers. */
const ASK_TIMEOUT_MS = 6_000;

type Answer = { type: typeof ANSWER; id: number; text?: string; error?: string };

/** A scrape: Prometheus text, or an error (answered 503). */
export type Scrape = () => Promise<string>;

let asked = 0;
const waiting = new Map<number, (answer: Answer) => void>();
let listening = false;

/** In a worker: the aggregate of all workers, asked of the primary. */
function askPrimary(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: Answer) => {
      if (message?.type === ANSWER) waiting.get(message.id)?.(message);
    });
  }
  const id = (asked += 1);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish({ type: ANSWER, id, error: 'the primary did not answer' }), ASK_TIMEOUT_MS);
    const finish = (answer: Answer) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (answer.text !== undefined) resolve(answer.text);
      else reject(new Error(answer.error ?? 'no metrics'));
    };
    waiting.set(id, finish);
    process.send?.({ type: ASK, id });
  });
}

/**
 * This process's scrape. A cluster worker hands its registries to prom-client's worker side (which
 * answers the primary) and, on the API's port, answers a scrape with the primary's aggregate.
 */
export function scrapeOf(metrics: Metrics): Scrape {
  if (!cluster.isWorker) return () => metrics.text();
  new AggregatorRegistry(); // installs the worker's listener for the primary's requests
  AggregatorRegistry.setRegistries(metrics.registries());
  return askPrimary;
}

function answer(scrape: Scrape, res: http.ServerResponse | express.Response): void {
  scrape().then(
    (text) => {
      res.writeHead(200, { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(text);
    },
    (error: Error) => {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`# metrics unavailable: ${error.message}\n`);
    },
  );
}

/** GET /metrics on the API's app. */
export function mountMetrics(app: express.Express, scrape: Scrape): void {
  app.get('/metrics', (_req, res) => answer(scrape, res));
}

/** A listener of its own on METRICS_PORT answering GET /metrics (anything else: 404). */
export async function listenMetrics(config: Pick<Config, 'host' | 'metricsPort'>, scrape: Scrape): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') return answer(scrape, res);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found: metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new StartupError(
              `cannot listen on ${config.host}:${config.metricsPort} (METRICS_PORT): ${error.code === 'EADDRINUSE' ? 'the port is already in use' : 'not allowed'}.`,
            )
          : error,
      ),
    );
    server.listen(config.metricsPort, config.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The primary of WORKERS=N: aggregates the workers' metrics for a worker that asks (a scrape on the
 * API's port), and with METRICS_PORT listens there itself.
 */
export async function superviseMetrics(config: Config): Promise<void> {
  if (!config.metricsEnabled) return;
  const aggregator = new AggregatorRegistry();
  // Scrapes asked at once share one round of the workers: a flood of them costs one round at a time.
  let running: Promise<string> | null = null;
  const scrape = () => (running ??= aggregator.clusterMetrics().finally(() => (running = null)));
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== ASK) return;
    scrape().then(
      (text) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, text }),
      (error: Error) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, error: error.message }),
    );
  });
  if (config.metricsPort > 0) await listenMetrics(config, scrape);
}
