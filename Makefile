# Quick start: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := tracker

.PHONY: setup run test test-sqlite test-postgresql translations extract-messages clean

setup: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d tracker/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o tracker/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i tracker/translations/messages.pot -d tracker/translations

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --demo
	@echo
	@echo "Biosafety CB Tracker: http://$(HOST):$(PORT)/"
	@echo "Scheduled jobs run beside it; their log is instance/scheduler.log."
	@echo
	@BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask scheduler run > instance/scheduler.log 2>&1 & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host $(HOST) --port $(PORT)

# Every test on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set or a server answers on
# 127.0.0.1:5432 (required when CI=true).
test: setup
	$(BIN)/python -m tests.run_all

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
