"""Settings for the ticketing service, read from the environment.

Every knob an operator may turn is an environment variable (see docs/operations.md, "Configuration"). The defaults are
for development only: with DJANGO_DEBUG off (the default) the process refuses to start without
DJANGO_SECRET_KEY, so a production deploy cannot silently run with a known key.
"""
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    # Not a secret: only ever used with DEBUG on, and the deploy check rejects a "django-insecure-" key.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # nosec B105

# The key that signs the JWTs; the secret key unless set. A separate key can be rotated (logging everyone out)
# without invalidating what else the secret key signs (password reset links, sessions of the admin).
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")

if not DEBUG:
    # Anyone who guesses a signing key can forge a staff token offline: weak keys are refused at start.
    from ticketing_system.secret_keys import check_secret_key

    check_secret_key("DJANGO_SECRET_KEY", SECRET_KEY)
    if JWT_SIGNING_KEY:
        check_secret_key("JWT_SIGNING_KEY", JWT_SIGNING_KEY)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # whitenoise's runserver_nostatic must come before staticfiles so `runserver` serves static files the same
    # way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_yasg",
    "django_filters",
    # Our apps, bottom layer first (docs/architecture.md). The order is relied on: an app's AppConfig.ready()
    # connects its receivers, so the receivers of a domain event run lowest layer first (tickets may refuse a
    # cancel before orders refunds it, and notifications writes the mail last, seeing the refund), and orders' admin
    # extends the user admin that accounts' admin registered.
    "common",
    "accounts",
    "venues",
    "core",
    # On-sales behind a waiting room (its line in Redis): it gates core's sale through core.signals' sale gates.
    "onsales",
    # Movies' posters and trailer links (beside tickets: neither imports the other).
    "moviemedia",
    "tickets",
    # Vouchers and promo codes (beside tickets and moviemedia); orders redeems them.
    "vouchers",
    "orders",
    # Waiting lists of sold-out shows: offers seats that come back (holds, through core) before notifications,
    # which mails the offers.
    "waitlist",
    "notifications",
    # The staff's sales report (admin page, /reports/sales/ and its CSV).
    "reports",
    # The moviegoer's web pages (server-rendered, session login); they call the services like the API does.
    "web",
]

