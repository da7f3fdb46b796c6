import { IsOptional } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { SortDirection } from '../shared/pagination';
import { EntityId, MaxCodePoints, NameLength, TextLength } from '../shared/validators';
import { OrganisationKind } from './organisation.entity';

@InputType({ description: 'A new organisation, placed under a parent (omit the parent only for a root such as a city).' })
export class CreateOrganisationInput {
  @Field(() => String, { description: "The organisation's full name (1 to 300 characters)." })
  @NameLength(1, 300)
  name!: string;

  @Field(() => String, { nullable: true, description: 'A short name or abbreviation (1 to 100 characters).' })
  @IsOptional()
  @TextLength(1, 100)
  shortName?: string | null;

  @Field(() => OrganisationKind, { description: 'What sort of body it is.' })
  kind!: OrganisationKind;

  @Field(() => ID, { nullable: true, description: 'The organisation it sits under (active, not archived); omit only for a root such as a city.' })
  @EntityId('organisation', { optional: true })
  parentId?: string | null;
}

@InputType({ description: 'Changes to an organisation; omitted fields stay as they are. Setting parentId moves it with its whole subtree.' })
export class UpdateOrganisationInput {
  @Field(() => ID, { description: 'The organisation to change.' })
  @EntityId('organisation')
  id!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is refused with CONFLICT.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'A new name (cannot be cleared).' })
  @IsOptional()
  @NameLength(1, 300)
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'A new short name; null clears it.' })
  @IsOptional()
  @MaxCodePoints(100)
  shortName?: string | null;

  @Field(() => OrganisationKind, { nullable: true, description: 'A new kind (cannot be cleared); a locality of models must stay a CITY, WARD or COMMUNE.' })
  kind?: OrganisationKind | null;

  @Field(() => ID, { nullable: true, description: 'A new parent: moves the organisation with its whole subtree (not under itself).' })
  @EntityId('organisation', { optional: true })
  parentId?: string | null;
}

@InputType({ description: 'Which organisation to archive, with the version you read.' })
export class ArchiveOrganisationInput {
  @Field(() => ID, { description: 'The organisation to archive.' })
  @EntityId('organisation')
  id!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is refused with CONFLICT (unless it is already archived).' })
  version!: number;
}

@InputType({ description: 'Which archived organisation to bring back, with the version you read.' })
export class RestoreOrganisationInput {
  @Field(() => ID, { description: 'The archived organisation.' })
  @EntityId('organisation')
  id!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is refused with CONFLICT (unless it is not archived).' })
  version!: number;
}

@InputType({ description: 'Which organisations to list. Every condition given must hold; archived ones are left out unless includeArchived.' })
export class OrganisationFilter {
  @Field(() => ID, { nullable: true, description: 'Only the direct children of this organisation.' })
  @EntityId('organisation', { optional: true })
  parentId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only organisations below this one, at any depth (or within maxDepth levels).' })
  @EntityId('organisation', { optional: true })
  withinId?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'With withinId: at most this many levels below it (1 = its children); between 1 and MAX_GRAPH_DEPTH. Without it, any depth.',
  })
  maxDepth?: number | null;

  @Field(() => [OrganisationKind], { nullable: true, description: 'Only organisations of these kinds.' })
  kind?: OrganisationKind[] | null;

  @Field(() => String, { nullable: true, description: 'Words in the name; accents and đ are ignored ("doan thanh nien" finds "Đoàn thanh niên").' })
  @IsOptional()
  @MaxCodePoints(200)
  search?: string | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Whether archived organisations are listed too.' })
  includeArchived!: boolean;
}

export enum OrganisationOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(OrganisationOrderField, {
  name: 'OrganisationOrderField',
  description: 'What organisations can be ordered by (ties by id).',
  valuesConfig: { NAME: { description: 'The name, accents folded.' }, CREATED_AT: { description: 'When the organisation was registered here.' } },
});

@InputType({ description: 'The order of a list of organisations.' })
export class OrganisationOrder {
  @Field(() => OrganisationOrderField, { description: 'The sort key.' })
  field!: OrganisationOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'Ascending by default.' })
  direction!: SortDirection;
}
