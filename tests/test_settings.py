"""Configuration that correctness depends on: secrets, and the database set up for concurrent writers."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
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
