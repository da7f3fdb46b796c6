import { connectionTypes } from '../shared/pagination';
import { Organisation } from './organisation.entity';

export const { ConnectionType: OrganisationConnection, EdgeType: OrganisationEdge } = connectionTypes(Organisation, 'Organisation');
