/* Alerts for duty staff and the case engine, as landed: one row per alert message
   (an Alert, Update or Cancel of one alert_id). */
MODEL (
  name staging.stg_alerts,
  kind INCREMENTAL_BY_TIME_RANGE (time_column observed_at),
  cron '@hourly',
  owner 'citybrain',
  grain alert_message_id,
  audits (
    not_null(columns := (alert_message_id, alert_id, observed_at, sent_at, msg_type, source, severity)),
    unique_values(columns := (alert_message_id)),
    accepted_values(column := msg_type, is_in := ('Alert', 'Update', 'Cancel'))
  ),
  description 'Messages on alerts (flood, video, vehicles, hotspots, cases); one row per message, UTC, deduplicated by event id'
);

WITH landed AS (
  SELECT *
  FROM landing.alerts
  WHERE (event_at AT TIME ZONE 'UTC') BETWEEN @start_ts AND @end_ts
)
SELECT
  event_id::TEXT AS alert_message_id, /* unique per message; flood: <alert_id>.<n> */
  alert_id::TEXT AS alert_id, /* stable over the alert's life */
  msg_type::TEXT AS msg_type, /* Alert | Update | Cancel (CAP 1.2 msgType) */
  source::TEXT AS source, /* flood | video | vehicles | hotspots | cases */
  category::TEXT AS category, /* citybrain category */
  severity::TEXT AS severity, /* CAP 1.2: Extreme | Severe | Moderate | Minor | Unknown */
  level::TEXT AS level, /* the domain's own level; flood: blue | yellow | orange | red, none on Cancel */
  (event_at AT TIME ZONE 'UTC')::TIMESTAMP AS observed_at, /* UTC, the observation the message rests on */
  (sent_at AT TIME ZONE 'UTC')::TIMESTAMP AS sent_at, /* UTC */
  lat::DOUBLE AS lat,
  lng::DOUBLE AS lng,
  h3_res9::TEXT AS h3_res9,
  title::TEXT AS title,
  details_json::TEXT AS details_json /* JSON object; flood: $.hazard, $.station.station_id, $.values */
FROM landed
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _landed_at, _offset) = 1
