/* Hydrological readings (SL 651 stations), as landed: one row per station x element x time. */
MODEL (
  name staging.stg_hydro_readings,
  kind INCREMENTAL_BY_TIME_RANGE (time_column observed_at),
  cron '@hourly',
  owner 'citybrain',
  grain reading_id,
  audits (
    not_null(columns := (reading_id, observed_at, station_id, element, value)),
    unique_values(columns := (reading_id))
  ),
  description 'Station readings on hydro.readings; one row per reading, UTC, deduplicated by event id'
);

WITH landed AS (
  SELECT *
  FROM landing.hydro_readings
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS reading_id,
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS observed_at, /* UTC, end of the period */
  station_id::TEXT AS station_id,
  element::TEXT AS element, /* rain_period_mm, water_level_m, waterlogging_depth_m, ... */
  value::DOUBLE AS value, /* in unit */
  unit::TEXT AS unit,
  period_s::INT AS period_s, /* accumulation period of rainfall elements */
  lat::DOUBLE AS lat,
  lng::DOUBLE AS lng,
  h3_res9::TEXT AS h3_res9
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
