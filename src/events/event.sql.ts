/** The columns of `change_event e` as a LoggedEvent. */
export const EVENT_SELECT = `e.id::text AS id, e.id::text AS cursor, e.type, e.entity_type AS "entityType", e.entity_id AS "entityId",
  e.actor, e.actor_role AS "actorRole", e.at, e.payload, e.organisation_paths AS "organisationPaths"`;

/** Rows read from the log per statement, by the hub and by replays. */
export const LOG_BATCH = 500;
