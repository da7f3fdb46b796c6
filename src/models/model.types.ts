import { connectionTypes } from '../shared/pagination';
import { CommunityModel } from './model.entity';

export const { ConnectionType: ModelConnection, EdgeType: ModelEdge } = connectionTypes(CommunityModel, 'Model');
