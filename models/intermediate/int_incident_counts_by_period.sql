/* Incidents per reporting period, H3 res-9 cell and category: marts.incident_counts_by_cell_day
   summed over the local days of each day, ISO week and month of intermediate.int_incident_periods.
   One row per period_grain x period_start_date_local x h3_res9 x category with an incident. */
MODEL (
  name intermediate.int_incident_counts_by_period,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local, h3_res9, category),
  audits (
    not_null(columns := (period_grain, period_start_date_local, h3_res9, category, incident_count)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local, h3_res9, category)),
    accepted_range(column := incident_count, min_v := 1)
  ),
  description 'Incidents per period (local day, ISO week, month) x H3 res-9 cell x category'
);

SELECT
  periods.period_grain::TEXT AS period_grain,
  periods.period_start_date_local::DATE AS period_start_date_local,
  days.h3_res9::TEXT AS h3_res9,
  days.category::TEXT AS category,
  SUM(days.video_detection_count)::BIGINT AS video_detection_count,
  SUM(days.citizen_report_count)::BIGINT AS citizen_report_count,
  SUM(days.incident_count)::BIGINT AS incident_count
FROM marts.incident_counts_by_cell_day AS days
JOIN intermediate.int_incident_periods AS periods
  ON days.incident_date_local BETWEEN periods.period_start_date_local AND periods.period_end_date_local
GROUP BY periods.period_grain, periods.period_start_date_local, days.h3_res9, days.category
