import type { EntityManager } from 'typeorm';
import type { Actor } from '../shared/actor';

/** Advisory lock key that serialises event appends so ids commit in order. */
export const EVENT_LOCK_KEY = 727_001;
export const EVENT_CHANNEL = 'change_event';

export interface NewEvent {
  type: string;
  entityType: 'Organisation' | 'Model' | 'ReplicationLink' | 'PeriodReport' | 'ReportingPeriod';
  entityId: string;
  organisationPaths: string[];
  payload: Record<string, unknown>;
}

/**
 * Appends events inside the caller's transaction. The transaction-scoped advisory lock is held
 * until commit, so no later id can become visible before an earlier one: a reader that has
 * seen id N never later finds an id below N appear. The NOTIFY is delivered on commit only.
 */
export async function appendEvents(manager: EntityManager, actor: Pick<Actor, 'name' | 'role'>, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await manager.query('SELECT pg_advisory_xact_lock($1)', [EVENT_LOCK_KEY]);
  const rows: Array<{ id: string }> = await manager.query(
    // clock_timestamp(), not now(): the moment of the append, right before commit, so delivery
    // latency can be measured from it.
    `INSERT INTO change_event (type, entity_type, entity_id, organisation_paths, actor, actor_role, payload, at)
     SELECT e.type, e.entity_type, e.entity_id::uuid, ARRAY(SELECT jsonb_array_elements_text(e.paths)), $2, $3, e.payload, clock_timestamp()
     FROM jsonb_to_recordset($1::jsonb) AS e(type text, entity_type text, entity_id text, paths jsonb, payload jsonb)
     RETURNING id`,
    [
      JSON.stringify(events.map((e) => ({ type: e.type, entity_type: e.entityType, entity_id: e.entityId, paths: e.organisationPaths, payload: e.payload }))),
      actor.name,
      actor.role,
    ],
  );
  await manager.query('SELECT pg_notify($1, $2)', [EVENT_CHANNEL, rows[rows.length - 1].id]);
}
