import { Field, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../shared/pagination';
import { CommunityModel, Domain } from './model.entity';

export const { ConnectionType: ModelConnection, EdgeType: ModelEdge } = connectionTypes(CommunityModel, 'Model');

@ObjectType('DomainFigure', { description: 'A reported or compared figure for one domain; null where the source gave none.' })
export class DomainFigure {
  @Field(() => Domain, { description: 'The domain.' })
  domain!: Domain;

  @Field(() => Int, { nullable: true, description: 'The figure for this domain; null where the source gave none.' })
  count!: number | null;
}
