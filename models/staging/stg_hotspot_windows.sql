/* The stream's closed-window hotspot counts, as landed: one row per window x cell x category x source topic-partition. */
MODEL (
  name staging.stg_hotspot_windows,
  kind INCREMENTAL_BY_TIME_RANGE (time_column window_start_at),
  cron '@hourly',
  owner 'citybrain',
  grain hotspot_count_id,
  audits (
    not_null(columns := (hotspot_count_id, window_start_at, h3_res9, category, event_count)),
    unique_values(columns := (hotspot_count_id)),
    accepted_range(column := event_count, min_v := 1)
  ),
  description 'Hotspot window counts published by the stream worker; partial per Kafka partition'
);

WITH landed AS (
  SELECT *
  FROM landing.hotspots
  WHERE (window_start_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS hotspot_count_id,
  window_s::INT AS window_s, /* 300 or 3600 */
  (window_start_at AT TIME ZONE 'UTC')::TIMESTAMP AS window_start_at, /* UTC */
  (window_end_at AT TIME ZONE 'UTC')::TIMESTAMP AS window_end_at, /* UTC, exclusive */
  h3_res9::TEXT AS h3_res9,
  category::TEXT AS category,
  source_topic::TEXT AS source_topic, /* counts are partial per source topic ... */
  source_partition::INT AS source_partition, /* ... and partition */
  event_count::BIGINT AS event_count,
  (closed_at AT TIME ZONE 'UTC')::TIMESTAMP AS closed_at /* event-time watermark at closing */
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
