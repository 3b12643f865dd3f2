/* Tidal parking (潮汐停车) suggestions: cells and local hours where illegal parking recurs and no
   parking is permitted, over the latest tidal_parking_days local days (default 28) up to the latest
   day of marts.incident_counts_by_cell_day.
   One row per h3_res9 x hour_of_day_local with at least one illegal-parking incident in the window.
   - observed_day_count: days of the window with any incident anywhere (days before the data are
     not counted as quiet days);
   - illegal_parking_day_count: days on which the cell had illegal parking in that local hour;
   - permitted_parking_count: active parking permits (staging.stg_permits, latest version, valid on
     the final day) located in the cell whose time windows (HH:MM-HH:MM, local, comma-separated;
     empty = all day; a window may cross midnight) overlap the hour;
   - is_tidal_parking_suggested: recurring (on at least tidal_parking_min_days days, default 2, and
     at least tidal_parking_min_day_share of the observed days, default 0.5) and no permitted
     parking in the cell at that hour: a place and time to open time-limited parking or to patrol. */
MODEL (
  name marts.tidal_parking_suggestions_by_cell_hour,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (h3_res9, hour_of_day_local),
  audits (
    not_null(columns := (as_of_date_local, h3_res9, hour_of_day_local, observed_day_count, illegal_parking_day_count, illegal_parking_count, illegal_parking_day_share, permitted_parking_count, is_tidal_parking_suggested)),
    unique_combination_of_columns(columns := (h3_res9, hour_of_day_local)),
    accepted_range(column := hour_of_day_local, min_v := 0, max_v := 23),
    accepted_range(column := illegal_parking_day_share, min_v := 0, max_v := 1)
  ),
  description 'Cells x local hours with recurring illegal parking over the latest days, the parking permitted there at that hour, and whether to suggest tidal (time-limited) parking'
);

