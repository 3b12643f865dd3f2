/* Flood hazard alert levels and when each was in force: one row per flood alert message.
   A message's level holds from its observation time until the next message of the same
   alert_id (an Update raises or lowers it, a Cancel ends it with level none); the last
   message of a live alert is in force until further notice (effective_to_at null).
   The station is details.station.station_id and the hazard details.hazard, as
   streams/flood/envelope.py writes them. Station-silence messages (hazard silence,
   level silent) are about the gauge, not the water, and are left out. */
MODEL (
  name intermediate.int_flood_alert_levels,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain alert_message_id,
  audits (
    not_null(columns := (alert_message_id, alert_id, station_id, hazard, msg_type, level, level_rank, effective_from_at)),
    unique_values(columns := (alert_message_id)),
    accepted_range(column := level_rank, min_v := 0, max_v := 4),
    effective_interval_is_ordered
  ),
  description 'Flood alert messages (rainstorm, water level, waterlogging) with the interval their level was in force; FULL because an alert issued before a run window is still in force inside it'
);

WITH flood_messages AS (
  SELECT
    alert_message_id,
    alert_id,
    msg_type,
    level,
    observed_at,
    sent_at,
    JSON_EXTRACT_STRING(details_json::JSON, '$.station.station_id') AS station_id,
    JSON_EXTRACT_STRING(details_json::JSON, '$.hazard') AS hazard
  FROM staging.stg_alerts
  WHERE source = 'flood'
), hazard_messages AS (
  SELECT *
  FROM flood_messages
  WHERE hazard <> 'silence'
), sequenced AS (
  SELECT
    *,
    LEAD(observed_at) OVER (
      PARTITION BY alert_id ORDER BY observed_at, sent_at, alert_message_id
    ) AS next_observed_at
  FROM hazard_messages
)
SELECT
  alert_message_id::TEXT AS alert_message_id,
  alert_id::TEXT AS alert_id, /* <station>.<hazard>.<epoch s of issue> */
  station_id::TEXT AS station_id,
  hazard::TEXT AS hazard, /* rainstorm | water_level | waterlogging */
  msg_type::TEXT AS msg_type, /* Alert | Update | Cancel */
  level::TEXT AS level, /* blue | yellow | orange | red; none on a Cancel */
  (CASE level WHEN 'blue' THEN 1 WHEN 'yellow' THEN 2 WHEN 'orange' THEN 3 WHEN 'red' THEN 4 ELSE 0 END)::INT AS level_rank, /* 0 none .. 4 red */
  observed_at::TIMESTAMP AS effective_from_at, /* UTC */
  next_observed_at::TIMESTAMP AS effective_to_at /* UTC, exclusive; null while still in force */
FROM sequenced;

AUDIT (name effective_interval_is_ordered);
SELECT *
FROM @this_model
WHERE effective_to_at < effective_from_at
