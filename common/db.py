"""Small database helpers every app's services use."""
from django.db import IntegrityError


def violates_unique(exc: IntegrityError, *, constraint: str, table: str, columns: tuple[str, ...]) -> bool:
    """Whether `exc` is a violation of the unique constraint `constraint` on `table` (`columns`).

    The services' constraint backstops use it to answer 409 only for the seat conflict they guard, and let any
    other integrity error surface as the bug it is. PostgreSQL names the violated constraint; SQLite names the
    columns of the violated unique index instead.
    """
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:
        return diag.constraint_name == constraint
    return ", ".join(f"{table}.{column}" for column in columns) in str(exc)
