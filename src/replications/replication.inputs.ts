import { IsOptional } from 'class-validator';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { Domain } from '../models/model.entity';
import { SortDirection } from '../shared/pagination';
import { LocalDateScalar } from '../shared/scalars';
import { EntityId, MaxCodePoints, NameLength } from '../shared/validators';

@InputType({ description: 'Replicate a model to another organisation: creates the replica model and the link in one step.' })
export class ReplicateModelInput {
  @Field(() => ID, { description: 'The model to replicate; it must not be archived.' })
  @EntityId('model')
  sourceModelId!: string;

  @Field(() => ID, { description: 'The organisation that takes the model up; it leads the replica.' })
  @EntityId('organisation')
  targetOrganisationId!: string;

  @Field(() => String, { nullable: true, description: "The replica's name; the source's name when omitted." })
  @IsOptional()
  @NameLength(1, 300)
  name?: string | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: "When the organisation took the model up, if known (also the replica's start date); not in the future.",
  })
  replicatedOn?: string | null;

  @Field(() => String, { nullable: true, description: 'A note on the replication (at most 2,000 characters).' })
  @IsOptional()
  @MaxCodePoints(2000)
  note?: string | null;
}

@InputType({ description: 'Record that an existing model is a replica of another existing model.' })
export class LinkModelsInput {
  @Field(() => ID, { description: 'The model that was replicated.' })
  @EntityId('model')
  sourceModelId!: string;

  @Field(() => ID, { description: 'The existing model that is its replica; it must have no source yet.' })
  @EntityId('model')
  targetModelId!: string;

  @Field(() => LocalDateScalar, { nullable: true, description: 'When the replica took the model up, if known; not in the future.' })
  replicatedOn?: string | null;

  @Field(() => String, { nullable: true, description: 'A note on the replication (at most 2,000 characters).' })
  @IsOptional()
  @MaxCodePoints(2000)
  note?: string | null;
}

@InputType({ description: 'Which replication link to remove.' })
export class UnlinkModelsInput {
  @Field(() => ID, { description: 'The link id (a malformed one is BAD_USER_INPUT, an unknown one NOT_FOUND).' })
  id!: string;
}

const REPLICATED_RANGE_DEPRECATION = 'Use replicatedSince / replicatedUntil: on Model, replicatedFrom is the source model, not a date.';

@InputType({ description: 'Which replication links to list. Every condition given must hold.' })
export class ReplicationLinkFilter {
  @Field(() => ID, { nullable: true, description: 'Only links from this source model.' })
  @EntityId('model', { optional: true })
  sourceModelId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only the link into this replica (a model has at most one source).' })
  @EntityId('model', { optional: true })
  targetModelId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Only links with a source or a replica run (as lead or partner) in this organisation's subtree, or by it alone with includeDescendants: false.",
  })
  @EntityId('organisation', { optional: true })
  organisationId?: string | null;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'With organisationId: whether models run anywhere below it count (the default, as everywhere in the API) or only those it runs itself.',
  })
  includeDescendants!: boolean;

  @Field(() => [Domain], { nullable: true, description: 'Only links whose source model is in one of these domains.' })
  domain?: Domain[] | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Replicated on or after this date (undated links are left out).' })
  replicatedSince?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Replicated on or before this date (undated links are left out).' })
  replicatedUntil?: string | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    deprecationReason: REPLICATED_RANGE_DEPRECATION,
    description: 'Replicated on or after this date: the same as replicatedSince.',
  })
  replicatedFrom?: string | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    deprecationReason: REPLICATED_RANGE_DEPRECATION,
    description: 'Replicated on or before this date: the same as replicatedUntil.',
  })
  replicatedTo?: string | null;
}

export enum ReplicationLinkOrderField {
  CREATED_AT = 'CREATED_AT',
  REPLICATED_ON = 'REPLICATED_ON',
}
registerEnumType(ReplicationLinkOrderField, {
  name: 'ReplicationLinkOrderField',
  description: 'What replication links can be ordered by (ties by id).',
  valuesConfig: {
    CREATED_AT: { description: 'When the link was recorded.' },
    REPLICATED_ON: { description: 'The date of the replication; undated links sort as the earliest.' },
  },
});

@InputType({ description: 'The order of a list of replication links.' })
export class ReplicationLinkOrder {
  @Field(() => ReplicationLinkOrderField, { description: 'The sort key.' })
  field!: ReplicationLinkOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC, description: 'Newest first by default.' })
  direction!: SortDirection;
}
