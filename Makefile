# Two commands for a new developer: `make run` and `make test`.
# Needs python3 (3.11+), Node 20 + npm (for the mini-program template) and make;
# everything else installs into .venv and miniprogram-template/node_modules.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test test-js bench lint sdl messages install clean console chromium pgbouncer prod-check

# Installs run under a lock (and re-check the stamp inside it): two makes started at once share one venv.
LOCKED := $(PYTHON) heat_platform/devrun.py locked

$(STAMP): requirements.txt
	@$(LOCKED) venv sh -c 'test -f $(STAMP) || { { test -x $(PY) || $(PYTHON) -m venv $(VENV); } && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt && \
	  rm -f $(VENV)/.installed-* && touch $(STAMP); }'

install: $(STAMP)

run: install console  ## platform + seeded demo tenant on http://localhost:8000
	$(PY) -m heat_platform.devrun run

# The mini-program template's npm packages (jest, miniprogram-simulate, miniprogram-ci), from its lock file.
NPM_STAMP := miniprogram-template/node_modules/.installed-$(shell cksum miniprogram-template/package-lock.json | cut -d' ' -f1)

$(NPM_STAMP): miniprogram-template/package-lock.json
	@$(LOCKED) npm sh -c 'test -f $(NPM_STAMP) || { cd miniprogram-template && \
	  npm ci --no-audit --no-fund --loglevel=error && touch node_modules/$(notdir $(NPM_STAMP)); }'

# The web console (apps/console/web): npm packages from its lock file, and the Vite bundle rebuilt only when
# its sources, lock file or the SDL it is typed against changed (the stamp names a hash of all of them).
# Built into static/console.next/ and swapped in by one rename (swap-build.py): Vite empties its output folder
# first, which left a running server or browser-test run without /console/ and its chunks during a rebuild.
CONSOLE_WEB := apps/console/web
CONSOLE_NPM_STAMP := $(CONSOLE_WEB)/node_modules/.installed-$(shell cksum $(CONSOLE_WEB)/package-lock.json | cut -d' ' -f1)
CONSOLE_HASH := $(shell find $(CONSOLE_WEB)/src $(CONSOLE_WEB)/index.html $(CONSOLE_WEB)/package-lock.json \
  $(CONSOLE_WEB)/vite.config.ts $(CONSOLE_WEB)/codegen.ts $(CONSOLE_WEB)/tsconfig.json graphql_api/tenant.graphql \
  graphql_api/platform.graphql -type f -not -path '*/src/gql/*' 2>/dev/null | LC_ALL=C sort | xargs cat | cksum | cut -d' ' -f1)
CONSOLE_BUILD_STAMP := apps/console/static/console/.build-$(CONSOLE_HASH)

$(CONSOLE_NPM_STAMP): $(CONSOLE_WEB)/package-lock.json
	@$(LOCKED) console-npm sh -c 'test -f $(CONSOLE_NPM_STAMP) || { cd $(CONSOLE_WEB) && \
	  npm ci --no-audit --no-fund --loglevel=error && touch node_modules/$(notdir $(CONSOLE_NPM_STAMP)); }'

$(CONSOLE_BUILD_STAMP): $(CONSOLE_NPM_STAMP)
	@$(LOCKED) console-build sh -c 'test -f $(CONSOLE_BUILD_STAMP) || { cd $(CONSOLE_WEB) && \
	  rm -rf ../static/console.next && npm run build --silent -- --logLevel warn --outDir ../static/console.next && \
	  touch ../static/console.next/$(notdir $(CONSOLE_BUILD_STAMP)) && \
	  $(PYTHON) swap-build.py ../static/console.next ../static/console; }'

console: $(CONSOLE_BUILD_STAMP)  ## build the web console bundle if its sources changed

# Browser tests drive Debian's Chromium (browser downloads do not work here), with a Chinese font for
# readable screenshots: install both when root can, else stop naming the packages.
chromium:
	@{ test -x /usr/bin/chromium && test -n "$$(fc-list :lang=zh 2>/dev/null)"; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null; \
	  else echo "make test: the browser tests need Debian's packages chromium and fonts-wqy-microhei" \
	    "(apt-get install chromium fonts-wqy-microhei)" >&2; exit 1; fi; }

