import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../organisations/organisation.entity';
import { ReportingPeriod } from '../periods/reporting-period.entity';
import { LocalDateScalar } from '../shared/scalars';
import { Node } from '../shared/node';

export enum Domain {
  ECONOMY = 'ECONOMY',
  CULTURE_SOCIETY = 'CULTURE_SOCIETY',
  SECURITY_DEFENCE = 'SECURITY_DEFENCE',
  POLITICAL_SYSTEM = 'POLITICAL_SYSTEM',
}
registerEnumType(Domain, {
  name: 'Domain',
  description: 'The field a model belongs to (lĩnh vực).',
  valuesConfig: {
    ECONOMY: { description: 'Kinh tế: farming, crafts, services, credit.' },
    CULTURE_SOCIETY: { description: 'Văn hóa - xã hội: learning, environment, families, health.' },
    SECURITY_DEFENCE: { description: 'An ninh, quốc phòng: fire safety, neighbourhood security.' },
    POLITICAL_SYSTEM: { description: 'Xây dựng hệ thống chính trị: party cells, administrative reform.' },
  },
});

export enum ModelStatus {
  PILOT = 'PILOT',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(ModelStatus, {
  name: 'ModelStatus',
  description: 'Where a model stands.',
  valuesConfig: {
    PILOT: { description: 'Being tried out.' },
    ACTIVE: { description: 'Running.' },
    SUSPENDED: { description: 'Paused; it still counts in the figures.' },
    ARCHIVED: { description: 'Given up or ended: left out of lists (unless asked for) and of every figure but byStatus.' },
  },
});

/** A "Dân vận khéo" model: a named community initiative. Called Model in the API. */
@ObjectType('Model', { implements: Node, description: 'A "Dân vận khéo" model: a named community initiative run by one or more organisations.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'model' })
@Index('model_domain_status_idx', ['domain', 'status'])
@Index('model_period_idx', ['recognisedPeriodId'])
@Index('model_locality_idx', ['localityId'])
@Index('model_search_trgm_idx', { synchronize: false })
@Index('model_name_order_idx', { synchronize: false })
@Index('model_top_replicated_idx', { synchronize: false })
export class CommunityModel {
  @Field(() => ID, { description: "The model's id (a UUID): its federation key and its Node id." })
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => String, { description: "The model's name." })
  @Column({ type: 'varchar', length: 300 })
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the model does; null when not given.' })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => Domain, { description: 'The domain the model belongs to.' })
  @Column({ type: 'enum', enum: Domain, enumName: 'model_domain' })
  domain!: Domain;

  @Field(() => ModelStatus, { description: 'Where the model stands: PILOT, ACTIVE, SUSPENDED or ARCHIVED.' })
  @Column({ type: 'enum', enum: ModelStatus, enumName: 'model_status', default: ModelStatus.ACTIVE })
  status!: ModelStatus;

  @Field(() => LocalDateScalar, { nullable: true, description: 'When the model started, if known.' })
  @Column({ name: 'started_on', type: 'date', nullable: true })
  startedOn!: string | null;

  @Column({ name: 'recognised_period_id', type: 'uuid', nullable: true })
  recognisedPeriodId!: string | null;

  @ManyToOne(() => ReportingPeriod, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'recognised_period_id' })
  recognisedPeriod?: Relation<ReportingPeriod>;

  @Column({ name: 'locality_id', type: 'uuid', nullable: true })
  localityId!: string | null;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'locality_id' })
  locality?: Relation<Organisation>;

  @Field(() => Int, { description: 'Number of direct replicas (kept up to date with every link).' })
  @Column({ name: 'replica_count', type: 'int', default: 0 })
  replicaCount!: number;

  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  @Field(() => Date, { description: 'When the model was registered here.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the model was last changed.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Field(() => Int, { description: 'Increases with every change; send it back with an update so a stale edit is refused.' })
  @Column({ type: 'int', default: 1 })
  version!: number;
}
