/* Accepted case transitions from the case engine, as landed: one row per event
   (one command applied to one case, version n of the case). */
MODEL (
  name staging.stg_case_events,
  kind INCREMENTAL_BY_TIME_RANGE (time_column occurred_at),
  cron '@hourly',
  owner 'citybrain',
  grain case_event_id,
  audits (
    not_null(columns := (case_event_id, case_id, case_version, occurred_at, command, to_state)),
    unique_values(columns := (case_event_id)),
    unique_combination_of_columns(columns := (case_id, case_version)),
    accepted_range(column := case_version, min_v := 1)
  ),
  description 'Events on cases.events; one row per case version, UTC, deduplicated by event id'
);

WITH landed AS (
  SELECT *
  FROM landing.cases_events
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS case_event_id, /* <case_id>:<version> */
  case_id::TEXT AS case_id,
  version::INT AS case_version, /* 1 for the report, +1 per accepted command */
  command_id::TEXT AS command_id, /* chosen by the sender; applied at most once per case */
  command::TEXT AS command, /* report, accept, register, dispatch, handle, verify, rework, close, ... */
  actor::TEXT AS actor,
  role::TEXT AS actor_role, /* supervisor, call_taker, dispatcher, department_handler, leader, admin, system */
  actor_department_id::TEXT AS actor_department_id,
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS occurred_at, /* UTC, the command's time */
  from_state::TEXT AS from_state, /* null for the report */
  to_state::TEXT AS to_state,
  department_id::TEXT AS department_id, /* the department holding the case after the event */
  reason::TEXT AS reason,
  (deadline_at AT TIME ZONE 'UTC')::TIMESTAMP AS deadline_at, /* UTC handling deadline after the event; null when no clock runs */
  payload_json::TEXT AS payload_json /* the command's payload, a JSON object */
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
