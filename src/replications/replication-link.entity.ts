import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { CommunityModel } from '../models/model.entity';
import { LocalDateScalar } from '../shared/scalars';
import { Node } from '../shared/node';

/** A replication: the target model is a replica of the source model, taken up elsewhere. */
@ObjectType('ReplicationLink', { implements: Node, description: 'A model replicated (nhân rộng): the target model is a replica of the source model.' })
@Directive('@key(fields: "id")')
@Entity({ name: 'replication_link' })
@Index('replication_link_target_uq', ['targetModelId'], { unique: true })
@Index('replication_link_source_idx', ['sourceModelId', 'replicatedOn'])
@Check('replication_link_no_self_link', '"source_model_id" <> "target_model_id"')
export class ReplicationLink {
  @Field(() => ID, { description: "The link's id (a UUID): its federation key and its Node id." })
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'source_model_id', type: 'uuid' })
  sourceModelId!: string;

  @ManyToOne(() => CommunityModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_model_id' })
  source?: Relation<CommunityModel>;

  @Column({ name: 'target_model_id', type: 'uuid' })
  targetModelId!: string;

  @ManyToOne(() => CommunityModel, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'target_model_id' })
  target?: Relation<CommunityModel>;

  @Field(() => LocalDateScalar, { nullable: true, description: 'When the replica took the model up; null when not known.' })
  @Column({ name: 'replicated_on', type: 'date', nullable: true })
  replicatedOn!: string | null;

  @Field(() => String, { nullable: true, description: 'A note on the replication; null when none.' })
  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @Field(() => Date, { description: 'When the link was recorded here.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
