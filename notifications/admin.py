"""The outbox, for staff: what was sent, what is waiting, what failed (and why)."""
from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "to", "subject", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["to", "dedupe_key"]
    exclude = ["body_html"]
