import type { ModelLoaders } from '../models/model.loaders';
import type { OrganisationLoaders } from '../organisations/organisation.loaders';
import type { ReplicationLoaders } from '../replications/replication.loaders';
import type { RequestContext } from '../shared/context';
import type { EventService } from './event.service';

export interface EventServices {
  events: EventService;
}

/** The change log's per-request loaders. */
export function eventLoaders({ events }: EventServices) {
  let latest: Promise<number> | null = null;
  return {
    /** The newest event id, read once per request however many fields ask for it. */
    latestEventId(): Promise<number> {
      return (latest ??= events.position(null));
    },
  };
}

export type EventLoaders = ReturnType<typeof eventLoaders>;

/**
 * What the change log's resolvers read. On a WebSocket, `loaders` are those of the event being
 * delivered (fresh per event, shared by every subscriber of a live one: see src/app/subscriptions.ts).
 */
export type EventsContext = RequestContext<EventServices, EventLoaders & ModelLoaders & OrganisationLoaders & ReplicationLoaders>;
