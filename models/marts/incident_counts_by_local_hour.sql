/* 高发时段: incidents per local day, local hour of day and category, over the whole county.
   One row per incident_date_local x hour_of_day_local x category with at least one incident;
   day_of_week_local lets a dashboard pivot hour of day x day of week over any date range
   (divide by the number of such days in the range for a mean). Local time is Asia/Shanghai
   (UTC+8, no daylight saving). Incremental by local day, as marts.incident_counts_by_cell_day. */
MODEL (
  name marts.incident_counts_by_local_hour,
  kind INCREMENTAL_BY_TIME_RANGE (time_column incident_date_local),
  cron '@daily',
  owner 'citybrain',
  grain (incident_date_local, hour_of_day_local, category),
  audits (
    not_null(columns := (incident_date_local, day_of_week_local, hour_of_day_local, category, incident_count, cell_count)),
    unique_combination_of_columns(columns := (incident_date_local, hour_of_day_local, category)),
    accepted_range(column := hour_of_day_local, min_v := 0, max_v := 23),
    accepted_range(column := day_of_week_local, min_v := 1, max_v := 7),
    accepted_range(column := incident_count, min_v := 1),
    accepted_range(column := cell_count, min_v := 1)
  ),
  description 'Incidents per local day x local hour of day (0-23) x category, Asia/Shanghai, with day of week (1 Monday .. 7 Sunday)'
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
), local_hours AS (
  SELECT
    CAST(hour_start_local AS DATE) AS incident_date_local,
    EXTRACT(HOUR FROM hour_start_local) AS hour_of_day_local,
    category,
    SUM(video_detection_count) AS video_detection_count,
    SUM(citizen_report_count) AS citizen_report_count,
    SUM(event_count) AS incident_count,
    COUNT(DISTINCT h3_res9) AS cell_count
  FROM hours
  WHERE hour_start_local BETWEEN @start_ts AND @end_ts
  GROUP BY CAST(hour_start_local AS DATE), EXTRACT(HOUR FROM hour_start_local), category
)
SELECT
  local_hours.incident_date_local::DATE AS incident_date_local, /* local calendar day, Asia/Shanghai */
  EXTRACT(ISODOW FROM local_hours.incident_date_local)::INT AS day_of_week_local, /* 1 Monday .. 7 Sunday */
  local_hours.hour_of_day_local::INT AS hour_of_day_local, /* 0..23, local clock hour */
  local_hours.category::TEXT AS category,
  categories.category_name_zh::TEXT AS category_name_zh,
  local_hours.video_detection_count::BIGINT AS video_detection_count,
  local_hours.citizen_report_count::BIGINT AS citizen_report_count,
  local_hours.incident_count::BIGINT AS incident_count, /* video_detection_count + citizen_report_count */
  local_hours.cell_count::BIGINT AS cell_count /* distinct H3 res-9 cells with an incident */
FROM local_hours
LEFT JOIN reference.incident_categories AS categories
  ON categories.category = local_hours.category
