"""Configuration that correctness depends on: secrets, and the database set up for concurrent writers."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]  # the repository
STRONG_KEY = "k3#pZ9vQ!rT2wX8yB5nM@cL7hJ4fG1dS6aE0uI9oP3lK8jH2gF5dS1aQ7"


def _import_settings(**env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-c", "import ticketing_system.settings"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_refuses_to_start_without_a_secret_when_debug_is_off():
    result = _import_settings()

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_starts_with_a_secret_or_in_debug():
    assert _import_settings(DJANGO_SECRET_KEY=STRONG_KEY).returncode == 0
    assert _import_settings(DJANGO_DEBUG="1").returncode == 0


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite configuration")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.transaction_mode == "IMMEDIATE"
    assert settings.DATABASES["default"]["OPTIONS"]["timeout"] >= 5


@pytest.mark.postgres_only
def test_postgres_connections_are_persistent_and_health_checked():
    db = settings.DATABASES["default"]
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


# --- Secret keys (DJANGO_SECRET_KEY=changeme was once accepted, and it signed the JWTs) --------------------------
@pytest.mark.parametrize("key, reason", [
    ("changeme", "shorter than 50 characters"),
    (STRONG_KEY[:49], "shorter than 50 characters"),
    ("abab" * 20, "fewer than 5 distinct characters"),
    ("changeme" * 8, "placeholder 'changeme'"),
    ("django-insecure-" + "q8Zt3Lp0Wm7Rx2Vb9Nc4Kd6Hf1Gj5Sa" * 2, "placeholder 'insecure'"),
    ("your-secret-key-here-" + "q8Zt3Lp0Wm7Rx2Vb9Nc4Kd6Hf1Gj5Sa", "placeholder 'secretkey'"),
])
def test_refuses_a_weak_secret_key_with_debug_off_and_says_how_to_make_one(key, reason):
    result = _import_settings(DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak to run with DEBUG off" in result.stderr
    assert reason in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_a_weak_key_is_fine_in_debug():
    assert _import_settings(DJANGO_SECRET_KEY="changeme", DJANGO_DEBUG="1").returncode == 0


def test_jwt_signing_key_is_checked_and_used():
    weak = _import_settings(DJANGO_SECRET_KEY=STRONG_KEY, JWT_SIGNING_KEY="changeme")
    assert weak.returncode != 0
    assert "JWT_SIGNING_KEY is too weak" in weak.stderr

    jwt_key = "Jw7#kQ2mZp9vX4rT8yB1nC6hL3fG0dS5aE"
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'ticketing_system.settings'; django.setup(); "
            "from rest_framework_simplejwt.settings import api_settings; print(api_settings.SIGNING_KEY)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SECRET_KEY=STRONG_KEY, JWT_SIGNING_KEY=jwt_key * 2)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == jwt_key * 2, out.stderr


def test_the_test_suite_runs_with_a_strong_key():
    from ticketing_system.secret_keys import secret_key_problem

    assert secret_key_problem(settings.SECRET_KEY) is None


def test_serving_without_redis_warns_that_limits_are_per_process(monkeypatch, capsys):
    from ticketing_system import serve

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    executed = []
    monkeypatch.setattr(serve.os, "execv", lambda path, args: executed.append(args))
    serve.main()
    assert "WARNING: REDIS_URL is not set, so each of the 3 worker processes counts the abuse limits" in (
        capsys.readouterr().err)
    assert executed and "--interface" in executed[0]

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    serve.main()
    assert "WARNING" not in capsys.readouterr().err
