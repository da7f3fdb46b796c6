import { eventsModule } from '../events';
import { modelsModule } from '../models';
import { nodesModule } from '../nodes';
import { organisationsModule } from '../organisations';
import { periodsModule } from '../periods';
import { replicationsModule } from '../replications';
import type { FeatureModule } from '../shared/module';
import { summariesModule } from '../summaries';

/** Every feature of the service. A new feature folder is one line here. */
export const MODULES: readonly FeatureModule[] = [
  organisationsModule,
  periodsModule,
  modelsModule,
  replicationsModule,
  summariesModule,
  eventsModule,
  nodesModule,
];
