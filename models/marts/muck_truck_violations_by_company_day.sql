/* Muck-truck violations per transport company and local day, for the construction-waste credit
   score. One row per company x violation_date with at least one violation; counts by rule. */
MODEL (
  name marts.muck_truck_violations_by_company_day,
  kind FULL,
  cron '@hourly',
  owner 'citybrain',
  grain (company, violation_date),
  audits (
    not_null(columns := (company, violation_date, violation_count, vehicle_count)),
    unique_combination_of_columns(columns := (company, violation_date)),
    accepted_range(column := violation_count, min_v := 1)
  ),
  description 'Per muck-transport company and local day: violations (episodes), by rule (no permit, outside hours, off route, forbidden zone), and distinct trucks involved'
);

WITH violations AS (
  SELECT alert_id, violation_rule, vehicle_id, company, violation_date
  FROM marts.muck_truck_violations
)
SELECT
  COALESCE(company, 'unknown')::TEXT AS company,
  violation_date::DATE AS violation_date, /* Asia/Shanghai */
  COUNT(*)::BIGINT AS violation_count,
  COUNT(*) FILTER (WHERE violation_rule = 'no_permit')::BIGINT AS no_permit_count,
  COUNT(*) FILTER (WHERE violation_rule = 'outside_window')::BIGINT AS outside_window_count,
  COUNT(*) FILTER (WHERE violation_rule = 'off_route')::BIGINT AS off_route_count,
  COUNT(*) FILTER (WHERE violation_rule = 'forbidden_zone')::BIGINT AS forbidden_zone_count,
  COUNT(DISTINCT vehicle_id)::BIGINT AS vehicle_count
FROM violations
GROUP BY COALESCE(company, 'unknown'), violation_date
