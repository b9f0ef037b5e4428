"""The staff roles: which jobs a user may do.

A role is a Django group of the same name (`box_office`, `door`, `programme`, `manager`); the groups and the model
permissions each carries (for the admin) are set up by a data migration. Superusers may do everything. A manager
may do every other role's job too, so `has_role(user, DOOR)` is true for a manager. Every staff operation (API
endpoint, admin page, web page) asks `has_role` — the one home of "who may do this job".
"""
from functools import wraps

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

BOX_OFFICE = "box_office"
DOOR = "door"
PROGRAMME = "programme"
MANAGER = "manager"
ROLES = (BOX_OFFICE, DOOR, PROGRAMME, MANAGER)

# Roles a role includes besides itself.
_INCLUDED_BY = {BOX_OFFICE: {MANAGER}, DOOR: {MANAGER}, PROGRAMME: {MANAGER}, MANAGER: set()}


def role_names(user) -> frozenset:
    """The user's role groups, read once per user object (a request's user is one object)."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, role: str) -> bool:
    """True when the user may do `role`'s job: a superuser, a member of the role's group, or a manager."""
    if role not in _INCLUDED_BY:
        raise ValueError(f"unknown role {role!r}")
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    names = role_names(user)
    return role in names or bool(names & _INCLUDED_BY[role])


def has_any_role(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or role_names(user)))


def role_required(role: str):
    """A DRF permission class for `role`: anonymous callers get 401, signed-in users without it 403."""

    class RoleRequired(permissions.BasePermission):
        def has_permission(self, request, view):
            return has_role(request.user, role)

    RoleRequired.__name__ = f"Role_{role}"
    RoleRequired.__qualname__ = RoleRequired.__name__
    return RoleRequired


def role_required_to_write(role: str):
    """Anyone may read (GET, HEAD, OPTIONS); writing needs `role` (anonymous 401, signed in without it 403)."""

    class RoleRequiredToWrite(permissions.BasePermission):
        def has_permission(self, request, view):
            return request.method in permissions.SAFE_METHODS or has_role(request.user, role)

    RoleRequiredToWrite.__name__ = f"Role_{role}_to_write"
    RoleRequiredToWrite.__qualname__ = RoleRequiredToWrite.__name__
    return RoleRequiredToWrite


ROLE_NAMES = {BOX_OFFICE: _("box office"), DOOR: _("door"), PROGRAMME: _("programme"), MANAGER: _("manager")}


def admin_role_view(role: str, view):
    """An admin page for `role`. Signed out (or not staff): the admin's login page, as every admin page; signed in
    without the role: a 403 page saying which role it needs."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not has_role(request.user, role):
            context = {**admin.site.each_context(request), "title": _("Permission denied"),
                       "role_name": ROLE_NAMES[role]}
            return TemplateResponse(request, "admin/role_required.html", context, status=403)
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


class RoleActionsMixin:
    """For a ModelAdmin: `@admin.action(permissions=["manager"])` (or box_office, door, programme) offers the action
    only to users with that role (Django asks `has_<name>_permission`)."""

    def has_box_office_permission(self, request):
        return has_role(request.user, BOX_OFFICE)

    def has_door_permission(self, request):
        return has_role(request.user, DOOR)

    def has_programme_permission(self, request):
        return has_role(request.user, PROGRAMME)

    def has_manager_permission(self, request):
        return has_role(request.user, MANAGER)
