/* The construction site (工地) each muck-transport permit serves: the construction_site permit
   (latest version, any status) nearest to the transport permit's point (its route's loading
   end), within muck_site_m (default 200 m: a loading point lies at its site; equirectangular
   metres); null beyond. The permit contract has no site field, so the site is found by place.
   One row per muck_transport permit (latest version). */
MODEL (
  name intermediate.int_muck_permit_sites,
  kind FULL,
  cron '@daily',
  owner 'citybrain',
  grain permit_id,
  audits (
    not_null(columns := (permit_id)),
    unique_values(columns := (permit_id))
  ),
  description 'Per muck-transport permit: its holder and the construction site it serves (nearest site permit within 200 m of its loading point)'
);

WITH versions AS (
  SELECT permit_id, permit_type, holder, lat, lng,
    ROW_NUMBER() OVER (PARTITION BY permit_id ORDER BY version_at DESC, permit_version_id DESC) AS nth
  FROM staging.stg_permits
  WHERE permit_type IN ('muck_transport', 'construction_site')
), transport AS (
  SELECT permit_id, holder, lat, lng FROM versions WHERE nth = 1 AND permit_type = 'muck_transport'
), sites AS (
  SELECT permit_id, holder, lat, lng FROM versions WHERE nth = 1 AND permit_type = 'construction_site'
), pairs AS (
  SELECT
    transport.permit_id,
    sites.permit_id AS site_permit_id,
    sites.holder AS site_holder,
    SQRT(
      POWER((sites.lat - transport.lat) * 111195.0, 2)
      + POWER((sites.lng - transport.lng) * 111195.0 * COS(RADIANS((sites.lat + transport.lat) / 2)), 2)
    ) AS distance_m
  FROM transport
  CROSS JOIN sites
), nearest AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY permit_id ORDER BY distance_m, site_permit_id) AS nth
  FROM pairs
  WHERE distance_m <= @VAR('muck_site_m', 200)
)
SELECT
  transport.permit_id::TEXT AS permit_id, /* muck-transport permit */
  transport.holder::TEXT AS company, /* transport company holding it */
  nearest.site_permit_id::TEXT AS site_permit_id, /* construction-site permit; null: none within 200 m */
  nearest.site_holder::TEXT AS site_holder, /* the site's permit holder (project department) */
  nearest.distance_m::DOUBLE AS site_distance_m /* metres from the loading point to the site */
FROM transport
LEFT JOIN nearest
  ON nearest.permit_id = transport.permit_id AND nearest.nth = 1
