/* 监督员考评: field supervisors' indicators per supervisor and local (Asia/Shanghai) day, after
   the supervisor indicators of the evaluation references (上报数, 有效上报率, 按时核查率).
   One row per supervisor (the actor of supervisor-role events) and day with a report or a check.
   - reports_count (上报数): cases the supervisor reported that day;
   - valid_reports_count (有效上报数): of those, cases that were registered (立案) at any time;
   - checks_count (核查数): verifications (核查通过) and reworks (核查不通过, 返工) by the supervisor;
   - checks_on_time_count (按时核查数): checks within 120 minutes of the handling feedback they
     check (the demo county's rule; counties set their own);
   - reworks_ordered_count: checks that sent the case back to the department. */
MODEL (
  name marts.case_evaluation_by_supervisor_day,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (supervisor_id, activity_date),
  audits (
    not_null(columns := (supervisor_id, activity_date, reports_count, checks_count)),
    unique_combination_of_columns(columns := (supervisor_id, activity_date)),
    accepted_range(column := valid_report_rate, min_v := 0, max_v := 1),
    accepted_range(column := on_time_check_rate, min_v := 0, max_v := 1)
  ),
  description 'Supervisor (监督员) indicators per local day: reports, valid reports (registered), checks, checks within 120 min of handling, reworks ordered'
);

WITH events AS (
  SELECT
    *,
    CAST((occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS activity_date
  FROM staging.stg_case_events
), registered AS (
  SELECT DISTINCT case_id FROM events WHERE command = 'register'
), reports AS (
  SELECT
    e.actor AS supervisor_id,
    e.activity_date,
    COUNT(*) AS reports_count,
    COUNT(r.case_id) AS valid_reports_count
  FROM events AS e
  LEFT JOIN registered AS r ON r.case_id = e.case_id
  WHERE e.command = 'report' AND e.actor_role = 'supervisor'
  GROUP BY 1, 2
), checks AS (
  SELECT
    e.actor AS supervisor_id,
    e.activity_date,
    e.command,
    e.occurred_at,
    (
      SELECT MAX(h.occurred_at) FROM events AS h
      WHERE h.case_id = e.case_id AND h.command = 'handle' AND h.case_version < e.case_version
    ) AS handled_at
  FROM events AS e
  WHERE e.command IN ('verify', 'rework') AND e.actor_role = 'supervisor'
), check_counts AS (
  SELECT
    supervisor_id,
    activity_date,
    COUNT(*) AS checks_count,
    COUNT(*) FILTER (WHERE occurred_at <= handled_at + INTERVAL 120 MINUTE) AS checks_on_time_count,
    COUNT(*) FILTER (WHERE command = 'rework') AS reworks_ordered_count
  FROM checks
  GROUP BY 1, 2
)
SELECT
  COALESCE(r.supervisor_id, c.supervisor_id)::TEXT AS supervisor_id,
  COALESCE(r.activity_date, c.activity_date)::DATE AS activity_date, /* local day */
  COALESCE(r.reports_count, 0)::BIGINT AS reports_count, /* 上报数 */
  COALESCE(r.valid_reports_count, 0)::BIGINT AS valid_reports_count, /* 有效上报数 */
  (r.valid_reports_count / NULLIF(r.reports_count, 0))::DOUBLE AS valid_report_rate, /* 有效上报率 */
  COALESCE(c.checks_count, 0)::BIGINT AS checks_count, /* 核查数 */
  COALESCE(c.checks_on_time_count, 0)::BIGINT AS checks_on_time_count, /* 按时核查数 */
  (c.checks_on_time_count / NULLIF(c.checks_count, 0))::DOUBLE AS on_time_check_rate, /* 按时核查率 */
  COALESCE(c.reworks_ordered_count, 0)::BIGINT AS reworks_ordered_count /* 返工 ordered */
FROM reports AS r
FULL OUTER JOIN check_counts AS c
  ON c.supervisor_id = r.supervisor_id AND c.activity_date = r.activity_date
