import type { ModelParent } from '../models/model.sql';
import { selectList } from '../shared/sql';

/** Replication link columns as entity properties, for raw SELECTs (dates as text, `YYYY-MM-DD`). */
export const LINK_COLUMNS = {
  id: '{a}.id',
  sourceModelId: '{a}.source_model_id',
  targetModelId: '{a}.target_model_id',
  replicatedOn: '{a}.replicated_on::text',
  note: '{a}.note',
  createdAt: '{a}.created_at',
};
export const LINK_SELECT = selectList('rl', LINK_COLUMNS);

/** Model.replicas: the models replicated from each parent model (`p.id`). */
export const REPLICAS_OF: ModelParent = {
  from: 'model m JOIN replication_link rl_p ON rl_p.target_model_id = m.id',
  condition: 'rl_p.source_model_id = p.id',
};