MIDDLEWARE = [
    # First, so every log line of the request (including other middleware's) carries its id.
    "common.middleware.RequestIdMiddleware",
    # With DEBUG on (make run), JSON instead of Django's HTML debug pages; outside the rest so it sees them all.
    "common.middleware.JsonDebugErrorPagesMiddleware",
    # Before the rest, so an over-large body is refused before anything reads it.
    "common.middleware.RequestSizeLimitMiddleware",
    # Turns "the database is unreachable" in non-DRF views (admin, schema) into the same JSON 503.
    "common.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Picks the language of the web pages and of the API's error `detail` from the switcher's cookie or
    # Accept-Language (no session needed); the `code` never changes.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Sessions, CSRF, the session user and messages: for the admin's paths only (see the class).
    "common.middleware.AdminOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The middleware AdminOnlyMiddleware runs, in this order, for paths starting with one of ADMIN_MIDDLEWARE_PATHS.
ADMIN_MIDDLEWARE = [
    # The Content-Security-Policy header of the pages and the admin (the API answers JSON, which no browser runs).
    "ticketing_system.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logs out a session that /logout/all or an account deletion revoked (decision 0020).
    "accounts.middleware.SessionRevocationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
# The moviegoer's pages (web/) have sessions, CSRF and messages too: these prefixes and the home page "/" itself.
# The live seat map's poll (/seat-state/<id>) is outside them on purpose: it needs none, and is the hottest path.
# The staff's pages: the till and the door exactly (the API's /boxoffice/orders/ stays bearer-only), their actions
# under /staff/.
WEB_PATHS = ["/films/", "/showings/", "/checkout/", "/my-tickets/", "/account/", "/i18n/", "/staff/"]
ADMIN_MIDDLEWARE_PATHS = ["/admin/", *WEB_PATHS]
ADMIN_MIDDLEWARE_EXACT_PATHS = ["/", "/boxoffice/", "/door/"]
# The admin's checks (and the CSRF one of `check --deploy`) look for this middleware in MIDDLEWARE; it runs inside
# AdminOnlyMiddleware for the admin, the only part of the site with sessions and cookies; the API takes bearer tokens,
# which a cross-site form cannot send. tests/core/test_admin.py checks that the admin still refuses a POST without CSRF.
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "security.W003"]

ROOT_URLCONF = "ticketing_system.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "ticketing_system.wsgi.application"

# --- Database -------------------------------------------------------------------------------------------
# How long a booking waits for another booking of the same show to release the show's row lock before it is
# answered with 503 "busy" and Retry-After (PostgreSQL only; SQLite waits up to its busy timeout instead).
BOOKING_LOCK_TIMEOUT_MS = env.int("BOOKING_LOCK_TIMEOUT_MS", default=3000)

# DATABASE_URL, e.g. postgres://root@127.0.0.1:5432/ticketing; default: the SQLite file db.sqlite3. With a primary
# and standbys, list them all and let libpq find the primary after a failover (docs/operations.md, "A database that
# fails over"): postgres://app@10.0.0.11:5432,10.0.0.12:5432/ticketing?target_session_attrs=read-write&connect_timeout=2
# (django-environ passes the host and port lists, and the query's options, to libpq unchanged).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. With the default DEFERRED transactions, two requests that both read and
    # then write deadlock on the lock upgrade and one fails at once with "database is locked", whatever the
    # busy timeout. BEGIN IMMEDIATE takes the write lock when the transaction starts, so concurrent bookings
    # queue behind each other (up to `timeout` seconds) instead of failing: this is SQLite's equivalent of the
    # row lock PostgreSQL takes. WAL lets readers proceed while a booking is being written.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
        **_db.get("OPTIONS", {}),
    }
    # The test database is a file, not Django's shared-cache in-memory database: shared-cache mode reports
    # table-level lock conflicts immediately instead of honouring the busy timeout, which would make the
    # threaded race tests measure SQLite's in-memory quirks rather than the configuration served here.
    _db["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip on an idle, healthy connection.
    _db["ENGINE"] = "ticketing_system.postgresql"
    # Persistent connections save a TCP + auth round trip per request.
    _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # Health checks drop a connection the server closed (restart, failover, idle timeout) before a request uses
    # it, so the database restarting never fails the next request. Django's check is a `SELECT 1` round trip per
    # request; ticketing_system/postgresql/base.py first looks whether the idle socket has anything to read (a
    # closed connection has), so a healthy connection costs no round trip (docs/performance.md). DB_CONN_HEALTH_CHECKS=0
    # turns the check off: after a restart each worker's next request then answers 503 `unavailable` once.
    _db["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
    # The lock wait bound is set once per connection (a startup parameter costs no round trip) rather than by a
    # `SET LOCAL` in every booking transaction, which was one of its seven round trips. It then bounds every
    # lock wait of the web process, which is what a web request wants anyway (fail fast, never hang); a
    # migration that cannot get its lock within it fails and can simply be re-run. core.locks still sets the
    # bound per transaction whenever BOOKING_LOCK_TIMEOUT_MS differs from this connection-wide value.
    #
    # Behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction) a connection option would be lost: the
    # server connection serving a transaction was opened by PgBouncer, not with our options (PgBouncer refuses an
    # `options` startup parameter, or drops it silently when told to ignore it). Then nothing is set per
    # connection, core.locks sets the bound with SET LOCAL in every seat-changing transaction, and server-side
    # cursors (which outlive a transaction) are off, as Django's documentation requires for transaction pooling.
    DATABASE_POOL_MODE = env.str("DATABASE_POOL_MODE", default="session")
    if DATABASE_POOL_MODE not in ("session", "transaction"):
        raise ImproperlyConfigured("DATABASE_POOL_MODE must be session or transaction")
    if DATABASE_POOL_MODE == "transaction":
        DATABASE_LOCK_TIMEOUT_MS = None
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        DATABASE_LOCK_TIMEOUT_MS = BOOKING_LOCK_TIMEOUT_MS
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c lock_timeout={DATABASE_LOCK_TIMEOUT_MS}".strip()

# A replica for reads that may lag a moment (common/replica.py: the sales report and its CSV, the catalogue pages),
# e.g. postgres://reports@10.0.0.12:5432/ticketing (pg_auto_failover's secondary, or any streaming replica);
# unset, every query goes to DATABASE_URL as before. The booking path never reads from it. A libpq multi-host URL
# with target_session_attrs=prefer-standby keeps reading while the replica is down (docs/operations.md).
REPLICA_DATABASE_URL = env.str("REPLICA_DATABASE_URL", default="")
REPLICA_DATABASE_ALIAS = None
if REPLICA_DATABASE_URL:
    _replica = environ.Env.db_url_config(REPLICA_DATABASE_URL)
    if _replica["ENGINE"] == "django.db.backends.postgresql":
        # The same backend and connection reuse as the primary's; no lock_timeout (nothing here takes locks).
        _replica.update(ENGINE="ticketing_system.postgresql", CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=60),
                        CONN_HEALTH_CHECKS=env.bool("DB_CONN_HEALTH_CHECKS", default=True))
    DATABASES["replica"] = _replica
    REPLICA_DATABASE_ALIAS = "replica"
DATABASE_ROUTERS = ["common.replica.ReplicaRouter"]

BUSY_RETRY_AFTER_SECONDS = env.int("BUSY_RETRY_AFTER_SECONDS", default=1)

# Anonymous catalogue reads (the API's movies and shows) are served from the cache for this long and may be kept by
# browsers and proxies as long, then used stale for the second figure while they revalidate (common.httpcache,
# docs/decisions/0039). Staff changes show at once on the service; sales (free seats) within the first figure.
CATALOGUE_MAX_AGE_SECONDS = env.int("CATALOGUE_MAX_AGE_SECONDS", default=5)
CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS = env.int("CATALOGUE_STALE_WHILE_REVALIDATE_SECONDS", default=25)
# Each server process also answers, before Django, the anonymous catalogue reads it answered within this long (a
# staff change made through another process is seen that much later; 0 turns it off).
CATALOGUE_PROCESS_COPY_SECONDS = env.float("CATALOGUE_PROCESS_COPY_SECONDS", default=1.0)

# Load shedding (common/shedding.py, docs/decisions/0053-shedding-by-expected-wait.md). Each server process runs
# Django in SHED_MAX_IN_FLIGHT threads of its own (so it holds that many database connections, plus one for
# /health/); the server's threads (ticketing_system/serve.py, many more) only queue requests for them. A request
# whose expected wait in that queue exceeds SHED_MAX_QUEUE_MS is answered 503 `overloaded` at once; one still
# queued after twice that is refused then. SHED_MAX_IN_FLIGHT=0 turns shedding off (Django then runs in the
# server's threads).
# Off by default with DEBUG (make run): runserver serves the pages' static files itself and a developer's browser
# sends bursts that a one-thread queue would refuse.
SHED_MAX_IN_FLIGHT = env.int("SHED_MAX_IN_FLIGHT", default=0 if DEBUG else 1)
SHED_MAX_QUEUE_MS = env.int("SHED_MAX_QUEUE_MS", default=100)
# A refusal is answered after this pause (no CPU spent meanwhile), so a client that retries at once cannot flood the
# process with refusals; it stays well under the 50 ms a refusal is allowed (docs/decisions/0053).
SHED_REFUSAL_PAUSE_MS = env.int("SHED_REFUSAL_PAUSE_MS", default=20)
# ...but only the refusals beyond this many a second per process (a bucket holding one second's worth): clients that
# honour Retry-After come back once a second each and are refused at once; a flood of immediate retries is paused.
SHED_UNPAUSED_REFUSALS_PER_S = env.float("SHED_UNPAUSED_REFUSALS_PER_S", default=50)
# Behind a proxy that stamps X-Request-Start (make cluster's HAProxy): a request that already waited longer than
# this is refused instead of served late. Only read when the proxy is trusted to set it (SHED_TRUST_REQUEST_START).
SHED_QUEUE_DEADLINE_MS = env.int("SHED_QUEUE_DEADLINE_MS", default=100)
SHED_TRUST_REQUEST_START = env.bool("SHED_TRUST_REQUEST_START", default=False)
SHED_RETRY_AFTER_SECONDS = env.int("SHED_RETRY_AFTER_SECONDS", default=1)
SHED_EXEMPT_PATHS = env.list("SHED_EXEMPT_PATHS", default=["/health/"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------------------
# Usernames are compared as people type them (case, surrounding spaces, Unicode compatibility forms).
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameKeyBackend"]
# A password reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60
# The link mailed for a reset, e.g. https://tickets.example.com/reset?uid={uid}&token={token} (a front end's
# page that posts them to /password/reset/confirm). Unset: the mail gives the uid and token to post.
PASSWORD_RESET_LINK = env.str("PASSWORD_RESET_LINK", default="")
# The per-username growing login delay (accounts.throttles): after this many failed logins within the window,
# each further failure makes an address new to the account wait 1, 2, 4, ... seconds, up to the maximum.
LOGIN_FAILURES_BEFORE_DELAY = env.int("LOGIN_FAILURES_BEFORE_DELAY", default=10)
LOGIN_FAILURE_WINDOW_MINUTES = env.int("LOGIN_FAILURE_WINDOW_MINUTES", default=60)
LOGIN_DELAY_MAX_SECONDS = env.int("LOGIN_DELAY_MAX_SECONDS", default=300)
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    # `?format=` is the catalogue's show-format filter (2D, 3D, IMAX), not DRF's renderer override (the API only
    # speaks JSON anyway).
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    # Secure by default: every view is authenticated unless it opts out explicitly.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A JSON API: anything else is answered 415 rather than half-parsed.
    # JSONParser plus limits on list length and nesting depth (common.parsers).
    "DEFAULT_PARSER_CLASSES": ["common.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "common.exception_handler.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttle classes are set per view (core.throttles); these are their rates, one environment variable per
    # scope so a load test or an operator can raise them without editing code ("N/s", "N/min", "N/hour").
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="10/min"),
        # Per (username, address): accounts.throttles.
        "login_username": env.str("THROTTLE_LOGIN_USERNAME", default="5/min"),
        "signup_ip": env.str("THROTTLE_SIGNUP_IP", default="10/min"),
        "booking_user": env.str("THROTTLE_BOOKING_USER", default="30/min"),
        "hold_user": env.str("THROTTLE_HOLD_USER", default="30/min"),
        "cancel_user": env.str("THROTTLE_CANCEL_USER", default="30/min"),
        # Checking promo codes (vouchers.views): generated codes are unguessable, and guessing is slow besides.
        "voucher_check_user": env.str("THROTTLE_VOUCHER_CHECK_USER", default="30/min"),
        "refresh_ip": env.str("THROTTLE_REFRESH_IP", default="30/min"),
        "account_user": env.str("THROTTLE_ACCOUNT_USER", default="60/min"),
        "password_change_user": env.str("THROTTLE_PASSWORD_CHANGE_USER", default="5/min"),
        "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="5/min"),
        # Card attempts (orders.throttles: the web checkout's card form, and orders to pay by card through the API),
        # per account and per address: card testing (docs/security.md).
        "card_user": env.str("THROTTLE_CARD_USER", default="10/hour"),
        "card_ip": env.str("THROTTLE_CARD_IP", default="20/hour"),
    },
    # How many proxies in front of us append to X-Forwarded-For. 0 (default): the header is ignored and the
    # client is REMOTE_ADDR, so nobody can dodge the per-IP limits by sending a made-up X-Forwarded-For. Behind
    # one reverse proxy set 1: the proxy's last entry is used, and anything the client wrote before it is not.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=1)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    # A refresh token is good for one use: /token/refresh answers a new one and blacklists the old, so a
    # stolen refresh token stops working as soon as either party uses it.
    # (Rotation is accounts.services.tokens' own: atomic, with reuse detection; these two settings describe it
    # for simplejwt's own views, which are not used.)
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": JWT_SIGNING_KEY or SECRET_KEY,
    # Tokens carry a digest of the password hash, checked on every request: a password changed anywhere (the
    # API, the admin, `changepassword`) ends every token issued before.
    "CHECK_REVOKE_TOKEN": True,  # nosec B105 (a flag, not a password)
    # JWTAuthentication loads the user on every request and refuses an inactive one (simplejwt's default,
    # stated here because "a deactivated user is locked out at once" depends on it).
    "CHECK_USER_IS_ACTIVE": True,
}

SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "USE_SESSION_AUTH": False,
    # Every operation is documented with common.schema.api_operation; this completes it from the view.
    "DEFAULT_AUTO_SCHEMA_CLASS": "common.schema.ApiAutoSchema",
    "DEFAULT_GENERATOR_CLASS": "common.schema.ApiSchemaGenerator",
    # Lists are documented as plain arrays; their paged form is its own operation (common.schema.paged_twin).
    "DEFAULT_PAGINATOR_INSPECTORS": [
        "common.schema_pagination.ListPaginationInspector",
        "drf_yasg.inspectors.DrfAPICompatInspector",
        "drf_yasg.inspectors.CoreAPICompatInspector",
    ],
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            # Markdown: in a code span Swagger UI shows "<access token>" instead of swallowing it as an HTML tag.
            "description": "JWT access token from `POST /login`, entered as `Bearer <access token>` "
                           "(the word Bearer, a space, then the token).",
        }
    },
}

