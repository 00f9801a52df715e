# Two entry points: `make run` (the app) and `make test` (the whole suite, what CI runs).
# Each creates the virtual environment on first use, with exactly the versions in requirements/*.txt
# (hashed; refreshed on purpose by `make lock`). `make quick` is the daily inner loop;
# `make test-latest` runs the suite on the newest versions pyproject.toml allows.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LATEST := .venv-latest
LOCK_FLAGS := --generate-hashes --universal --python-version 3.11 --quiet

.PHONY: run test quick lint typecheck wheel-check test-latest lock bench clean

$(STAMP): pyproject.toml setup.py requirements/build.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "trinn needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/build.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/trinn

# the whole suite: style, types, every test (PostgreSQL, tmux, kills included), the wheel
test: lint typecheck
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory wheel-check

# daily work: style and the tests not marked slow (no PostgreSQL, tmux, kills or timings)
quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m 'not slow' -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	mkdir -p build/typecheck/trinn
	for folder in engine tui notifiers playbooks; do ln -sfn ../../../$$folder build/typecheck/trinn/$$folder; done
	$(BIN)/mypy

# build the wheel and sdist, install the wheel alone into an empty environment, use it
wheel-check: $(STAMP)
	$(BIN)/python scripts/wheel-check

# before a release, and whenever a dependency ships a new major or minor version:
# the suite against the newest versions pyproject.toml allows, in a separate environment
test-latest:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip setuptools
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	$(LATEST)/bin/python -m pytest -p no:cacheprovider

# refresh the lock on purpose (then run `make test` and commit requirements/)
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet 'uv>=0.5'
	$(BIN)/uv pip compile requirements/build.in $(LOCK_FLAGS) -o requirements/build.txt
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements/run.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements/dev.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o pylock.toml
	$(BIN)/uv pip compile pyproject.toml --extra bench $(LOCK_FLAGS) -o requirements/bench.txt

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/bench.txt
	$(BIN)/python bench/playbook_bench.py
	$(BIN)/python bench/store_bench.py
	$(BIN)/python bench/notify_bench.py
	$(BIN)/python bench/tui_bench.py
	$(BIN)/python bench/command_bench.py
	$(BIN)/python bench/tick_bench.py
	$(BIN)/python bench/guard_bench.py
	$(BIN)/python bench/second_writer_bench.py
	$(BIN)/python bench/web_bench.py

clean:
	rm -rf $(VENV) $(LATEST) .pytest_cache .ruff_cache .mypy_cache *.egg-info build dist
