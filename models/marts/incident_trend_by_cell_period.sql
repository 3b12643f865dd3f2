/* 高发区域 trend: incidents of all categories in each H3 res-9 cell in a period against the period
   before it. One row per period_grain x period_start_date_local x h3_res9 where the cell had an
   incident in the period or the previous one. Periods, ratios and has_previous_period as in
   marts.incident_trend_by_category_period (the comparison is macros/trend.py's); cell centre
   and names from intermediate.int_cells. */
MODEL (
  name marts.incident_trend_by_cell_period,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local, h3_res9),
  audits (
    not_null(columns := (period_grain, period_start_date_local, h3_res9, incident_count, previous_incident_count, incident_change_count, is_period_complete, has_previous_period)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local, h3_res9)),
    accepted_range(column := incident_count, min_v := 0),
    accepted_range(column := previous_incident_count, min_v := 0),
    accepted_values(column := period_grain, is_in := ('day', 'week', 'month'))
  ),
  description 'Incidents per H3 res-9 cell and period (local day, ISO week, month) with the previous period''s count, change and change ratio, cell centre, grid, street and community'
);

WITH counts AS (
  SELECT period_grain, period_start_date_local, h3_res9, SUM(incident_count) AS incident_count
  FROM intermediate.int_incident_counts_by_period
  GROUP BY period_grain, period_start_date_local, h3_res9
), compared AS (
  @trend_compared(h3_res9)
)
SELECT
  compared.period_grain::TEXT AS period_grain, /* day | week (ISO, Monday start) | month */
  compared.period_start_date_local::DATE AS period_start_date_local,
  compared.period_end_date_local::DATE AS period_end_date_local, /* inclusive */
  compared.previous_period_start_date_local::DATE AS previous_period_start_date_local,
  compared.is_period_complete::BOOLEAN AS is_period_complete,
  compared.has_previous_period::BOOLEAN AS has_previous_period,
  compared.h3_res9::TEXT AS h3_res9,
  cells.cell_centre_lat::DOUBLE AS cell_centre_lat, /* WGS-84, degrees */
  cells.cell_centre_lng::DOUBLE AS cell_centre_lng, /* WGS-84, degrees */
  cells.grid_code::TEXT AS grid_code,
  cells.street_name::TEXT AS street_name,
  cells.community_name::TEXT AS community_name,
  compared.incident_count::BIGINT AS incident_count, /* this period, all categories */
  compared.previous_incident_count::BIGINT AS previous_incident_count,
  (compared.incident_count - compared.previous_incident_count)::BIGINT AS incident_change_count,
  ((compared.incident_count - compared.previous_incident_count) / NULLIF(compared.previous_incident_count, 0))::DOUBLE AS incident_change_ratio /* fraction of the previous count; null when it was 0 */
FROM compared
LEFT JOIN intermediate.int_cells AS cells
  ON cells.h3_res9 = compared.h3_res9
