"""Whether the database answers: what `GET /health/` (common.views) reports."""
import logging

from django.db import DatabaseError, connection

from common.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)


def database_ping() -> None:
    """One trivial query, so a health check proves the database answers (not only that the process runs)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The reason goes to the log for the operator; the probe only needs to know it is down.
        logger.warning("Health check: the database did not answer: %s", exc)
        raise DatabaseUnavailable(extra={"status": "unavailable"}) from exc
