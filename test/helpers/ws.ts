import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from './server';

export interface Received<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

/** A real graphql-ws client on the test server's /graphql; closes are recorded, never retried. */
export function wsClient(server: TestServer, connectionParams?: Record<string, unknown>): Client & { closes: Array<{ code: number; reason: string }> } {
  const closes: Array<{ code: number; reason: string }> = [];
  const client = createClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => closes.push({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  return Object.assign(client, { closes });
}

/** Collects what one subscription receives, and waits for a number of results or its end. */
export class Subscription<T = any> {
  readonly results: Array<Received<T>> = [];
  error: unknown = null;
  done = false;
  private readonly stopFn: () => void;
  private waiters: Array<() => void> = [];

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.stopFn = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => this.push(() => this.results.push(value as Received<T>)),
        error: (error) =>
          this.push(() => {
            this.error = error;
            this.done = true;
          }),
        complete: () => this.push(() => (this.done = true)),
      },
    );
  }

  private push(change: () => void): void {
    change();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  get data(): T[] {
    return this.results.filter((r) => r.data).map((r) => r.data as T);
  }

  /** Resolves once `predicate` holds, or rejects after `timeoutMs` with what arrived so far. */
  async until(predicate: (s: this) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out; received ${JSON.stringify(this.results).slice(0, 2000)} error=${JSON.stringify(this.error)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `n` results in all. */
  count(n: number, timeoutMs?: number): Promise<void> {
    return this.until((s) => s.results.length >= n || s.done, timeoutMs).then(() => {
      if (this.results.length < n)
        throw new Error(`Subscription ended after ${this.results.length} of ${n} results: ${JSON.stringify(this.error ?? this.results.at(-1))}`);
    });
  }

  stop(): void {
    this.stopFn();
  }
}