# The pooler test and prod-check run Debian's PgBouncer (deploy/README.md "Connection pooler"): install it when
# root can, else stop naming the package (never skip it quietly).
pgbouncer:
	@{ command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "make: installing Debian's pgbouncer" && apt-get -o DPkg::Lock::Timeout=600 update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
	      pgbouncer >/dev/null; \
	  else echo "make: PgBouncer is missing: the pooler test and prod-check need Debian's package pgbouncer" \
	    "(apt-get install pgbouncer)" >&2; exit 1; fi; }

# The compose stack's processes on this machine (production settings, gunicorn, PgBouncer, Redis, Celery worker
# and beat) driven through onboarding → import → bill run → payment → notify → console (heat_platform/prodcheck.py).
# `make test` runs it too (tests/deploy/test_prod_check.py).
prod-check: install console pgbouncer  ## production-mode smoke run, no containers
	$(PY) -m heat_platform.prodcheck

# The Python suite runs on TEST_WORKERS pytest-xdist processes, each with its own test database, a test file (the
# console package: the whole package) at a time (tests/conftest.py); `make test TEST_WORKERS=0` runs it in one.
TEST_WORKERS ?= 2

test: install $(NPM_STAMP) console chromium pgbouncer  ## lint, JS tests (template, console), SDL drift check and the whole Python suite
	$(VENV)/bin/ruff check .
	cd $(CONSOLE_WEB) && npm run typecheck --silent
	@# The JavaScript suites (template jest, console vitest: ~3 min, mostly one core) run beside the Python suite
	@# (TEST_WORKERS pytest-xdist processes + PostgreSQL, niced: the JS suites are short and have fixed timeouts,
	@# which two workers on two cores starved); their output follows the Python suite's, and either failing fails the target.
	@mkdir -p .data
	@( cd miniprogram-template && npm test --silent && cd ../$(CONSOLE_WEB) && npx vitest run --silent ) \
	  > .data/js-tests.log 2>&1 & js=$$!; \
	  HEATCLOUD_E2E_REQUIRED=1 nice -n 10 $(PY) -m heat_platform.devrun test -n $(TEST_WORKERS); py=$$?; \
	  wait $$js; jsrc=$$?; echo "--- JavaScript tests (template jest, console vitest): exit $$jsrc ---"; \
	  cat .data/js-tests.log; test $$py -eq 0 && test $$jsrc -eq 0

test-js: $(NPM_STAMP)  ## only the template's JavaScript unit tests (jest)
	cd miniprogram-template && npm test

bench: install console chromium  ## performance benchmarks (tests/perf), not part of `make test`
	$(PY) -m heat_platform.devrun bench

sdl: install  ## rewrite graphql_api/*.graphql after an API change
	DJANGO_SETTINGS_MODULE=heat_platform.settings.test DATABASE_URL=postgres://unused/unused $(PY) manage.py export_sdl

# The English catalogue (locale/en): new gettext strings appear untranslated; translate them, then run it again to
# compile. tests/heat_platform/test_i18n.py fails while any string is untranslated or the .mo is stale.
MSG_IGNORE := --ignore ".venv/*" --ignore "*/node_modules/*" --ignore "tests/*" --ignore "miniprogram-template/*" \
  --ignore "deploy/*" --ignore "media/*" --ignore "test-artifacts/*" --ignore ".data/*" --ignore "apps/console/web/*" \
  --ignore "apps/console/static/*"
messages: install  ## update locale/en/LC_MESSAGES/django.po from the code and compile it
	DJANGO_SETTINGS_MODULE=heat_platform.settings.test DATABASE_URL=postgres://unused/unused $(PY) manage.py makemessages -l en $(MSG_IGNORE)
	DJANGO_SETTINGS_MODULE=heat_platform.settings.test DATABASE_URL=postgres://unused/unused $(PY) manage.py compilemessages -l en $(MSG_IGNORE)

lint: install
	$(VENV)/bin/ruff check .

clean:  ## stop the private cluster and delete it
	-$(PY) -m heat_platform.devrun stop
	rm -rf .data
