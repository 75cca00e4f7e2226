# `make run`  - set up everything and serve the app on http://127.0.0.1:5000 (SQLite)
# `make test` - set up everything and run lint, format check and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CLINIC_INSTANCE_PATH ?= $(CURDIR)/instance
PYTEST_ARGS ?=

.PHONY: run test demo lint format syscheck clean screenshots

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null || \
	  { echo "Python 3.11 or newer is needed: install it (Debian: sudo apt-get install python3)"; exit 1; }
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || \
	  { echo "Python's venv module is missing: sudo apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

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

# Regenerate docs/screens/ from a throwaway demo clinic, driven in the system Chromium.
screenshots: $(VENV)/.installed-test syscheck
	$(BIN)/python -m tests.browser.screens docs/screens

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
