# motcua — two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install assets serve test lint clean screenshots

# The first step of whatever builds: every missing prerequisite (Python 3.11+ with venv,
# Node.js and npm; Chromium too for `make test`) named in one message with its apt-get line.
CHECK_PREREQUISITES = @PYTHON='$(PYTHON)' bin/check-prerequisites \
	$(if $(filter test screenshots,$(MAKECMDGOALS)),--browser)

# The designer page: bpmn-js, its properties panel and src/, bundled by esbuild into
# static/build/ (not committed).
DESIGNER := api/designer_ui
ASSETS := $(DESIGNER)/static/build/designer.js
# The staff app's Chart.js (the supervisor's charts) and bpmn-js's viewer (the bottleneck
# diagram), the same way, into api/web/static/vendor/; the viewer, copied last, stands for both.
STAFF_UI := api/web/ui
STAFF_ASSETS := api/web/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js
# The decision tables editor's dmn-js, the same way, into api/decisions_ui/static/vendor/.
DECISIONS_UI := api/decisions_ui
DECISIONS_ASSETS := $(DECISIONS_UI)/static/vendor/dmn-js/dmn-modeler.production.min.js

# Built before the install stamp, but rebuilding them does not reinstall the Python packages.
$(STAMP): pyproject.toml | $(ASSETS) $(STAFF_ASSETS) $(DECISIONS_ASSETS)
	$(CHECK_PREREQUISITES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# The pages' translations (api/translations/*/LC_MESSAGES/messages.po), compiled, not committed.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard api/translations/*/LC_MESSAGES/messages.po))

$(CATALOGUES): %.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --input-file $< --output-file $@

install: $(STAMP) $(CATALOGUES)

$(ASSETS): $(DESIGNER)/package.json $(DESIGNER)/package-lock.json $(DESIGNER)/build.mjs \
		$(wildcard $(DESIGNER)/src/*)
	$(CHECK_PREREQUISITES)
	cd $(DESIGNER) && npm ci --no-audit --no-fund && npm run build
	touch $@

$(STAFF_ASSETS): $(STAFF_UI)/package.json $(STAFF_UI)/package-lock.json $(STAFF_UI)/copy-assets.mjs
	$(CHECK_PREREQUISITES)
	cd $(STAFF_UI) && npm ci --no-audit --no-fund && npm run build
	touch $@

$(DECISIONS_ASSETS): $(DECISIONS_UI)/package.json $(DECISIONS_UI)/package-lock.json $(DECISIONS_UI)/copy-assets.mjs
	$(CHECK_PREREQUISITES)
	cd $(DECISIONS_UI) && npm ci --no-audit --no-fund && npm run build
	touch $@

assets: $(ASSETS) $(STAFF_ASSETS) $(DECISIONS_ASSETS)

serve: install
	$(BIN)/motcua serve

test: install
	$(CHECK_PREREQUISITES)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The README's screenshot of each person's page, taken by the journey's browser test.
screenshots: install
	$(CHECK_PREREQUISITES)
	MOTCUA_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots \
		$(BIN)/python -m pytest -q tests/e2e/test_journey_browser.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var $(DESIGNER)/node_modules $(DESIGNER)/static/build \
		$(STAFF_UI)/node_modules api/web/static/vendor $(DECISIONS_UI)/node_modules \
		$(DECISIONS_UI)/static/vendor $(CATALOGUES)

# The benchmark against a fresh PostgreSQL database (MOTCUA_BENCH_DATABASE_URL, default the
# local server): `make bench` for the full run (1,000,000 dossiers, ~10-15 min on 2 cores),
# `make bench QUICK=1` for the same code with small numbers (~1 min). Extra options go in
# BENCH_ARGS, e.g. BENCH_ARGS="--py-spy 30"; see bench/README.md.
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.bench-installed-*
	touch $@

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick) $(BENCH_ARGS)
