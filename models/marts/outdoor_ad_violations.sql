/* Outdoor-ad supervision (户外广告监管): permitted ads (latest version of each outdoor_ad permit in
   staging.stg_permits) are the sampling points; small ads found by the video rules (alerts on
   illegal_small_ads, the rule's level unpermitted_ad) or reported by citizens (illegal_small_ads
   reports) are matched to them by equirectangular distance (metres):
   - a valid permit (active, inside its validity at the finding's time) within ad_cover_m
     (default 30 m, the video rules' radius) covers the ad: not a violation, left out;
   - else the nearest permit within ad_match_m (default 100 m) names the company: its holder.
     violation_type expired_permit_ad when that permit is within ad_cover_m but not valid
     (expired, suspended, revoked or out of its dates), else unpermitted_ad;
   - no permit within ad_match_m: unattributed (company null; counted, not scored).
   deduction_points: expired_permit_ad ad_expired_deduction (default 20), unpermitted_ad
   ad_unpermitted_deduction (default 10), unattributed 0.
   One row per violation (video alert or report). FULL: the latest permit versions apply to
   every finding. */
MODEL (
  name marts.outdoor_ad_violations,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain finding_id,
  audits (
    not_null(columns := (finding_id, finding_source, found_at, violation_month_local, violation_type, deduction_points, lat, lng)),
    unique_values(columns := (finding_id)),
    accepted_values(column := violation_type, is_in := ('expired_permit_ad', 'unpermitted_ad', 'unattributed')),
    accepted_values(column := finding_source, is_in := ('video', 'report'))
  ),
  description 'Per unpermitted small/outdoor ad found by video or reported: the nearest outdoor-ad permit within 100 m, its holder (company), violation type and credit deduction'
);

WITH alerts AS (
  SELECT alert_id, observed_at, lat, lng, h3_res9,
    ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY observed_at, alert_message_id) AS nth
  FROM staging.stg_alerts
  WHERE source = 'video' AND category = 'illegal_small_ads' AND msg_type = 'Alert'
), findings AS (
  SELECT alert_id AS finding_id, 'video' AS finding_source, observed_at AS found_at, lat, lng, h3_res9
  FROM alerts
  WHERE nth = 1
  UNION ALL
  SELECT report_id, 'report', reported_at, lat, lng, h3_res9
  FROM staging.stg_citizen_reports
  WHERE category = 'illegal_small_ads'
), permit_versions AS (
  SELECT permit_id, holder, status, valid_from_at, valid_to_at, lat, lng,
    ROW_NUMBER() OVER (PARTITION BY permit_id ORDER BY version_at DESC, permit_version_id DESC) AS nth
  FROM staging.stg_permits
  WHERE permit_type = 'outdoor_ad'
), pairs AS (
  SELECT
    findings.finding_id,
    permit_versions.permit_id,
    permit_versions.holder,
    (permit_versions.status = 'active'
      AND findings.found_at BETWEEN permit_versions.valid_from_at AND permit_versions.valid_to_at) AS is_permit_valid,
    SQRT(
      POWER((permit_versions.lat - findings.lat) * 111195.0, 2)
      + POWER((permit_versions.lng - findings.lng) * 111195.0 * COS(RADIANS((permit_versions.lat + findings.lat) / 2)), 2)
    ) AS distance_m
  FROM findings
  JOIN permit_versions
    ON permit_versions.nth = 1
), near AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY finding_id ORDER BY distance_m, permit_id) AS rank_by_distance
  FROM pairs
  WHERE distance_m <= @VAR('ad_match_m', 100)
), covered AS (
  SELECT DISTINCT finding_id
  FROM pairs
  WHERE is_permit_valid AND distance_m <= @VAR('ad_cover_m', 30)
), judged AS (
  SELECT
    findings.*,
    near.permit_id,
    near.holder,
    near.distance_m,
    CASE
      WHEN near.permit_id IS NULL THEN 'unattributed'
      WHEN near.distance_m <= @VAR('ad_cover_m', 30) AND NOT near.is_permit_valid THEN 'expired_permit_ad'
      ELSE 'unpermitted_ad'
    END AS violation_type
  FROM findings
  LEFT JOIN near
    ON near.finding_id = findings.finding_id AND near.rank_by_distance = 1
  WHERE findings.finding_id NOT IN (SELECT finding_id FROM covered)
)
SELECT
  finding_id::TEXT AS finding_id, /* video alert id or citizen report id */
  finding_source::TEXT AS finding_source, /* video | report */
  found_at::TIMESTAMP AS found_at, /* UTC: first sighting (video) or report time */
  CAST(DATE_TRUNC('month', (found_at AT TIME ZONE 'UTC') AT TIME ZONE @VAR('incident_time_zone', 'Asia/Shanghai')) AS DATE) AS violation_month_local, /* first day of the local month */
  lat::DOUBLE AS lat, /* WGS-84 */
  lng::DOUBLE AS lng, /* WGS-84 */
  h3_res9::TEXT AS h3_res9,
  permit_id::TEXT AS matched_permit_id, /* nearest outdoor-ad permit within 100 m; null: none */
  distance_m::DOUBLE AS matched_permit_distance_m, /* metres */
  holder::TEXT AS company, /* the matched permit's holder; null: unattributed */
  violation_type::TEXT AS violation_type, /* expired_permit_ad | unpermitted_ad | unattributed */
  (CASE violation_type
    WHEN 'expired_permit_ad' THEN @VAR('ad_expired_deduction', 20)
    WHEN 'unpermitted_ad' THEN @VAR('ad_unpermitted_deduction', 10)
    ELSE 0
  END)::INT AS deduction_points /* credit points deducted from the company */
FROM judged
