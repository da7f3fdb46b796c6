import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { EventHub } from './events/event-hub';
import { EventService } from './events/event.service';
import { ModelService } from './models/model.service';
import { OrganisationService } from './organisations/organisation.service';
import { PeriodService } from './periods/period.service';
import { ReplicationGraphService } from './replications/graph.service';
import { ReplicationService } from './replications/replication.service';
import { SummaryService } from './summaries/summary.service';

/** The stateless services, created once per process. */
export interface Services {
  organisations: OrganisationService;
  models: ModelService;
  replications: ReplicationService;
  graph: ReplicationGraphService;
  periods: PeriodService;
  summaries: SummaryService;
  events: EventService;
}

/** `hub` fans the change log out to subscriptions; without it only the `changes` query works. */
export function createServices(db: DataSource, config: Config, hub: EventHub | null = null): Services {
  const organisations = new OrganisationService(db, config);
  const periods = new PeriodService(db, organisations);
  const models = new ModelService(db, config, organisations, periods);
  const replications = new ReplicationService(db, config, models, organisations);
  return {
    organisations,
    models,
    replications,
    graph: new ReplicationGraphService(db, config),
    periods,
    summaries: new SummaryService(db),
    events: new EventService(db, config, hub),
  };
}
