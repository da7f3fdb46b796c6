import { Field, Int, ObjectType } from 'type-graphql';
import { Domain, ModelStatus } from '../models/model.entity';

@ObjectType('DomainCount')
export class DomainCount {
  @Field(() => Domain)
  domain!: Domain;

  @Field(() => Int)
  count!: number;
}

@ObjectType('StatusCount')
export class StatusCount {
  @Field(() => ModelStatus)
  status!: ModelStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ModelSummary', { description: 'Figures over a set of registered models, computed by SQL aggregates.' })
export class ModelSummary {
  @Field(() => Int, { description: 'Models in the set (archived ones excluded).' })
  totalModels!: number;

  @Field(() => [DomainCount], { description: 'Count per domain, all four domains listed.' })
  byDomain!: DomainCount[];

  @Field(() => [StatusCount], { description: 'Count per status (ARCHIVED included here).' })
  byStatus!: StatusCount[];

  @Field(() => Int, { nullable: true, description: 'Models that started within the period (null without a period).' })
  startedInPeriod!: number | null;

  @Field(() => Int, { nullable: true, description: 'Replications recorded (dated) within the period into the set (null without a period).' })
  replicatedInPeriod!: number | null;

  @Field(() => Int, { description: 'Distinct organisations running the models.' })
  organisationsInvolved!: number;
}
