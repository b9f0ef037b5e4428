# Two commands for a newcomer:  make run  (serve on http://127.0.0.1:8000 with SQLite; make run PORT=8001 for
# another port)  and  make test.
# Everything else (virtualenv, dependencies, migrations, sample data) happens on the way.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The PostgreSQL database for the second test run: TEST_DATABASE_URL, or DATABASE_URL if that names PostgreSQL.
PG_TEST_URL := $(or $(TEST_DATABASE_URL),$(filter postgres%,$(DATABASE_URL)))
SQLITE_URL  := sqlite:///$(CURDIR)/db.sqlite3
PYTEST_ARGS ?=
# Generated requests per endpoint and role in the fuzz test (tests/project/test_fuzz.py); it runs twice in `make test`
# (SQLite, PostgreSQL), so keep it small here and raise it for a deeper run: make test-sqlite FUZZ_MAX_EXAMPLES=300
export FUZZ_MAX_EXAMPLES ?= 15

.PHONY: run serve bench test test-sqlite test-postgres install install-dev migrate seed clean lint check-deploy chaos \
	doc-tools postman postman-collection slowloris cluster failover \
	messages translations browser browser-note screenshots

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The API description's node tools (swagger2openapi, openapi-to-postmanv2, newman), pinned in
# tools/api/package-lock.json. Without npm this says so and the tests that need them skip (CI requires them).
DOC_TOOLS := tools/api/node_modules/.installed
$(DOC_TOOLS): tools/api/package.json tools/api/package-lock.json
	npm ci --prefix tools/api --no-audit --no-fund --loglevel=error
	touch $@
doc-tools:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(DOC_TOOLS); else \
		echo "npm not found: the swagger2openapi and Postman tests will skip (apt-get install nodejs npm)"; fi

# Local development server on 127.0.0.1:$(PORT) (8000 unless PORT says otherwise, e.g. make run PORT=8001): DEBUG on
# (no secret needed) unless DJANGO_DEBUG says otherwise; SQLite unless DATABASE_URL says otherwise.
PORT ?= 8000
run: export DJANGO_DEBUG ?= 1
run: install messages
	$(PY) manage.py migrate --noinput
	$(PY) seed_script.py
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production-like, web server and mail worker together: DEBUG off (so a strong DJANGO_SECRET_KEY is required),
# granian (ticketing_system/serve.py; SERVER=gunicorn for gunicorn.conf.py), static files from whitenoise,
# migrations applied first. SQLite unless DATABASE_URL says otherwise; PORT, WEB_CONCURRENCY and the other knobs
# are read by ticketing_system/serve.py, which also warns when REDIS_URL is unset (the limits are then counted per
# process).
serve: export DJANGO_DEBUG = 0
# It listens on plain http on 127.0.0.1: no https redirect and no https-only cookies unless the environment
# says so (set both to 1 behind a TLS-terminating proxy, with DJANGO_SECURE_PROXY_SSL_HEADER).
serve: export DJANGO_SECURE_SSL_REDIRECT ?= 0
serve: export DJANGO_SECURE_COOKIES ?= 0
serve: install messages
	@test -n "$$DJANGO_SECRET_KEY" || { \
		echo "make serve runs with DEBUG off and needs a secret key. Set one, for example:"; \
		echo "  export DJANGO_SECRET_KEY=\"\$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')\""; \
		echo "(or use 'make run' for the development server)"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@# With a broker (REDIS_URL), one Celery worker beside the web server sends the mail and runs the periodic
	@# upkeep (--beat: expire orders, retry refunds and pending mail); it stops with the web server. Without one,
	@# the web process sends each mail itself after the commit. SERVE_MAIL_WORKER=0 leaves the worker out (make bench:
	@# the mail's cost is the worker's, not the booking's, and a worker rendering tickets would compete for the CPUs).
	@if [ -n "$$REDIS_URL$$CELERY_BROKER_URL" ] && [ "$${SERVE_MAIL_WORKER:-1}" != 0 ]; then \
		$(VENV)/bin/celery -A ticketing_system worker --beat --schedule "$(CURDIR)/.celerybeat-schedule" \
			--concurrency=1 --loglevel=INFO & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(PY) -m ticketing_system.serve; \
	else \
		if [ -n "$$REDIS_URL$$CELERY_BROKER_URL" ]; then \
			echo "SERVE_MAIL_WORKER=0: no worker; mail waits in the broker for one."; \
		else \
			echo "REDIS_URL is not set: no worker; the web process sends the mail itself."; \
		fi; \
		exec $(PY) -m ticketing_system.serve; \
	fi

# Load test against PostgreSQL (database ticketing_bench, dropped and recreated), on 127.0.0.1:8100. Installs
# wrk (apt) and the bench-only Python packages itself; see bench/README.md and docs/performance.md. Not part of
# `make test`.
BENCH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/ticketing_bench
bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	command -v wrk >/dev/null || apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
	@command -v pgbench >/dev/null || { echo "make bench needs pgbench (PostgreSQL's client tools)"; exit 2; }
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) exec $(PY) bench/run.py

migrate: export DJANGO_DEBUG ?= 1
migrate: install
	$(PY) manage.py migrate --noinput

seed: export DJANGO_DEBUG ?= 1
seed: install
	$(PY) seed_script.py

