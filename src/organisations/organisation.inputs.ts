import { IsOptional } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { SortDirection } from '../shared/pagination';
import { EntityId, MaxCodePoints, NameLength, TextLength } from '../shared/validators';
import { OrganisationKind } from './organisation.entity';


@InputType({ description: 'A new organisation, placed under a parent (omit the parent only for a root such as a city).' })
export class CreateOrganisationInput {
  @Field(() => String)
  @NameLength(1, 300)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TextLength(1, 100)
  shortName?: string | null;

  @Field(() => OrganisationKind)
  kind!: OrganisationKind;

  @Field(() => ID, { nullable: true })
  @EntityId('organisation', { optional: true })
  parentId?: string | null;
}

@InputType({ description: 'Changes to an organisation; omitted fields stay as they are. Setting parentId moves it with its whole subtree.' })
export class UpdateOrganisationInput {
  @Field(() => ID)
  @EntityId('organisation')
  id!: string;

  @Field(() => Int, { description: 'The version you read; a stale one is refused with CONFLICT.' })
  version!: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @NameLength(1, 300)
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxCodePoints(100)
  shortName?: string | null;

  @Field(() => OrganisationKind, { nullable: true })
  kind?: OrganisationKind | null;

  @Field(() => ID, { nullable: true })
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

@InputType()
export class OrganisationFilter {
  @Field(() => ID, { nullable: true, description: 'Only the direct children of this organisation.' })
  @EntityId('organisation', { optional: true })
  parentId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only organisations below this one, at any depth (or within maxDepth levels).' })
  @EntityId('organisation', { optional: true })
  withinId?: string | null;

  @Field(() => Int, { nullable: true, description: 'With withinId: at most this many levels below it (1 = its children); between 1 and MAX_GRAPH_DEPTH. Without it, any depth.' })
  maxDepth?: number | null;

  @Field(() => [OrganisationKind], { nullable: true })
  kind?: OrganisationKind[] | null;

  @Field(() => String, { nullable: true, description: 'Words in the name; accents and đ are ignored ("doan thanh nien" finds "Đoàn thanh niên").' })
  @IsOptional()
  @MaxCodePoints(200)
  search?: string | null;

  @Field(() => Boolean, { defaultValue: false })
  includeArchived!: boolean;
}

export enum OrganisationOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(OrganisationOrderField, { name: 'OrganisationOrderField' });

@InputType()
export class OrganisationOrder {
  @Field(() => OrganisationOrderField)
  field!: OrganisationOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}
