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

## run: the main job on the default shipped scenario
run: $(BIN)/.installed
	$(BIN)/decision-kit run $(SCENARIO)

## test: the whole suite (unit, property, reference, doctests, notebooks under nbval)
test: $(BIN)/.installed
	$(BIN)/python -m pytest

## bench: the benchmark script (not part of the tests)
bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_simulation.py
