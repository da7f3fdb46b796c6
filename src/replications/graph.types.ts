import { Field, Int, ObjectType } from 'type-graphql';
import { CommunityModel } from '../models/model.entity';
import { PageInfo } from '../shared/pagination';
import { LocalDateScalar } from '../shared/scalars';
import { ReplicationLink } from './replication-link.entity';

@ObjectType('ModelReach', { description: 'How far a model spread: its replication tree (replicas, their replicas, ...), up to maxDepth steps.' })
export class ModelReach {
  @Field(() => Int, { description: 'Replicas taken directly from this model.' })
  directReplicas!: number;

  @Field(() => Int, { description: 'All models in its replication tree, at any depth (up to maxDepth).' })
  descendants!: number;

  @Field(() => Int, { description: 'Steps from the model to its farthest descendant; 0 when it has no replica.' })
  depth!: number;

  @Field(() => Int, { description: 'Distinct organisations running a descendant.' })
  organisationsReached!: number;

  @Field(() => Int, { description: 'Distinct localities (city, wards, communes) of the descendants.' })
  localitiesReached!: number;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Earliest dated replication in the tree.' })
  firstReplicatedOn!: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Latest dated replication in the tree.' })
  latestReplicatedOn!: string | null;
}

@ObjectType('ModelDescendantEdge', { description: 'A model in the replication tree of another, with how many steps away.' })
export class ModelDescendantEdge {
  @Field(() => String, { description: 'Where this edge is in the list: pass it as `after` for the next page. Opaque.' })
  cursor!: string;

  @Field(() => CommunityModel, { description: 'The descendant model.' })
  node!: CommunityModel;

  @Field(() => Int, { description: 'Replication steps from the model asked about (1 = a direct replica).' })
  depth!: number;
}

@ObjectType('ModelDescendantConnection', { description: 'Descendants in the replication tree, nearest first (by depth, then id).' })
export class ModelDescendantConnection {
  @Field(() => [ModelDescendantEdge], { description: 'This page of descendants.' })
  edges!: ModelDescendantEdge[];

  @Field(() => PageInfo, { description: 'Whether more pages follow or precede, and their cursors.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Descendants within maxDepth, across all pages.' })
  totalCount!: number;
}

@ObjectType('ReplicatedModel', { description: 'A model and how many replications of it were recorded.' })
export class ReplicatedModel {
  modelId!: string;

  @Field(() => Int, { description: 'Replications of it: dated within the period, or without a period its replica count.' })
  replications!: number;
}

@ObjectType('ReplicationPath', { description: 'A chain of replication links from a model of one organisation to a model of another.' })
export class ReplicationPath {
  @Field(() => [CommunityModel], { description: "From the first organisation's model to the second's." })
  models!: CommunityModel[];

  @Field(() => [ReplicationLink], { description: 'The links between consecutive models (one fewer than models).' })
  links!: ReplicationLink[];

  @Field(() => Int, { description: 'Number of links; 0 when one model is run by both organisations.' })
  length!: number;
}
