/* Muck-truck violations: one row per alert the vehicles stream raised (one per breach episode).
   Read from the alerts landing (source vehicles, category construction_waste, msg_type Alert: the
   sanitation speed alerts are not muck-truck violations). The rule is no_permit (no valid permit),
   outside_window (driving outside the permit's local hours), off_route (outside the buffered route
   corridor of every permit in its hours) or forbidden_zone (inside a zone closed to muck trucks at
   that hour); the position and time are those of the first breaching fix; company from the alert's
   vehicle, else reference.vehicles. */
MODEL (
  name marts.muck_truck_violations,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain alert_id,
  audits (
    not_null(columns := (alert_id, violation_rule, vehicle_id, started_at, violation_date, lat, lng)),
    unique_values(columns := (alert_id)),
    accepted_values(column := violation_rule, is_in := ('no_permit', 'outside_window', 'off_route', 'forbidden_zone'))
  ),
  description 'One row per muck-truck violation episode (alert): rule, vehicle, plate, company, permits, first breach time (UTC) and local date, WGS-84 position and H3 res-9 cell, zones entered'
);

WITH alerts AS (
  SELECT alert_id, level, observed_at, lat, lng, h3_res9, title, details_json
  FROM staging.stg_alerts
  WHERE source = 'vehicles' AND category = 'construction_waste' AND msg_type = 'Alert'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY observed_at, alert_message_id) = 1
), vehicles AS (
  SELECT vehicle_id, plate, company
  FROM reference.vehicles
), violations AS (
  SELECT
    *,
    JSON_EXTRACT_STRING(details_json::JSON, '$.vehicle.vehicle_id') AS vehicle_id,
    JSON_EXTRACT_STRING(details_json::JSON, '$.vehicle.plate') AS alert_plate,
    JSON_EXTRACT_STRING(details_json::JSON, '$.vehicle.company') AS alert_company,
    @json_strings(details_json, '$.permits[*].permit_id') AS permit_ids,
    @json_strings(details_json, '$.zones[*].zone_id') AS zone_ids
  FROM alerts
)
SELECT
  violations.alert_id::TEXT AS alert_id, /* vehicles-<vehicle_id>-<rule>-<first breach, UTC> */
  violations.level::TEXT AS violation_rule, /* no_permit | outside_window | off_route | forbidden_zone */
  violations.vehicle_id::TEXT AS vehicle_id,
  COALESCE(violations.alert_plate, vehicles.plate)::TEXT AS plate,
  COALESCE(violations.alert_company, vehicles.company)::TEXT AS company,
  NULLIF(ARRAY_TO_STRING(violations.permit_ids, ','), '')::TEXT AS permit_ids, /* the truck's permits, comma-separated; null: none */
  violations.observed_at::TIMESTAMP AS started_at, /* UTC, the first breaching fix */
  CAST((violations.observed_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS violation_date, /* Asia/Shanghai */
  violations.lat::DOUBLE AS lat, /* WGS-84 */
  violations.lng::DOUBLE AS lng, /* WGS-84 */
  violations.h3_res9::TEXT AS h3_res9,
  violations.title::TEXT AS title,
  NULLIF(ARRAY_TO_STRING(violations.zone_ids, ','), '')::TEXT AS zone_ids /* forbidden_zone: the zones entered, comma-separated; else null */
FROM violations
LEFT JOIN vehicles
  ON vehicles.vehicle_id = violations.vehicle_id
