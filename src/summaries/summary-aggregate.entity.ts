import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Domain, ModelStatus } from '../models/model.entity';

/*
 * Maintained aggregates behind the summaries (see summary-aggregates.ts). A *scope* is an
 * organisation's subtree (subtree = true), an organisation alone (subtree = false), or the whole
 * graph (EVERYTHING_SCOPE, subtree = true). No foreign keys: the sentinel scope is no organisation,
 * and the rows are kept right by the services, not by cascades.
 */

/** Models per scope, recognised period, domain and status (archived included: they count in byStatus). */
@Entity({ name: 'summary_count' })
export class SummaryCount {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  /** The recognised period's id, or NO_PERIOD (summary-aggregates.ts) for none. */
  @PrimaryColumn({ name: 'period_key', type: 'uuid' })
  periodKey!: string;

  @PrimaryColumn({ type: 'enum', enum: Domain, enumName: 'model_domain' })
  domain!: Domain;

  @PrimaryColumn({ type: 'enum', enum: ModelStatus, enumName: 'model_status' })
  status!: ModelStatus;

  @Column({ type: 'int' })
  models!: number;
}

/** Non-archived models per scope, start date, domain, status and recognised period (models without a start date are not counted). */
@Entity({ name: 'summary_started' })
export class SummaryStarted {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  @PrimaryColumn({ name: 'started_on', type: 'date' })
  startedOn!: string;

  @PrimaryColumn({ type: 'enum', enum: Domain, enumName: 'model_domain' })
  domain!: Domain;

  @PrimaryColumn({ type: 'enum', enum: ModelStatus, enumName: 'model_status' })
  status!: ModelStatus;

  /** The recognised period's id, or NO_PERIOD (summary-aggregates.ts) for none. */
  @PrimaryColumn({ name: 'period_key', type: 'uuid' })
  periodKey!: string;

  @Column({ type: 'int' })
  models!: number;
}

/** Dated replication links into the scope's non-archived models, per date and the replica's domain, status and recognised period (a model has at most one source). */
@Entity({ name: 'summary_replicated' })
export class SummaryReplicated {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  @PrimaryColumn({ name: 'replicated_on', type: 'date' })
  replicatedOn!: string;

  @PrimaryColumn({ type: 'enum', enum: Domain, enumName: 'model_domain' })
  domain!: Domain;

  @PrimaryColumn({ type: 'enum', enum: ModelStatus, enumName: 'model_status' })
  status!: ModelStatus;

  /** The recognised period's id, or NO_PERIOD (summary-aggregates.ts) for none. */
  @PrimaryColumn({ name: 'period_key', type: 'uuid' })
  periodKey!: string;

  @Column({ type: 'int' })
  links!: number;
}

/**
 * The same per recognised period (and ALL_PERIODS, summary-aggregates.ts), split by cell: n<i> counts
 * the organisation's non-archived models of the scope in CELLS[i] (a domain and a non-archived
 * status). One row per organisation, so concurrent writers of one organisation queue on its lock.
 */
@Entity({ name: 'summary_involved_org' })
export class SummaryInvolvedOrg {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  /** The recognised period's id, NO_PERIOD for none, or ALL_PERIODS for the sum over all. */
  @PrimaryColumn({ name: 'period_key', type: 'uuid' })
  periodKey!: string;

  @PrimaryColumn({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'int' }) n0!: number;
  @Column({ type: 'int' }) n1!: number;
  @Column({ type: 'int' }) n2!: number;
  @Column({ type: 'int' }) n3!: number;
  @Column({ type: 'int' }) n4!: number;
  @Column({ type: 'int' }) n5!: number;
  @Column({ type: 'int' }) n6!: number;
  @Column({ type: 'int' }) n7!: number;
  @Column({ type: 'int' }) n8!: number;
  @Column({ type: 'int' }) n9!: number;
  @Column({ type: 'int' }) n10!: number;
  @Column({ type: 'int' }) n11!: number;
}

/** How many organisations of the scope and period have exactly this set of non-empty cells (bit i: CELLS[i]): organisationsInvolved under a filter. */
@Entity({ name: 'summary_involved_mask' })
export class SummaryInvolvedMask {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  /** The recognised period's id, NO_PERIOD for none, or ALL_PERIODS. */
  @PrimaryColumn({ name: 'period_key', type: 'uuid' })
  periodKey!: string;

  @PrimaryColumn({ type: 'int' })
  mask!: number;

  @Column({ type: 'int' })
  organisations!: number;
}

/**
 * One narrow row per model with what a summary reads of it, for the filters no aggregate keys
 * (free text, start-date ranges): their scan needs no join. Indexes (trigram, and an index-only
 * start-date range) are made by the migration; declared here so that the schema check
 * (migration:generate) leaves them alone.
 */
@Entity({ name: 'summary_model' })
@Index('summary_model_search_trgm_idx', { synchronize: false })
@Index('summary_model_more_search_trgm_idx', { synchronize: false })
@Index('summary_model_started_idx', { synchronize: false })
export class SummaryModel {
  @PrimaryColumn({ name: 'model_id', type: 'uuid' })
  modelId!: string;

  @Column({ type: 'enum', enum: Domain, enumName: 'model_domain' })
  domain!: Domain;

  @Column({ type: 'enum', enum: ModelStatus, enumName: 'model_status' })
  status!: ModelStatus;

  @Column({ name: 'started_on', type: 'date', nullable: true })
  startedOn!: string | null;

  @Column({ name: 'recognised_period_id', type: 'uuid', nullable: true })
  recognisedPeriodId!: string | null;

  /** The date of the model's incoming replication link (a model has at most one source), if any. */
  @Column({ name: 'replicated_on', type: 'date', nullable: true })
  replicatedOn!: string | null;

  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  /**
   * The organisations running it, as their summary_organisation_key keys: the smallest here (null
   * when it has none), the others, sorted, in moreOrganisationKeys (null when it has one or none).
   * Four bytes instead of an array of uuids keeps the row narrow; most models have one organisation.
   */
  @Column({ name: 'organisation_key', type: 'int', nullable: true })
  organisationKey!: number | null;

  @Column({ name: 'more_organisation_keys', type: 'int', array: true, nullable: true })
  moreOrganisationKeys!: number[] | null;
}

/**
 * A small integer per organisation for summary_model (keys are given once, from a sequence, when a
 * model first involves the organisation or at a rebuild, and never change). A unique index on the
 * key is made by the migration.
 */
@Entity({ name: 'summary_organisation_key' })
@Index('summary_organisation_key_key_idx', { synchronize: false })
export class SummaryOrganisationKey {
  @PrimaryColumn({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'int' })
  key!: number;
}

export const SUMMARY_ENTITIES = [
  SummaryModel,
  SummaryOrganisationKey,
  SummaryCount,
  SummaryStarted,
  SummaryReplicated,
  SummaryInvolvedOrg,
  SummaryInvolvedMask,
];
