/* Road coverage of each sanitation vehicle per shift: the share of the H3 res-9 cells of its
   assigned route (reference.vehicle_route_cells) that it reported a fix in during the shift.
   Shifts as for patrol coverage (marts.patrol_coverage_by_vehicle_shift), local Asia/Shanghai:
   day 06-14, evening 14-22, night 22-06 (a night shift belongs to the date it starts on).
   One row per vehicle_id x shift_date x shift for every sanitation vehicle with an assigned
   route and at least one fix in that shift. */
MODEL (
  name marts.sanitation_coverage_by_vehicle_shift,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (vehicle_id, shift_date, shift),
  audits (
    not_null(columns := (vehicle_id, shift_date, shift, assigned_cell_count, covered_cell_count, coverage_ratio)),
    unique_combination_of_columns(columns := (vehicle_id, shift_date, shift)),
    accepted_values(column := shift, is_in := ('day', 'evening', 'night')),
    accepted_range(column := coverage_ratio, min_v := 0, max_v := 1),
    accepted_range(column := assigned_cell_count, min_v := 1)
  ),
  description 'Per sanitation vehicle and shift (day 06-14, evening 14-22, night 22-06 local): assigned route cells (H3 res-9), those visited, coverage ratio 0-1'
);

WITH vehicles AS (
  SELECT vehicle_id, plate, department
  FROM reference.vehicles
  WHERE vehicle_type = 'sanitation'
), assigned AS (
  SELECT vehicle_id, h3_res9
  FROM reference.vehicle_route_cells
  WHERE vehicle_id IN (SELECT vehicle_id FROM vehicles)
), local_fixes AS (
  SELECT
    vehicle_id,
    h3_res9,
    (fixed_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS fixed_local
  FROM staging.stg_gps_fixes
  WHERE vehicle_id IN (SELECT vehicle_id FROM assigned)
), visited AS (
  SELECT DISTINCT
    vehicle_id,
    CAST(fixed_local - INTERVAL 6 HOUR AS DATE) AS shift_date, /* 00-06 belongs to the night before */
    CASE
      WHEN EXTRACT(HOUR FROM fixed_local) >= 6 AND EXTRACT(HOUR FROM fixed_local) < 14 THEN 'day'
      WHEN EXTRACT(HOUR FROM fixed_local) >= 14 AND EXTRACT(HOUR FROM fixed_local) < 22 THEN 'evening'
      ELSE 'night'
    END AS shift,
    h3_res9
  FROM local_fixes
), shifts AS (
  SELECT
    visited.vehicle_id,
    visited.shift_date,
    visited.shift,
    COUNT(*) AS visited_cell_count,
    COUNT(assigned.h3_res9) AS covered_cell_count
  FROM visited
  LEFT JOIN assigned
    ON assigned.vehicle_id = visited.vehicle_id AND assigned.h3_res9 = visited.h3_res9
  GROUP BY visited.vehicle_id, visited.shift_date, visited.shift
), sizes AS (
  SELECT vehicle_id, COUNT(*) AS assigned_cell_count
  FROM assigned
  GROUP BY vehicle_id
)
SELECT
  shifts.vehicle_id::TEXT AS vehicle_id,
  shifts.shift_date::DATE AS shift_date, /* local date the shift starts on */
  shifts.shift::TEXT AS shift, /* day | evening | night */
  vehicles.plate::TEXT AS plate,
  vehicles.department::TEXT AS department,
  sizes.assigned_cell_count::BIGINT AS assigned_cell_count, /* H3 res-9 cells of the assigned route */
  shifts.covered_cell_count::BIGINT AS covered_cell_count, /* assigned cells with a fix in the shift */
  (shifts.covered_cell_count / sizes.assigned_cell_count)::DOUBLE AS coverage_ratio, /* 0-1 */
  shifts.visited_cell_count::BIGINT AS visited_cell_count /* all cells with a fix, assigned or not */
FROM shifts
JOIN sizes
  ON sizes.vehicle_id = shifts.vehicle_id
JOIN vehicles
  ON vehicles.vehicle_id = shifts.vehicle_id
