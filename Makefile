# citybrain developer entry points. A fresh machine needs Python 3.11+, Java 17+ and Maven.
#   make demo   install everything, then run the demo county end to end
#   make test   install everything, then run the whole test suite (what CI runs)

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .cache/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SUPERSET_VENV := .superset-venv
# Debian packages for the dashboards' browser checks (headless Chromium) and CJK glyphs
BROWSER_PACKAGES := chromium chromium-driver fonts-wqy-zenhei
# Debian's PostgreSQL server: the second SQLMesh gateway's tests start throwaway clusters with it
POSTGRES_PACKAGES := postgresql
PACKAGES := citybrain pipelines streams connectors warehouse inference expectations dashboards
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: setup browser postgres compose demo test lint clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set (as on our CI machines)
# every worker, sink, sqlmesh and Superset process would compile its imports from source again
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --group dev --compile-bytecode
	touch $@

# Superset pins SQLAlchemy 1.4 and an older sqlglot than SQLMesh: its own environment
$(SUPERSET_VENV)/.synced: dashboards/requirements.lock | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(SUPERSET_VENV)
	VIRTUAL_ENV=$(abspath $(SUPERSET_VENV)) $(UV) pip sync --quiet --compile-bytecode \
	  dashboards/requirements.lock
	touch $@

browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
	    || ! dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; then \
	  echo "installing $(BROWSER_PACKAGES) (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	fi

postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing $(POSTGRES_PACKAGES) (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(POSTGRES_PACKAGES); \
	fi

# compose.yaml is checked with docker-compose when it can be installed (as root on Debian);
# without it the compose test says so and skips
compose:
	@if ! command -v docker-compose >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing docker-compose (Debian)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose) >/dev/null 2>&1 \
	    || echo "docker-compose could not be installed; the compose test will say so"; \
	fi

setup: $(VENV)/.synced $(SUPERSET_VENV)/.synced browser postgres compose
	$(VENV)/bin/citybrain broker fetch
	$(VENV)/bin/python -m compileall -q $(PACKAGES) models macros config.py

demo: setup
	$(VENV)/bin/citybrain demo

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The suite as two pytest processes at once (tests/conftest.py): the tests that start processes
# (broker, PostgreSQL, workers, sqlmesh) one at a time; beside them, on the core that leaves
# idle, the unit tests, the SQLMesh project's tests and the Superset demo, with a sqlmesh cache
# of their own; that process's report is printed after the other's
test: setup lint
	@mkdir -p logs
	@CITYBRAIN_SQLMESH_CACHE_DIR=$(CURDIR)/.cache/sqlmesh-beside \
	  $(VENV)/bin/python -m pytest --part units,models,superset -p no:cacheprovider > logs/unit-tests.log 2>&1 & \
	beside=$$!; \
	$(VENV)/bin/python -m pytest --part processes; processes=$$?; \
	wait $$beside; beside=$$?; \
	echo "--- the unit, model and Superset tests, run meanwhile (logs/unit-tests.log):"; cat logs/unit-tests.log; \
	echo "--- exit: processes part $$processes, unit, model and Superset parts $$beside"; \
	[ $$processes -eq 0 ] && [ $$beside -eq 0 ]

clean:
	rm -rf $(VENV) $(SUPERSET_VENV) $(TOOLS)
