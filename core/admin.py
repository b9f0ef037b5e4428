"""The staff's view of the cinema.

Bookings are read-only here: a booking written from a form would bypass the show lock that
`core.services.booking` takes, so staff see and filter bookings but seats change only through the service.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import PROGRAMME, RoleActionsMixin, admin_role_view, has_role
from common.admin import ReadOnlyAdminMixin, apply_to_each, domain_error_text
from common.errors import DomainError
from core.errors import ShowHasBookingHistory
from core.models import Booking, Hold, Movie, Show
from core.selectors import available_seat_count_per_show
from core.serializers import MAX_SCHEDULE_DAYS, MAX_SCHEDULE_TIMES
from core.services import catalog, schedule
from venues.models import Screen


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "duration_minutes", "language", "release_date"]
    search_fields = ["title"]


class ShowAdminForm(forms.ModelForm):
    """Creating and changing a show goes through core.services.catalog, so the admin obeys the same rules as the
    API (no past dates, no overlap on a screen, no movie change after sales, prices per category). The service runs
    in clean(), so a refused change is shown on the form as an error, not as a crash or a silent save."""

    prices = forms.JSONField(required=False, help_text='Per seat category, e.g. {"standard": "12.50"}. '
                                                       "Not needed in the seed's form (no screen).")

    class Meta:
        model = Show
        fields = ["movie", "screen", "screen_name", "total_seats", "date_time", "prices", "language", "format"]
        help_texts = {"screen_name": "Only without a screen (the seed's form).",
                      "total_seats": "Only without a screen (the seed's form)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("screen_name", "total_seats"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                self._create(data)
            else:
                self.instance = catalog.show_update(
                    show_id=self.instance.pk, movie_id=data["movie"].pk, date_time=data["date_time"],
                    prices=data.get("prices") or None, language=data.get("language", ""),
                    format=data.get("format", ""))
        except DomainError as exc:
            raise forms.ValidationError(domain_error_text(exc)) from exc
        return data

    def _create(self, data):
        screen = data.get("screen")
        if screen is None and not (data.get("screen_name") and data.get("total_seats")):
            raise forms.ValidationError("Choose a screen, or give a screen name and a number of seats.")
        if screen is None and not 1 <= data["total_seats"] <= Show.MAX_TOTAL_SEATS:
            raise forms.ValidationError(f"A show has between 1 and {Show.MAX_TOTAL_SEATS} seats.")
        self.instance = catalog.show_create(
            movie_id=data["movie"].pk, date_time=data["date_time"], screen_id=screen.pk if screen else None,
            prices=data.get("prices") or {}, screen_name=None if screen else data["screen_name"],
            total_seats=None if screen else data["total_seats"], language=data.get("language", ""),
            format=data.get("format", ""))


class ShowActionInputs(forms.Form):
    """The extra inputs of the show actions, shown beside the action menu."""

    new_date_time = forms.SplitDateTimeField(required=False, label="New start (reschedule)",
                                             widget=admin.widgets.AdminSplitDateTime)
    seat_numbers = forms.CharField(required=False, label="Seats (block/unblock), e.g. 1,2,15")


class ShowActionForm(helpers.ActionForm, ShowActionInputs):
    pass


WEEKDAYS = [(1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")), (5, _("Friday")),
            (6, _("Saturday")), (7, _("Sunday"))]


class ScheduleForm(forms.Form):
    """The admin's form of POST /shows/schedule/: the same rule, the same service."""

    movie = forms.ModelChoiceField(Movie.objects.order_by("title"), label=_("Movie"))
    screen = forms.ModelChoiceField(Screen.objects.select_related("cinema").order_by("cinema__name", "name"),
                                    label=_("Screen"))
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    times = forms.CharField(label=_("Start times"), help_text=_("Local to the cinema, e.g. 18:00, 21:00"))
    weekdays = forms.TypedMultipleChoiceField(choices=WEEKDAYS, coerce=int, initial=[1, 2, 3, 4, 5, 6, 7],
                                              widget=forms.CheckboxSelectMultiple, label=_("Weekdays"))
    prices = forms.JSONField(label=_("Prices"), help_text=_('Per seat category, e.g. {"standard": "12.50"}'))
    language = forms.CharField(required=False, max_length=50, label=_("Language"))
    format = forms.CharField(required=False, max_length=20, label=_("Format"))

    def clean_times(self):
        try:
            times = sorted({forms.TimeField().clean(part.strip())
                            for part in self.cleaned_data["times"].split(",") if part.strip()})
        except forms.ValidationError as exc:
            raise forms.ValidationError(_("Times are like 18:00, separated by commas.")) from exc
        if not 1 <= len(times) <= MAX_SCHEDULE_TIMES:
            raise forms.ValidationError(_("Between 1 and %(most)d times.") % {"most": MAX_SCHEDULE_TIMES})
        return times

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and not 0 <= (end - start).days < MAX_SCHEDULE_DAYS:
            raise forms.ValidationError(_("“To” is on or after “From”, at most %(days)d days later.")
                                        % {"days": MAX_SCHEDULE_DAYS})
        return data

    def rule(self) -> dict:
        data = self.cleaned_data
        return {"movie_id": data["movie"].pk, "screen_id": data["screen"].pk, "date_from": data["date_from"],
                "date_to": data["date_to"], "times": data["times"], "weekdays": data["weekdays"],
                "prices": data["prices"] if isinstance(data["prices"], dict) else {},
                "language": data["language"], "format": data["format"]}


