import { eventLoaders } from '../events/event.loaders';
import { modelLoaders } from '../models/model.loaders';
import { organisationLoaders } from '../organisations/organisation.loaders';
import { periodLoaders } from '../periods/period.loaders';
import { replicationLoaders } from '../replications/replication.loaders';
import type { Config } from '../shared/config';
import { pageLoaders, type NestedPages } from '../shared/loaders';
import { fieldsConstructor } from '../shared/objects';
import { summaryLoaders } from '../summaries/summary.loaders';
import type { Metrics } from './metrics';
import type { Services } from './services';
import { MODULES } from './modules';
import { tracedLoaders } from './tracing-hooks';

/** Every feature's nested lists that pages can bring (NestedPage), by `Type.field`. */
const NESTED_PAGES: NestedPages = Object.assign({}, ...MODULES.map((module) => module.nestedPages ?? {}));

/** DataLoaders of one request (or one live event): every feature's, batch by key, one SQL per batch. */
export function createLoaders(services: Services, config: Config, metrics?: Metrics | null) {
  const loaders = mergeFast([
    pageLoaders(NESTED_PAGES),
    organisationLoaders(services),
    periodLoaders(services),
    modelLoaders(services),
    replicationLoaders(services, config),
    summaryLoaders(services),
    eventLoaders(services),
  ]) as ReturnType<typeof pageLoaders> &
    ReturnType<typeof organisationLoaders> &
    ReturnType<typeof periodLoaders> &
    ReturnType<typeof modelLoaders> &
    ReturnType<typeof replicationLoaders> &
    ReturnType<typeof summaryLoaders> &
    ReturnType<typeof eventLoaders>;
  // METRICS_ENABLED: each loader's batch size is observed (wrapped once per request, not per key);
  // OTEL_EXPORTER_OTLP_ENDPOINT: each batch is a span.
  return tracedLoaders(metrics ? metrics.observeLoaders(loaders) : loaders);
}

/**
 * The parts' own properties in one object that V8 keeps fast, with the same hidden class (map) for
 * every request. Copying nineteen or more properties into `{}` (Object.assign, spreads) turns it
 * into a dictionary, and spreads give each copy a map of its own: every loader lookup is then a
 * dictionary probe, and V8 keeps each request's objects through the young-generation collections
 * after it (`node dist/bench/maps.js` counts the maps made per request). A constructor that assigns
 * each name by itself (fieldsConstructor) makes them in-object fields of one shared map; it is
 * generated once, from our own loader names (identifiers, checked), never from input. Symbol-keyed properties are added
 * after, along one shared transition.
 */
function mergeFast(parts: readonly object[]): object {
  const names: string[] = [];
  const values: unknown[] = [];
  const symbols: Array<[symbol, unknown]> = [];
  for (const part of parts) {
    for (const key of Reflect.ownKeys(part)) {
      const value = (part as Record<PropertyKey, unknown>)[key];
      if (typeof key === 'symbol') symbols.push([key, value]);
      else if (names.includes(key)) values[names.indexOf(key)] = value;
      else {
        names.push(key);
        values.push(value);
      }
    }
  }
  const Fast = fieldsConstructor(names);
  if (!Fast) throw new Error(`mergeFast: the names are not distinct identifiers: ${names.join(', ')}`);
  const merged: Record<PropertyKey, unknown> = new Fast(values);
  for (const [key, value] of symbols) merged[key] = value;
  return merged;
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Where an event keeps its loaders (loadersPerEvent). */
const EVENT_LOADERS = Symbol('eventLoaders');

/**
 * The DataLoaders of each live event, created on first use and shared by every subscriber that
 * resolves it: a thousand subscribers asking for the changed model cost one SQL statement, and no
 * cache outlives its event.
 *
 * They are a property of the event (a symbol: never serialised or listed), not the values of a
 * WeakMap the server keeps. V8's young-generation collector treats the values of a WeakMap that
 * lives in the old generation as reachable whatever their key: every event's loaders, with the
 * rows they cached, would survive each scavenge and be promoted, to wait for a full collection.
 */
export function loadersPerEvent(services: () => Services, config: Config, metrics?: Metrics | null): (event: object) => Loaders {
  return (event) => {
    const holder = event as { [EVENT_LOADERS]?: Loaders };
    return (holder[EVENT_LOADERS] ??= createLoaders(services(), config, metrics));
  };
}
