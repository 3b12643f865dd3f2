/* Sanitation vehicles speeding while sweeping: one row per alert the vehicles stream raised (one per
   breach episode: above the sweeping limit, ACC on and in service, for at least the configured
   duration). Read from the alerts landing (source vehicles, level sweep_speeding, msg_type Alert);
   the time and position are those of the first fast fix, the speeds those of the evidence fixes;
   plate and department from the alert's vehicle, else reference.vehicles. */
MODEL (
  name marts.sweeper_speeding_violations,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain alert_id,
  audits (
    not_null(columns := (alert_id, vehicle_id, started_at, violation_date, lat, lng)),
    unique_values(columns := (alert_id))
  ),
  description 'One row per sweeper speeding episode (alert): vehicle, plate, department, first fast fix time (UTC) and local date, WGS-84 position, H3 res-9 cell, top and mean speed of the evidence fixes, the limit applied'
);

WITH alerts AS (
  SELECT alert_id, observed_at, lat, lng, h3_res9, details_json
  FROM staging.stg_alerts
  WHERE source = 'vehicles' AND level = 'sweep_speeding' AND msg_type = 'Alert'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY observed_at, alert_message_id) = 1
), vehicles AS (
  SELECT vehicle_id, plate, department
  FROM reference.vehicles
), violations AS (
  SELECT
    *,
    JSON_EXTRACT_STRING(details_json::JSON, '$.vehicle.vehicle_id') AS vehicle_id,
    JSON_EXTRACT_STRING(details_json::JSON, '$.vehicle.plate') AS alert_plate,
    @json_doubles(details_json, '$.evidence[*].speed_kmh') AS evidence_speeds_kmh,
    CAST(JSON_EXTRACT_STRING(details_json::JSON, '$.limit.max_kmh') AS DOUBLE) AS limit_kmh,
    CAST(JSON_EXTRACT_STRING(details_json::JSON, '$.limit.over_s') AS DOUBLE) AS limit_over_s
  FROM alerts
)
SELECT
  violations.alert_id::TEXT AS alert_id, /* vehicles-<vehicle_id>-sweep_speeding-<first fast fix, UTC> */
  violations.vehicle_id::TEXT AS vehicle_id,
  COALESCE(violations.alert_plate, vehicles.plate)::TEXT AS plate,
  vehicles.department::TEXT AS department,
  violations.observed_at::TIMESTAMP AS started_at, /* UTC, the first fast fix */
  CAST((violations.observed_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS violation_date, /* Asia/Shanghai */
  violations.lat::DOUBLE AS lat, /* WGS-84 */
  violations.lng::DOUBLE AS lng, /* WGS-84 */
  violations.h3_res9::TEXT AS h3_res9,
  @list_max(violations.evidence_speeds_kmh)::DOUBLE AS max_speed_kmh, /* top speed of the evidence fixes */
  @list_avg(violations.evidence_speeds_kmh)::DOUBLE AS mean_speed_kmh, /* mean speed of the evidence fixes */
  @list_len(violations.evidence_speeds_kmh)::INT AS evidence_fix_count,
  violations.limit_kmh::DOUBLE AS limit_kmh, /* the sweeping limit applied */
  violations.limit_over_s::DOUBLE AS limit_over_s /* seconds above it before a breach */
FROM violations
LEFT JOIN vehicles
  ON vehicles.vehicle_id = violations.vehicle_id
