"""Superset's configuration for citybrain (loaded through ``SUPERSET_CONFIG_PATH``).

Runs inside Superset's own virtual environment, so it imports nothing of
citybrain: ``dashboards.service`` passes everything through the environment.

- ``SUPERSET_SECRET_KEY``: session and encryption key; required, no default (generated per
  install by ``citybrain superset init``)
- ``CITYBRAIN_SUPERSET_DATABASE_URI``: the metadata database
- ``CITYBRAIN_MAPBOX_API_KEY``: optional base-map key for the deck.gl map charts
- ``CITYBRAIN_SUPERSET_LOGIN_RATE``: logins (form and API) per client address, a
  Flask-Limiter rate (default ``20 per minute``; 429 beyond it)
"""

import os

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "")
if len(SECRET_KEY) < 32:
    raise RuntimeError(
        "SUPERSET_SECRET_KEY is unset or shorter than 32 characters; "
        "`citybrain superset init` generates one per install"
    )

SQLALCHEMY_DATABASE_URI = os.environ["CITYBRAIN_SUPERSET_DATABASE_URI"]
MAPBOX_API_KEY = os.environ.get("CITYBRAIN_MAPBOX_API_KEY", "")

# The marts are a published snapshot that changes after every SQLMesh run:
# cache nothing, so a dashboard shows the snapshot it reads.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# Dashboards read a file that citybrain replaces atomically; nobody uploads data.
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "ENABLE_TEMPLATE_PROCESSING": False}
SQLLAB_CTAS_NO_LIMIT = True
ROW_LIMIT = 50000

BABEL_DEFAULT_LOCALE = "en"
LANGUAGES = {"en": {"flag": "us", "name": "English"}, "zh": {"flag": "cn", "name": "Chinese"}}

# Served on loopback by default; a reverse proxy terminates TLS in production.
TALISMAN_ENABLED = os.environ.get("CITYBRAIN_SUPERSET_TALISMAN", "false") == "true"
SESSION_COOKIE_SAMESITE = "Lax"

# Logins are rate-limited per client address (Superset enables its limiter only when
# SUPERSET_ENV=production, and Flask-AppBuilder limits the login form but not the API login):
# a password guesser gets 429, not an unbounded stream of tries. In-memory counters, per process.
LOGIN_RATE = os.environ.get("CITYBRAIN_SUPERSET_LOGIN_RATE", "20 per minute")
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_APPLICATION = "1000 per second"  # dashboards fire many chart queries at once
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = LOGIN_RATE


def FLASK_APP_MUTATOR(app):  # the name Superset looks for
    """Put the login rate on the security API's POSTs (``/api/v1/security/login`` …) too."""
    security_api = app.blueprints.get("SecurityApi")
    if security_api is not None:
        app.appbuilder.sm.limiter.limit(LOGIN_RATE, methods=["POST"])(security_api)
