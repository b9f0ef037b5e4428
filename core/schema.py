"""Schema (drf-yasg) adjustments, so /swagger.json documents what the API really answers.

The fuzz test (tests/test_fuzz.py) checks every response against this schema; where drf-yasg's defaults
describe something else, the fix is here rather than in the responses (which are the seed's contract).
"""
from drf_yasg import openapi
from drf_yasg.inspectors import DjangoRestResponsePagination


class OptionalPaginationInspector(DjangoRestResponsePagination):
    """Lists answer a plain JSON array (the seed's shape) unless `?limit=` asks for a page envelope.

    drf-yasg documents only the envelope. Swagger 2.0 has no `oneOf`; `anyOf` of the two shapes is what JSON
    Schema validators (and so clients that validate) understand, and Swagger UI shows both under the description.
    """

    def get_paginated_response(self, paginator, response_schema):
        envelope = super().get_paginated_response(paginator, response_schema)
        if getattr(paginator, "default_limit", 0) is not None:
            return envelope  # a paginator that always pages: the envelope is the only shape
        return _AnyOf(
            description="A JSON array; with ?limit= the page envelope {count, next, previous, results}.",
            schemas=[response_schema, envelope],
        )


class _AnyOf(openapi.Schema):
    # A Schema (drf-yasg checks isinstance) without a `type`, which an anyOf of an array and an object cannot have.
    def __init__(self, *, description: str, schemas: list):
        openapi.SwaggerDict.__init__(self)  # skips Schema.__init__ and its `type` assertion
        self.description = description
        self.any_of = schemas  # SwaggerDict writes snake_case attributes as camelCase keys: anyOf
        self._insert_extras__()
