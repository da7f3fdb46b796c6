import { Field, Int, ObjectType } from 'type-graphql';

const PER_DOMAIN_DEPRECATION = 'Use byDomain, the shape every per-domain figure of the API has (as in ModelSummary.byDomain).';

@ObjectType('DomainFigures', { description: 'Model counts in total and per domain (byDomain). A figure the source did not give is null.' })
export class DomainFigures {
  @Field(() => Int, { nullable: true, description: 'Models in total.' })
  total!: number | null;

  @Field(() => Int, { nullable: true, deprecationReason: PER_DOMAIN_DEPRECATION, description: 'Models in ECONOMY.' })
  economy!: number | null;

  @Field(() => Int, { nullable: true, deprecationReason: PER_DOMAIN_DEPRECATION, description: 'Models in CULTURE_SOCIETY.' })
  cultureSociety!: number | null;

  @Field(() => Int, { nullable: true, deprecationReason: PER_DOMAIN_DEPRECATION, description: 'Models in SECURITY_DEFENCE.' })
  securityDefence!: number | null;

  @Field(() => Int, { nullable: true, deprecationReason: PER_DOMAIN_DEPRECATION, description: 'Models in POLITICAL_SYSTEM.' })
  politicalSystem!: number | null;

  @Field(() => Int, { nullable: true, description: 'Models newly replicated in the period.' })
  newlyReplicated!: number | null;
}