# --- Web pages --------------------------------------------------------------------------------------------
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:whats_on"
LOGOUT_REDIRECT_URL = "web:whats_on"
# The live seat map: how often a page polls the seat state, and how old a served state may be (web.live).
SEAT_MAP_POLL_MS = env.int("SEAT_MAP_POLL_MS", default=1000)
SEAT_STATE_MAX_AGE_MS = env.int("SEAT_STATE_MAX_AGE_MS", default=500)

# --- Booking rules ----------------------------------------------------------------------------------------
# Cancelling closes this many minutes before the show starts (0: until the show starts).
BOOKING_CANCEL_CUTOFF_MINUTES = env.int("BOOKING_CANCEL_CUTOFF_MINUTES", default=0)
# A hold keeps its seats this long (never past the show's start) while the customer pays.
SEAT_HOLD_MINUTES = env.int("SEAT_HOLD_MINUTES", default=8)
# Most seats one booking or hold request may name, and most seats a user may hold of one show at a time.
MAX_SEATS_PER_BOOKING = env.int("MAX_SEATS_PER_BOOKING", default=10)
# One currency per installation (ISO 4217 code); every price and `Booking.price` is in it.
CURRENCY = env.str("CURRENCY", default="EUR").upper()
# Minutes a screen needs between two shows (cleaning, people leaving): a show occupies its screen for the movie's
# duration plus this, and no other show may start on that screen meanwhile.
CLEANING_MINUTES = env.int("CLEANING_MINUTES", default=15)
# An Idempotency-Key is remembered this long; after that the same key starts a new request.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# A key still "in progress" after this long belongs to a request that died (worker killed mid-request): a retry
# may take it over instead of getting 409 request_in_progress forever. Far above any real booking's duration.
IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS", default=60)

