"""Admin pieces every app's admin uses (read-only pages, actions that call a service per object), and the
idempotency keys' read-only page."""
from django.contrib import admin, messages

from common.errors import DomainError
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


def domain_error_text(exc: DomainError) -> str:
    details = [f"{key}: {value}" for key, value in exc.extra.items()]
    return " ".join([exc.message, *details])


def apply_to_each(model_admin, request, queryset, call, *, name, summary) -> None:
    """Run an admin action's service `call` on each selected object, in primary-key order.

    Each object is its own transaction (the service's), so one refusal (a DomainError) does not undo the others:
    it is reported by `name(obj)`, and the successes are counted in `summary(count)`. Shared by every admin
    action that calls a service per object (shows, orders).
    """
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
            done += 1
        except DomainError as exc:
            model_admin.message_user(request, f"{name(obj)}: {domain_error_text(exc)}", messages.ERROR)
    if done:
        model_admin.message_user(request, summary(done), messages.SUCCESS)
