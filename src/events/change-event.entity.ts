import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only change log, written in the same transaction as each change. Rows are inserted
 * under a transaction-level advisory lock, so ids become visible in id order (see EventLog).
 */
@Entity({ name: 'change_event' })
@Index('change_event_entity_idx', ['entityType', 'entityId'])
export class ChangeEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 60 })
  type!: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 40 })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'uuid' })
  entityId!: string;

  /** Materialised paths of the organisations concerned, for subtree filtering. */
  @Column({ name: 'organisation_paths', type: 'text', array: true, default: () => "'{}'" })
  organisationPaths!: string[];

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  /** The caller's role when it made the change; null for events logged before roles were recorded. */
  @Column({ name: 'actor_role', type: 'varchar', length: 20, nullable: true })
  actorRole!: string | null;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
