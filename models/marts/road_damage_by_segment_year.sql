/* Road-surface damage per road segment (路段) and local year: the evidence behind next year's
   repair budget. Reports are the road_damage citizen reports snapped to a segment of
   reference.roads within road_snap_m (default 50 m) by intermediate.int_road_damage_report_segments;
   reports further from every road are not counted here. Cases (案件) of road_damage are snapped the
   same way (intermediate.int_road_damage_case_segments) and counted beside them, not added:
   cases are opened from reports and alerts, so one pothole is a report and a case.
   One row per road_segment_id x report_year for every segment of reference.roads and every local
   year (Asia/Shanghai) with a road-damage report, so a segment without damage shows zero.
   - distinct_location_count: 20 m stretches of the segment (by distance along it) with at least
     one report: many reports on one pothole count once;
   - reports_per_km: report_count / length in km;
   - damage_rank: rank of the segment in its year by reports_per_km (1 = most damaged per km;
     ties share a rank), then by report_count.
   FULL: a year's ranks span every run's window. */
MODEL (
  name marts.road_damage_by_segment_year,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (road_segment_id, report_year),
  audits (
    not_null(columns := (road_segment_id, report_year, length_m, report_count, distinct_location_count, reports_per_km, case_count, damage_rank)),
    unique_combination_of_columns(columns := (road_segment_id, report_year)),
    accepted_range(column := report_count, min_v := 0),
    accepted_range(column := damage_rank, min_v := 1)
  ),
  description 'Per road segment and local year: road-damage reports snapped to it, distinct 20 m stretches reported, reports per km, road-damage cases, and the rank among the year''s segments (repair-budget evidence)'
);

WITH roads AS (
  SELECT road_segment_id, road_name, segment_name, maintainer, length_m
  FROM reference.roads
), reports AS (
  SELECT
    road_segment_id,
    CAST(EXTRACT(YEAR FROM (reported_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai')) AS INT) AS report_year,
    CAST(FLOOR(along_segment_m / 20) AS INT) AS stretch_20m
  FROM intermediate.int_road_damage_report_segments
  WHERE road_segment_id IS NOT NULL
), cases AS (
  SELECT
    road_segment_id,
    CAST(EXTRACT(YEAR FROM (reported_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai')) AS INT) AS report_year,
    COUNT(*) AS case_count
  FROM intermediate.int_road_damage_case_segments
  WHERE road_segment_id IS NOT NULL
  GROUP BY 1, 2
), years AS (
  SELECT DISTINCT
    CAST(EXTRACT(YEAR FROM (reported_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai')) AS INT) AS report_year
  FROM intermediate.int_road_damage_report_segments
  UNION
  SELECT report_year FROM cases
), counts AS (
  SELECT
    road_segment_id,
    report_year,
    COUNT(*) AS report_count,
    COUNT(DISTINCT stretch_20m) AS distinct_location_count
  FROM reports
  GROUP BY road_segment_id, report_year
), spine AS (
  SELECT
    roads.road_segment_id,
    roads.road_name,
    roads.segment_name,
    roads.maintainer,
    roads.length_m,
    years.report_year,
    COALESCE(counts.report_count, 0) AS report_count,
    COALESCE(counts.distinct_location_count, 0) AS distinct_location_count,
    COALESCE(counts.report_count, 0) / NULLIF(roads.length_m / 1000.0, 0) AS reports_per_km,
    COALESCE(cases.case_count, 0) AS case_count
  FROM roads
  CROSS JOIN years
  LEFT JOIN counts
    ON counts.road_segment_id = roads.road_segment_id
    AND counts.report_year = years.report_year
  LEFT JOIN cases
    ON cases.road_segment_id = roads.road_segment_id
    AND cases.report_year = years.report_year
)
SELECT
  road_segment_id::TEXT AS road_segment_id,
  road_name::TEXT AS road_name,
  segment_name::TEXT AS segment_name, /* e.g. 兴隆大道二段 */
  maintainer::TEXT AS maintainer, /* the department that repairs it */
  length_m::DOUBLE AS length_m, /* metres */
  report_year::INT AS report_year, /* local (Asia/Shanghai) calendar year */
  report_count::BIGINT AS report_count, /* road-damage reports snapped to the segment */
  distinct_location_count::BIGINT AS distinct_location_count, /* 20 m stretches with a report */
  COALESCE(reports_per_km, 0)::DOUBLE AS reports_per_km, /* reports per km of segment */
  case_count::BIGINT AS case_count, /* road-damage cases snapped to the segment (not cancelled) */
  RANK() OVER (PARTITION BY report_year ORDER BY COALESCE(reports_per_km, 0) DESC, report_count DESC)::INT AS damage_rank /* 1 = most damaged per km in the year */
FROM spine
