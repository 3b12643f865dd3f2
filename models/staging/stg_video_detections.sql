/* AI video detections from DeepStream, as landed: one row per detection message.
   Deduplicated by message id; times in UTC; non-incident detections (moving traffic) keep a NULL category. */
MODEL (
  name staging.stg_video_detections,
  kind INCREMENTAL_BY_TIME_RANGE (time_column detected_at),
  cron '@hourly',
  owner 'citybrain',
  grain detection_id,
  audits (
    not_null(columns := (detection_id, detected_at, camera_id, h3_res9)),
    unique_values(columns := (detection_id)),
    accepted_range(column := confidence, min_v := 0, max_v := 1)
  ),
  description 'DeepStream detections on detections.video; one row per message, UTC, deduplicated by message id'
);

WITH landed AS (
  SELECT *
  FROM landing.detections_video
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS detection_id, /* DeepStream messageid */
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS detected_at, /* UTC */
  camera_id::TEXT AS camera_id, /* DeepStream sensor.id */
  object_id::TEXT AS tracked_object_id, /* tracker id, stable over an object's stay */
  label::TEXT AS detector_label, /* detector class (sub-object key) */
  category::TEXT AS category, /* citybrain category; NULL when not an incident */
  event_type::TEXT AS deepstream_event_type, /* moving, stopped, parked, ... */
  confidence::DOUBLE AS confidence, /* 0..1 */
  lat::DOUBLE AS lat, /* WGS-84 */
  lng::DOUBLE AS lng, /* WGS-84 */
  h3_res9::TEXT AS h3_res9, /* H3 cell at resolution 9 */
  (bbox_right_px - bbox_left_px)::INT AS bbox_width_px,
  (bbox_bottom_px - bbox_top_px)::INT AS bbox_height_px
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