# --- Orders and payments (orders/) ------------------------------------------------------------------------
# A pending order keeps its seats this long (never past the show's start) while the customer pays.
ORDER_PAYMENT_MINUTES = env.int("ORDER_PAYMENT_MINUTES", default=15)
# 0: the direct POST /shows/<id>/book/ refuses priced seats (409 payment_required); only paid orders sell them.
ALLOW_UNPAID_RESERVATIONS = env.bool("ALLOW_UNPAID_RESERVATIONS", default=True)
# An unpaid reservation (pay at the box office) must be collected this many minutes before its show starts;
# then its seats are released for sale again. Pages and mails state the deadline (core.reservations.collect_by).
RESERVATION_RELEASE_MINUTES = env.int("RESERVATION_RELEASE_MINUTES", default=30)
# The box office may refund an order at the counter (cash paid out) up to this amount; above it, only a manager
# (403 refund_above_limit). In the installation's CURRENCY.
BOX_OFFICE_REFUND_LIMIT = Decimal(env.str("BOX_OFFICE_REFUND_LIMIT", default="100.00"))
# The customer is reminded this many hours before that deadline (core.services.reservations; 0: no reminder).
RESERVATION_REMINDER_HOURS = env.int("RESERVATION_REMINDER_HOURS", default=24)
# Most seats one account may have of one show held or reserved unpaid, the two counted together (core.limits).
# Separate from MAX_SEATS_PER_BOOKING, which bounds one request (and the seats held at once).
MAX_SEATS_PER_CUSTOMER_PER_SHOW = env.int("MAX_SEATS_PER_CUSTOMER_PER_SHOW", default=10)
# Most unpaid reservations (seats to pay at the box office, shows not started) one account may have open at once.
MAX_UNPAID_RESERVATIONS_PER_ACCOUNT = env.int("MAX_UNPAID_RESERVATIONS_PER_ACCOUNT", default=20)
# After this many declined cards an order accepts no more card payments (409 card_attempts_exhausted; its
# PaymentIntent is cancelled, so Stripe.js cannot use it either): card testing (docs/security.md).
MAX_CARD_DECLINES_PER_ORDER = env.int("MAX_CARD_DECLINES_PER_ORDER", default=3)

