import type { EventsContext } from '../events/event.loaders';
import type { ModelsContext } from '../models/model.loaders';
import type { OrganisationsContext } from '../organisations/organisation.loaders';
import type { PeriodsContext } from '../periods/period.loaders';
import type { ReplicationsContext } from '../replications/replication.loaders';
import type { RequestContext } from '../shared/context';
import type { SummariesContext } from '../summaries/summary.loaders';
import type { Loaders } from './loaders';
import type { Services } from './services';

/** The context of a request (or of one subscription's event): every feature's services and loaders. */
export type Context = RequestContext<Services, Loaders>;

/** Compiles only when `Context` gives a feature everything its resolvers read. */
type Provides<Needed, Given extends Needed> = Given;
export type FeatureContexts = [
  Provides<OrganisationsContext, Context>,
  Provides<PeriodsContext, Context>,
  Provides<ModelsContext, Context>,
  Provides<ReplicationsContext, Context>,
  Provides<SummariesContext, Context>,
  Provides<EventsContext, Context>,
];
