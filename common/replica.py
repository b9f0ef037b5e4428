"""Reads that may be served by a replica of the database, and the router that sends them there.

Why opt-in, per view, rather than "every read to the replica": a replica is a moment behind the primary (even a
synchronous one has flushed, not necessarily applied, the last commit), so a read that decides anything (is this
seat free? is this order paid?) must see the primary, and so must a customer who looks at what they just did.
Only views that show what staff or the public may see a moment late opt in, with `@reads_from_replica`: the sales
report and its CSV, and the catalogue pages (what's on, a movie's shows). Everything else (the booking path:
seats, holds, orders, payments; a show's seat map; a customer's own pages) reads from the primary, as do:
- reads inside a transaction on the primary (a service's `transaction.atomic()`: its reads are part of a
  decision, so they stay with its writes and locks, even when a replica-reading view calls it);
- who the client is (sessions, users, tokens: `IDENTITY_APPS`), so a sign-in or sign-out counts at once.
Writes always go to the primary, including writes of objects read from the replica.

Configuration: REPLICA_DATABASE_URL (ticketing_system/settings.py) adds the `replica` alias and sets
REPLICA_DATABASE_ALIAS; unset, this router answers "the primary" to everything and nothing changes.
"""
import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.template.response import TemplateResponse

# Models whose rows say who the client is and what they may do: always read where they were last written.
IDENTITY_APPS = frozenset({"auth", "sessions", "contenttypes", "admin", "accounts", "token_blacklist"})

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads():
    """Within this block, reads that tolerate a moment's lag go to the replica (if one is configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view):
    """A view (function or method) whose reads may come from the replica.

    A TemplateResponse is rendered before the block ends, so the querysets its template evaluates lazily are read
    where the view's are (DRF's Response is left alone: its data is computed already, and DRF renders it).
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            response = view(*args, **kwargs)
            if isinstance(response, TemplateResponse) and not response.is_rendered:
                response.render()
            return response

    return wrapped


def replica_alias() -> str | None:
    """The alias reads go to inside `replica_reads()`: the replica's when one is configured, else None."""
    alias = getattr(settings, "REPLICA_DATABASE_ALIAS", None)
    return alias if alias and alias in connections.settings else None


class ReplicaRouter:
    """Chooses the database of every query: the primary unless the read may come from the replica (see above)."""

    def db_for_read(self, model, **hints):
        alias = replica_alias()
        if (alias is None or not _replica_reads.get() or model._meta.app_label in IDENTITY_APPS
                or connections[DEFAULT_DB_ALIAS].in_atomic_block):
            # Explicitly the primary: returning None would let Django read a related object from the database
            # its parent came from, i.e. from the replica outside a replica-reading view.
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        # Even for an object read from the replica (Django would otherwise write it back where it came from).
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The primary and its replica hold the same rows: an object from one may refer to an object from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica receives the schema by replication; it is never migrated itself.
        return db == DEFAULT_DB_ALIAS
