/* Permit versions (outdoor ads, construction sites, muck transport, parking, vendors), as landed. */
MODEL (
  name staging.stg_permits,
  kind INCREMENTAL_BY_TIME_RANGE (time_column version_at),
  cron '@hourly',
  owner 'citybrain',
  grain permit_version_id,
  audits (
    not_null(columns := (permit_version_id, permit_id, permit_type, valid_from_at, valid_to_at)),
    unique_values(columns := (permit_version_id))
  ),
  description 'Permit versions on permits; one row per version, UTC, deduplicated by event id'
);

WITH landed AS (
  SELECT *
  FROM landing.permits
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS permit_version_id,
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS version_at, /* when this version was issued, UTC */
  permit_id::TEXT AS permit_id,
  permit_type::TEXT AS permit_type,
  holder::TEXT AS holder, /* company or person holding the permit */
  status::TEXT AS status,
  (valid_from AT TIME ZONE 'UTC')::TIMESTAMP AS valid_from_at,
  (valid_to AT TIME ZONE 'UTC')::TIMESTAMP AS valid_to_at,
  time_windows::TEXT AS time_windows_local, /* HH:MM-HH:MM, Asia/Shanghai clock */
  geometry_wkt::TEXT AS geometry_wkt, /* WGS-84 */
  plates::TEXT AS plates, /* vehicles a muck-transport permit covers, comma-separated */
  lat::DOUBLE AS lat,
  lng::DOUBLE AS lng,
  h3_res9::TEXT AS h3_res9
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
