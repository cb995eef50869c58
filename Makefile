# The two commands of the README. Each creates the virtual environment if it is missing.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/marketing_automation.yaml

.PHONY: run test bench setup browser

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[notebooks,test]'
	touch $@

setup: $(BIN)/.installed

MEMO ?= out/$(basename $(notdir $(SCENARIO))).html

## run: the main job on the default shipped scenario: summary on the terminal, memo in $(MEMO)
run: $(BIN)/.installed
	$(BIN)/decision-kit run $(SCENARIO) --memo $(MEMO) --force

## browser: Debian's chromium for the real-browser tests (Playwright is pointed at it;
## Playwright's own browser download cannot work offline). Needs root, as on CI.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and not root: browser tests will skip (they fail under CI=true)"; fi; \
	fi

## test: the whole suite (unit, property, reference, doctests, notebooks under nbval, browser)
test: $(BIN)/.installed browser
	$(BIN)/python -m pytest

## bench: the benchmark script (not part of the tests)
bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_simulation.py
	$(BIN)/python benchmarks/bench_finance.py
	$(BIN)/python benchmarks/bench_analyses.py
	$(BIN)/python benchmarks/bench_allocation.py
	$(BIN)/python benchmarks/bench_dashboard.py
