import { Field, Int, ObjectType } from 'type-graphql';
import { connectionTypes, PageInfo } from '../shared/pagination';
import { Organisation } from './organisation.entity';

export const { ConnectionType: OrganisationConnection, EdgeType: OrganisationEdge } = connectionTypes(Organisation, 'Organisation');

@ObjectType('OrganisationDescendantEdge', { description: 'An organisation below another, with how far below.' })
export class OrganisationDescendantEdge {
  @Field(() => String, { description: 'Where this edge is in the list: pass it as `after` for the next page.' })
  cursor!: string;

  @Field(() => Organisation, { description: 'The organisation below.' })
  node!: Organisation;

  @Field(() => Int, { description: 'Levels below the organisation asked about (1 = a child).' })
  depth!: number;
}

@ObjectType('OrganisationDescendantConnection', { description: 'Organisations below one, nearest first (by depth, then id).' })
export class OrganisationDescendantConnection {
  @Field(() => [OrganisationDescendantEdge], { description: 'This page of descendants.' })
  edges!: OrganisationDescendantEdge[];

  @Field(() => PageInfo, { description: 'Whether more pages follow or precede, and their cursors.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Descendants within maxDepth, across all pages.' })
  totalCount!: number;
}