# --- Waiting lists (waitlist/) --------------------------------------------------------------------------
# An offer to the waiting list holds the seats for the customer this long (never past the show's start).
WAITLIST_OFFER_MINUTES = env.int("WAITLIST_OFFER_MINUTES", default=30)
# The site's address, for links in e-mails (the waiting list's offer links to the web app's checkout).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# Stripe (orders/payments/providers/stripe.py). Without STRIPE_SECRET_KEY the "stripe" payment method is refused
# (400 payment_method_unavailable). STRIPE_API_BASE points the SDK at another Stripe-compatible server
# (localstripe in the tests); unset, it talks to Stripe itself.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Where the web checkout loads Stripe.js from (the tests point it at localstripe's look-alike,
# <localstripe>/js.stripe.com/v3/). Card payment is offered only with STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY.
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# Besides STRIPE_JS_URL's origin, the hosts Stripe.js frames and calls, allowed by the pages'
# Content-Security-Policy (Stripe's list: its API and the 3D Secure frames).
STRIPE_CSP_ORIGINS = env.list("STRIPE_CSP_ORIGINS", default=[
    "https://*.js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com"])
# How long a call to Stripe may take before it counts as failed (seconds).
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)

# --- Tickets and check-in (tickets/) ---------------------------------------------------------------------
# The door opens this many minutes before the show: earlier check-ins answer 409 checkin_not_open.
CHECKIN_OPENS_MINUTES = env.int("CHECKIN_OPENS_MINUTES", default=60)

