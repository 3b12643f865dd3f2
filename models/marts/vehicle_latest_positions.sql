/* The latest position of every vehicle that has reported, with its reference attributes.
   One row per vehicle_id: its latest fix in staging.stg_gps_fixes (ties broken by fix_id),
   with plate, vehicle_type (sanitation | enforcement | muck_truck | emergency), department and
   company from reference.vehicles ('unknown' type for a terminal missing from the reference). */
MODEL (
  name marts.vehicle_latest_positions,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain vehicle_id,
  audits (
    not_null(columns := (vehicle_id, vehicle_type, fix_id, fixed_at, lat, lng)),
    unique_values(columns := (vehicle_id)),
    accepted_range(column := speed_kmh, min_v := 0, max_v := 400)
  ),
  description 'Latest fix per vehicle (UTC time, WGS-84 position, speed km/h, heading deg, H3 res-9 cell) with plate, type, department and company'
);

WITH fixes AS (
  SELECT fix_id, fixed_at, vehicle_id, lat, lng, speed_kmh, heading_deg, h3_res9
  FROM staging.stg_gps_fixes
), vehicles AS (
  SELECT vehicle_id, plate, vehicle_type, department, company
  FROM reference.vehicles
), latest AS (
  SELECT *
  FROM fixes
  QUALIFY ROW_NUMBER() OVER (PARTITION BY vehicle_id ORDER BY fixed_at DESC, fix_id DESC) = 1
)
SELECT
  latest.vehicle_id::TEXT AS vehicle_id, /* JT/T 808 terminal phone number */
  vehicles.plate::TEXT AS plate,
  COALESCE(vehicles.vehicle_type, 'unknown')::TEXT AS vehicle_type, /* sanitation | enforcement | muck_truck | emergency | unknown */
  vehicles.department::TEXT AS department, /* owning department of a fleet vehicle */
  vehicles.company::TEXT AS company, /* transport company of a muck truck */
  latest.fix_id::TEXT AS fix_id,
  latest.fixed_at::TIMESTAMP AS fixed_at, /* UTC */
  latest.lat::DOUBLE AS lat, /* WGS-84 */
  latest.lng::DOUBLE AS lng, /* WGS-84 */
  latest.speed_kmh::DOUBLE AS speed_kmh,
  latest.heading_deg::DOUBLE AS heading_deg, /* clockwise from north */
  latest.h3_res9::TEXT AS h3_res9,
  (latest.speed_kmh >= 5)::BOOLEAN AS is_moving /* reported speed of 5 km/h or more */
FROM latest
LEFT JOIN vehicles
  ON vehicles.vehicle_id = latest.vehicle_id
