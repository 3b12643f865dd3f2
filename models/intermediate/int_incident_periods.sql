/* The reporting periods that the observed local days span: every local day, ISO week (Monday
   start) and calendar month from the first to the last day in marts.incident_counts_by_cell_day.
   One row per period_grain x period_start_date_local, with the period before it; a period is
   complete when all its days lie inside the observed range. */
MODEL (
  name intermediate.int_incident_periods,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local),
  audits (
    not_null(columns := (period_grain, period_start_date_local, period_end_date_local, previous_period_start_date_local, is_period_complete, has_previous_period)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local)),
    accepted_values(column := period_grain, is_in := ('day', 'week', 'month'))
  ),
  description 'Local days, ISO weeks and months spanned by the incident marts, each with the previous period'
);

WITH bounds AS (
  SELECT MIN(incident_date_local) AS first_date, MAX(incident_date_local) AS last_date
  FROM marts.incident_counts_by_cell_day
), grains AS (
  /* DATE_TRUNC with a literal unit on a TIMESTAMP: PostgreSQL takes no column as the unit */
  SELECT
    'day' AS period_grain,
    INTERVAL 1 DAY AS step,
    DATE_TRUNC('day', first_date::TIMESTAMP) AS first_start,
    DATE_TRUNC('day', last_date::TIMESTAMP) AS last_start,
    first_date,
    last_date
  FROM bounds
  UNION ALL
  SELECT 'week', INTERVAL 7 DAY, DATE_TRUNC('week', first_date::TIMESTAMP), DATE_TRUNC('week', last_date::TIMESTAMP), first_date, last_date
  FROM bounds
  UNION ALL
  SELECT 'month', INTERVAL 1 MONTH, DATE_TRUNC('month', first_date::TIMESTAMP), DATE_TRUNC('month', last_date::TIMESTAMP), first_date, last_date
  FROM bounds
), starts AS (
  /* GENERATE_SERIES as a lateral table function: a set in both engines */
  SELECT
    grains.period_grain,
    grains.step,
    grains.first_date,
    grains.last_date,
    series.period_start
  FROM grains
  CROSS JOIN LATERAL GENERATE_SERIES(grains.first_start, grains.last_start, grains.step) AS series(period_start)
  WHERE grains.first_date IS NOT NULL
)
SELECT
  period_grain::TEXT AS period_grain, /* day | week (ISO, Monday start) | month */
  period_start::DATE AS period_start_date_local, /* first local day of the period */
  (period_start + step - INTERVAL 1 DAY)::DATE AS period_end_date_local, /* last local day, inclusive */
  (period_start - step)::DATE AS previous_period_start_date_local,
  (period_start >= first_date AND period_start + step - INTERVAL 1 DAY <= last_date)::BOOLEAN AS is_period_complete,
  (period_start - step >= first_date)::BOOLEAN AS has_previous_period /* the previous period lies wholly inside the observed range */
FROM starts
