# Two commands for a newcomer: `make run` (the local rehearsal) and `make test`.
# Both call `setup`, which is idempotent: it rebuilds the venv or node_modules only when
# pyproject.toml or package-lock.json changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json

.PHONY: setup run test test-fast lint bench clean

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for Azurite"; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	$(PY) -m standins.rehearsal

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy taskhub components policies scripts standins bench tests __main__.py
	@# Each app is deployed on its own and has a top-level function_app.py: one run per app.
	$(VENV)/bin/mypy apps/orders
	$(VENV)/bin/mypy apps/router
	@# The import rules: pyproject.toml [tool.importlinter]; the apps' packages are on the path.
	PYTHONPATH=apps/orders:apps/router $(VENV)/bin/lint-imports

# Both run on three workers (pyproject.toml [tool.pytest.ini_options]); `test-fast` leaves out
# the tests marked slow (real waits, the wheel build, the benchmarks), for the edit-run loop.
test: lint
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) -m bench.gate
	$(PY) -m bench.router
	$(PY) -m bench.replay

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .import_linter_cache bench/.data
