import type { DataSource } from 'typeorm';
import type { EventHub } from '../events/event-hub';
import type { EventServices } from '../events/event.loaders';
import { EventService, type LoadersOfEvent } from '../events/event.service';
import type { ModelServices } from '../models/model.loaders';
import { ModelService } from '../models/model.service';
import type { OrganisationServices } from '../organisations/organisation.loaders';
import { OrganisationService } from '../organisations/organisation.service';
import type { PeriodServices } from '../periods/period.loaders';
import { PeriodService } from '../periods/period.service';
import { ReplicationGraphService } from '../replications/graph.service';
import type { ReplicationServices } from '../replications/replication.loaders';
import { ReplicationService } from '../replications/replication.service';
import type { Config } from '../shared/config';
import type { SummaryServices } from '../summaries/summary.loaders';
import { SummaryService } from '../summaries/summary.service';

/** The stateless services, created once per process: every feature's. */
export type Services = OrganisationServices & PeriodServices & ModelServices & ReplicationServices & SummaryServices & EventServices;

/**
 * `hub` fans the change log out to subscriptions; without it only the `changes` query works.
 * `loadersOfEvent` gives the DataLoaders a live event is resolved through (see loaders.ts).
 */
export function createServices(db: DataSource, config: Config, hub: EventHub | null, loadersOfEvent: LoadersOfEvent): Services {
  const organisations = new OrganisationService(db, config);
  const periods = new PeriodService(db, organisations);
  const models = new ModelService(db, config, organisations, periods);
  const summaries = new SummaryService(db);
  return {
    organisations,
    periods,
    models,
    replications: new ReplicationService(db, config, models, organisations),
    graph: new ReplicationGraphService(db, config),
    summaries,
    events: new EventService(db, config, hub, summaries, loadersOfEvent),
  };
}
