"""How the apps' URL patterns are spelled: ids, trailing slashes, and each list's paged twin.

Ids in paths use `<id:...>` (common.converters): a number beyond 64 bits is a 404, not a database error.

Some paths (`/signup`, `/login`, ...) answer with and without a trailing slash (the original API documents them
without one; clients used to Django add it). The second spelling is hidden from the schema so Swagger lists each
endpoint once.

Lists answer a plain JSON array (the original shape; `?limit=` still pages it for existing clients). Each also has
a paged twin, `<list>page/`, that always answers a page: its own operation in the API description, so every
operation has one success shape (common.schema.paged_twin).
"""
from django.urls import path

from common.schema import paged_twin


def with_and_without_slash(route: str, view, name: str):
    # drf-yasg leaves out views whose class says swagger_schema = None.
    unlisted = type(f"{view.__name__}WithSlash", (view,), {"swagger_schema": None})
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}/", unlisted.as_view(), name=f"{name}-slash"),
    ]


def list_with_page(route: str, view, name: str):
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}page/", paged_twin(view).as_view(), name=f"{name}-page"),
    ]
