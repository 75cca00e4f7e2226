# `make run`  - set up everything and serve the app on http://127.0.0.1:5000 (SQLite)
# `make test` - set up everything and run lint, format check and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CLINIC_INSTANCE_PATH ?= $(CURDIR)/instance
PYTEST_ARGS ?=
# Exact versions of every dependency (runtime, test, postgres, prod): `make lock` updates it.
CONSTRAINTS := constraints.txt
PIP_INSTALL := $(BIN)/pip install --quiet --constraint $(CONSTRAINTS)

.PHONY: run test demo lint format syscheck clean lock bench screenshots

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null || \
	  { echo "Python 3.11 or newer is needed: install it (Debian: sudo apt-get install python3)"; exit 1; }
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || \
	  { echo "Python's venv module is missing: sudo apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e ".[test]"
	touch $@ $(VENV)/.installed

# Re-resolve the newest versions pyproject.toml allows, in a throw-away venv with every
# extra, and pin exactly what got installed.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e ".[test,prod]"
	{ echo "# Exact versions for make run, make test and CI. Regenerate with: make lock"; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf .lock-venv

syscheck: | $(BIN)/python
	@$(BIN)/python -m clinic.syscheck

run: $(VENV)/.installed syscheck
	$(BIN)/flask --app wsgi db upgrade
	CLINIC_SECURE_COOKIES=$${CLINIC_SECURE_COOKIES:-0} $(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

demo: $(VENV)/.installed syscheck
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.installed-test syscheck lint
	$(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e ".[prod]"
	touch $@ $(VENV)/.installed

# `make bench` - build a synthetic clinic and measure it against a bare-Flask ceiling
# (BENCH_ARGS="--patients 100000"; PostgreSQL too with CLINIC_BENCH_DATABASE_URL=...)
BENCH_ARGS ?=
bench: $(VENV)/.installed-bench syscheck
	@command -v wrk >/dev/null || [ -x /usr/bin/wrk ] || \
	  { echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Regenerate docs/screens/ from a throwaway demo clinic, driven in the system Chromium.
screenshots: $(VENV)/.installed-test syscheck
	$(BIN)/python -m tests.browser.screens docs/screens

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .ruff_cache
