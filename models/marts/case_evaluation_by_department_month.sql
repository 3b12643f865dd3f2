/* Case handling evaluation (考评) of each department per local month of dispatch.
   One row per department_id x dispatch_month: the cases first dispatched to the department in
   that month (Asia/Shanghai calendar) that the department still holds (not returned 回退 or suspended 挂账),
   and what has become of them so far, from marts.case_state_by_case. Figures of a month keep moving
   until its cases end (the model is FULL).
   Counts are those of marts.case_evaluation_by_department_day summed over the month; rates and
   the composite index are computed again from the monthly counts (not averaged over days).
   Indicators (definitions as in reference §4a/4b, eGova and Unicom; every denominator is
   应处置数 = cases_dispatched, the cases the department had to handle):
   - on_time_handling_rate 按期处置率 = cases_handled_on_time / cases_dispatched
   - rework_rate 返工率 = cases_reworked / cases_dispatched
   - closure_rate 结案率 = cases_closed / cases_dispatched
   - composite_index 综合指标值 (0..100) = case_volume_score
       + 100 x (w_closure x closure_rate + w_on_time x on_time_handling_rate + w_rework x (1 - rework_rate)),
     case_volume_score 立案数分值 by cases_dispatched: <=50 -> 10, <=100 -> 9, <=200 -> 7.5,
     <=500 -> 6, <=1000 -> 4, else 0.
   Source and weights: the official GB/T 30428.4 weights were not available (reference
   urban-management-standards.md §4 marks them unverified); the formula is the 专业部门 综合指标
   of China Unicom's urban-management-platform (DeptEvaluateService.java, §4b): 30 % closure
   rate, 30 % on-time handling rate, 30 % (1 - rework rate) plus the 10-point volume score.
   The weights are variables with those defaults (case_eval_weight_closure_rate,
   case_eval_weight_on_time_handling_rate, case_eval_weight_rework, each 0.3; they should sum
   to 0.9); the month boundary's time zone is case_eval_time_zone (Asia/Shanghai). */
MODEL (
  name marts.case_evaluation_by_department_month,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (department_id, dispatch_month),
  audits (
    not_null(columns := (department_id, dispatch_month, cases_dispatched, on_time_handling_rate, rework_rate, closure_rate, composite_index)),
    unique_combination_of_columns(columns := (department_id, dispatch_month)),
    accepted_range(column := cases_dispatched, min_v := 1),
    accepted_range(column := on_time_handling_rate, min_v := 0, max_v := 1),
    accepted_range(column := rework_rate, min_v := 0, max_v := 1),
    accepted_range(column := closure_rate, min_v := 0, max_v := 1),
    accepted_range(column := composite_index, min_v := 0, max_v := 100),
    case_counts_are_nested
  ),
  description 'Per department and local dispatch month: cases dispatched, handled on time, reworked, closed; on-time handling, rework and closure rates and the composite index (weights 0.3/0.3/0.3 + 10-point volume score, Unicom platform formula; GB/T 30428.4 weights unverified)'
);

WITH cases AS (
  SELECT
    department_id,
    CAST(DATE_TRUNC('month', (department_dispatched_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('case_eval_time_zone', 'Asia/Shanghai')) AS DATE) AS dispatch_month,
    last_handled_at,
    is_handled_on_time,
    rework_count,
    state
  FROM marts.case_state_by_case
  WHERE is_held_by_department
), counts AS (
  SELECT
    department_id,
    dispatch_month,
    COUNT(*) AS cases_dispatched,
    COUNT(*) FILTER (WHERE last_handled_at IS NOT NULL) AS cases_handled,
    COUNT(*) FILTER (WHERE is_handled_on_time) AS cases_handled_on_time,
    COUNT(*) FILTER (WHERE rework_count > 0) AS cases_reworked,
    COALESCE(SUM(rework_count), 0) AS rework_count,
    COUNT(*) FILTER (WHERE state = 'closed') AS cases_closed
  FROM cases
  GROUP BY department_id, dispatch_month
), rates AS (
  SELECT
    *,
    cases_handled_on_time::DOUBLE / cases_dispatched AS on_time_handling_rate,
    cases_reworked::DOUBLE / cases_dispatched AS rework_rate,
    cases_closed::DOUBLE / cases_dispatched AS closure_rate,
    CASE
      WHEN cases_dispatched <= 50 THEN 10
      WHEN cases_dispatched <= 100 THEN 9
      WHEN cases_dispatched <= 200 THEN 7.5
      WHEN cases_dispatched <= 500 THEN 6
      WHEN cases_dispatched <= 1000 THEN 4
      ELSE 0
    END AS case_volume_score
  FROM counts
)
SELECT
  department_id::TEXT AS department_id,
  dispatch_month::DATE AS dispatch_month, /* first day of the local (Asia/Shanghai) month of the first dispatch to the department */
  cases_dispatched::BIGINT AS cases_dispatched, /* 应处置数 */
  cases_handled::BIGINT AS cases_handled, /* 处置数: handled at least once */
  cases_handled_on_time::BIGINT AS cases_handled_on_time, /* 按期处置数: last handling by its deadline */
  cases_reworked::BIGINT AS cases_reworked, /* 返工数: cases reworked at least once */
  rework_count::BIGINT AS rework_count, /* reworks of those cases */
  cases_closed::BIGINT AS cases_closed, /* 结案数 */
  ROUND(on_time_handling_rate, 4)::DOUBLE AS on_time_handling_rate, /* 按期处置率, 0..1 */
  ROUND(rework_rate, 4)::DOUBLE AS rework_rate, /* 返工率, 0..1 */
  ROUND(closure_rate, 4)::DOUBLE AS closure_rate, /* 结案率, 0..1 */
  case_volume_score::DOUBLE AS case_volume_score, /* 立案数分值, 0..10 */
  ROUND(
    case_volume_score + 100 * (
      @VAR('case_eval_weight_closure_rate', 0.3) * closure_rate
      + @VAR('case_eval_weight_on_time_handling_rate', 0.3) * on_time_handling_rate
      + @VAR('case_eval_weight_rework', 0.3) * (1 - rework_rate)
    ),
    2
  )::DOUBLE AS composite_index /* 综合指标值, 0..100 */
FROM rates;

AUDIT (name case_counts_are_nested);
SELECT *
FROM @this_model
WHERE cases_handled_on_time > cases_handled
  OR cases_handled > cases_dispatched
  OR cases_reworked > cases_dispatched
  OR cases_closed > cases_dispatched
