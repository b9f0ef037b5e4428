"""The paginator inspector of the API description (settings.SWAGGER_SETTINGS).

A module of its own because drf-yasg imports it while its own inspectors package is being imported: it must not
import common.schema (which imports drf-yasg's inspectors) or be imported by anything else.
"""
from drf_yasg.inspectors.query import DjangoRestResponsePagination


class ListPaginationInspector(DjangoRestResponsePagination):
    """The array operation has no paging parameters (they would change its shape); the paged twin documents them."""

    def get_paginator_parameters(self, paginator):
        if getattr(paginator, "default_limit", 0) is None:
            return []
        return super().get_paginator_parameters(paginator)

    def get_paginated_response(self, paginator, response_schema):
        return response_schema  # success shapes are declared by api_operation; the twin's page by ApiAutoSchema
