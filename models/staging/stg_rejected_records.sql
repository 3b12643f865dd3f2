/* Records that failed their source contract (dead letters of every source topic). */
MODEL (
  name staging.stg_rejected_records,
  kind INCREMENTAL_BY_TIME_RANGE (time_column rejected_at),
  cron '@hourly',
  owner 'citybrain',
  grain rejection_id,
  audits (
    not_null(columns := (rejection_id, rejected_at, source_topic, reason)),
    unique_values(columns := (rejection_id))
  ),
  description 'Dead letters of the five source topics with their reasons; one row per rejected message'
);

WITH landed AS (
  /* one landing schema for all five (warehouse.landing.REJECTED_COLUMNS), and SQLMesh expands
     each * from external_models.yaml in that order: UNION ALL by position is by name */
  SELECT * FROM landing.detections_video_rejected
  UNION ALL
  SELECT * FROM landing.gps_fixes_rejected
  UNION ALL
  SELECT * FROM landing.hydro_readings_rejected
  UNION ALL
  SELECT * FROM landing.permits_rejected
  UNION ALL
  SELECT * FROM landing.reports_citizen_rejected
), in_range AS (
  SELECT *
  FROM landed
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS rejection_id, /* stable per source topic, partition and offset */
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS rejected_at, /* Kafka time of the original message */
  source_topic::TEXT AS source_topic,
  source_partition::INT AS source_partition,
  source_offset::BIGINT AS source_offset,
  reason::TEXT AS reason, /* why the contract refused it */
  raw_base64::TEXT AS raw_base64 /* the original bytes */
FROM in_range
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
