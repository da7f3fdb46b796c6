import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../organisations/organisation.entity';
import { ReportingPeriod } from './reporting-period.entity';

/** The figures an organisation reported for a period, held beside what is registered. */
@ObjectType('PeriodReport', { description: 'Figures an organisation reported for a period (what the report says), beside what is registered here.' })
@Entity({ name: 'period_report' })
@Index('period_report_org_period_uq', ['organisationId', 'periodId'], { unique: true })
@Index('period_report_period_idx', ['periodId'])
export class PeriodReport {
  @Field(() => ID, { description: "The report's id." })
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: Relation<Organisation>;

  @Column({ name: 'period_id', type: 'uuid' })
  periodId!: string;

  @ManyToOne(() => ReportingPeriod, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'period_id' })
  period?: Relation<ReportingPeriod>;

  @Field(() => Int, { description: 'Models in total, as reported.' })
  @Column({ type: 'int' })
  total!: number;

  @Column({ type: 'int', nullable: true })
  economy!: number | null;

  @Column({ name: 'culture_society', type: 'int', nullable: true })
  cultureSociety!: number | null;

  @Column({ name: 'security_defence', type: 'int', nullable: true })
  securityDefence!: number | null;

  @Column({ name: 'political_system', type: 'int', nullable: true })
  politicalSystem!: number | null;

  @Field(() => Int, { nullable: true, description: 'Models newly replicated in the period, as reported.' })
  @Column({ name: 'newly_replicated', type: 'int', nullable: true })
  newlyReplicated!: number | null;

  @Field(() => String, { nullable: true, description: 'A note that came with the report; null when none.' })
  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @Field(() => Date, { description: 'When the report was first recorded.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the report was last replaced.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Field(() => Int, { description: 'Increases with every change; send it back to replace the report so a stale edit is refused.' })
  @Column({ type: 'int', default: 1 })
  version!: number;
}
