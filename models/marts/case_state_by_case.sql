/* The latest state of every case, folded from its events on cases.events. One row per case_id.
   Derived from the events:
   - state, department_id, case_version: from the latest event (highest version); updated_at:
     the newest event time of the case (links that reached the engine out of time order, e.g.
     two reports from two partitions, get versions in arrival order, not in time order);
   - category, source, grid_code, requested urgency, lat/lng, reported_at: from the report
     event (its payload; source is absent from reports people make, and urgency is only in the
     payload when the reporter or the alert severity asked for one);
   - first_dispatched_at, last_dispatched_at (start of the current clock), department_dispatched_at
     (first dispatch to the department that holds the case now), last_handled_at, closed_at,
     ended_at (closed, cancelled or not registered);
   - counts: dispatches (dispatch + rework, as the engine counts them), reworks (返工), returns
     (回退), approved postponements (延期), overdue marks, linked alerts/reports;
   - on time: the last handling (处置反馈) is on time when it came at or before the deadline in
     force just before it (the deadline_at the engine put on the previous event; postponements
     already moved it). Null while the case is unhandled or when no deadline was known.
   - is_held_by_department: the case was dispatched (or reworked) to department_id and not since
     returned (回退) or suspended (挂账); only such cases count in the department's evaluation.
   - names for readers: category_name_zh (categories seed), department_name and street_name
     (the county's reference departments and unit grids), so dashboards read this table alone;
   - is_open (not ended) and is_overdue: open with a running clock whose deadline_at lies
     before as_of_at, the latest updated_at of all cases (the newest thing the events tell;
     the wall clock is not in the events).
   Not derivable from the events: the GB/T 30428.2 class code and the engine's urgency when no
   urgency was requested (both live in the engine's case table, not on the events), whether an
   unhandled case is overdue by the wall clock (overdue_mark_count says whether the engine marked
   it), and the department of a case that was never dispatched. */
MODEL (
  name marts.case_state_by_case,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain case_id,
  audits (
    not_null(columns := (case_id, state, case_version, updated_at, event_count, dispatch_count, rework_count)),
    unique_values(columns := (case_id)),
    accepted_values(column := state, is_in := ('reported', 'accepted', 'not_registered', 'registered', 'dispatched', 'postponement_requested', 'returned', 'handled', 'verified', 'closed', 'suspended', 'cancelled')),
    accepted_range(column := rework_count, min_v := 0),
    held_cases_have_a_department,
    overdue_cases_are_open
  ),
  description 'Latest state per case folded from cases.events (state, department, report payload, key times, counts, on-time handling); FULL because a case''s events span many run windows'
);

