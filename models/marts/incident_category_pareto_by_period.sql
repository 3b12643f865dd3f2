/* 高发问题: the Pareto of incident categories in each local day, ISO week and month.
   One row per period_grain x period_start_date_local x category with at least one incident.
   Categories are ranked by incident_count (ties broken by category code, so ranks are 1..n with
   no gaps); incident_share is the category's fraction of the period's incidents and
   cumulative_incident_share the fraction of the categories ranked at or above it.
   is_vital_few marks the categories that make up the first 80 % (the categories ranked above
   this one hold less than 80 %). */
MODEL (
  name marts.incident_category_pareto_by_period,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local, category),
  audits (
    not_null(columns := (period_grain, period_start_date_local, period_end_date_local, category, incident_count, period_incident_count, incident_share, cumulative_incident_share, category_rank, is_vital_few)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local, category)),
    accepted_range(column := incident_share, min_v := 0, max_v := 1),
    accepted_range(column := cumulative_incident_share, min_v := 0, max_v := 1.000000001),
    accepted_range(column := category_rank, min_v := 1),
    accepted_values(column := period_grain, is_in := ('day', 'week', 'month'))
  ),
  description 'Incident categories per period (local day, ISO week, month) ranked by count, with share, cumulative share and the vital few (first 80 %)'
);

WITH counts AS (
  SELECT period_grain, period_start_date_local, category, SUM(incident_count) AS incident_count
  FROM intermediate.int_incident_counts_by_period
  GROUP BY period_grain, period_start_date_local, category
), ranked AS (
  SELECT
    period_grain,
    period_start_date_local,
    category,
    incident_count,
    ROW_NUMBER() OVER period_order AS category_rank,
    SUM(incident_count) OVER (PARTITION BY period_grain, period_start_date_local) AS period_incident_count,
    SUM(incident_count) OVER (period_order ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative_incident_count
  FROM counts
  WINDOW period_order AS (
    PARTITION BY period_grain, period_start_date_local ORDER BY incident_count DESC, category
  )
)
SELECT
  ranked.period_grain::TEXT AS period_grain, /* day | week (ISO, Monday start) | month */
  ranked.period_start_date_local::DATE AS period_start_date_local, /* first local day of the period */
  periods.period_end_date_local::DATE AS period_end_date_local, /* last local day, inclusive */
  periods.is_period_complete::BOOLEAN AS is_period_complete, /* false for a period only partly observed */
  ranked.category::TEXT AS category,
  categories.category_name_zh::TEXT AS category_name_zh,
  ranked.incident_count::BIGINT AS incident_count, /* incidents of the category in the period */
  ranked.period_incident_count::BIGINT AS period_incident_count, /* incidents of all categories in the period */
  (ranked.incident_count / ranked.period_incident_count)::DOUBLE AS incident_share, /* 0..1 */
  (ranked.cumulative_incident_count / ranked.period_incident_count)::DOUBLE AS cumulative_incident_share, /* 0..1, this and higher-ranked categories */
  ranked.category_rank::INT AS category_rank, /* 1 = most incidents */
  ((ranked.cumulative_incident_count - ranked.incident_count) < 0.8 * ranked.period_incident_count)::BOOLEAN AS is_vital_few /* within the first 80 % */
FROM ranked
JOIN intermediate.int_incident_periods AS periods
  ON periods.period_grain = ranked.period_grain
  AND periods.period_start_date_local = ranked.period_start_date_local
LEFT JOIN reference.incident_categories AS categories
  ON categories.category = ranked.category
