/* The stream worker's own hourly counts per cell and category, summed over source partitions.
   One row per h3_res9 x category x hour_start_at; lets analysts check the live stream against
   marts.hotspot_counts_by_cell_hour (events later than the stream's lateness are only in the latter). */
MODEL (
  name marts.hotspot_stream_counts_by_cell_hour,
  kind INCREMENTAL_BY_TIME_RANGE (time_column hour_start_at),
  cron '@hourly',
  owner 'citybrain',
  grain (h3_res9, category, hour_start_at),
  audits (
    not_null(columns := (h3_res9, category, hour_start_at, event_count)),
    unique_combination_of_columns(columns := (h3_res9, category, hour_start_at))
  ),
  description 'Closed one-hour stream windows per H3 res-9 cell x category, summed over partitions'
);

WITH windows AS (
  SELECT h3_res9, category, window_start_at, event_count
  FROM staging.stg_hotspot_windows
  WHERE window_s = 3600 AND window_start_at BETWEEN @start_ts AND @end_ts
)
SELECT
  h3_res9::TEXT AS h3_res9,
  category::TEXT AS category,
  window_start_at::TIMESTAMP AS hour_start_at, /* UTC hour */
  SUM(event_count)::BIGINT AS event_count /* over all source partitions */
FROM windows
GROUP BY h3_res9, category, window_start_at
