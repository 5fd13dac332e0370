VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-faults test-replica lint clean bench bench-quick

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/appointments serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-faults: $(STAMP)
	$(BIN)/python -m pytest -m faults -s tests/faults $(PYTEST_ARGS)

test-replica: $(STAMP)
	$(BIN)/python -m pytest -m 'not faults' -s tests/replica $(PYTEST_ARGS)

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m bench --profile full $(BENCH_ARGS)

bench-quick: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m bench --profile quick $(BENCH_ARGS)

LINTED := domain application infrastructure api

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy --strict $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