# The whole suite on SQLite, then again on PostgreSQL when one is configured (the race tests run on both).
test: test-sqlite
	@if [ -n "$(PG_TEST_URL)" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "PostgreSQL run skipped: set TEST_DATABASE_URL=postgres://user@host:5432/dbname to run it too."; \
	fi

test-sqlite: install-dev doc-tools messages browser-note
	DATABASE_URL=$(SQLITE_URL) $(PY) -m pytest $(PYTEST_ARGS)

# REQUIRE_POSTGRES makes the PostgreSQL-only tests fail instead of skip if the database is not PostgreSQL.
test-postgres: install-dev doc-tools messages browser-note
	@test -n "$(PG_TEST_URL)" || { echo "set TEST_DATABASE_URL=postgres://..."; exit 2; }
	DATABASE_URL=$(PG_TEST_URL) REQUIRE_POSTGRES=1 $(PY) -m pytest $(PYTEST_ARGS)

# The web pages' and API messages' translations: compile locale/*/LC_MESSAGES/django.po into .mo (pure Python, no
# GNU gettext needed). `make translations` lists every string still without a translation and adds it, empty, to
# the .po files for a translator (tests/common/test_i18n.py fails until each has one).
messages: install
	$(PY) -m common.translations compile

translations: install
	$(PY) -m common.translations update
	$(PY) -m common.translations check

# Debian's Chromium for the end-to-end tests of the web pages (tests/web/e2e/, Playwright). Not needed for `make run`;
# `make test` runs the browser tests only when /usr/bin/chromium exists (CI installs it with this target).
# poppler-utils (pdftoppm, pdftotext) lets tests/tickets/test_ticket_pdf.py render the ticket PDF and read it back;
# fonts-noto-core's Noto Sans Devanagari writes Hindi ticket PDFs in Hindi (TICKET_DEVANAGARI_FONT_DIR; else English).
browser:
	command -v chromium >/dev/null || apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
	command -v pdftoppm >/dev/null || apt-get install -y poppler-utils || { apt-get update && apt-get install -y poppler-utils; }
	test -e /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf || apt-get install -y fonts-noto-core || { apt-get update && apt-get install -y fonts-noto-core; }

browser-note:
	@command -v chromium >/dev/null || echo "NOTE: Chromium not found: the browser tests (tests/web/e2e) will be skipped. 'make browser' installs it (root, apt)."

# Retake the screenshots in docs/ (README.md and docs/web.md show them) with the end-to-end tests.
screenshots: install-dev messages
	UPDATE_SCREENSHOTS=1 DATABASE_URL=$(SQLITE_URL) $(PY) -m pytest tests/web/e2e -k screenshot

# The Postman collection (docs/postman_collection.json): `make postman` checks it matches the API description, then
# newman runs it against a fresh make-run-like server on 127.0.0.1:$(POSTMAN_PORT); `make postman-collection`
# regenerates it (after an endpoint is added or changed; commit the result).
POSTMAN_PORT ?= 8480
postman: install-dev doc-tools
	$(PY) scripts/postman.py check
	$(PY) scripts/postman.py run --port $(POSTMAN_PORT)
postman-collection: install-dev doc-tools
	$(PY) scripts/postman.py generate

# Static checks, as CI runs them: ruff, import-linter (the layer contract), bandit (security linter) and pip-audit (known vulnerabilities in the
# runtime dependencies). Justified exceptions are marked inline (# nosec ..., # noqa ...) or in ruff.toml.
lint: install-dev
	$(PY) -m ruff check .
	@# The layers and the no-cycles rule (.importlinter, docs/architecture.md).
	$(VENV)/bin/lint-imports
	$(PY) -m bandit -q -r common core onsales accounts venues orders tickets notifications web reports ticketing_system \
		scripts seed_script.py manage.py
	$(PY) scripts/audit_dependencies.py

# `check --deploy` with production settings (DEBUG off, a real secret): must print no warning.
check-deploy: install
	env DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=tickets.example.com \
		DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(PY) manage.py check --deploy --fail-level WARNING

# Bookings under load while PostgreSQL restarts, on a throwaway cluster of its own (port 5499, service on 8107);
# checks every acknowledged booking survived. Needs root (it runs PostgreSQL as user postgres). Not in `make test`.
chaos: install
	$(PY) scripts/chaos.py

# A rehearsal of several application hosts: two network namespaces behind HAProxy, PgBouncer (transaction mode) in
# front of the local PostgreSQL, the shared Redis; books under load while one host is killed and restarted, then
# checks nothing acknowledged was lost or doubled (scripts/cluster.py; docs/operations.md, "Deployment"). Needs
# root (it installs haproxy and pgbouncer with apt if missing). Not in `make test`.
cluster: install
	$(PY) scripts/cluster.py

# The database's primary dies during a sale: pg_auto_failover (a monitor, a primary and a synchronous secondary, on
# loopback in a temporary directory; the machine's PostgreSQL is not touched), the service on a multi-host
# DATABASE_URL; kills the primary's postmaster, then the whole primary node, and checks that nothing acknowledged
# was lost or doubled and that clients saw only 503s meanwhile (scripts/failover.py; docs/operations.md, "A database
# that fails over"). Needs root (it runs the nodes as user postgres; installs postgresql-15-auto-failover with apt
# if missing). Not in `make test`.
failover: install
	$(PY) scripts/failover.py

# 100 clients trickle their headers one byte a second while /health/ and a booking must answer within a second
# (scripts/slowloris.py; SQLite in a temporary directory, port 8300). Prints its figures. Not in `make test`.
slowloris: install
	$(PY) scripts/slowloris.py

clean:
	rm -rf $(VENV) tools/api/node_modules db.sqlite3* test_db.sqlite3* staticfiles .pytest_cache .hypothesis .ruff_cache