# --- E-mail (notifications/) -----------------------------------------------------------------------------
# EMAIL_URL: smtp://user:password@host:port (smtp+tls:// for STARTTLS, smtps:// for TLS); the default prints mails
# to the console. Every mail goes through an outbox row (notifications.OutboxMessage) and is sent once.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cinema <tickets@localhost>")
# The mail task retries an unreachable SMTP server with exponential backoff, up to this many times.
MAIL_MAX_RETRIES = env.int("MAIL_MAX_RETRIES", default=8)
# The first retry waits this many seconds, each next one twice as long (at most an hour).
MAIL_RETRY_BASE_SECONDS = env.int("MAIL_RETRY_BASE_SECONDS", default=30)

# --- Celery (ticketing_system/celery.py) -----------------------------------------------------------------
# With REDIS_URL a worker (`celery -A ticketing_system worker`) sends the mail; without it (make run) the web
# process sends it itself right after the commit. CELERY_BROKER_URL may name another broker than the cache's.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL", default=""))
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="ticketing")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request enqueuing a mail must not hang when Redis is down: fail fast, the outbox row stays pending and
# `python manage.py send_pending_mail` (or the worker's periodic sweep) sends it later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}

# --- i18n / time ------------------------------------------------------------------------------------------
# The web pages and the API's error messages speak these languages (locale/<lang>/LC_MESSAGES/django.po, compiled
# by common/translations.py on make run / make test). Anything else a browser asks for falls back to English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
# The ticket PDF's font (tickets.rendering): DejaVu Sans from here if present (Debian's fonts-dejavu-core), for
# every Latin letter and "€"; reportlab's Helvetica otherwise.
TICKET_FONT_DIR = env.str("TICKET_FONT_DIR", default="/usr/share/fonts/truetype/dejavu")
# Noto Sans Devanagari from here (Debian's fonts-noto-core; `make browser` installs it) writes a Hindi reader's ticket
# PDF in Hindi; without it the PDF is in English (a log line says so).
TICKET_DEVANAGARI_FONT_DIR = env.str("TICKET_DEVANAGARI_FONT_DIR", default="/usr/share/fonts/truetype/noto")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------------
# whitenoise serves Swagger UI's and the admin's assets with DEBUG off, straight from the apps (USE_FINDERS), so
# no collectstatic step is needed to run; `collectstatic` into STATIC_ROOT adds compressed copies. (The empty
# staticfiles/ directory is committed so whitenoise does not warn before the first collectstatic.)
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True
# Uploaded files (movie posters) go through Django's storage API: on this server's disk in MEDIA_ROOT, served at
# MEDIA_URL by moviemedia.views.media_file with a year's cache (the names carry the content's hash). For object
# storage (S3 and compatibles) set STORAGES["default"] to django-storages' backend: docs/operations.md.
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
# A poster upload: at most this many bytes and pixels (moviemedia.images; the body limit is raised to this for the
# poster's upload paths only, LARGE_UPLOAD_PATHS).
POSTER_MAX_BYTES = env.int("POSTER_MAX_BYTES", default=5 * 1024 * 1024)
POSTER_MAX_PIXELS = env.int("POSTER_MAX_PIXELS", default=40_000_000)
LARGE_UPLOAD_PATHS = r"^/(movies/\d+/media/|admin/moviemedia/)"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Cache (throttle counters) ----------------------------------------------------------------------------
# Throttle counters must be shared by every worker process, or each worker grants its own quota: Redis when
# REDIS_URL is set (e.g. redis://127.0.0.1:6379/0), otherwise the per-process local-memory cache (fine for
# `make run` and the tests, not for several workers).
REDIS_URL = env.str("REDIS_URL", default="")
# The on-sales' waiting lines (onsales.line). Redis is required for a waiting room; the key prefix lets several
# deployments or test runs share one Redis.
ONSALE_REDIS_URL = env.str("ONSALE_REDIS_URL", default=REDIS_URL or "redis://127.0.0.1:6379/0")
ONSALE_REDIS_PREFIX = env.str("ONSALE_REDIS_PREFIX", default="onsale")
# How long a process reuses its list of gated shows before reading it again (onsales.gate): a new, changed or
# closed on-sale takes effect in every process within this time (at once in the process that saved it).
ONSALE_GATE_REFRESH_SECONDS = env.float("ONSALE_GATE_REFRESH_SECONDS", default=5.0)
# How often the waiting room's page asks for the visitor's place.
ONSALE_POLL_MS = env.int("ONSALE_POLL_MS", default=3000)
# An on-sale with `rate_from_capacity` admits min(admit_per_minute, derived) a minute, derived from the service's
# measured capacity (common/capacity.py, docs/decisions/0054): capacity (requests/s) x 60 x ONSALE_CAPACITY_SHARE
# (the share of it the on-sale's visitors may use) / ONSALE_REQUESTS_PER_VISITOR (what one admitted visitor's
# purchase costs in requests: seat map polls, hold, book, order).
ONSALE_CAPACITY_SHARE = env.float("ONSALE_CAPACITY_SHARE", default=0.5)
ONSALE_REQUESTS_PER_VISITOR = env.float("ONSALE_REQUESTS_PER_VISITOR", default=20)
# Each server process whose shedder is on reports its capacity (server threads / average service time) here about
# once a second, under `<prefix>:<hostname>:<pid>` with this TTL, once it has measured that many requests: the
# shedder's moving average starts at 0 and weighs the newest request 5 %, so it is within 1 % of a steady service
# time after 100 (common/capacity.py). An empty URL turns the reports off.
CAPACITY_REDIS_URL = env.str("CAPACITY_REDIS_URL", default=ONSALE_REDIS_URL)
CAPACITY_REDIS_PREFIX = env.str("CAPACITY_REDIS_PREFIX", default="capacity")
CAPACITY_REPORT_TTL_SECONDS = env.int("CAPACITY_REPORT_TTL_SECONDS", default=5)
CAPACITY_REPORT_MIN_REQUESTS = env.int("CAPACITY_REPORT_MIN_REQUESTS", default=100)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "common.cache.RedisCache",  # Django's, one client per pool (common/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ticketing"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Request limits ---------------------------------------------------------------------------------------
# The API's bodies are a few hundred bytes; 64 KiB leaves room and refuses megabyte garbage (413) before it is
# parsed. Enforced by common.middleware.RequestSizeLimitMiddleware for every request (DRF reads the stream
# directly, which Django's own DATA_UPLOAD_MAX_MEMORY_SIZE check does not see), and by Django for forms.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Any JSON array in a request body longer than this, or nested deeper, is a 400 (common.parsers).
REQUEST_MAX_LIST_ITEMS = env.int("REQUEST_MAX_LIST_ITEMS", default=100)
REQUEST_MAX_JSON_DEPTH = env.int("REQUEST_MAX_JSON_DEPTH", default=10)

