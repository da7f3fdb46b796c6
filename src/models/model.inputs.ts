import { ArrayMaxSize, IsOptional } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { SortDirection } from '../shared/pagination';
import { LocalDateScalar } from '../shared/scalars';
import { EntityId, EntityIds, MaxCodePoints, NameLength, PeriodCode } from '../shared/validators';
import { Domain, ModelStatus } from './model.entity';

@InputType({ description: 'A new model, run by a lead organisation and optional partners.' })
export class CreateModelInput {
  @Field(() => String, { description: "The model's name (1 to 300 characters)." })
  @NameLength(1, 300)
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the model does, in a few sentences (at most 5,000 characters).' })
  @IsOptional()
  @MaxCodePoints(5000)
  description?: string | null;

  @Field(() => Domain, { description: 'The domain the model belongs to.' })
  domain!: Domain;

  @Field(() => ModelStatus, { defaultValue: ModelStatus.ACTIVE, description: 'Its status; ACTIVE when omitted.' })
  status!: ModelStatus;

  @Field(() => LocalDateScalar, { nullable: true, description: 'When the model started, if known; not in the future.' })
  startedOn?: string | null;

  @Field(() => ID, { description: 'The organisation that leads the model.' })
  @EntityId('organisation')
  leadOrganisationId!: string;

  @Field(() => [ID], { nullable: true, description: 'Organisations taking part as partners.' })
  @IsOptional()
  @ArrayMaxSize(50, { message: 'at most 50 partner organisations' })
  @EntityIds('organisation')
  partnerOrganisationIds?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'The ward, commune or city where it runs.' })
  @EntityId('organisation', { optional: true })
  localityId?: string | null;

  @Field(() => String, { nullable: true, description: 'Code of the reporting period in which it was recognised, e.g. "2023-H1".' })
  @PeriodCode({ optional: true })
  recognisedPeriod?: string | null;
}

@InputType({ description: 'Changes to a model; omitted fields stay as they are, null clears an optional one.' })
export class UpdateModelInput {
  @Field(() => ID, { description: 'The model to change.' })
  @EntityId('model')
  id!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is refused with CONFLICT.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'A new name (cannot be cleared).' })
  @IsOptional()
  @NameLength(1, 300)
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'A new description; null clears it.' })
  @IsOptional()
  @MaxCodePoints(5000)
  description?: string | null;

  @Field(() => Domain, { nullable: true, description: 'A new domain (cannot be cleared).' })
  domain?: Domain | null;

  @Field(() => ModelStatus, { nullable: true, description: 'A new status (cannot be cleared); ARCHIVED archives it, as archiveModel does.' })
  status?: ModelStatus | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'A new start date; null clears it.' })
  startedOn?: string | null;

  @Field(() => ID, { nullable: true, description: 'The city, ward or commune where it runs (an organisation of kind CITY, WARD or COMMUNE); null clears it.' })
  @EntityId('organisation', { optional: true })
  localityId?: string | null;

  @Field(() => String, { nullable: true, description: 'Code of the reporting period in which it was recognised, e.g. "2023-H1"; null clears it.' })
  @PeriodCode({ optional: true })
  recognisedPeriod?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'A new lead organisation (active, not archived). A partner that becomes the lead stops being a partner; the old lead leaves unless listed in partnerOrganisationIds.',
  })
  @EntityId('organisation', { optional: true })
  leadOrganisationId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description:
      'The whole new list of partner organisations (replaces the old one; [] or null removes every partner). Organisations newly added must not be archived.',
  })
  @IsOptional()
  @ArrayMaxSize(50, { message: 'at most 50 partner organisations' })
  @EntityIds('organisation')
  partnerOrganisationIds?: string[] | null;
}

@InputType({ description: 'Which model to archive, with the version you read.' })
export class ArchiveModelInput {
  @Field(() => ID, { description: 'The model to archive.' })
  @EntityId('model')
  id!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is refused with CONFLICT (unless it is already archived).' })
  version!: number;
}

@InputType({ description: 'Which models to list. All conditions must hold.' })
export class ModelFilter {
  @Field(() => [Domain], { nullable: true, description: 'Only models of these domains.' })
  domain?: Domain[] | null;

  @Field(() => [ModelStatus], { nullable: true, description: 'Statuses to include; without it ARCHIVED models are left out unless includeArchived.' })
  status?: ModelStatus[] | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Whether ARCHIVED models are listed too (when no status list is given).' })
  includeArchived!: boolean;

  @Field(() => ID, {
    nullable: true,
    description: "Models run (as lead or partner) in this organisation's subtree, or by it alone with includeDescendants: false.",
  })
  @EntityId('organisation', { optional: true })
  organisationId?: string | null;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'With organisationId: whether models run anywhere below it count (the default, as everywhere in the API) or only those it runs itself.',
  })
  includeDescendants!: boolean;

  @Field(() => String, { nullable: true, description: 'Code of the period in which the model was recognised, e.g. "2023-H1"; an unknown code is NOT_FOUND.' })
  @PeriodCode({ optional: true })
  period?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Started on or after this date.' })
  startedFrom?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Started on or before this date.' })
  startedTo?: string | null;

  @Field(() => String, { nullable: true, description: 'Words in the name; accents and đ are ignored ("phan loai rac" finds "Phân loại rác").' })
  @IsOptional()
  @MaxCodePoints(200)
  search?: string | null;
}

export enum ModelOrderField {
  NAME = 'NAME',
  STARTED_ON = 'STARTED_ON',
  CREATED_AT = 'CREATED_AT',
  REPLICA_COUNT = 'REPLICA_COUNT',
}
registerEnumType(ModelOrderField, {
  name: 'ModelOrderField',
  description: 'What models can be ordered by (ties by id).',
  valuesConfig: {
    NAME: { description: 'The name, accents folded.' },
    STARTED_ON: { description: 'The start date; models without one come last going up.' },
    CREATED_AT: { description: 'When the model was registered here.' },
    REPLICA_COUNT: { description: 'The number of direct replicas.' },
  },
});

@InputType({ description: 'The order of a list of models.' })
export class ModelOrder {
  @Field(() => ModelOrderField, { description: 'The sort key.' })
  field!: ModelOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'Ascending by default.' })
  direction!: SortDirection;
}
