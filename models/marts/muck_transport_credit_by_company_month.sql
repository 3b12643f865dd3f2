/* Muck-transport credit score per transport company and local month (渣土运输企业信用评价).
   Companies are the holders of muck_transport permits and the companies of violations (unknown
   when neither the alert nor reference.vehicles names one).
   Each violation episode of marts.muck_truck_violations deducts by rule (@muck_violations:
   no_permit 20, forbidden_zone 15, off_route 10, outside_window 10 by default) from the 100
   points a company starts each local month with any muck-truck violation, floor 0 (macros/credit.py).
   credit_grade: A >= 90, B >= 75, C >= 60, D below.
   One row per company x credit_month_local. FULL: a month's score spans every run's window. */
MODEL (
  name marts.muck_transport_credit_by_company_month,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (company, credit_month_local),
  audits (
    not_null(columns := (company, credit_month_local, violation_count, deduction_points, credit_score, credit_grade)),
    unique_combination_of_columns(columns := (company, credit_month_local)),
    accepted_range(column := credit_score, min_v := 0, max_v := 100),
    accepted_values(column := credit_grade, is_in := ('A', 'B', 'C', 'D'))
  ),
  description 'Per transport company and local month: muck-truck violations by rule, points deducted, credit score (100 minus deductions, floor 0) and grade'
);

WITH violations AS (
  @muck_violations()
), subjects AS (
  SELECT DISTINCT company AS subject FROM intermediate.int_muck_permit_sites WHERE company IS NOT NULL
  UNION
  SELECT DISTINCT COALESCE(company, 'unknown') FROM violations
), months AS (
  SELECT DISTINCT violation_month_local AS credit_month_local FROM violations
), tallies AS (
  @muck_tallies(COALESCE(company, 'unknown'))
), scored AS (
  @credit_scored(violation_count, no_permit_count, forbidden_zone_count, off_route_count, outside_window_count)
)
SELECT
  scored.subject::TEXT AS company, /* transport company (the violation's, else unknown) */
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
