/* Muck-transport credit score per construction site and local month (工地渣土管理信用评价).
   A violation counts against the site its truck's permit serves (the first of the alert's
   permits, intermediate.int_muck_permit_sites); no_permit violations have no permit, so no site.
   Sites are those a muck-transport permit serves.
   The rule: each starts the month at 100 points; each violation episode of
   marts.muck_truck_violations deducts by rule: no_permit muck_no_permit_deduction (default 20),
   forbidden_zone muck_forbidden_zone_deduction (15), off_route muck_off_route_deduction (10),
   outside_window muck_outside_window_deduction (10); the score never falls below 0. Months are the
   local months with any muck-truck violation. credit_grade: A >= 90, B >= 75, C >= 60, D below.
   One row per site_permit_id x credit_month_local. FULL: a month's score spans every run's window. */
MODEL (
  name marts.muck_transport_credit_by_site_month,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (site_permit_id, credit_month_local),
  audits (
    not_null(columns := (site_permit_id, credit_month_local, violation_count, deduction_points, credit_score, credit_grade)),
    unique_combination_of_columns(columns := (site_permit_id, credit_month_local)),
    accepted_range(column := credit_score, min_v := 0, max_v := 100),
    accepted_values(column := credit_grade, is_in := ('A', 'B', 'C', 'D'))
  ),
  description 'Per construction site and local month: muck-truck violations by rule, points deducted, credit score (100 minus deductions, floor 0) and grade'
);

WITH violations AS (
  SELECT
    violations.alert_id,
    violations.violation_rule,
    violations.company,
    sites.site_permit_id,
    CAST(DATE_TRUNC('month', violations.violation_date) AS DATE) AS violation_month_local,
    CASE violations.violation_rule
      WHEN 'no_permit' THEN @VAR('muck_no_permit_deduction', 20)
      WHEN 'forbidden_zone' THEN @VAR('muck_forbidden_zone_deduction', 15)
      WHEN 'off_route' THEN @VAR('muck_off_route_deduction', 10)
      WHEN 'outside_window' THEN @VAR('muck_outside_window_deduction', 10)
      ELSE 0
    END AS deduction_points
  FROM marts.muck_truck_violations AS violations
  LEFT JOIN intermediate.int_muck_permit_sites AS sites
    ON sites.permit_id = SPLIT_PART(violations.permit_ids, ',', 1)
), subjects AS (
  SELECT DISTINCT site_permit_id AS subject FROM intermediate.int_muck_permit_sites WHERE site_permit_id IS NOT NULL
), months AS (
  SELECT DISTINCT violation_month_local AS credit_month_local FROM violations
), tallies AS (
  SELECT
    site_permit_id AS subject,
    violation_month_local,
    COUNT(*) AS violation_count,
    SUM(CASE WHEN violation_rule = 'no_permit' THEN 1 ELSE 0 END) AS no_permit_count,
    SUM(CASE WHEN violation_rule = 'forbidden_zone' THEN 1 ELSE 0 END) AS forbidden_zone_count,
    SUM(CASE WHEN violation_rule = 'off_route' THEN 1 ELSE 0 END) AS off_route_count,
    SUM(CASE WHEN violation_rule = 'outside_window' THEN 1 ELSE 0 END) AS outside_window_count,
    SUM(deduction_points) AS deduction_points
  FROM violations
  WHERE site_permit_id IS NOT NULL
  GROUP BY site_permit_id, violation_month_local
), scored AS (
  SELECT
    subjects.subject,
    months.credit_month_local,
    COALESCE(tallies.violation_count, 0) AS violation_count,
    COALESCE(tallies.no_permit_count, 0) AS no_permit_count,
    COALESCE(tallies.forbidden_zone_count, 0) AS forbidden_zone_count,
    COALESCE(tallies.off_route_count, 0) AS off_route_count,
    COALESCE(tallies.outside_window_count, 0) AS outside_window_count,
    COALESCE(tallies.deduction_points, 0) AS deduction_points,
    GREATEST(0, 100 - COALESCE(tallies.deduction_points, 0)) AS credit_score
  FROM subjects
  CROSS JOIN months
  LEFT JOIN tallies
    ON tallies.subject = subjects.subject
    AND tallies.violation_month_local = months.credit_month_local
)
SELECT
  scored.subject::TEXT AS site_permit_id, /* construction-site permit the truck's permit serves */
  names.site_holder::TEXT AS site_holder, /* the site's permit holder (project department) */
  scored.credit_month_local::DATE AS credit_month_local, /* first day of the local month */
  scored.violation_count::BIGINT AS violation_count, /* violation episodes */
  scored.no_permit_count::BIGINT AS no_permit_count,
  scored.forbidden_zone_count::BIGINT AS forbidden_zone_count,
  scored.off_route_count::BIGINT AS off_route_count,
  scored.outside_window_count::BIGINT AS outside_window_count,
  scored.deduction_points::BIGINT AS deduction_points,
  scored.credit_score::INT AS credit_score, /* 100 - deductions, floor 0 */
  (CASE WHEN scored.credit_score >= 90 THEN 'A' WHEN scored.credit_score >= 75 THEN 'B' WHEN scored.credit_score >= 60 THEN 'C' ELSE 'D' END)::TEXT AS credit_grade
FROM scored
LEFT JOIN (SELECT DISTINCT site_permit_id, site_holder FROM intermediate.int_muck_permit_sites) AS names
  ON names.site_permit_id = scored.subject
