/* 高发问题 trend: incidents of each category in a period against the period before it.
   One row per period_grain x period_start_date_local x category where the category had an
   incident in the period or in the previous one (so a category that went quiet shows its fall
   to zero). Periods are local days, ISO weeks (Monday start) and months (Asia/Shanghai).
   incident_change_ratio is the change as a fraction of the previous count (0.25 = +25 %); null
   when the previous period had none. has_previous_period is false when the previous period
   starts before the first observed day (its count is partly or wholly unobserved, not "none").
   The comparison is macros/trend.py's, shared with the cell and GB/T class trends. */
MODEL (
  name marts.incident_trend_by_category_period,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local, category),
  audits (
    not_null(columns := (period_grain, period_start_date_local, category, incident_count, previous_incident_count, incident_change_count, is_period_complete, has_previous_period)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local, category)),
    accepted_range(column := incident_count, min_v := 0),
    accepted_range(column := previous_incident_count, min_v := 0),
    accepted_values(column := period_grain, is_in := ('day', 'week', 'month'))
  ),
  description 'Incidents per category and period (local day, ISO week, month) with the previous period''s count, change and change ratio'
);

WITH counts AS (
  SELECT period_grain, period_start_date_local, category, SUM(incident_count) AS incident_count
  FROM intermediate.int_incident_counts_by_period
  GROUP BY period_grain, period_start_date_local, category
), compared AS (
  @trend_compared(category)
)
SELECT
  compared.period_grain::TEXT AS period_grain, /* day | week (ISO, Monday start) | month */
  compared.period_start_date_local::DATE AS period_start_date_local,
  compared.period_end_date_local::DATE AS period_end_date_local, /* inclusive */
  compared.previous_period_start_date_local::DATE AS previous_period_start_date_local,
  compared.is_period_complete::BOOLEAN AS is_period_complete,
  compared.has_previous_period::BOOLEAN AS has_previous_period,
  compared.category::TEXT AS category,
  categories.category_name_zh::TEXT AS category_name_zh,
  compared.incident_count::BIGINT AS incident_count, /* this period */
  compared.previous_incident_count::BIGINT AS previous_incident_count, /* the period before */
  (compared.incident_count - compared.previous_incident_count)::BIGINT AS incident_change_count,
  ((compared.incident_count - compared.previous_incident_count) / NULLIF(compared.previous_incident_count, 0))::DOUBLE AS incident_change_ratio /* fraction of the previous count; null when it was 0 */
FROM compared
LEFT JOIN reference.incident_categories AS categories
  ON categories.category = compared.category
