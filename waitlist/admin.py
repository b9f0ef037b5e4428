"""Staff pages for waiting lists: each show's list with its entries in line order, the seats and revenue waiting,
and an action to close it. Read-only in forms: entries change only through waitlist.services."""
from django.contrib import admin

from accounts.roles import RoleActionsMixin
from common.admin import ReadOnlyAdminMixin, apply_to_each
from common.money import price_text
from waitlist import selectors, services
from waitlist.models import Entry, WaitingList


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    fields = ["id", "user", "seats", "category", "status", "created_at", "hold_id", "offer_expires_at", "ended_at"]
    readonly_fields = fields
    ordering = ["id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WaitingList)
class WaitingListAdmin(RoleActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["show", "closed_at", "waiting"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["show__movie"]
    search_fields = ["show__movie__title", "=show__id"]
    inlines = [EntryInline]
    actions = ["close"]

    @admin.display(description="Waiting (entries, seats, on offer, revenue at the standard price)")
    def waiting(self, obj):
        summary = selectors.show_waitlist(show_id=obj.show_id)
        return (f"{summary['waiting_entries']} entries, {summary['waiting_seats']} seats, "
                f"{summary['offered_seats']} on offer, {price_text(summary['revenue'])}")

    @admin.action(description="Close the selected waiting lists (nobody joins; those waiting are told)",
                  permissions=["manager"])
    def close(self, request, queryset):
        apply_to_each(self, request, queryset, lambda waiting_list: services.close(show_id=waiting_list.show_id),
                      name=lambda waiting_list: str(waiting_list),
                      summary=lambda ok: f"{ok} waiting list(s) closed.")


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "waiting_list", "user", "seats", "category", "status", "created_at", "offer_expires_at"]
    list_filter = ["status"]
    list_select_related = ["user", "waiting_list"]
    search_fields = ["user__username", "user__email", "=waiting_list__show__id"]
