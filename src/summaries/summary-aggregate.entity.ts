import { Column, Entity, PrimaryColumn } from 'typeorm';
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

/** Non-archived models of the scope that each organisation runs; "involved" = rows present. */
@Entity({ name: 'summary_involved' })
export class SummaryInvolved {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  @PrimaryColumn({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'int' })
  models!: number;
}

/** The same per domain, status and recognised period of the models: organisationsInvolved under a filter (distinct organisations). */
@Entity({ name: 'summary_involved_cell' })
export class SummaryInvolvedCell {
  @PrimaryColumn({ name: 'scope_id', type: 'uuid' })
  scopeId!: string;

  @PrimaryColumn({ type: 'boolean' })
  subtree!: boolean;

  @PrimaryColumn({ type: 'enum', enum: Domain, enumName: 'model_domain' })
  domain!: Domain;

  @PrimaryColumn({ type: 'enum', enum: ModelStatus, enumName: 'model_status' })
  status!: ModelStatus;

  /** The recognised period's id, or NO_PERIOD (summary-aggregates.ts) for none. */
  @PrimaryColumn({ name: 'period_key', type: 'uuid' })
  periodKey!: string;

  @PrimaryColumn({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'int' })
  models!: number;
}

export const SUMMARY_ENTITIES = [SummaryCount, SummaryStarted, SummaryReplicated, SummaryInvolved, SummaryInvolvedCell];
