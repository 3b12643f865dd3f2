/* Outdoor-ad credit score per company and local month (户外广告信用评价). The rule: every company
   starts each month at 100 points; each violation of marts.outdoor_ad_violations attributed to
   it deducts its points (expired_permit_ad 20, unpermitted_ad 10 by default); the score never
   falls below 0. Companies are the holders of outdoor_ad permits (latest versions) and the
   companies with violations; months are the local months with any ad finding.
   credit_grade: A >= 90, B >= 75, C >= 60, D below.
   One row per company x credit_month_local. FULL: a month's score spans every run's window. */
MODEL (
  name marts.outdoor_ad_credit_by_company_month,
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
  description 'Per outdoor-ad company and local month: violations by type, points deducted, credit score (100 minus deductions, floor 0) and grade'
);

WITH violations AS (
  SELECT company, violation_month_local, violation_type, deduction_points
  FROM marts.outdoor_ad_violations
  WHERE company IS NOT NULL
), subjects AS (
  SELECT DISTINCT holder AS subject
  FROM staging.stg_permits
  WHERE permit_type = 'outdoor_ad' AND holder IS NOT NULL
  UNION
  SELECT DISTINCT company FROM violations
), months AS (
  SELECT DISTINCT violation_month_local AS credit_month_local
  FROM marts.outdoor_ad_violations
), tallies AS (
  SELECT
    company AS subject,
    violation_month_local,
    COUNT(*) AS violation_count,
    SUM(CASE WHEN violation_type = 'expired_permit_ad' THEN 1 ELSE 0 END) AS expired_permit_ad_count,
    SUM(CASE WHEN violation_type = 'unpermitted_ad' THEN 1 ELSE 0 END) AS unpermitted_ad_count,
    SUM(deduction_points) AS deduction_points
  FROM violations
  GROUP BY company, violation_month_local
), scored AS (
  @credit_scored(violation_count, expired_permit_ad_count, unpermitted_ad_count)
)
SELECT
  subject::TEXT AS company, /* permit holder */
  credit_month_local::DATE AS credit_month_local, /* first day of the local month */
  violation_count::BIGINT AS violation_count,
  expired_permit_ad_count::BIGINT AS expired_permit_ad_count, /* ads at a lapsed permit */
  unpermitted_ad_count::BIGINT AS unpermitted_ad_count, /* ads near, not at, its permits */
  deduction_points::BIGINT AS deduction_points,
  credit_score::INT AS credit_score, /* 100 - deductions, floor 0 */
  @credit_grade(credit_score)::TEXT AS credit_grade
FROM scored
