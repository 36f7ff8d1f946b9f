# Two commands for a new developer: `make run` and `make test`.
# Needs only python3 (3.11+) and make; everything else installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test bench lint sdl install clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install  ## platform + seeded demo tenant on http://localhost:8000
	$(PY) -m heat_platform.devrun run

test: install  ## lint, SDL drift check and the whole test suite
	$(VENV)/bin/ruff check .
	$(PY) -m heat_platform.devrun test

bench: install  ## performance benchmarks (tests/perf), not part of `make test`
	$(PY) -m heat_platform.devrun bench

sdl: install  ## rewrite graphql_api/*.graphql after an API change
	DJANGO_SETTINGS_MODULE=heat_platform.settings.test DATABASE_URL=postgres://unused/unused $(PY) manage.py export_sdl

lint: install
	$(VENV)/bin/ruff check .

clean:  ## stop the private cluster and delete it
	-$(PY) -m heat_platform.devrun stop
	rm -rf .data
