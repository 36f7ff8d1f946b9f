# Two commands for a new developer: `make run` and `make test`.
# Needs python3 (3.11+), Node 20 + npm (for the mini-program template) and make;
# everything else installs into .venv and miniprogram-template/node_modules.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test test-js bench lint sdl install clean

# Installs run under a lock (and re-check the stamp inside it): two makes started at once share one venv.
LOCKED := $(PYTHON) heat_platform/devrun.py locked

$(STAMP): requirements.txt
	@$(LOCKED) venv sh -c 'test -f $(STAMP) || { { test -x $(PY) || $(PYTHON) -m venv $(VENV); } && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt && \
	  rm -f $(VENV)/.installed-* && touch $(STAMP); }'

install: $(STAMP)

run: install  ## platform + seeded demo tenant on http://localhost:8000
	$(PY) -m heat_platform.devrun run

# The mini-program template's npm packages (jest, miniprogram-simulate, miniprogram-ci), from its lock file.
NPM_STAMP := miniprogram-template/node_modules/.installed-$(shell cksum miniprogram-template/package-lock.json | cut -d' ' -f1)

$(NPM_STAMP): miniprogram-template/package-lock.json
	@$(LOCKED) npm sh -c 'test -f $(NPM_STAMP) || { cd miniprogram-template && \
	  npm ci --no-audit --no-fund --loglevel=error && touch node_modules/$(notdir $(NPM_STAMP)); }'

test: install $(NPM_STAMP)  ## lint, the template's JS tests, SDL drift check and the whole Python suite
	$(VENV)/bin/ruff check .
	cd miniprogram-template && npm test --silent
	HEATCLOUD_E2E_REQUIRED=1 $(PY) -m heat_platform.devrun test

test-js: $(NPM_STAMP)  ## only the template's JavaScript unit tests (jest)
	cd miniprogram-template && npm test

bench: install  ## performance benchmarks (tests/perf), not part of `make test`
	$(PY) -m heat_platform.devrun bench

sdl: install  ## rewrite graphql_api/*.graphql after an API change
	DJANGO_SETTINGS_MODULE=heat_platform.settings.test DATABASE_URL=postgres://unused/unused $(PY) manage.py export_sdl

lint: install
	$(VENV)/bin/ruff check .

clean:  ## stop the private cluster and delete it
	-$(PY) -m heat_platform.devrun stop
	rm -rf .data
