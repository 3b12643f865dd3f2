/* 高发问题 by national class: incidents per GB/T 30428.2-2013 class (小类, with its 大类) and period
   against the period before. Periods are local days, ISO weeks (Monday start) and months
   (Asia/Shanghai) of intermediate.int_incident_periods; a category's class comes from the seed
   reference.incident_categories (the case engine's table). Categories the standard has no class
   for (waterlogging, other) are left out.
   One row per period_grain x period_start_date_local x gbt_class_code where the class had an
   incident in the period or in the previous one. incident_change_ratio: change as a fraction of
   the previous count, null when that was 0 (the comparison is macros/trend.py's, as for the
   category and cell trends). FULL like the category trend: a period's previous
   period may lie in any earlier run's window. */
MODEL (
  name marts.incident_trend_by_gbt_class_period,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local, gbt_class_code),
  audits (
    not_null(columns := (period_grain, period_start_date_local, gbt_class_code, gbt_class_name, gbt_major_class_code, incident_count, previous_incident_count, incident_change_count)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local, gbt_class_code)),
    accepted_range(column := incident_count, min_v := 0),
    accepted_range(column := previous_incident_count, min_v := 0),
    accepted_values(column := period_grain, is_in := ('day', 'week', 'month'))
  ),
  description 'Incidents per GB/T 30428.2 class (大类/小类) and period (local day, ISO week, month) with the previous period''s count, change and change ratio'
);

WITH classes AS (
  SELECT
    category,
    gbt_class_standard,
    gbt_class_kind,
    gbt_major_class_code,
    gbt_major_class_name,
    gbt_class_code,
    gbt_class_name
  FROM reference.incident_categories
  WHERE gbt_class_code IS NOT NULL
), counts AS (
  SELECT
    by_period.period_grain,
    by_period.period_start_date_local,
    classes.gbt_class_code,
    SUM(by_period.incident_count) AS incident_count,
    COUNT(DISTINCT by_period.category) AS category_count
  FROM intermediate.int_incident_counts_by_period AS by_period
  JOIN classes
    ON classes.category = by_period.category
  GROUP BY by_period.period_grain, by_period.period_start_date_local, classes.gbt_class_code
), class_names AS (
  SELECT
    gbt_class_code,
    MIN(gbt_class_standard) AS gbt_class_standard,
    MIN(gbt_class_kind) AS gbt_class_kind,
    MIN(gbt_major_class_code) AS gbt_major_class_code,
    MIN(gbt_major_class_name) AS gbt_major_class_name,
    MIN(gbt_class_name) AS gbt_class_name
  FROM classes
  GROUP BY gbt_class_code
), compared AS (
  @trend_compared(gbt_class_code)
)
SELECT
  compared.period_grain::TEXT AS period_grain, /* day | week (ISO, Monday start) | month */
  compared.period_start_date_local::DATE AS period_start_date_local, /* first local day */
  compared.period_end_date_local::DATE AS period_end_date_local, /* last local day, inclusive */
  compared.previous_period_start_date_local::DATE AS previous_period_start_date_local,
  compared.is_period_complete::BOOLEAN AS is_period_complete, /* all its days lie in the observed range */
  compared.has_previous_period::BOOLEAN AS has_previous_period, /* the previous period was wholly observed */
  class_names.gbt_class_standard::TEXT AS gbt_class_standard, /* GB/T 30428.2-2013 */
  class_names.gbt_class_kind::TEXT AS gbt_class_kind, /* event (管理事件) | component (管理部件) */
  class_names.gbt_major_class_code::TEXT AS gbt_major_class_code, /* 大类, e.g. 01 */
  class_names.gbt_major_class_name::TEXT AS gbt_major_class_name, /* e.g. 市容环境 */
  compared.gbt_class_code::TEXT AS gbt_class_code, /* 小类, NN-NN, e.g. 01-10 */
  class_names.gbt_class_name::TEXT AS gbt_class_name, /* e.g. 暴露垃圾 */
  compared.incident_count::BIGINT AS incident_count, /* this period */
  compared.previous_incident_count::BIGINT AS previous_incident_count, /* the period before */
  (compared.incident_count - compared.previous_incident_count)::BIGINT AS incident_change_count,
  ((compared.incident_count - compared.previous_incident_count) / NULLIF(compared.previous_incident_count, 0))::DOUBLE AS incident_change_ratio /* fraction of the previous count; null when it was 0 */
FROM compared
JOIN class_names
  ON class_names.gbt_class_code = compared.gbt_class_code
