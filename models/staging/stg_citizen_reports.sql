/* Citizen and 12345-hotline reports, as landed: one row per report. */
MODEL (
  name staging.stg_citizen_reports,
  kind INCREMENTAL_BY_TIME_RANGE (time_column reported_at),
  cron '@hourly',
  owner 'citybrain',
  grain report_id,
  audits (
    not_null(columns := (report_id, reported_at, category, h3_res9)),
    unique_values(columns := (report_id))
  ),
  description 'Reports on reports.citizen; one row per report, UTC, deduplicated by event id'
);

WITH landed AS (
  SELECT *
  FROM landing.reports_citizen
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS report_id,
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS reported_at, /* UTC */
  channel::TEXT AS channel, /* 12345, open311, app, wechat, patrol */
  category::TEXT AS category, /* citybrain category */
  service_code::TEXT AS service_code, /* the source system's own code */
  description::TEXT AS description,
  address::TEXT AS address,
  lat::DOUBLE AS lat,
  lng::DOUBLE AS lng,
  h3_res9::TEXT AS h3_res9
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
