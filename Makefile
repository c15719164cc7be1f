# Two commands for a newcomer: `make run` (the local rehearsal) and `make test`.
# Both call `setup`, which is idempotent: it rebuilds the venv or node_modules only when
# pyproject.toml, requirements.lock or package-lock.json changed. The venv gets exactly the
# versions in requirements.lock (CI and a newcomer alike); `make lock` regenerates it after a
# dependency changes in pyproject.toml.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json
LOCK       := requirements.lock
LOCK_VENV  := .venv-lock
UV_VERSION := 0.13.9

.PHONY: setup lock run test test-fast lint bench clean

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The whole tree, pinned, for Python 3.11 on Linux (what CI and this project's machines run).
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet uv==$(UV_VERSION)
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" \
		--quiet -o $(LOCK)

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
	rm -rf $(VENV) $(LOCK_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .import_linter_cache bench/.data
