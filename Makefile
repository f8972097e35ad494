# citylake — the commands a user runs. `make setup` is idempotent: each step runs
# only when its inputs (lock files, pom.xml) changed since it last ran.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
OM_VENV := .venv-openmetadata
SUPERSET_VENV := .venv-superset
UV := $(VENV)/bin/uv
PYTEST_ARGS ?=

.PHONY: setup setup-superset setup-system demo test test-analytics airflow superset lock clean stop help
.DEFAULT_GOAL := help

help:
	@echo "make setup    install what is missing (virtual environments, JVM jars)"
	@echo "make demo     run the whole pipeline on a generated city"
	@echo "make test     run the test suite (installs Chromium with apt-get if missing)"
	@echo "make airflow  start Airflow standalone with citylake's DAGs and plugins"
	@echo "make superset start Superset on the lake with the dashboards of dashboards/; prints the URL and login"
	@echo "make stop     stop the local Spark Connect server and Superset"
	@echo "make lock     re-resolve requirements/*.txt from pyproject.toml and requirements/*.in"

setup: $(VENV)/.installed $(OM_VENV)/.installed jars/.copied dbt_project/target/manifest.json

# Superset's environment is built by the targets that use it (its metadata migration takes minutes).
setup-superset: setup $(SUPERSET_VENV)/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -q uv==$(UV_VERSION)

$(VENV)/.installed: requirements/main.txt pyproject.toml | $(UV)
	$(UV) pip sync -q --python $(VENV)/bin/python requirements/main.txt
	$(UV) pip install -q --python $(VENV)/bin/python --no-deps -e .
	touch $@

$(OM_VENV)/.installed: requirements/openmetadata.txt pyproject.toml | $(UV)
	[ -x $(OM_VENV)/bin/python ] || $(UV) venv -q --python $(PYTHON) $(OM_VENV)
	$(UV) pip sync -q --python $(OM_VENV)/bin/python requirements/openmetadata.txt
	$(UV) pip install -q --python $(OM_VENV)/bin/python --no-deps -e .
	touch $@

# Superset pins SQLAlchemy < 2 and older pandas/numpy/pyarrow: its own environment. `superset
# prepare` migrates an empty metadata database once (minutes), which every home then copies.
$(SUPERSET_VENV)/.installed: requirements/superset.txt pyproject.toml $(VENV)/.installed | $(UV)
	[ -x $(SUPERSET_VENV)/bin/python ] || $(UV) venv -q --python $(PYTHON) $(SUPERSET_VENV)
	$(UV) pip sync -q --python $(SUPERSET_VENV)/bin/python requirements/superset.txt
	$(UV) pip install -q --python $(SUPERSET_VENV)/bin/python --no-deps -e .
	$(VENV)/bin/citylake superset prepare
	touch $@

# Old jars are removed first: two versions of one library on Spark's classpath is a bug.
jars/.copied: pom.xml
	rm -rf jars
	mvn -q -B dependency:copy-dependencies
	touch $@

# The manifest the gold DAG is rendered from (Cosmos LoadMode.DBT_MANIFEST): dbt parse, no Spark.
dbt_project/target/manifest.json: $(VENV)/.installed $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' | grep -v target/)
	$(VENV)/bin/citylake gold parse

demo: setup
	$(VENV)/bin/citylake demo

# System packages (Debian/Ubuntu apt) the tests need: Chromium takes the screenshot of the
# stewards' quality page. Installed only when missing.
SYSTEM_PACKAGES := chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
setup-system:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES); }

test: setup setup-system
	$(VENV)/bin/python -m pytest -m "not benchmark and not analytics" $(PYTEST_ARGS)

# Analytics on gold (scores, published tables, SQL endpoint, Superset): its own run for now.
test-analytics: setup-superset setup-system
	$(VENV)/bin/python -m pytest -m "analytics" $(PYTEST_ARGS)

airflow: setup
	$(VENV)/bin/citylake airflow

superset: setup-superset
	$(VENV)/bin/citylake superset start

stop:
	-$(VENV)/bin/citylake server stop
	-$(VENV)/bin/citylake superset stop

lock: | $(UV)
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 --no-header --annotation-style line -o requirements/main.txt
	$(UV) pip compile -q requirements/openmetadata.in --python-version 3.11 --no-header --annotation-style line -o requirements/openmetadata.txt
	$(UV) pip compile -q requirements/superset.in --python-version 3.11 --no-header --annotation-style line -o requirements/superset.txt

clean: stop
	rm -rf .citylake
