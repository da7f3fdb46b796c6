import { eventLoaders } from '../events/event.loaders';
import { modelLoaders } from '../models/model.loaders';
import { organisationLoaders } from '../organisations/organisation.loaders';
import { periodLoaders } from '../periods/period.loaders';
import { replicationLoaders } from '../replications/replication.loaders';
import type { Config } from '../shared/config';
import { pageLoaders, type NestedPages } from '../shared/loaders';
import { summaryLoaders } from '../summaries/summary.loaders';
import type { Metrics } from './metrics';
import type { Services } from './services';
import { MODULES } from './modules';
import { tracedLoaders } from './tracing-hooks';

/** Every feature's nested lists that pages can bring (NestedPage), by `Type.field`. */
const NESTED_PAGES: NestedPages = Object.assign({}, ...MODULES.map((module) => module.nestedPages ?? {}));

/** DataLoaders of one request (or one live event): every feature's, batch by key, one SQL per batch. */
export function createLoaders(services: Services, config: Config, metrics?: Metrics | null) {
  // One Object.assign, not an object literal of spreads: V8 keeps a request's context built with the
  // spreads through the young-generation collections after the request (bench/README.md,
  // "Young-generation survivors"), and with it every loader's cache.
  const loaders: ReturnType<typeof pageLoaders> &
    ReturnType<typeof organisationLoaders> &
    ReturnType<typeof periodLoaders> &
    ReturnType<typeof modelLoaders> &
    ReturnType<typeof replicationLoaders> &
    ReturnType<typeof summaryLoaders> &
    ReturnType<typeof eventLoaders> = Object.assign(
    {},
    pageLoaders(NESTED_PAGES),
    organisationLoaders(services),
    periodLoaders(services),
    modelLoaders(services),
    replicationLoaders(services, config),
    summaryLoaders(services),
    eventLoaders(services),
  );
  // METRICS_ENABLED: each loader's batch size is observed (wrapped once per request, not per key);
  // OTEL_EXPORTER_OTLP_ENDPOINT: each batch is a span.
  return tracedLoaders(metrics ? metrics.observeLoaders(loaders) : loaders);
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * The DataLoaders of each live event, created on first use and shared by every subscriber that
 * resolves it: a thousand subscribers asking for the changed model cost one SQL statement, and no
 * cache outlives its event (they go with it, held weakly).
 */
export function loadersPerEvent(services: () => Services, config: Config, metrics?: Metrics | null): (event: object) => Loaders {
  const byEvent = new WeakMap<object, Loaders>();
  return (event) => {
    let loaders = byEvent.get(event);
    if (!loaders) byEvent.set(event, (loaders = createLoaders(services(), config, metrics)));
    return loaders;
  };
}
