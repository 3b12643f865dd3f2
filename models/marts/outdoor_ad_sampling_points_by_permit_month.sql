/* Outdoor-ad sampling points (户外广告监管点位): each permitted ad (latest version of each outdoor_ad
   permit in staging.stg_permits) and what supervision found at it in each local month.
   - covered_finding_count: small ads found by video (alerts on illegal_small_ads) or reported
     within ad_cover_m (default 30 m) while the permit was valid: the permitted ad itself;
   - violation counts: marts.outdoor_ad_violations matched to this permit (nearest permit within
     ad_match_m, default 100 m): ads at it after it lapsed (expired_permit_ad) or near it without
     a permit (unpermitted_ad).
   One row per permit_id x finding_month_local, for every permit and every local month with any
   ad finding (a month without findings at a permit shows zeros). FULL, like the violations. */
MODEL (
  name marts.outdoor_ad_sampling_points_by_permit_month,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain (permit_id, finding_month_local),
  audits (
    not_null(columns := (permit_id, finding_month_local, covered_finding_count, violation_count)),
    unique_combination_of_columns(columns := (permit_id, finding_month_local))
  ),
  description 'Per permitted outdoor ad (sampling point) and local month: ads seen at it while permitted, and violations matched to it (lapsed permit, unpermitted nearby)'
);

WITH alerts AS (
  SELECT alert_id, observed_at, lat, lng,
    ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY observed_at, alert_message_id) AS nth
  FROM staging.stg_alerts
  WHERE source = 'video' AND category = 'illegal_small_ads' AND msg_type = 'Alert'
), findings AS (
  SELECT alert_id AS finding_id, observed_at AS found_at, lat, lng FROM alerts WHERE nth = 1
  UNION ALL
  SELECT report_id, reported_at, lat, lng
  FROM staging.stg_citizen_reports
  WHERE category = 'illegal_small_ads'
), dated AS (
  SELECT
    *,
    CAST(DATE_TRUNC('month', (found_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai')) AS DATE) AS finding_month_local
  FROM findings
), permit_versions AS (
  SELECT permit_id, holder, status, valid_from_at, valid_to_at, lat, lng,
    ROW_NUMBER() OVER (PARTITION BY permit_id ORDER BY version_at DESC, permit_version_id DESC) AS nth
  FROM staging.stg_permits
  WHERE permit_type = 'outdoor_ad'
), permits AS (
  SELECT permit_id, holder, status, valid_from_at, valid_to_at, lat, lng FROM permit_versions WHERE nth = 1
), covered AS (
  SELECT permits.permit_id, dated.finding_month_local, COUNT(*) AS covered_finding_count
  FROM dated
  JOIN permits
    ON permits.status = 'active'
    AND dated.found_at BETWEEN permits.valid_from_at AND permits.valid_to_at
    AND SQRT(
      POWER((permits.lat - dated.lat) * 111195.0, 2)
      + POWER((permits.lng - dated.lng) * 111195.0 * COS(RADIANS((permits.lat + dated.lat) / 2)), 2)
    ) <= @VAR('ad_cover_m', 30)
  GROUP BY permits.permit_id, dated.finding_month_local
), violations AS (
  SELECT
    matched_permit_id AS permit_id,
    violation_month_local AS finding_month_local,
    COUNT(*) AS violation_count,
    SUM(CASE WHEN violation_type = 'expired_permit_ad' THEN 1 ELSE 0 END) AS expired_permit_ad_count,
    SUM(CASE WHEN violation_type = 'unpermitted_ad' THEN 1 ELSE 0 END) AS unpermitted_ad_count
  FROM marts.outdoor_ad_violations
  WHERE matched_permit_id IS NOT NULL
  GROUP BY matched_permit_id, violation_month_local
), months AS (
  SELECT DISTINCT finding_month_local FROM dated
)
SELECT
  permits.permit_id::TEXT AS permit_id,
  permits.holder::TEXT AS company, /* permit holder */
  permits.status::TEXT AS permit_status, /* latest version: active | suspended | expired | revoked */
  permits.valid_from_at::TIMESTAMP AS valid_from_at, /* UTC */
  permits.valid_to_at::TIMESTAMP AS valid_to_at, /* UTC */
  permits.lat::DOUBLE AS lat, /* WGS-84 */
  permits.lng::DOUBLE AS lng, /* WGS-84 */
  months.finding_month_local::DATE AS finding_month_local, /* first day of the local month */
  COALESCE(covered.covered_finding_count, 0)::BIGINT AS covered_finding_count, /* ads seen within 30 m while permitted */
  COALESCE(violations.violation_count, 0)::BIGINT AS violation_count, /* violations matched to this permit */
  COALESCE(violations.expired_permit_ad_count, 0)::BIGINT AS expired_permit_ad_count,
  COALESCE(violations.unpermitted_ad_count, 0)::BIGINT AS unpermitted_ad_count
FROM permits
CROSS JOIN months
LEFT JOIN covered
  ON covered.permit_id = permits.permit_id AND covered.finding_month_local = months.finding_month_local
LEFT JOIN violations
  ON violations.permit_id = permits.permit_id AND violations.finding_month_local = months.finding_month_local
