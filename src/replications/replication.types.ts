import { connectionTypes } from '../shared/pagination';
import { ReplicationLink } from './replication-link.entity';

export const { ConnectionType: ReplicationLinkConnection, EdgeType: ReplicationLinkEdge } = connectionTypes(ReplicationLink, 'ReplicationLink');
