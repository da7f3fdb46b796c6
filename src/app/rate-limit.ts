import type express from 'express';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Actor } from '../shared/actor';
import type { Config } from '../shared/config';
import { RateLimitedError } from '../shared/errors';
import { loggerFor } from '../shared/logger';
import { sendErrors } from './request-log';

/**
 * A rate limit per caller: RATE_LIMIT_POINTS requests (HTTP) and subscribe messages (WebSocket)
 * per RATE_LIMIT_DURATION_S. With REDIS_URL every instance draws on one budget per caller (a
 * fixed window in Redis); without it each process keeps its own, in memory. If Redis cannot be
 * reached the limit falls back to memory (per process) instead of refusing everybody.
 */

/** The key a caller's budget is kept under: from the verified caller, else its peer address. */
export type CallerKey = (caller: Actor | null, peer: { remoteAddress?: string }) => string;

/**
 * The caller: its token's subject (`sub`, verified: a forged one is refused before it counts),
 * the same key over HTTP and WebSocket, so all of a subject's tokens share one budget; else the
 * client address. The peer address is the socket's: behind a proxy every anonymous caller is the
 * proxy, and X-Forwarded-For is not trusted (a client could rotate it at will).
 */
export function callerKeyOf(): CallerKey {
  return (caller, peer) => (caller ? `sub:${caller.sub}` : `addr:${peer.remoteAddress ?? 'unknown'}`);
}

export interface RateLimit {
  /** Spends one point of `key`'s budget: null when allowed, the refusal when it is used up. */
  consume(key: string): Promise<RateLimitedError | null>;
  /** Whether the shared store (Redis) is in use right now. */
  readonly shared: boolean;
  stop(): Promise<void>;
}

/** Waits for a Redis connection, at most `ms`; false if it did not come (the limit then runs in memory). */
async function connected(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), ms);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    redis.on('ready', onReady);
  });
}

/** The rate limit of this instance, or null when RATE_LIMIT_POINTS is 0. */
export async function createRateLimit(config: Config): Promise<RateLimit | null> {
  if (config.rateLimitPoints <= 0) return null;
  const options = { points: config.rateLimitPoints, duration: config.rateLimitDurationS, keyPrefix: config.rateLimitPrefix };
  const memory = new RateLimiterMemory(options);
  const log = loggerFor(config);
  let redis: Redis | null = null;
  let limiter: RateLimiterAbstract = memory;
  if (config.redisUrl) {
    let warned = false;
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false });
    redis.on('error', (error: Error) => {
      if (!warned) log.warn({ reason: error.message }, 'rate limit: Redis unavailable; limiting per process in memory until it is back');
      warned = true;
    });
    redis.on('ready', () => {
      warned = false;
    });
    await connected(redis, 2_000);
    // Redis down: the insurance limiter (memory, per process) answers instead of refusing everybody.
    limiter = new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  }
  const { points, duration } = options;
  return {
    async consume(key) {
      try {
        await limiter.consume(key, 1);
        return null;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return new RateLimitedError(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)), points, duration);
        // The store failed and there was no insurance: let the request through, never a 500.
        log.warn({ err: refusal }, 'rate limit: could not count a request; let through');
        return null;
      }
    },
    get shared() {
      return redis?.status === 'ready';
    },
    async stop() {
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}

/** Express middleware: one point per request; over the budget, HTTP 429 with Retry-After and a RATE_LIMITED error. */
export function rateLimitMiddleware(limit: RateLimit, keyOf: CallerKey): express.RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    limit.consume(keyOf((res.locals.caller as Actor | null | undefined) ?? null, req.socket)).then((refusal) => {
      if (!refusal) return next();
      const { http: _http, ...extensions } = refusal.extensions as Record<string, unknown>;
      res.set('Retry-After', String(extensions.retryAfter));
      sendErrors(res, 429, [{ message: refusal.message, extensions }]);
    }, next);
  };
}
