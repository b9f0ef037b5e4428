"""Staff pages for check-ins: the list of who is in, per show (filter by show)."""
from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from core.admin import ShowFilter
from tickets.models import Checkin


class CheckinShowFilter(ShowFilter):
    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(booking__show_id=self.value())
        return queryset


@admin.register(Checkin)
class CheckinAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "booking", "show", "seat_number", "customer", "checked_in_at", "checked_in_by"]
    list_filter = [CheckinShowFilter]
    list_select_related = ["booking__show__movie", "booking__user", "checked_in_by"]
    search_fields = ["booking__user__username", "booking__ticket_code"]

    @admin.display(description="Show")
    def show(self, entry):
        return entry.booking.show

    @admin.display(description="Seat")
    def seat_number(self, entry):
        return entry.booking.seat_number

    @admin.display(description="Customer")
    def customer(self, entry):
        return entry.booking.user
