import { IsOptional } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { LocalDateScalar } from '../shared/scalars';
import { EntityId, MaxCodePoints, NameLength } from '../shared/validators';

@InputType({ description: 'Replicate a model to another organisation: creates the replica model and the link in one step.' })
export class ReplicateModelInput {
  @Field(() => ID)
  @EntityId('model')
  sourceModelId!: string;

  @Field(() => ID, { description: 'The organisation that takes the model up; it leads the replica.' })
  @EntityId('organisation')
  targetOrganisationId!: string;

  @Field(() => String, { nullable: true, description: "The replica's name; the source's name when omitted." })
  @IsOptional()
  @NameLength(1, 300)
  name?: string | null;

  @Field(() => LocalDateScalar, { nullable: true })
  replicatedOn?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxCodePoints(2000)
  note?: string | null;
}

@InputType({ description: 'Record that an existing model is a replica of another existing model.' })
export class LinkModelsInput {
  @Field(() => ID)
  @EntityId('model')
  sourceModelId!: string;

  @Field(() => ID)
  @EntityId('model')
  targetModelId!: string;

  @Field(() => LocalDateScalar, { nullable: true })
  replicatedOn?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxCodePoints(2000)
  note?: string | null;
}

@InputType({ description: 'Which replication link to remove.' })
export class UnlinkModelsInput {
  @Field(() => ID, { description: 'The link id (a malformed one is BAD_USER_INPUT, an unknown one NOT_FOUND).' })
  id!: string;
}

@InputType()
export class ReplicationLinkFilter {
  @Field(() => ID, { nullable: true })
  @EntityId('model', { optional: true })
  sourceModelId?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Replicated on or after this date.' })
  replicatedFrom?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Replicated on or before this date.' })
  replicatedTo?: string | null;
}
