"""The database URLs of a failover setup: a libpq multi-host DATABASE_URL survives the settings and finds the
primary, and REPLICA_DATABASE_URL adds the replica alias (docs/operations.md, "A database that fails over").

`make failover` rehearses the real thing (pg_auto_failover, the primary killed under load); these check the parts
that need no second server: the URL's hosts, ports and options reach libpq unchanged, and libpq skips a host that
is down and connects to the one that accepts writes.
"""
import copy
import importlib
import socket

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

import ticketing_system.settings as real_settings


def _reloaded(monkeypatch, **env) -> dict:
    """The database settings as the settings module computes them with `env` (read before it is reloaded back)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        module = importlib.reload(real_settings)
        return copy.deepcopy({name: getattr(module, name)
                              for name in ("DATABASES", "REPLICA_DATABASE_ALIAS", "DATABASE_ROUTERS")})
    finally:
        for name in env:
            monkeypatch.delenv(name)
        importlib.reload(real_settings)


def test_a_multi_host_url_keeps_every_host_port_and_option(monkeypatch):
    url = ("postgres://app@10.0.0.11:5432,10.0.0.12:5433/ticketing"
           "?target_session_attrs=read-write&connect_timeout=2")
    db = _reloaded(monkeypatch, DATABASE_URL=url)["DATABASES"]["default"]
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("10.0.0.11,10.0.0.12", "5432,5433", "ticketing")
    assert db["OPTIONS"]["target_session_attrs"] == "read-write"
    assert db["OPTIONS"]["connect_timeout"] == 2
    assert "lock_timeout" in db["OPTIONS"]["options"]  # the service's own options are still added


def test_the_replica_alias_exists_only_with_replica_database_url(monkeypatch):
    without = _reloaded(monkeypatch, DATABASE_URL="postgres://app@db1:5432/ticketing")
    assert "replica" not in without["DATABASES"] and without["REPLICA_DATABASE_ALIAS"] is None
    with_replica = _reloaded(monkeypatch, DATABASE_URL="postgres://app@db1:5432/ticketing",
                             REPLICA_DATABASE_URL="postgres://reports@db2:5432/ticketing")
    replica = with_replica["DATABASES"]["replica"]
    assert with_replica["REPLICA_DATABASE_ALIAS"] == "replica"
    assert (replica["HOST"], replica["USER"], replica["ENGINE"]) == ("db2", "reports", "ticketing_system.postgresql")
    assert "lock_timeout" not in replica.get("OPTIONS", {}).get("options", "")
    assert with_replica["DATABASE_ROUTERS"] == ["common.replica.ReplicaRouter"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_libpq_skips_a_host_that_is_down_and_connects_to_the_primary():
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "ticketing_system.postgresql":
        pytest.skip("needs PostgreSQL")
    dead = _closed_port()
    port = default["PORT"] or "5432"
    host = default["HOST"] or "127.0.0.1"
    multi = {**default, "HOST": f"127.0.0.1,{host}", "PORT": f"{dead},{port}",
             "OPTIONS": {**default.get("OPTIONS", {}), "target_session_attrs": "read-write", "connect_timeout": 2}}
    connection = ConnectionHandler({"default": multi})["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
            assert cursor.fetchone() == (int(port), False)
    finally:
        connection.close()