WITH events AS (
  SELECT
    case_id,
    case_version,
    command,
    occurred_at,
    to_state,
    department_id,
    deadline_at,
    payload_json
  FROM staging.stg_case_events
), latest AS (
  SELECT
    case_id,
    case_version,
    to_state AS state,
    department_id,
    MAX(occurred_at) OVER (PARTITION BY case_id) AS updated_at,
    deadline_at
  FROM events
  QUALIFY ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY case_version DESC) = 1
), reports AS (
  SELECT
    case_id,
    occurred_at AS reported_at,
    JSON_EXTRACT_STRING(payload_json::JSON, '$.category') AS category,
    JSON_EXTRACT_STRING(payload_json::JSON, '$.source') AS source,
    JSON_EXTRACT_STRING(payload_json::JSON, '$.grid_code') AS grid_code,
    JSON_EXTRACT_STRING(payload_json::JSON, '$.urgency') AS requested_urgency,
    TRY_CAST(JSON_EXTRACT_STRING(payload_json::JSON, '$.lat') AS DOUBLE) AS lat,
    TRY_CAST(JSON_EXTRACT_STRING(payload_json::JSON, '$.lng') AS DOUBLE) AS lng
  FROM events
  WHERE command = 'report'
), handlings AS (
  SELECT case_id, case_version, command, occurred_at,
    LAG(deadline_at) OVER (PARTITION BY case_id ORDER BY case_version) AS deadline_before_at
  FROM events
), last_handling AS (
  SELECT case_id, occurred_at AS last_handled_at, deadline_before_at AS handling_deadline_at
  FROM handlings
  WHERE command = 'handle'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY case_version DESC) = 1
), last_assignment AS (
  SELECT case_id, command AS last_assignment_command
  FROM events
  WHERE command IN ('dispatch', 'rework', 'return', 'suspend')
  QUALIFY ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY case_version DESC) = 1
), department_dispatch AS (
  SELECT events.case_id, MIN(events.occurred_at) AS department_dispatched_at
  FROM events
  JOIN latest
    ON latest.case_id = events.case_id AND latest.department_id = events.department_id
  WHERE events.command = 'dispatch'
  GROUP BY events.case_id
), counts AS (
  SELECT
    case_id,
    COUNT(*) AS event_count,
    COUNT(*) FILTER (WHERE command IN ('dispatch', 'rework')) AS dispatch_count,
    COUNT(*) FILTER (WHERE command = 'rework') AS rework_count,
    COUNT(*) FILTER (WHERE command = 'return') AS return_count,
    COUNT(*) FILTER (WHERE command = 'approve_postponement') AS postponement_count,
    COUNT(*) FILTER (WHERE command = 'mark_overdue') AS overdue_mark_count,
    COUNT(*) FILTER (WHERE command = 'link') AS linked_signal_count,
    MIN(occurred_at) FILTER (WHERE command = 'dispatch') AS first_dispatched_at,
    MAX(occurred_at) FILTER (WHERE command IN ('dispatch', 'rework')) AS last_dispatched_at,
    MAX(occurred_at) FILTER (WHERE command = 'close') AS closed_at,
    MAX(occurred_at) FILTER (WHERE to_state IN ('closed', 'cancelled', 'not_registered')) AS ended_at
  FROM events
  GROUP BY case_id
)
SELECT
  latest.case_id::TEXT AS case_id,
  latest.state::TEXT AS state, /* the case's state after its latest event */
  latest.case_version::INT AS case_version, /* version of the latest event */
  counts.event_count::BIGINT AS event_count, /* events landed; less than case_version while some are missing */
  latest.department_id::TEXT AS department_id, /* the department last dispatched (null before any dispatch) */
  (COALESCE(last_assignment.last_assignment_command, '') IN ('dispatch', 'rework'))::BOOLEAN AS is_held_by_department,
  reports.category::TEXT AS category, /* citybrain category, from the report */
  reports.source::TEXT AS source, /* flood, video, vehicles, hotspots, citizen; null when a person reported */
  reports.grid_code::TEXT AS grid_code, /* unit grid (单元网格) of the report, when routed */
  reports.requested_urgency::TEXT AS requested_urgency, /* urgency asked for in the report, if any */
  reports.lat::DOUBLE AS lat,
  reports.lng::DOUBLE AS lng,
  reports.reported_at::TIMESTAMP AS reported_at, /* UTC, 上报 */
  counts.first_dispatched_at::TIMESTAMP AS first_dispatched_at, /* UTC, first 派遣 to any department */
  department_dispatch.department_dispatched_at::TIMESTAMP AS department_dispatched_at, /* UTC, first 派遣 to department_id */
  counts.last_dispatched_at::TIMESTAMP AS last_dispatched_at, /* UTC, start of the latest handling clock */
  last_handling.last_handled_at::TIMESTAMP AS last_handled_at, /* UTC, latest 处置反馈 */
  last_handling.handling_deadline_at::TIMESTAMP AS handling_deadline_at, /* UTC, deadline in force at the latest handling */
  (last_handling.last_handled_at <= last_handling.handling_deadline_at)::BOOLEAN AS is_handled_on_time, /* null: unhandled or no deadline */
  latest.deadline_at::TIMESTAMP AS deadline_at, /* UTC, deadline of the clock running now; null when none runs */
  counts.closed_at::TIMESTAMP AS closed_at, /* UTC, 结案 */
  counts.ended_at::TIMESTAMP AS ended_at, /* UTC, closed, cancelled or not registered */
  latest.updated_at::TIMESTAMP AS updated_at, /* UTC, time of the newest event */
  counts.dispatch_count::INT AS dispatch_count, /* dispatches and reworks */
  counts.rework_count::INT AS rework_count, /* 返工: verification failed, back to the same department */
  counts.return_count::INT AS return_count, /* 回退 by a department */
  counts.postponement_count::INT AS postponement_count, /* approved 延期 */
  counts.overdue_mark_count::INT AS overdue_mark_count, /* 超期 marks by the engine's clock */
  counts.linked_signal_count::INT AS linked_signal_count, /* further alerts and reports joined to the case */
  categories.category_name_zh::TEXT AS category_name_zh, /* e.g. 违章停车 */
  departments.name::TEXT AS department_name, /* of department_id */
  grids.street::TEXT AS street_name, /* 街道 of grid_code */
  (counts.ended_at IS NULL)::BOOLEAN AS is_open, /* not closed, cancelled or not registered */
  (counts.ended_at IS NULL AND COALESCE(latest.deadline_at < as_of.as_of_at, FALSE))::BOOLEAN AS is_overdue, /* open, clock past its deadline at as_of_at */
  as_of.as_of_at::TIMESTAMP AS as_of_at /* UTC, latest updated_at of all cases */
FROM latest
CROSS JOIN (SELECT MAX(updated_at) AS as_of_at FROM latest) AS as_of
JOIN counts ON counts.case_id = latest.case_id
LEFT JOIN reports ON reports.case_id = latest.case_id
LEFT JOIN last_handling ON last_handling.case_id = latest.case_id
LEFT JOIN last_assignment ON last_assignment.case_id = latest.case_id
LEFT JOIN department_dispatch ON department_dispatch.case_id = latest.case_id
LEFT JOIN reference.incident_categories AS categories ON categories.category = reports.category
LEFT JOIN reference.departments AS departments ON departments.department_id = latest.department_id
LEFT JOIN reference.grids AS grids ON grids.grid_code = reports.grid_code;

AUDIT (name held_cases_have_a_department);
SELECT *
FROM @this_model
WHERE is_held_by_department AND (department_id IS NULL OR department_dispatched_at IS NULL);

AUDIT (name overdue_cases_are_open);
SELECT *
FROM @this_model
WHERE is_overdue AND NOT is_open
