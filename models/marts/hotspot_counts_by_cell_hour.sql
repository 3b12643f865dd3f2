/* Incidents per H3 resolution-9 cell, category and UTC hour, from the warehouse's own records.
   One row per h3_res9 x category x hour_start_at. Incidents are video detections with a category
   (each detection message counts) and citizen reports. */
MODEL (
  name marts.hotspot_counts_by_cell_hour,
  kind INCREMENTAL_BY_TIME_RANGE (time_column hour_start_at),
  cron '@hourly',
  owner 'citybrain',
  grain (h3_res9, category, hour_start_at),
  audits (
    not_null(columns := (h3_res9, category, hour_start_at, event_count)),
    unique_combination_of_columns(columns := (h3_res9, category, hour_start_at)),
    accepted_range(column := event_count, min_v := 1),
    counts_add_up
  ),
  description 'Incident counts per H3 res-9 cell x category x UTC hour (video detections + citizen reports)'
);

WITH detections AS (
  SELECT h3_res9, category, DATE_TRUNC('hour', detected_at) AS hour_start_at
  FROM staging.stg_video_detections
  WHERE detected_at BETWEEN @start_ts AND @end_ts AND category IS NOT NULL
), reports AS (
  SELECT h3_res9, category, DATE_TRUNC('hour', reported_at) AS hour_start_at
  FROM staging.stg_citizen_reports
  WHERE reported_at BETWEEN @start_ts AND @end_ts
), incidents AS (
  SELECT *, 1 AS is_video, 0 AS is_report FROM detections
  UNION ALL
  SELECT *, 0 AS is_video, 1 AS is_report FROM reports
)
SELECT
  h3_res9::TEXT AS h3_res9, /* H3 cell, resolution 9 (~0.1 km²) */
  category::TEXT AS category, /* citybrain category */
  hour_start_at::TIMESTAMP AS hour_start_at, /* UTC hour */
  SUM(is_video)::BIGINT AS video_detection_count,
  SUM(is_report)::BIGINT AS citizen_report_count,
  COUNT(*)::BIGINT AS event_count /* video_detection_count + citizen_report_count */
FROM incidents
GROUP BY h3_res9, category, hour_start_at;

AUDIT (name counts_add_up);
SELECT *
FROM @this_model
WHERE event_count <> video_detection_count + citizen_report_count
