import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { LocalDateScalar } from '../shared/scalars';

/** A reporting period such as 2023-H1 (the first half of 2023). */
@ObjectType('ReportingPeriod', { description: 'A reporting period, e.g. 2023-H1 (6 tháng đầu năm 2023).' })
@Entity({ name: 'reporting_period' })
@Index('reporting_period_code_uq', ['code'], { unique: true })
export class ReportingPeriod {
  @Field(() => ID, { description: "The period's id." })
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => String, { description: 'Short code, e.g. "2023-H1".' })
  @Column({ type: 'varchar', length: 20 })
  code!: string;

  @Field(() => String, { description: 'A readable name of the period.' })
  @Column({ type: 'varchar', length: 200 })
  label!: string;

  @Field(() => LocalDateScalar, { description: 'The first day of the period.' })
  @Column({ name: 'starts_on', type: 'date' })
  startsOn!: string;

  @Field(() => LocalDateScalar, { description: 'The last day of the period.' })
  @Column({ name: 'ends_on', type: 'date' })
  endsOn!: string;

  @Field(() => Date, { description: 'When the period was created here.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
