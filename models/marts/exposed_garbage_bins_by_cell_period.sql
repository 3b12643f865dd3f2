/* Exposed garbage against garbage bins per H3 res-9 cell and period (local day, ISO week, month
   of intermediate.int_incident_periods): where garbage piles up and bins are missing.
   One row per period_grain x period_start_date_local x h3_res9 with an exposed-garbage incident.
   - bins_in_cell_count: bins of reference.garbage_bins standing in the cell;
   - bins_nearby_count: bins within garbage_nearby_m (default 200 m, about a res-9 cell's
     diameter) of the cell's centre, equirectangular metres;
   - nearest-bin distances are over the cell's incidents (marts.exposed_garbage_nearest_bin_by_incident);
   - is_high_garbage_few_bins, the rule: the cell's garbage_count is at least
     garbage_high_mean_multiple (default 3) times the mean count of the period's cells with
     garbage, and at least garbage_high_min_count (default 3), and bins_nearby_count is at most
     garbage_few_bins_max (default 1): add bins or clearing rounds there.
   FULL: a week or month and the period's mean span every run's window. */
MODEL (
  name marts.exposed_garbage_bins_by_cell_period,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (period_grain, period_start_date_local, h3_res9),
  audits (
    not_null(columns := (period_grain, period_start_date_local, h3_res9, garbage_count, bins_in_cell_count, bins_nearby_count, is_high_garbage_few_bins)),
    unique_combination_of_columns(columns := (period_grain, period_start_date_local, h3_res9)),
    accepted_range(column := garbage_count, min_v := 1),
    accepted_values(column := period_grain, is_in := ('day', 'week', 'month'))
  ),
  description 'Per H3 res-9 cell and period: exposed-garbage incidents, bins in the cell and within 200 m, distance to the nearest bin (m), and a high-garbage-few-bins flag'
);

WITH incidents AS (
  SELECT report_id, incident_date_local, h3_res9, nearest_bin_distance_m
  FROM marts.exposed_garbage_nearest_bin_by_incident
), per_period AS (
  SELECT
    periods.period_grain,
    periods.period_start_date_local,
    periods.period_end_date_local,
    incidents.h3_res9,
    COUNT(*) AS garbage_count,
    AVG(incidents.nearest_bin_distance_m) AS mean_nearest_bin_distance_m,
    MAX(incidents.nearest_bin_distance_m) AS max_nearest_bin_distance_m
  FROM incidents
  JOIN intermediate.int_incident_periods AS periods
    ON incidents.incident_date_local BETWEEN periods.period_start_date_local AND periods.period_end_date_local
  GROUP BY periods.period_grain, periods.period_start_date_local, periods.period_end_date_local, incidents.h3_res9
), period_means AS (
  SELECT period_grain, period_start_date_local, AVG(garbage_count) AS mean_garbage_count
  FROM per_period
  GROUP BY period_grain, period_start_date_local
), cells AS (
  SELECT DISTINCT per_period.h3_res9, int_cells.cell_centre_lat, int_cells.cell_centre_lng, int_cells.grid_code, int_cells.street_name, int_cells.community_name
  FROM per_period
  LEFT JOIN intermediate.int_cells AS int_cells
    ON int_cells.h3_res9 = per_period.h3_res9
), bins AS (
  SELECT bin_id, lat, lng, h3_res9
  FROM reference.garbage_bins
), cell_bins AS (
  SELECT
    cells.h3_res9,
    COUNT(DISTINCT CASE WHEN bins.h3_res9 = cells.h3_res9 THEN bins.bin_id END) AS bins_in_cell_count,
    COUNT(DISTINCT CASE
      WHEN SQRT(
        POWER((bins.lat - cells.cell_centre_lat) * 111195.0, 2)
        + POWER((bins.lng - cells.cell_centre_lng) * 111195.0 * COS(RADIANS((bins.lat + cells.cell_centre_lat) / 2)), 2)
      ) <= @VAR('garbage_nearby_m', 200) THEN bins.bin_id
    END) AS bins_nearby_count
  FROM cells
  LEFT JOIN bins
    ON TRUE
  GROUP BY cells.h3_res9
)
SELECT
  per_period.period_grain::TEXT AS period_grain, /* day | week (ISO, Monday start) | month */
  per_period.period_start_date_local::DATE AS period_start_date_local, /* first local day */
  per_period.period_end_date_local::DATE AS period_end_date_local, /* last local day, inclusive */
  per_period.h3_res9::TEXT AS h3_res9, /* H3 cell, resolution 9 (~0.1 km²) */
  cells.cell_centre_lat::DOUBLE AS cell_centre_lat, /* WGS-84, degrees */
  cells.cell_centre_lng::DOUBLE AS cell_centre_lng, /* WGS-84, degrees */
  cells.grid_code::TEXT AS grid_code, /* unit grid 单元网格 */
  cells.street_name::TEXT AS street_name, /* 街道 */
  cells.community_name::TEXT AS community_name, /* 社区 */
  per_period.garbage_count::BIGINT AS garbage_count, /* exposed-garbage incidents in the period */
  (per_period.garbage_count / period_means.mean_garbage_count)::DOUBLE AS garbage_count_to_mean_ratio, /* against the mean of the period's cells with garbage */
  COALESCE(cell_bins.bins_in_cell_count, 0)::BIGINT AS bins_in_cell_count, /* bins standing in the cell */
  COALESCE(cell_bins.bins_nearby_count, 0)::BIGINT AS bins_nearby_count, /* bins within 200 m of the cell centre */
  per_period.mean_nearest_bin_distance_m::DOUBLE AS mean_nearest_bin_distance_m, /* metres, over the incidents */
  per_period.max_nearest_bin_distance_m::DOUBLE AS max_nearest_bin_distance_m, /* metres */
  (
    per_period.garbage_count >= @VAR('garbage_high_mean_multiple', 3) * period_means.mean_garbage_count
    AND per_period.garbage_count >= @VAR('garbage_high_min_count', 3)
    AND COALESCE(cell_bins.bins_nearby_count, 0) <= @VAR('garbage_few_bins_max', 1)
  )::BOOLEAN AS is_high_garbage_few_bins /* the rule in the header */
FROM per_period
JOIN period_means
  ON period_means.period_grain = per_period.period_grain
  AND period_means.period_start_date_local = per_period.period_start_date_local
LEFT JOIN cells
  ON cells.h3_res9 = per_period.h3_res9
LEFT JOIN cell_bins
  ON cell_bins.h3_res9 = per_period.h3_res9
