# Decide: `make run` serves the demo city, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed-stamp
DEMO_ENV := DEMO_MODE=1
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres bench install translations extract update-translations e2e-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Decide needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(FLASK) decide i18n compile

run: install translations
	@mkdir -p instance
	$(DEMO_ENV) $(FLASK) db upgrade
	$(DEMO_ENV) $(FLASK) decide demo
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C stops the server and the mail worker)"
	@$(DEMO_ENV) sh -c '$(FLASK) decide deliver --loop & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)'

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

e2e-deps: node_modules/axe-core/axe.min.js

test: install translations e2e-deps
	$(PY) -m pytest
	$(PY) -m pytest --db=postgresql -m "not nodb and not e2e"

bench: install translations
	$(PY) benchmarks/run.py

extract: install
	$(FLASK) decide i18n extract

update-translations: install
	$(FLASK) decide i18n update

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
