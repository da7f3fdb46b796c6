import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Domain } from '../models/model.entity';
import { ModelSummary } from '../summaries/summary.types';
import { Role } from '../shared/actor';
import { connectionTypes } from '../shared/pagination';

/** What happened: one value per kind of event the services append. */
export enum ChangeType {
  ORGANISATION_CREATED = 'ORGANISATION_CREATED',
  ORGANISATION_UPDATED = 'ORGANISATION_UPDATED',
  ORGANISATION_ARCHIVED = 'ORGANISATION_ARCHIVED',
  ORGANISATION_RESTORED = 'ORGANISATION_RESTORED',
  MODEL_CREATED = 'MODEL_CREATED',
  MODEL_UPDATED = 'MODEL_UPDATED',
  MODEL_ARCHIVED = 'MODEL_ARCHIVED',
  REPLICATION_RECORDED = 'REPLICATION_RECORDED',
  REPLICATION_REMOVED = 'REPLICATION_REMOVED',
  PERIOD_CREATED = 'PERIOD_CREATED',
  PERIOD_REPORT_RECORDED = 'PERIOD_REPORT_RECORDED',
}
registerEnumType(ChangeType, {
  name: 'ChangeType',
  description: 'The kind of change an event records.',
  valuesConfig: {
    ORGANISATION_CREATED: { description: 'An organisation was created.' },
    ORGANISATION_UPDATED: { description: 'An organisation was renamed, changed kind or moved (with its subtree).' },
    ORGANISATION_ARCHIVED: { description: 'An organisation was archived.' },
    ORGANISATION_RESTORED: { description: 'An archived organisation was restored.' },
    MODEL_CREATED: { description: 'A model was created (by createModel, or as the replica of replicateModel).' },
    MODEL_UPDATED: { description: 'A model was changed: its fields, or the organisations running it.' },
    MODEL_ARCHIVED: { description: 'A model was archived.' },
    REPLICATION_RECORDED: { description: 'A replication link was recorded (replicateModel or linkModels).' },
    REPLICATION_REMOVED: { description: 'A replication link was removed (unlinkModels).' },
    PERIOD_CREATED: { description: 'A reporting period was created.' },
    PERIOD_REPORT_RECORDED: { description: "An organisation's report for a period was recorded or replaced." },
  },
});

export const MODEL_CHANGES = [ChangeType.MODEL_CREATED, ChangeType.MODEL_UPDATED, ChangeType.MODEL_ARCHIVED];

/** One committed change from the log, as read from `change_event`. */
@ObjectType('ChangeEvent', { description: 'One committed change, from the append-only change log.' })
export class LoggedEvent {
  /** The log id; bigserial, so a string. */
  id!: string;

  @Field(() => String, { description: 'Position in the log. Pass it as `after` to resume right after this event.' })
  cursor!: string;

  @Field(() => ChangeType, { description: 'What happened.' })
  type!: ChangeType;

  @Field(() => String, { description: 'Organisation, Model, ReplicationLink, PeriodReport or ReportingPeriod.' })
  entityType!: string;

  @Field(() => ID, { description: 'The id of the changed Organisation, Model, ReplicationLink, PeriodReport or ReportingPeriod.' })
  entityId!: string;

  @Field(() => String, {
    description:
      "Who made the change: the `sub` of the caller's token (an API_TOKENS name in development; `anonymous` for changes made before tokens were required).",
  })
  actor!: string;

  @Field(() => Role, {
    nullable: true,
    description: "The role of the caller's token when it made the change; null for changes logged before roles were recorded.",
  })
  actorRole!: Role | null;

  @Field(() => Date, { description: 'When the change was appended, right before its transaction committed.' })
  at!: Date;

  @Field(() => GraphQLJSONObject, { description: 'The changed fields as they were at the time (e.g. name, domain, status, version).' })
  payload!: Record<string, unknown>;

  /** Materialised paths of the organisations concerned (for filtering; not exposed). */
  organisationPaths!: string[];
}

export const { ConnectionType: ChangeEventConnection } = connectionTypes(LoggedEvent, 'ChangeEvent');

@InputType('ChangeFilter', { description: 'Which events to receive. Every condition given must hold.' })
export class ChangeFilter {
  @Field(() => [ChangeType], { nullable: true, description: 'Only these kinds of change.' })
  types?: ChangeType[] | null;

  @Field(() => [Domain], { nullable: true, description: 'Only changes to models (and replications) of these domains.' })
  domain?: Domain[] | null;

  @Field(() => ID, { nullable: true, description: 'Only changes concerning this organisation (or its subtree, see includeDescendants).' })
  organisationId?: string | null;

  @Field(() => Boolean, { defaultValue: true, description: 'With organisationId: include changes anywhere in its subtree.' })
  includeDescendants!: boolean;
}

@InputType('ModelChangeFilter', { description: 'Which model changes to receive. Every condition given must hold.' })
export class ModelChangeFilter {
  @Field(() => [Domain], { nullable: true, description: 'Only models of these domains.' })
  domain?: Domain[] | null;

  @Field(() => ID, { nullable: true, description: 'Only models run by this organisation (or in its subtree).' })
  organisationId?: string | null;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'With organisationId: whether models run anywhere below it count (the default) or only those it runs itself.',
  })
  includeDescendants!: boolean;
}

@ObjectType('SummaryUpdate', { description: 'New summary figures of an organisation, pushed when they change.' })
export class SummaryUpdate {
  @Field(() => ID, { description: 'The organisation whose figures these are.' })
  organisationId!: string;

  @Field(() => String, { nullable: true, description: 'The period the figures are for; null for all time.' })
  period!: string | null;

  @Field(() => String, { nullable: true, description: 'The last event the figures include; null for the figures sent on subscribing before any event.' })
  cursor!: string | null;

  @Field(() => ModelSummary, { description: 'The figures as they are now.' })
  summary!: ModelSummary;
}
