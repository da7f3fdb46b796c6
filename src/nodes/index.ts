import type { FeatureModule } from '../shared/module';
import { NodeResolver } from './node.resolver';

/** Relay's object identification: node(id:) and nodes(ids:) over every Node type. */
export const nodesModule: FeatureModule = {
  resolvers: [NodeResolver],
};
