import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('DomainFigures', { description: 'Model counts in total and per domain. A figure the source did not give is null.' })
export class DomainFigures {
  @Field(() => Int, { nullable: true })
  total!: number | null;

  @Field(() => Int, { nullable: true })
  economy!: number | null;

  @Field(() => Int, { nullable: true })
  cultureSociety!: number | null;

  @Field(() => Int, { nullable: true })
  securityDefence!: number | null;

  @Field(() => Int, { nullable: true })
  politicalSystem!: number | null;

  @Field(() => Int, { nullable: true, description: 'Models newly replicated in the period.' })
  newlyReplicated!: number | null;
}
