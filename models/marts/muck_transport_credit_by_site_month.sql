/* Muck-transport credit score per construction site and local month (工地渣土管理信用评价).
   A violation counts against the site its truck's permit serves (the first of the alert's
   permits, intermediate.int_muck_permit_sites); no_permit violations have no permit, so no site.
   Sites are those a muck-transport permit serves.
   Scored like the company mart (macros/credit.py): 100 points a month less the violations'
   deductions by rule, floor 0, graded A-D; months with any muck-truck violation.
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
  @muck_violations()
), subjects AS (
  SELECT DISTINCT site_permit_id AS subject FROM intermediate.int_muck_permit_sites WHERE site_permit_id IS NOT NULL
), months AS (
  SELECT DISTINCT violation_month_local AS credit_month_local FROM violations
), tallies AS (
  @muck_tallies(site_permit_id)
), scored AS (
  @credit_scored(violation_count, no_permit_count, forbidden_zone_count, off_route_count, outside_window_count)
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
  @credit_grade(scored.credit_score)::TEXT AS credit_grade
FROM scored
LEFT JOIN (SELECT DISTINCT site_permit_id, site_holder FROM intermediate.int_muck_permit_sites) AS names
  ON names.site_permit_id = scored.subject
