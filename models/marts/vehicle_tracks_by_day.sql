/* Each vehicle's track per local (Asia/Shanghai) day: distance, fixes, first and last fix, stays.
   One row per vehicle_id x track_date for every day with at least one fix.
   - implausible_fix_count: fixes reached from the day's previous fix by a leg longer than 200 m
     at more than 150 km/h (or at the same instant), as streams/vehicles/tracks.py drops them; a
     single GPS spike is one such fix.
   - distance_km: sum of great-circle legs (haversine, mean Earth radius 6,371,008.8 m) between
     consecutive plausible fixes of the day.
   - stay_count: runs of consecutive fixes inside one H3 res-9 cell lasting at least 10 minutes
     (the SQL stand-in for streams/vehicles/stays.py: stays of 10 min within ~100 m). */
MODEL (
  name marts.vehicle_tracks_by_day,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (vehicle_id, track_date),
  audits (
    not_null(columns := (vehicle_id, track_date, vehicle_type, distance_km, fix_count, first_fix_at, last_fix_at, stay_count)),
    unique_combination_of_columns(columns := (vehicle_id, track_date)),
    accepted_range(column := distance_km, min_v := 0),
    accepted_range(column := fix_count, min_v := 1),
    accepted_range(column := stay_count, min_v := 0)
  ),
  description 'Per vehicle and local day: distance km (implausible jumps left out), fix count, first and last fix (UTC), stays of 10 min in one H3 res-9 cell, top speed km/h'
);

@DEF(
  haversine_m,
  (lat1, lng1, lat2, lng2) -> 2 * 6371008.8 * ASIN(SQRT(
    POWER(SIN(RADIANS(lat2 - lat1) / 2), 2)
    + COS(RADIANS(lat1)) * COS(RADIANS(lat2)) * POWER(SIN(RADIANS(lng2 - lng1) / 2), 2)
  ))
);

WITH fixes AS (
  SELECT
    vehicle_id,
    fixed_at,
    fix_id,
    lat,
    lng,
    speed_kmh,
    h3_res9,
    CAST((fixed_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS track_date
  FROM staging.stg_gps_fixes
), vehicles AS (
  SELECT vehicle_id, plate, vehicle_type, department, company
  FROM reference.vehicles
), first_pass AS (
  SELECT
    *,
    @haversine_m(LAG(lat) OVER w, LAG(lng) OVER w, lat, lng) AS in_m,
    EPOCH(fixed_at) - EPOCH(LAG(fixed_at) OVER w) AS in_s
  FROM fixes
  WINDOW w AS (PARTITION BY vehicle_id, track_date ORDER BY fixed_at, fix_id)
), marked AS (
  SELECT
    *,
    COALESCE(in_m > 200 AND (in_s <= 0 OR in_m / in_s * 3.6 > 150), FALSE) AS is_implausible
  FROM first_pass
), legs AS (
  SELECT
    vehicle_id,
    track_date,
    fixed_at,
    fix_id,
    h3_res9,
    @haversine_m(LAG(lat) OVER w, LAG(lng) OVER w, lat, lng) AS leg_m,
    CASE WHEN h3_res9 IS DISTINCT FROM LAG(h3_res9) OVER w THEN 1 ELSE 0 END AS is_new_cell
  FROM marked
  WHERE NOT is_implausible
  WINDOW w AS (PARTITION BY vehicle_id, track_date ORDER BY fixed_at, fix_id)
), runs AS (
  SELECT
    *,
    SUM(is_new_cell) OVER (PARTITION BY vehicle_id, track_date ORDER BY fixed_at, fix_id) AS cell_run
  FROM legs
), stays AS (
  SELECT vehicle_id, track_date, COUNT(*) AS stay_count
  FROM (
    SELECT vehicle_id, track_date, cell_run
    FROM runs
    GROUP BY vehicle_id, track_date, cell_run
    HAVING EPOCH(MAX(fixed_at)) - EPOCH(MIN(fixed_at)) >= 600
  )
  GROUP BY vehicle_id, track_date
), distances AS (
  SELECT vehicle_id, track_date, COALESCE(SUM(leg_m), 0) AS distance_m
  FROM legs
  GROUP BY vehicle_id, track_date
), days AS (
  SELECT
    vehicle_id,
    track_date,
    COUNT(*) AS fix_count,
    COUNT(*) FILTER (WHERE is_implausible) AS implausible_fix_count,
    MIN(fixed_at) AS first_fix_at,
    MAX(fixed_at) AS last_fix_at,
    MAX(speed_kmh) AS max_speed_kmh
  FROM marked
  GROUP BY vehicle_id, track_date
)
SELECT
  days.vehicle_id::TEXT AS vehicle_id,
  days.track_date::DATE AS track_date, /* Asia/Shanghai calendar day */
  vehicles.plate::TEXT AS plate,
  COALESCE(vehicles.vehicle_type, 'unknown')::TEXT AS vehicle_type,
  vehicles.department::TEXT AS department,
  vehicles.company::TEXT AS company,
  ROUND(distances.distance_m / 1000, 3)::DOUBLE AS distance_km,
  days.fix_count::BIGINT AS fix_count, /* every landed fix of the day */
  days.implausible_fix_count::BIGINT AS implausible_fix_count, /* left out of distance and stays */
  days.first_fix_at::TIMESTAMP AS first_fix_at, /* UTC */
  days.last_fix_at::TIMESTAMP AS last_fix_at, /* UTC */
  COALESCE(stays.stay_count, 0)::BIGINT AS stay_count, /* runs of >= 10 min in one H3 res-9 cell */
  days.max_speed_kmh::DOUBLE AS max_speed_kmh /* highest reported speed */
FROM days
JOIN distances
  ON distances.vehicle_id = days.vehicle_id AND distances.track_date = days.track_date
LEFT JOIN stays
  ON stays.vehicle_id = days.vehicle_id AND stays.track_date = days.track_date
LEFT JOIN vehicles
  ON vehicles.vehicle_id = days.vehicle_id
