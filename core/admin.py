"""The staff's view of the cinema.

Bookings are read-only here: a booking written from a form would bypass the show lock that
`core.services.booking` takes, so staff see and filter bookings but seats change only through the service.
"""
from django import forms
from django.contrib import admin
from django.db.models import Count, F, Q
from django.utils import timezone

from core.exceptions import ShowHasBookings
from core.models import Booking, Hold, IdempotencyKey, Movie, Show
from core.selectors import held_seat_count_per_show
from core.services.catalog import check_capacity_change


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


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "duration_minutes"]
    search_fields = ["title"]


class ShowAdminForm(forms.ModelForm):
    class Meta:
        model = Show
        fields = ["movie", "screen_name", "date_time", "total_seats"]

    def clean_total_seats(self):
        total_seats = self.cleaned_data["total_seats"]
        if not 1 <= total_seats <= Show.MAX_TOTAL_SEATS:
            raise forms.ValidationError(f"A show has between 1 and {Show.MAX_TOTAL_SEATS} seats.")
        if self.instance.pk:
            try:
                check_capacity_change(show=self.instance, total_seats=total_seats)
            except ShowHasBookings as exc:
                raise forms.ValidationError(exc.message) from exc
        return total_seats


@admin.register(Show)
class ShowAdmin(admin.ModelAdmin):
    form = ShowAdminForm
    list_display = ["id", "movie", "screen_name", "date_time", "total_seats", "booked_seats", "available_seats"]
    list_filter = [("date_time", admin.DateFieldListFilter), "movie"]
    list_select_related = ["movie"]
    search_fields = ["movie__title", "screen_name"]
    date_hierarchy = "date_time"

    def get_queryset(self, request):
        # Counts in the list query itself: one query for the page, not one per row.
        booked = Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED))
        held = held_seat_count_per_show(now=timezone.now())
        return super().get_queryset(request).annotate(booked_count=booked,
                                                      available_count=F("total_seats") - booked - held)

    @admin.display(description="Booked", ordering="booked_count")
    def booked_seats(self, show):
        return show.booked_count

    @admin.display(description="Available", ordering="available_count")
    def available_seats(self, show):
        return show.available_count


class ShowFilter(admin.SimpleListFilter):
    """Filter bookings by show. Django's default related filter renders each show's name with one query per
    show (the movie title); this one loads the shows and their movies in a single query."""

    title = "show"
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [(show.pk, str(show)) for show in Show.objects.select_related("movie")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(show_id=self.value())
        return queryset


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "show", "seat_number", "status", "created_at", "cancelled_at"]
    list_filter = ["status", ShowFilter]
    list_select_related = ["user", "show__movie"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "show", "seat_number", "status", "created_at", "cancelled_at"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only, like bookings: holds change only through core.services.holds, under the show lock."""

    list_display = ["id", "user", "show", "seats", "created_at", "expires_at"]
    list_filter = [ShowFilter]
    list_select_related = ["user", "show__movie"]
    search_fields = ["user__username"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("seats")

    @admin.display(description="Seats")
    def seats(self, hold):
        return ", ".join(str(seat) for seat in hold.seat_numbers)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "key", "state", "response_status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "key"]
