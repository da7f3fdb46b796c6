import { SortDirection, type PageQuery } from '../shared/pagination';
import { SqlParams, returningList, selectList, TIMESTAMP_FIELDS } from '../shared/sql';
import { searchCondition } from '../shared/text';
import { ModelStatus } from './model.entity';
import { ModelFilter, ModelOrder, ModelOrderField } from './model.inputs';

/** Model columns as entity properties, for raw SELECTs (dates as text, `YYYY-MM-DD`). */
export const MODEL_COLUMNS = {
  id: '{a}.id',
  name: '{a}.name',
  description: '{a}.description',
  domain: '{a}.domain',
  status: '{a}.status',
  startedOn: '{a}.started_on::text',
  recognisedPeriodId: '{a}.recognised_period_id',
  localityId: '{a}.locality_id',
  replicaCount: '{a}.replica_count',
  createdAt: '{a}.created_at',
  updatedAt: '{a}.updated_at',
  version: '{a}.version',
};
export const MODEL_SELECT = selectList('m', MODEL_COLUMNS);
/** The same without timestamps, for lists whose selection does not show them. */
export const MODEL_SELECT_UNTIMED = selectList('m', MODEL_COLUMNS, TIMESTAMP_FIELDS);
export const MODEL_RETURNING = returningList(MODEL_COLUMNS);

const SORT: Record<ModelOrderField, { sql: string; type: PageQuery['sortType'] }> = {
  NAME: { sql: 'm.search_name COLLATE "C"', type: 'text' },
  STARTED_ON: { sql: "coalesce(m.started_on, 'infinity'::date)", type: 'date' },
  CREATED_AT: { sql: 'm.created_at', type: 'timestamptz' },
  REPLICA_COUNT: { sql: 'm.replica_count', type: 'int' },
};

/** The WHERE conditions of a model filter over alias `m`. */
export function modelConditions(filter: ModelFilter | null | undefined, params: SqlParams): string[] {
  const where: string[] = [];
  const f = filter ?? ({ includeArchived: false, includeDescendants: true } as ModelFilter);
  if (f.domain?.length) where.push(`m.domain = ANY(${params.add(f.domain)}::model_domain[])`);
  if (f.status?.length) where.push(`m.status = ANY(${params.add(f.status)}::model_status[])`);
  else if (!f.includeArchived) where.push(`m.status <> '${ModelStatus.ARCHIVED}'`);
  if (f.organisationId) {
    const org = params.add(f.organisationId);
    where.push(
      f.includeDescendants
        ? `EXISTS (SELECT 1 FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id
             WHERE mo.model_id = m.id AND o.path LIKE (SELECT w.path FROM organisation w WHERE w.id = ${org}::uuid) || '%')`
        : `EXISTS (SELECT 1 FROM model_organisation mo WHERE mo.model_id = m.id AND mo.organisation_id = ${org}::uuid)`,
    );
  }
  if (f.period) {
    where.push(`m.recognised_period_id = (SELECT rp.id FROM reporting_period rp WHERE rp.code = ${params.add(f.period)})`);
  }
  if (f.startedFrom) where.push(`m.started_on >= ${params.add(f.startedFrom)}::date`);
  if (f.startedTo) where.push(`m.started_on <= ${params.add(f.startedTo)}::date`);
  where.push(...searchCondition('m.search_name', f.search, params));
  return where;
}

export function modelListQuery(filter: ModelFilter | null | undefined, order: ModelOrder | null | undefined, timestamps = true): PageQuery {
  const params = new SqlParams();
  const field = order?.field ?? ModelOrderField.NAME;
  return {
    from: 'model m',
    alias: 'm',
    select: timestamps ? MODEL_SELECT : MODEL_SELECT_UNTIMED,
    where: modelConditions(filter, params),
    params,
    sortSql: SORT[field].sql,
    sortType: SORT[field].type,
    direction: order?.direction ?? SortDirection.ASC,
    order: `model:${field}`,
  };
}

/** How a nested model list hangs from its parents (`p.id`): `from` may join, `condition` ties a row to its parent. */
export interface ModelParent {
  from: string;
  condition: string;
}

/** The models an organisation runs, and those run anywhere in its subtree (Organisation.models). */
export const ORGANISATION_MODELS: Record<'organisation' | 'organisationSubtree', ModelParent> = {
  organisation: {
    from: 'model m JOIN model_organisation mo_p ON mo_p.model_id = m.id',
    condition: 'mo_p.organisation_id = p.id',
  },
  organisationSubtree: {
    from: 'model m',
    condition: `EXISTS (SELECT 1 FROM model_organisation mo_p JOIN organisation o_p ON o_p.id = mo_p.organisation_id
      WHERE mo_p.model_id = m.id AND o_p.path LIKE (SELECT pp.path FROM organisation pp WHERE pp.id = p.id) || '%')`,
  },
};
