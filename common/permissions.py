"""Who may call an operation: the two staff rules the apps' views share."""
from rest_framework import permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone may read; only staff may create. Anonymous writers get 401, signed-in non-staff 403."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


# --- Movies and shows -------------------------------------------------------------------------------------
class IsStaff(permissions.BasePermission):
    """Staff only: anonymous callers get 401, signed-in non-staff 403."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
