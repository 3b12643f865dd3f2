# citybrain developer entry points. A fresh machine needs Python 3.11+, Java 17+ and Maven.
#   make demo   install everything, then run the demo county end to end
#   make test   install everything, then run the whole test suite (what CI runs)

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .cache/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: setup demo test lint clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --group dev
	touch $@

setup: $(VENV)/.synced
	$(VENV)/bin/citybrain broker fetch

demo: setup
	$(VENV)/bin/citybrain demo

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup lint
	$(VENV)/bin/python -m pytest

clean:
	rm -rf $(VENV) $(TOOLS)
