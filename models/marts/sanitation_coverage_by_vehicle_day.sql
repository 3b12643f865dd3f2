/* Road coverage of each sanitation vehicle per local day: the share of the H3 res-9 cells of its
   assigned route (reference.vehicle_route_cells) that it reported a fix in that day.
   One row per vehicle_id x coverage_date for every sanitation vehicle with an assigned route and
   at least one fix that day. */
MODEL (
  name marts.sanitation_coverage_by_vehicle_day,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (vehicle_id, coverage_date),
  audits (
    not_null(columns := (vehicle_id, coverage_date, assigned_cell_count, covered_cell_count, coverage_ratio)),
    unique_combination_of_columns(columns := (vehicle_id, coverage_date)),
    accepted_range(column := coverage_ratio, min_v := 0, max_v := 1),
    accepted_range(column := assigned_cell_count, min_v := 1)
  ),
  description 'Per sanitation vehicle and local day: assigned route cells (H3 res-9), those visited, coverage ratio 0-1, all cells visited'
);

WITH vehicles AS (
  SELECT vehicle_id, plate, department
  FROM reference.vehicles
  WHERE vehicle_type = 'sanitation'
), assigned AS (
  SELECT vehicle_id, h3_res9
  FROM reference.vehicle_route_cells
  WHERE vehicle_id IN (SELECT vehicle_id FROM vehicles)
), visited AS (
  SELECT DISTINCT
    vehicle_id,
    CAST((fixed_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS coverage_date,
    h3_res9
  FROM staging.stg_gps_fixes
  WHERE vehicle_id IN (SELECT vehicle_id FROM assigned)
), days AS (
  SELECT
    visited.vehicle_id,
    visited.coverage_date,
    COUNT(*) AS visited_cell_count,
    COUNT(assigned.h3_res9) AS covered_cell_count
  FROM visited
  LEFT JOIN assigned
    ON assigned.vehicle_id = visited.vehicle_id AND assigned.h3_res9 = visited.h3_res9
  GROUP BY visited.vehicle_id, visited.coverage_date
), sizes AS (
  SELECT vehicle_id, COUNT(*) AS assigned_cell_count
  FROM assigned
  GROUP BY vehicle_id
)
SELECT
  days.vehicle_id::TEXT AS vehicle_id,
  days.coverage_date::DATE AS coverage_date, /* Asia/Shanghai */
  vehicles.plate::TEXT AS plate,
  vehicles.department::TEXT AS department,
  sizes.assigned_cell_count::BIGINT AS assigned_cell_count, /* H3 res-9 cells of the assigned route */
  days.covered_cell_count::BIGINT AS covered_cell_count, /* assigned cells with a fix that day */
  (days.covered_cell_count / sizes.assigned_cell_count)::DOUBLE AS coverage_ratio, /* 0-1 */
  days.visited_cell_count::BIGINT AS visited_cell_count /* all cells with a fix, assigned or not */
FROM days
JOIN sizes
  ON sizes.vehicle_id = days.vehicle_id
JOIN vehicles
  ON vehicles.vehicle_id = days.vehicle_id
