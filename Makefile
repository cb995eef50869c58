# The commands of the README. Each creates the virtual environment if it is missing.
# tests/test_readme.py runs them (make with BIN=<a venv's bin> -o <BIN>/.installed skips the set-up).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/marketing_automation.yaml
HOST ?= 127.0.0.1
LAB_PORT ?= 8888
DASHBOARD_PORT ?= 8866
LAB_TOKEN ?=
LAB_ARGS ?=
DASHBOARD_ARGS ?=

.PHONY: run test bench setup browser lab dashboard

## setup: what an analyst uses: the package, JupyterLab, ipywidgets, Voila (pyproject's notebooks extra)
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	touch $@

## the test tools on top (pyproject's test extra: pytest, nbval, Playwright, the static checks)
$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[notebooks,test]'
	touch $@

setup: $(BIN)/.installed

MEMO ?= out/$(basename $(notdir $(SCENARIO))).html

## run: the main job on the default shipped scenario: summary on the terminal, memo in $(MEMO)
run: $(BIN)/.installed
	$(BIN)/decision-kit run $(SCENARIO) --memo $(MEMO) --force
	@echo
	@echo "Next: make lab        JupyterLab on notebooks/ (start with quickstart.ipynb)"
	@echo "      make dashboard  the planning-session dashboard, at http://$(HOST):$(DASHBOARD_PORT)/"

## lab: JupyterLab on the notebooks; it prints the address with its token (LAB_TOKEN= to set one).
## As root (CI, containers) JupyterLab refuses to start without --allow-root.
lab: $(BIN)/.installed
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=$(HOST) --ServerApp.port=$(LAB_PORT) \
	  $(if $(LAB_TOKEN),--IdentityProvider.token=$(LAB_TOKEN)) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## dashboard: notebooks/dashboard.ipynb served as a web app by Voila, a kernel kept running the notebook
## ahead of the next visitor (--preheat_kernel: the first screen in about 2 s instead of 5-6 s)
dashboard: $(BIN)/.installed
	$(BIN)/voila notebooks/dashboard.ipynb --Voila.ip=$(HOST) --port=$(DASHBOARD_PORT) --preheat_kernel=True $(DASHBOARD_ARGS)

## browser: Debian's chromium for the real-browser tests (Playwright is pointed at it;
## Playwright's own browser download cannot work offline). Needs root, as on CI.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: browser tests will skip (they fail under CI=true)"; fi; \
	fi

## test: the whole suite (unit, property, reference, doctests, notebooks under nbval, browser)
test: $(BIN)/.installed-test browser
	$(BIN)/python -m pytest

## bench: the benchmark script (not part of the tests)
bench: $(BIN)/.installed-test
	$(BIN)/python benchmarks/bench_simulation.py
	$(BIN)/python benchmarks/bench_finance.py
	$(BIN)/python benchmarks/bench_analyses.py
	$(BIN)/python benchmarks/bench_allocation.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_dashboard_browser.py
