"""On-sales in the admin: staff with the programme role (or managers) set them up, e.g. a movie's opening
weekend: pick the movie and the days and its shows are added to those chosen by hand."""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.roles import PROGRAMME, has_role
from core.models import Movie
from onsales import services
from onsales.errors import ShowsAlreadyGated
from onsales.models import OnSale
from onsales.rate import admission_rate


class OnSaleForm(forms.ModelForm):
    movie = forms.ModelChoiceField(queryset=Movie.objects.all(), required=False,
                                   help_text="Add every show of this movie from the first to the last day below.")
    first_day = forms.DateField(required=False)
    last_day = forms.DateField(required=False)

    class Meta:
        model = OnSale
        fields = ["name", "shows", "opens_at", "admit_per_minute", "rate_from_capacity", "pass_minutes", "enabled",
                  "closes_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shows"].required = False

    def clean(self):
        data = super().clean()
        movie, first, last = data.get("movie"), data.get("first_day"), data.get("last_day")
        if (movie is None) != (first is None) or (first is None) != (last is None):
            raise forms.ValidationError("Give the movie, the first day and the last day together.")
        shows = {show.pk for show in data.get("shows") or []}
        if movie is not None:
            if last < first:
                raise forms.ValidationError("The last day is before the first.")
            shows |= set(services.shows_of_movie(movie_id=movie.pk, first_day=first, last_day=last))
        if not shows:
            raise forms.ValidationError("Choose shows, or a movie and days.")
        if data.get("enabled"):
            try:
                services.check_shows_free(show_ids=shows, onsale_id=self.instance.pk)
            except ShowsAlreadyGated as exc:
                raise forms.ValidationError(f"Shows already in another enabled on-sale: {exc.extra['shows']}") \
                    from None
        data["shows"] = list(self.fields["shows"].queryset.filter(pk__in=shows))
        return data


@admin.register(OnSale)
class OnSaleAdmin(admin.ModelAdmin):
    form = OnSaleForm
    list_display = ["__str__", "opens_at", "admit_per_minute", "rate_from_capacity", "pass_minutes", "enabled",
                    "closes_at"]
    list_filter = ["enabled"]
    filter_horizontal = ["shows"]
    readonly_fields = ["admit_per_minute_now"]
    fieldsets = [
        (None, {"fields": ["name", "opens_at", "admit_per_minute", "rate_from_capacity", "admit_per_minute_now",
                           "pass_minutes", "enabled", "closes_at"]}),
        ("Shows", {"fields": ["shows", "movie", "first_day", "last_day"]}),
    ]

    @admin.display(description=_("Admitted per minute now"))
    def admit_per_minute_now(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rate = admission_rate(obj)
        return f"{rate.per_minute} ({rate.source})"

    def has_module_permission(self, request):
        return has_role(request.user, PROGRAMME)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, PROGRAMME)

    def has_add_permission(self, request):
        return has_role(request.user, PROGRAMME)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, PROGRAMME)

    def has_delete_permission(self, request, obj=None):
        return has_role(request.user, PROGRAMME)
