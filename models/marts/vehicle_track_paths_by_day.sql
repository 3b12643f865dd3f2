/* Each vehicle's path per local (Asia/Shanghai) day, for drawing a track on a map (deck.gl path).
   One row per vehicle_id x track_date: the fixes in time order as a JSON array of [lng, lat]
   (deck.gl's order), thinned to one fix per vehicle per minute so a day's path stays a few
   thousand points. Track statistics (distance, stays) are in marts.vehicle_tracks_by_day. */
MODEL (
  name marts.vehicle_track_paths_by_day,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (vehicle_id, track_date),
  audits (
    not_null(columns := (vehicle_id, track_date, path_lnglat_json, point_count)),
    unique_combination_of_columns(columns := (vehicle_id, track_date)),
    accepted_range(column := point_count, min_v := 1)
  ),
  description 'Per vehicle and local day: the path as a JSON [lng, lat] array in time order (one fix a minute), for track maps'
);

WITH fixes AS (
  SELECT
    vehicle_id,
    fixed_at,
    fix_id,
    lat,
    lng,
    CAST((fixed_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS track_date
  FROM staging.stg_gps_fixes
), per_minute AS (
  SELECT *
  FROM fixes
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY vehicle_id, DATE_TRUNC('minute', fixed_at) ORDER BY fixed_at, fix_id
  ) = 1
)
SELECT
  p.vehicle_id::TEXT AS vehicle_id,
  p.track_date::DATE AS track_date, /* local (Asia/Shanghai) day */
  v.plate::TEXT AS plate,
  v.vehicle_type::TEXT AS vehicle_type,
  TO_JSON(LIST([ROUND(p.lng, 6)::DOUBLE, ROUND(p.lat, 6)::DOUBLE] ORDER BY p.fixed_at, p.fix_id))::TEXT AS path_lnglat_json,
  COUNT(*)::BIGINT AS point_count, /* points in the path (at most one a minute) */
  MIN(p.fixed_at)::TIMESTAMP AS first_fix_at, /* UTC */
  MAX(p.fixed_at)::TIMESTAMP AS last_fix_at /* UTC */
FROM per_minute AS p
LEFT JOIN reference.vehicles AS v ON v.vehicle_id = p.vehicle_id
GROUP BY p.vehicle_id, p.track_date, v.plate, v.vehicle_type