@admin.register(Show)
class ShowAdmin(RoleActionsMixin, admin.ModelAdmin):
    form = ShowAdminForm
    action_form = ShowActionForm
    actions = ["cancel_shows", "reschedule_shows", "block_seats", "unblock_seats", "delete_shows"]
    list_display = ["id", "movie", "screen_name", "date_time", "status", "total_seats", "booked_seats",
                    "available_seats"]
    list_filter = ["status", ("date_time", admin.DateFieldListFilter), "movie", "screen__cinema"]
    list_select_related = ["movie"]
    search_fields = ["movie__title", "screen_name"]
    date_hierarchy = "date_time"

    def get_urls(self):
        return [path("schedule/", admin_role_view(PROGRAMME, self.schedule_view), name="core_show_schedule"),
                *super().get_urls()]

    def schedule_view(self, request):
        """Schedule shows: fill in the rule, preview the shows (and clashes), then create them all at once."""
        form = ScheduleForm(request.POST or None)
        run = None
        if request.method == "POST" and form.is_valid():
            try:
                run = schedule.shows_schedule(**form.rule(), dry_run="create" not in request.POST)
            except DomainError as exc:
                form.add_error(None, domain_error_text(exc))
            if run is not None and run.shows:
                self.message_user(request, gettext("Shows created: %(count)d.") % {"count": len(run.shows)},
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:core_show_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": gettext("Schedule shows"), "run": run,
                   "starts": [run.local(start) for start in run.starts] if run else [],
                   "clashes": schedule.clash_data(run) if run else []}
        return TemplateResponse(request, "admin/core/show/schedule.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_schedule": has_role(request.user, PROGRAMME)}
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request, obj=None):
        # A show keeps the seats it was created with (its own seat rows): screen and size never change.
        return ["screen", "screen_name", "total_seats", "status", "cancelled_at"] if obj else ["status"]

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in ShowAdminForm.clean()

    def get_queryset(self, request):
        # Counts in the list query itself: one query for the page, not one per row.
        booked = Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED), distinct=True)
        return super().get_queryset(request).annotate(
            booked_count=booked, available_count=available_seat_count_per_show(now=timezone.now()))

    @admin.display(description="Booked", ordering="booked_count")
    def booked_seats(self, show):
        return show.booked_count

    @admin.display(description="Available", ordering="available_count")
    def available_seats(self, show):
        return show.available_count

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's bulk delete would show a misleading "no permission to delete bookings" page for a booked show.
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if Booking.objects.filter(show_id=object_id).exists():
            self.message_user(request, ShowHasBookingHistory.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:core_show_change", args=[object_id]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        catalog.show_delete(show_id=obj.pk)

    def _each(self, request, queryset, verb, call):
        apply_to_each(self, request, queryset, call, name=lambda show: f"Show {show.pk}",
                      summary=lambda done: f"{verb} {done} show(s).")

    @admin.action(description="Cancel selected shows (bookings cancelled, holds released)", permissions=["manager"])
    def cancel_shows(self, request, queryset):
        self._each(request, queryset, "Cancelled", lambda show: catalog.show_cancel(show_id=show.pk))

    @admin.action(description="Reschedule selected shows to the new start", permissions=["change"])
    def reschedule_shows(self, request, queryset):
        new_date_time = self._action_input(request, "new_date_time")
        if new_date_time is None:
            return
        self._each(request, queryset, "Rescheduled",
                   lambda show: catalog.show_update(show_id=show.pk, date_time=new_date_time))

    @admin.action(description="Block the given seats (take them out of sale)", permissions=["change"])
    def block_seats(self, request, queryset):
        seats = self._seat_numbers(request)
        if seats:
            self._each(request, queryset, "Blocked seats of",
                       lambda show: catalog.seats_block(show_id=show.pk, seat_numbers=seats))

    @admin.action(description="Unblock the given seats", permissions=["change"])
    def unblock_seats(self, request, queryset):
        seats = self._seat_numbers(request)
        if seats:
            self._each(request, queryset, "Unblocked seats of",
                       lambda show: catalog.seats_unblock(show_id=show.pk, seat_numbers=seats))

    @admin.action(description="Delete selected shows (only shows that never had a booking)",
                  permissions=["delete"])
    def delete_shows(self, request, queryset):
        self._each(request, queryset, "Deleted", lambda show: catalog.show_delete(show_id=show.pk))

    def _action_input(self, request, name):
        # Parsed on their own: the action menu's own field is validated by the admin.
        form = ShowActionInputs(request.POST)
        if not form.is_valid() or not form.cleaned_data.get(name):
            self.message_user(request, f"Fill in \"{form.fields[name].label}\" for this action.", messages.ERROR)
            return None
        return form.cleaned_data[name]

    def _seat_numbers(self, request) -> list[int] | None:
        raw = self._action_input(request, "seat_numbers")
        if raw is None:
            return None
        try:
            return sorted({int(part) for part in raw.replace(" ", "").split(",") if part})
        except ValueError:
            self.message_user(request, "Seats are numbers separated by commas, e.g. 1,2,15.", messages.ERROR)
            return None


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


