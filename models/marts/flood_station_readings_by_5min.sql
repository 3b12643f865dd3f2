/* Hydrological readings per station and five-minute bucket, with the highest flood alert level in
   force at the station during the bucket. One row per station_id x bucket_start_at (UTC) for every
   bucket in which the station reported at least one reading.
   - rainfall_mm: sum of rain_period_mm readings whose period ends in the bucket (null: no rainfall
     reading in the bucket). rain_accumulated_mm (a gauge counter) is not used.
   - water_level_last_m: the last water_level_m reading of the bucket (stage above station datum).
   - waterlogging_depth_max_m: the deepest waterlogging_depth_m reading of the bucket.
   - max_alert_level: the highest level of any flood hazard alert (rainstorm, water level,
     waterlogging) of the station in force at any moment of the bucket; none when no alert was. */
MODEL (
  name marts.flood_station_readings_by_5min,
  kind INCREMENTAL_BY_TIME_RANGE (time_column bucket_start_at),
  cron '@hourly',
  owner 'citybrain',
  grain (station_id, bucket_start_at),
  audits (
    not_null(columns := (station_id, bucket_start_at, reading_count, max_alert_level, max_alert_level_rank, active_alert_count)),
    unique_combination_of_columns(columns := (station_id, bucket_start_at)),
    accepted_range(column := max_alert_level_rank, min_v := 0, max_v := 4),
    accepted_range(column := rainfall_mm, min_v := 0),
    accepted_range(column := waterlogging_depth_max_m, min_v := 0),
    accepted_values(column := max_alert_level, is_in := ('none', 'blue', 'yellow', 'orange', 'red'))
  ),
  description 'Station readings per five-minute bucket (rainfall mm, last water level m, max waterlogging depth m) with the highest flood alert level in force'
);

WITH readings AS (
  SELECT
    station_id,
    element,
    value,
    observed_at,
    reading_id,
    lat,
    lng,
    TIME_BUCKET(INTERVAL 5 MINUTE, observed_at, TIMESTAMP '2000-01-01') AS bucket_start_at
  FROM staging.stg_hydro_readings
  WHERE observed_at BETWEEN @start_ts AND @end_ts
), alert_levels AS (
  SELECT station_id, alert_id, level_rank, effective_from_at, effective_to_at
  FROM intermediate.int_flood_alert_levels
  WHERE level_rank > 0
    AND effective_from_at <= @end_ts
    AND (effective_to_at IS NULL OR effective_to_at > @start_ts)
), buckets AS (
  SELECT
    station_id,
    bucket_start_at,
    SUM(value) FILTER (WHERE element = 'rain_period_mm') AS rainfall_mm,
    @arg_max(value, observed_at, element = 'water_level_m') AS water_level_last_m,
    MAX(value) FILTER (WHERE element = 'waterlogging_depth_m') AS waterlogging_depth_max_m,
    COUNT(*) AS reading_count,
    @arg_max(lat, observed_at) AS lat,
    @arg_max(lng, observed_at) AS lng
  FROM readings
  GROUP BY station_id, bucket_start_at
), bucket_alerts AS (
  SELECT
    buckets.station_id,
    buckets.bucket_start_at,
    MAX(alert_levels.level_rank) AS max_alert_level_rank,
    COUNT(DISTINCT alert_levels.alert_id) AS active_alert_count
  FROM buckets
  JOIN alert_levels
    ON alert_levels.station_id = buckets.station_id
    AND alert_levels.effective_from_at < buckets.bucket_start_at + INTERVAL 5 MINUTE
    AND (alert_levels.effective_to_at IS NULL OR alert_levels.effective_to_at > buckets.bucket_start_at)
  GROUP BY buckets.station_id, buckets.bucket_start_at
)
SELECT
  buckets.station_id::TEXT AS station_id,
  buckets.bucket_start_at::TIMESTAMP AS bucket_start_at, /* UTC, start of the five-minute bucket */
  buckets.rainfall_mm::DOUBLE AS rainfall_mm, /* rainfall reported in the bucket, mm */
  buckets.water_level_last_m::DOUBLE AS water_level_last_m, /* last stage of the bucket, m */
  buckets.waterlogging_depth_max_m::DOUBLE AS waterlogging_depth_max_m, /* deepest ponding, m */
  buckets.reading_count::BIGINT AS reading_count, /* readings of every element in the bucket */
  (CASE COALESCE(bucket_alerts.max_alert_level_rank, 0)
    WHEN 1 THEN 'blue' WHEN 2 THEN 'yellow' WHEN 3 THEN 'orange' WHEN 4 THEN 'red' ELSE 'none'
  END)::TEXT AS max_alert_level, /* none | blue | yellow | orange | red */
  COALESCE(bucket_alerts.max_alert_level_rank, 0)::INT AS max_alert_level_rank, /* 0 none .. 4 red */
  COALESCE(bucket_alerts.active_alert_count, 0)::BIGINT AS active_alert_count, /* alerts (alert_id) of the station in force */
  buckets.lat::DOUBLE AS lat, /* station position, WGS-84 */
  buckets.lng::DOUBLE AS lng
FROM buckets
LEFT JOIN bucket_alerts
  ON bucket_alerts.station_id = buckets.station_id
  AND bucket_alerts.bucket_start_at = buckets.bucket_start_at
