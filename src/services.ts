import type { DataSource } from 'typeorm';
import type { Config } from './config';
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
}

export function createServices(db: DataSource, config: Config): Services {
  const organisations = new OrganisationService(db, config);
  const periods = new PeriodService(db, organisations);
  const models = new ModelService(db, config, organisations, periods);
  const replications = new ReplicationService(db, config, models, organisations);
  return { organisations, models, replications, graph: new ReplicationGraphService(db, config), periods, summaries: new SummaryService(db) };
}
