/* 高发区域: incidents per H3 resolution-9 cell, category and local day (Asia/Shanghai).
   One row per h3_res9 x category x incident_date_local with at least one incident. Incidents are
   those of marts.hotspot_counts_by_cell_hour (video detections with a category, each message
   counted, and citizen reports); a UTC hour belongs wholly to one local day, since the zone's
   offset is whole hours. The cell's centre, unit grid, street and community come from
   intermediate.int_cells (null outside the county's unit grids).
   Incremental by local day with a daily cron: the interval [@start_ts, @end_ts] is read as local
   time, so each interval rebuilds whole local days (the local day ends at 16:00 UTC, before the
   UTC day whose end triggers its run). */
MODEL (
  name marts.incident_counts_by_cell_day,
  kind INCREMENTAL_BY_TIME_RANGE (time_column incident_date_local),
  cron '@daily',
  owner 'citybrain',
  grain (h3_res9, category, incident_date_local),
  audits (
    not_null(columns := (incident_date_local, day_of_week_local, h3_res9, category, incident_count)),
    unique_combination_of_columns(columns := (h3_res9, category, incident_date_local)),
    accepted_range(column := incident_count, min_v := 1),
    accepted_range(column := day_of_week_local, min_v := 1, max_v := 7),
    incident_counts_add_up
  ),
  description 'Incidents (video detections + citizen reports) per H3 res-9 cell x category x local day (Asia/Shanghai), with the cell centre, unit grid, street and community'
);

WITH hours AS (
  SELECT
    h3_res9,
    category,
    (hour_start_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai') AS hour_start_local,
    video_detection_count,
    citizen_report_count,
    event_count
  FROM marts.hotspot_counts_by_cell_hour
  WHERE hour_start_at BETWEEN @start_ts::TIMESTAMP - INTERVAL 1 DAY AND @end_ts::TIMESTAMP + INTERVAL 1 DAY
), days AS (
  SELECT
    h3_res9,
    category,
    CAST(hour_start_local AS DATE) AS incident_date_local,
    SUM(video_detection_count) AS video_detection_count,
    SUM(citizen_report_count) AS citizen_report_count,
    SUM(event_count) AS incident_count
  FROM hours
  WHERE hour_start_local BETWEEN @start_ts AND @end_ts
  GROUP BY h3_res9, category, CAST(hour_start_local AS DATE)
)
SELECT
  days.incident_date_local::DATE AS incident_date_local, /* local calendar day, Asia/Shanghai */
  EXTRACT(ISODOW FROM days.incident_date_local)::INT AS day_of_week_local, /* 1 Monday .. 7 Sunday */
  days.h3_res9::TEXT AS h3_res9, /* H3 cell, resolution 9 (~0.1 km²) */
  cells.h3_res8::TEXT AS h3_res8, /* parent cell, resolution 8 */
  cells.h3_res7::TEXT AS h3_res7, /* parent cell, resolution 7 */
  cells.cell_centre_lat::DOUBLE AS cell_centre_lat, /* WGS-84, degrees */
  cells.cell_centre_lng::DOUBLE AS cell_centre_lng, /* WGS-84, degrees */
  cells.grid_code::TEXT AS grid_code, /* unit grid 单元网格; null outside the grids */
  cells.street_name::TEXT AS street_name, /* 街道 */
  cells.community_name::TEXT AS community_name, /* 社区 */
  days.category::TEXT AS category, /* citybrain category code */
  categories.category_name_zh::TEXT AS category_name_zh, /* e.g. 占道经营 */
  days.video_detection_count::BIGINT AS video_detection_count, /* detection messages */
  days.citizen_report_count::BIGINT AS citizen_report_count,
  days.incident_count::BIGINT AS incident_count /* video_detection_count + citizen_report_count */
FROM days
LEFT JOIN intermediate.int_cells AS cells
  ON cells.h3_res9 = days.h3_res9
LEFT JOIN reference.incident_categories AS categories
  ON categories.category = days.category;

AUDIT (name incident_counts_add_up);
SELECT *
FROM @this_model
WHERE incident_count <> video_detection_count + citizen_report_count
