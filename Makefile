# Two set-up commands on a fresh clone:  `make book`  and  `make test`.
#   make book  - creates .venv, installs, runs every reproduction notebook in quick mode into the
#                build cache book/_build/executed/ (only those whose code changed), builds the site
#                into book/_build/html (warnings are errors). Never modifies a tracked file.
#   make site  - rebuilds only the site from the notebooks already executed (or the stored ones).
#   make store-notebooks - re-executes the notebooks into the tracked reproductions/notebooks/*.ipynb
#                (the outputs nbval compares); run it after changing a notebook, review the diff.
#   make test  - creates/uses .venv, runs all tests: unit/exact/claims, nbval on every notebook, the
#                book build with its headless-Chromium check.
# Data: REPRO_DATA_DIR (default: ../shared/data when it exists, else ~/.cache/commeff-repro/data).
# Paper-scale runs: REPRO_FULL=1 make notebooks   (or `repro run ID --full`).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED_DATA := $(abspath ../shared/data)
export REPRO_DATA_DIR ?= $(if $(wildcard $(SHARED_DATA)),$(SHARED_DATA),$(HOME)/.cache/commeff-repro/data)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: venv notebooks store-notebooks book site test claims chromium clean

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(BIN)/.installed

chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the book's browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "warning: could not install chromium (the browser test will say so)"; }

notebooks: venv
	$(BIN)/python -m reproductions.execute_notebooks --cache

store-notebooks: venv
	$(BIN)/python -m reproductions.execute_notebooks

book: venv notebooks site

site: venv
	bash book/build.sh
	@echo "site: book/_build/html/intro.html"

claims: venv
	$(BIN)/repro claims

# Tests run in parallel on every core (pytest-xdist); --dist loadfile keeps each notebook's cells, and
# each test file's module fixtures, on one worker. TEST_JOBS=1 runs them serially. The cores are then
# busy with test files, so the experiments inside run in one process each (REPRO_WORKERS=1, the same
# trajectories as in several; tests/test_batched_processes.py checks the forked path).
TEST_JOBS ?= auto
test: venv chromium
	REPRO_WORKERS=$${REPRO_WORKERS:-1} $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile tests \
	  --nbval reproductions/notebooks --nbval-sanitize-with reproductions/nbval_sanitize.cfg

clean:
	rm -rf book/_build book/_generated reproductions/results/quick
