/* Vehicle GPS fixes (JT/T 808 terminals), as landed: one row per fix, UTC, deduplicated. */
MODEL (
  name staging.stg_gps_fixes,
  kind INCREMENTAL_BY_TIME_RANGE (time_column fixed_at),
  cron '@hourly',
  owner 'citybrain',
  grain fix_id,
  audits (
    not_null(columns := (fix_id, fixed_at, vehicle_id, lat, lng)),
    unique_values(columns := (fix_id)),
    accepted_range(column := speed_kmh, min_v := 0, max_v := 400)
  ),
  description 'Vehicle fixes on gps.fixes; one row per fix, UTC, deduplicated by event id'
);

WITH landed AS (
  SELECT *
  FROM landing.gps_fixes
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS fix_id,
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS fixed_at, /* UTC */
  vehicle_id::TEXT AS vehicle_id, /* terminal phone number */
  lat::DOUBLE AS lat, /* WGS-84 */
  lng::DOUBLE AS lng, /* WGS-84 */
  speed_kmh::DOUBLE AS speed_kmh,
  heading_deg::DOUBLE AS heading_deg, /* clockwise from north */
  altitude_m::DOUBLE AS altitude_m,
  alarm_flags::BIGINT AS alarm_flags, /* JT/T 808 alarm bits */
  status_flags::BIGINT AS status_flags, /* JT/T 808 status bits */
  h3_res9::TEXT AS h3_res9,
  source::TEXT AS source_protocol
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
