# citylake — the commands a user runs. `make setup` is idempotent: each step runs
# only when its inputs (lock files, pom.xml) changed since it last ran.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
OM_VENV := .venv-openmetadata
UV := $(VENV)/bin/uv
PYTEST_ARGS ?=

.PHONY: setup setup-system demo test airflow lock clean stop help
.DEFAULT_GOAL := help

help:
	@echo "make setup    install what is missing (virtual environments, JVM jars)"
	@echo "make demo     run the whole pipeline on a generated city"
	@echo "make test     run the test suite (installs Chromium with apt-get if missing)"
	@echo "make airflow  start Airflow standalone with citylake's DAGs and plugins"
	@echo "make stop     stop the local Spark Connect server"
	@echo "make lock     re-resolve requirements/*.txt from pyproject.toml and requirements/*.in"

setup: $(VENV)/.installed $(OM_VENV)/.installed jars/.copied dbt_project/target/manifest.json

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
	$(VENV)/bin/python -m pytest -m "not benchmark" $(PYTEST_ARGS)

airflow: setup
	$(VENV)/bin/citylake airflow

stop:
	-$(VENV)/bin/citylake server stop

lock: | $(UV)
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 --no-header --annotation-style line -o requirements/main.txt
	$(UV) pip compile -q requirements/openmetadata.in --python-version 3.11 --no-header --annotation-style line -o requirements/openmetadata.txt

clean: stop
	rm -rf .citylake
