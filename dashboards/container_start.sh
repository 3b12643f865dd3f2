#!/bin/sh
# Superset's entrypoint in compose.yaml: migrate, roles, admin, the bundle, then serve.
# Needs SUPERSET_SECRET_KEY, CITYBRAIN_SUPERSET_DATABASE_URI, CITYBRAIN_SUPERSET_ADMIN_USER,
# CITYBRAIN_SUPERSET_ADMIN_PASSWORD and CITYBRAIN_PUBLISHED_PATH (the snapshot on the volume).
set -eu
: "${CITYBRAIN_PUBLISHED_PATH:=/data/warehouse/published.duckdb}"
superset db upgrade
superset init
python /app/dashboards/ensure_admin.py
bundle=$(mktemp -d)
cp -r /app/dashboards/assets/. "$bundle"
sed -i "s|@published_path@|${CITYBRAIN_PUBLISHED_PATH}|" "$bundle"/databases/*.yaml
python /app/dashboards/assets_io.py import "$bundle"
rm -rf "$bundle"
exec gunicorn --bind 0.0.0.0:8088 --workers 2 --worker-class gthread --threads 4 \
  --timeout 120 --graceful-timeout 5 "superset.app:create_app()"
