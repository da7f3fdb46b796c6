import { Field, Int, ObjectType } from 'type-graphql';
import { Domain, ModelStatus } from '../models/model.entity';

@ObjectType('DomainCount', { description: 'How many models of a set are in one domain.' })
export class DomainCount {
  @Field(() => Domain, { description: 'The domain.' })
  domain!: Domain;

  @Field(() => Int, { description: 'Non-archived models of the set in this domain.' })
  count!: number;
}

@ObjectType('StatusCount', { description: 'How many models of a set have one status.' })
export class StatusCount {
  @Field(() => ModelStatus, { description: 'The status.' })
  status!: ModelStatus;

  @Field(() => Int, { description: 'Models of the set with this status (ARCHIVED ones too).' })
  count!: number;
}

@ObjectType('ModelSummary', {
  description:
    'Figures over a set of registered models. One rule for archived models: they count in byStatus (as ARCHIVED) and in no other figure. ' +
    'An unknown period is a NOT_FOUND error on startedInPeriod and replicatedInPeriod only; the other figures still answer.',
})
export class ModelSummary {
  @Field(() => Int, { description: 'Non-archived models in the set.' })
  totalModels!: number;

  @Field(() => [DomainCount], { description: 'Non-archived models per domain, all four domains listed (they add up to totalModels).' })
  byDomain!: DomainCount[];

  @Field(() => [StatusCount], { description: 'Models per status, every status listed: the one figure that counts archived models.' })
  byStatus!: StatusCount[];

  @Field(() => Int, {
    nullable: true,
    description: 'Non-archived models that started within the period (null without a period; a NOT_FOUND error for an unknown period).',
  })
  startedInPeriod!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Replications dated within the period whose replica is a non-archived model of the set (null without a period; a NOT_FOUND error for an unknown period).',
  })
  replicatedInPeriod!: number | null;

  @Field(() => Int, { description: 'Distinct organisations running the non-archived models of the set.' })
  organisationsInvolved!: number;
}
