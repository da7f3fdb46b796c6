import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { Organisation } from '../organisations/organisation.entity';
import { CommunityModel } from './model.entity';

export enum ModelRole {
  LEAD = 'LEAD',
  PARTNER = 'PARTNER',
}
registerEnumType(ModelRole, {
  name: 'ModelRole',
  description: 'How an organisation takes part in a model.',
  valuesConfig: { LEAD: { description: 'It leads the model (every model has one lead).' }, PARTNER: { description: 'It takes part as a partner.' } },
});

/** Which organisations run a model, and in what role. */
@ObjectType('ModelOrganisation', { description: 'An organisation running a model, with its role.' })
@Entity({ name: 'model_organisation' })
@Index('model_organisation_org_idx', ['organisationId'])
export class ModelOrganisation {
  @PrimaryColumn({ name: 'model_id', type: 'uuid' })
  modelId!: string;

  @PrimaryColumn({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @ManyToOne(() => CommunityModel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: Relation<CommunityModel>;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: Relation<Organisation>;

  @Field(() => ModelRole, { description: 'Whether it leads the model or is a partner.' })
  @Column({ type: 'enum', enum: ModelRole, enumName: 'model_role' })
  role!: ModelRole;
}