WITH days AS (
  SELECT incident_date_local
  FROM marts.incident_counts_by_cell_day
  GROUP BY incident_date_local
), bounds AS (
  SELECT
    MAX(incident_date_local) AS as_of_date_local,
    (MAX(incident_date_local) - (@VAR('tidal_parking_days', 28) - 1) * INTERVAL 1 DAY)::DATE AS first_date_local
  FROM days
), observed AS (
  SELECT COUNT(*) AS observed_day_count
  FROM days
  CROSS JOIN bounds
  WHERE days.incident_date_local BETWEEN bounds.first_date_local AND bounds.as_of_date_local
), parking_hours AS (
  SELECT
    h3_res9,
    (hour_start_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai') AS hour_start_local,
    event_count
  FROM marts.hotspot_counts_by_cell_hour
  WHERE category = 'illegal_parking'
), recurring AS (
  SELECT
    parking_hours.h3_res9,
    EXTRACT(HOUR FROM parking_hours.hour_start_local) AS hour_of_day_local,
    COUNT(DISTINCT CAST(parking_hours.hour_start_local AS DATE)) AS illegal_parking_day_count,
    SUM(parking_hours.event_count) AS illegal_parking_count
  FROM parking_hours
  CROSS JOIN bounds
  WHERE CAST(parking_hours.hour_start_local AS DATE) BETWEEN bounds.first_date_local AND bounds.as_of_date_local
  GROUP BY parking_hours.h3_res9, EXTRACT(HOUR FROM parking_hours.hour_start_local)
), permits AS (
  SELECT permit_id, h3_res9, COALESCE(time_windows_local, '') AS time_windows_local
  FROM staging.stg_permits
  CROSS JOIN bounds
  WHERE permit_type = 'parking'
    AND status = 'active'
    AND CAST(valid_from_at AS DATE) <= bounds.as_of_date_local
    AND CAST(valid_to_at AS DATE) >= bounds.as_of_date_local
  QUALIFY ROW_NUMBER() OVER (PARTITION BY permit_id ORDER BY version_at DESC, permit_version_id DESC) = 1
), permit_windows AS (
  SELECT permit_id, h3_res9, TRIM(UNNEST(@split_list(time_windows_local, ','))) AS time_window
  FROM permits
), permit_minutes AS (
  SELECT
    permit_id,
    h3_res9,
    CASE WHEN time_window = '' THEN 0
      ELSE CAST(SPLIT_PART(SPLIT_PART(time_window, '-', 1), ':', 1) AS INT) * 60
        + CAST(SPLIT_PART(SPLIT_PART(time_window, '-', 1), ':', 2) AS INT)
    END AS from_minute,
    CASE WHEN time_window = '' THEN 1440
      ELSE CAST(SPLIT_PART(SPLIT_PART(time_window, '-', 2), ':', 1) AS INT) * 60
        + CAST(SPLIT_PART(SPLIT_PART(time_window, '-', 2), ':', 2) AS INT)
    END AS to_minute
  FROM permit_windows
), permit_spans AS (
  /* a window that crosses midnight (22:00-05:00) is two spans */
  SELECT permit_id, h3_res9, from_minute, to_minute FROM permit_minutes WHERE from_minute < to_minute
  UNION ALL
  SELECT permit_id, h3_res9, from_minute, 1440 FROM permit_minutes WHERE from_minute >= to_minute
  UNION ALL
  SELECT permit_id, h3_res9, 0, to_minute FROM permit_minutes WHERE from_minute >= to_minute
), permitted AS (
  SELECT
    recurring.h3_res9,
    recurring.hour_of_day_local,
    COUNT(DISTINCT permit_spans.permit_id) AS permitted_parking_count
  FROM recurring
  JOIN permit_spans
    ON permit_spans.h3_res9 = recurring.h3_res9
    AND permit_spans.from_minute < (recurring.hour_of_day_local + 1) * 60
    AND permit_spans.to_minute > recurring.hour_of_day_local * 60
  GROUP BY recurring.h3_res9, recurring.hour_of_day_local
)
SELECT
  bounds.as_of_date_local::DATE AS as_of_date_local, /* last local day of the window */
  bounds.first_date_local::DATE AS first_date_local, /* first local day of the window */
  observed.observed_day_count::INT AS observed_day_count, /* days of the window with data */
  recurring.h3_res9::TEXT AS h3_res9,
  cells.cell_centre_lat::DOUBLE AS cell_centre_lat, /* WGS-84, degrees */
  cells.cell_centre_lng::DOUBLE AS cell_centre_lng, /* WGS-84, degrees */
  cells.grid_code::TEXT AS grid_code,
  cells.street_name::TEXT AS street_name,
  cells.community_name::TEXT AS community_name,
  recurring.hour_of_day_local::INT AS hour_of_day_local, /* 0..23, Asia/Shanghai clock */
  recurring.illegal_parking_day_count::INT AS illegal_parking_day_count, /* days with illegal parking in this cell and hour */
  recurring.illegal_parking_count::BIGINT AS illegal_parking_count, /* incidents (detection messages + reports) */
  (recurring.illegal_parking_day_count / observed.observed_day_count)::DOUBLE AS illegal_parking_day_share, /* 0..1 of the observed days */
  COALESCE(permitted.permitted_parking_count, 0)::INT AS permitted_parking_count, /* active parking permits in the cell open at this hour */
  (
    recurring.illegal_parking_day_count >= @VAR('tidal_parking_min_days', 2)
    AND recurring.illegal_parking_day_count >= @VAR('tidal_parking_min_day_share', 0.5) * observed.observed_day_count
    AND COALESCE(permitted.permitted_parking_count, 0) = 0
  )::BOOLEAN AS is_tidal_parking_suggested
FROM recurring
CROSS JOIN bounds
CROSS JOIN observed
LEFT JOIN permitted
  ON permitted.h3_res9 = recurring.h3_res9
  AND permitted.hour_of_day_local = recurring.hour_of_day_local
LEFT JOIN intermediate.int_cells AS cells
  ON cells.h3_res9 = recurring.h3_res9
