import { SortDirection, type PageQuery } from '../shared/pagination';
import { ORGANISATION_COLUMNS } from '../organisations/organisation.sql';
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

/**
 * What each field of Model reads from its row (see propertiesFor): its own column, the column a
 * relation starts from, or only the id. A field missing here (a new one) makes a list read every
 * column, so forgetting it costs time, never a wrong answer. Fields other features add to Model
 * (replicas, sourceLink, replicatedFrom, lineage, reach, descendants, history) read only the id.
 */
export const MODEL_FIELD_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  id: [],
  name: ['name'],
  description: ['description'],
  domain: ['domain'],
  status: ['status'],
  startedOn: ['startedOn'],
  replicaCount: ['replicaCount'],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  version: ['version'],
  locality: ['localityId'],
  recognisedPeriod: ['recognisedPeriodId'],
  organisations: [],
  leadOrganisation: [],
  replicas: [],
  sourceLink: [],
  replicatedFrom: [],
  lineage: [],
  reach: [],
  descendants: [],
  history: [],
};

/**
 * The lead organisation of each row as one JSON column (`__lead`), shaped as the untimed lead
 * loader's rows (ORGANISATION_SELECT_UNTIMED), or with only `properties` (the ones the lead's
 * selection reads, see ORGANISATION_FIELD_PROPERTIES): the page statement brings it, so the lead
 * organisations of a page cost no statement of their own.
 */
export function leadColumn(properties: readonly string[] | null = null): string {
  return `(SELECT json_build_object(${Object.entries(ORGANISATION_COLUMNS)
    .filter(([property]) => (properties ? properties.includes(property) : !TIMESTAMP_FIELDS.includes(property)))
    .map(([property, column]) => `'${property}', ${column.replace(/\{a\}/g, 'lo')}`)
    .join(', ')})
  FROM model_organisation lmo JOIN organisation lo ON lo.id = lmo.organisation_id
  WHERE lmo.model_id = m.id AND lmo.role = 'LEAD' ORDER BY lmo.organisation_id LIMIT 1) AS "__lead"`;
}

/** How a model list reads its rows: which properties (null: all but maybe the timestamps), and whether with `__lead` (and which of its properties; null: all untimed). */
export interface ModelColumns {
  timestamps?: boolean;
  properties?: readonly string[] | null;
  withLead?: boolean;
  leadProperties?: readonly string[] | null;
}

const selectCache = new Map<string, string>();

/** The SELECT list of a model list (a handful of distinct lists, built once each). */
function modelSelect({ timestamps = true, properties = null, withLead = false, leadProperties = null }: ModelColumns): string {
  const key = `${timestamps}|${properties?.join(',') ?? '*'}|${withLead}|${leadProperties?.join(',') ?? '*'}`;
  let select = selectCache.get(key);
  if (select === undefined) {
    if (properties) select = selectList('m', Object.fromEntries(Object.entries(MODEL_COLUMNS).filter(([p]) => properties.includes(p))));
    else select = timestamps ? MODEL_SELECT : MODEL_SELECT_UNTIMED;
    if (withLead) select += `, ${leadColumn(leadProperties)}`;
    // Bounded: the keys are subsets of MODEL_COLUMNS' few properties that documents actually select.
    if (selectCache.size < 1_000) selectCache.set(key, select);
  }
  return select;
}

export function modelListQuery(filter: ModelFilter | null | undefined, order: ModelOrder | null | undefined, columns: ModelColumns = {}): PageQuery {
  const params = new SqlParams();
  const field = order?.field ?? ModelOrderField.NAME;
  return {
    from: 'model m',
    alias: 'm',
    select: modelSelect(columns),
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
