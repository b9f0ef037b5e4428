"""How lists page. A list answers a plain JSON array (the seed's shape); its paged twin always answers a page."""
from rest_framework.pagination import LimitOffsetPagination


class OptionalLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=&offset=` pages a list; without `limit` the list is the plain JSON array the seed documents.

    `?limit=` is kept for existing clients. The API description documents the array only (one shape per
    operation); the paged form is its own operation on the `page/` twin of the path (common.schema.paged_twin).
    """

    default_limit = None
    max_limit = 100


class PageLimitOffsetPagination(LimitOffsetPagination):
    """The paged twin's: always a page `{count, next, previous, results}`, 20 items unless `?limit=` (at most 100)."""

    default_limit = 20
    max_limit = 100