# --- Transport security -----------------------------------------------------------------------------------
# Production-safe when DEBUG is off (the default); `make run` sets DJANGO_DEBUG=1 and so serves plain http.
# Behind a proxy that terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https so Django
# knows the original request was https (otherwise SSL redirect loops). To serve plain http with DEBUG off (a
# local load test), set DJANGO_SECURE_SSL_REDIRECT=0.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
_proxy_ssl_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be HEADER,value, e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
# Browsers ignore HSTS over plain http, so this is harmless in development; with DEBUG off it is one year.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Security headers (SecurityMiddleware / XFrameOptionsMiddleware): nosniff, Referrer-Policy same-origin and
# Cross-Origin-Opener-Policy same-origin are Django's defaults; stated so a change is deliberate.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of the web pages and the admin (django-csp; ticketing_system/csp.py adds Stripe.js's
# origins from STRIPE_JS_URL): everything from our own origin, no inline script, style attribute or handler;
# images also from https: (posters are URLs staff enter) and data: (the tickets' QR codes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging ----------------------------------------------------------------------------------------------
# One JSON object per line (python-json-logger), each with the request id (common.middleware) so the lines of one
# request can be found together. Events of record (booking, cancel, login failure, throttling) are logged by
# common.events.log_event. LOG_FORMAT=plain gives human-readable lines instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.middleware.RequestIdLogFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="json"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
