"""Admin pieces every app's admin uses, and the idempotency keys' read-only page."""
from django.contrib import admin

from common.models import IdempotencyKey


class ReadOnlyAdminMixin:
    """Staff see and filter these rows but never write them: they change only through the services, under the
    show lock. Keeping the view permission makes each change page render read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Bookings are cancelled (history is kept), holds released by their owner or release_expired_holds, keys
        # purged by release_expired_holds.
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "key", "state", "response_status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "key"]
