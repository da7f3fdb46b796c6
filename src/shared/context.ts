import type { Config } from './config';
import type { Actor } from './actor';
import type { PageLoaders } from './loaders';

/** Set on WebSocket connections: what to do with a subscriber that fell too far behind. */
export interface Subscriber {
  tooSlow(resumeAfter: string): void;
  /** The log id of the last event whose message was handed to the socket. */
  sent?: number;
}

/**
 * What every resolver receives. Each feature names the services and loaders it reads
 * (`RequestContext<ModelServices, ModelLoaders>`); the composition root (src/app/context.ts)
 * builds one context that satisfies every feature's.
 */
export interface RequestContext<Services = unknown, Loaders = unknown> {
  config: Config;
  services: Services;
  loaders: Loaders & PageLoaders;
  /** The caller; null when no valid token was sent. */
  actor: Actor | null;
  subscriber?: Subscriber;
}
