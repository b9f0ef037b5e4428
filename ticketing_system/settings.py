"""Settings for the ticketing service, read from the environment.

Every knob an operator may turn is an environment variable (see README, "Configuration"). The defaults are
for development only: with DJANGO_DEBUG off (the default) the process refuses to start without
DJANGO_SECRET_KEY, so a production deploy cannot silently run with a known key.
"""
from datetime import timedelta
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
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

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
    "core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
            ],
        },
    },
]

WSGI_APPLICATION = "ticketing_system.wsgi.application"

# --- Database -------------------------------------------------------------------------------------------
# How long a booking waits for another booking of the same show to release the show's row lock before it is
# answered with 503 "busy" and Retry-After (PostgreSQL only; SQLite waits up to its busy timeout instead).
BOOKING_LOCK_TIMEOUT_MS = env.int("BOOKING_LOCK_TIMEOUT_MS", default=3000)

# DATABASE_URL, e.g. postgres://root@127.0.0.1:5432/ticketing; default: the SQLite file db.sqlite3.
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
    # Persistent connections save a TCP + auth round trip per request.
    _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # Django's health check would send a `SELECT 1` at the start of every request (measured: ~14% of a booking
    # worker's wall time under load, a round trip per request). Off by default: the price is that after a
    # PostgreSQL restart or failover, each worker's next request fails once with a 500 (nothing is written;
    # Django then drops the broken connection and the following request reconnects). DB_CONN_HEALTH_CHECKS=1
    # turns it back on where that matters more than the round trip.
    _db["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
    # The lock wait bound is set once per connection (a startup parameter costs no round trip) rather than by a
    # `SET LOCAL` in every booking transaction, which was one of its seven round trips. It then bounds every
    # lock wait of the web process, which is what a web request wants anyway (fail fast, never hang); a
    # migration that cannot get its lock within it fails and can simply be re-run. core.locks still sets the
    # bound per transaction whenever BOOKING_LOCK_TIMEOUT_MS differs from this connection-wide value.
    DATABASE_LOCK_TIMEOUT_MS = BOOKING_LOCK_TIMEOUT_MS
    _options = _db.setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c lock_timeout={DATABASE_LOCK_TIMEOUT_MS}".strip()

BUSY_RETRY_AFTER_SECONDS = env.int("BUSY_RETRY_AFTER_SECONDS", default=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.authentication.JWTAuthentication"],
    # Secure by default: every view is authenticated unless it opts out explicitly.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # A JSON API: anything else is answered 415 rather than half-parsed.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.exception_handler.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=1)),
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "USE_SESSION_AUTH": False,
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "description": "JWT access token from /login, entered as: Bearer <access token>",
        }
    },
}

# --- Booking rules ----------------------------------------------------------------------------------------
# Cancelling closes this many minutes before the show starts (0: until the show starts).
BOOKING_CANCEL_CUTOFF_MINUTES = env.int("BOOKING_CANCEL_CUTOFF_MINUTES", default=0)

# --- i18n / time ------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------------
# whitenoise serves Swagger UI's and the admin's assets with DEBUG off, straight from the apps (USE_FINDERS), so
# no collectstatic step is needed to run; `collectstatic` into STATIC_ROOT adds compressed copies. (The empty
# staticfiles/ directory is committed so whitenoise does not warn before the first collectstatic.)
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Logging ----------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
