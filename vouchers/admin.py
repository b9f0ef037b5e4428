"""Staff pages for vouchers: the list with each code's uses, a page generating a batch of single-use codes, and an
action exporting codes as CSV (manager: docs/roles.md)."""
import io

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, Sum
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import MANAGER, RoleActionsMixin, admin_role_view, has_role
from common import csv_export
from common.admin import ReadOnlyAdminMixin
from core.models import Movie, Show
from venues.models import Cinema
from vouchers import services
from vouchers.models import Voucher, VoucherUse


def _ticket_types(text: str) -> list[str]:
    return [part.strip().lower() for part in (text or "").split(",") if part.strip()]


class VoucherAdminForm(forms.ModelForm):
    ticket_types_text = forms.CharField(required=False, label=_("Ticket types"),
                                        help_text=_("Ticket type codes separated by commas; empty: all."))

    class Meta:
        model = Voucher
        fields = ["code", "kind", "value", "max_uses", "max_uses_per_account", "valid_from", "valid_until",
                  "cinemas", "movies", "shows", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["ticket_types_text"].initial = ", ".join(self.instance.ticket_types)

    def clean_code(self):
        code = services.normalize_code(self.cleaned_data["code"])
        if Voucher.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("A voucher with this code already exists (codes are "
                                                "case-insensitive)."))
        return code

    def clean(self):
        data = super().clean()
        problem = services.value_error(data.get("kind"), data.get("value"))
        if problem and data.get("kind") and data.get("value") is not None:
            self.add_error("value", problem)
        self.instance.ticket_types = _ticket_types(data.get("ticket_types_text"))
        return data


class BatchForm(forms.Form):
    """The admin's form of POST /vouchers/batch/: the same service."""

    count = forms.IntegerField(min_value=1, max_value=services.MAX_BATCH, label=_("Number of codes"))
    prefix = forms.CharField(required=False, max_length=20, label=_("Prefix"))
    kind = forms.ChoiceField(choices=Voucher.Kind.choices, label=_("Kind"))
    value = forms.DecimalField(max_digits=10, decimal_places=2, label=_("Value"))
    valid_from = forms.DateTimeField(required=False, label=_("Valid from"))
    valid_until = forms.DateTimeField(required=False, label=_("Valid until"))
    max_uses_per_account = forms.IntegerField(required=False, min_value=1, label=_("Uses per account"))
    cinemas = forms.ModelMultipleChoiceField(Cinema.objects.order_by("name"), required=False, label=_("Cinemas"))
    movies = forms.ModelMultipleChoiceField(Movie.objects.order_by("title"), required=False, label=_("Movies"))
    shows = forms.ModelMultipleChoiceField(Show.objects.select_related("movie").order_by("-date_time"),
                                           required=False, label=_("Shows"))
    ticket_types = forms.CharField(required=False, label=_("Ticket types"),
                                   help_text=_("Ticket type codes separated by commas; empty: all."))

    def clean_prefix(self):
        prefix = services.normalize_code(self.cleaned_data["prefix"])
        if prefix and not services.PREFIX_PATTERN.match(prefix):
            raise forms.ValidationError(gettext("Letters, digits and - only."))
        return prefix

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("value") is not None:
            problem = services.value_error(data["kind"], data["value"])
            if problem:
                self.add_error("value", problem)
        return data

    def terms(self) -> dict:
        data = self.cleaned_data
        return {"count": data["count"], "prefix": data["prefix"], "kind": data["kind"], "value": data["value"],
                "valid_from": data["valid_from"], "valid_until": data["valid_until"],
                "max_uses_per_account": data["max_uses_per_account"], "cinemas": list(data["cinemas"]),
                "movies": list(data["movies"]), "shows": list(data["shows"]),
                "ticket_types": _ticket_types(data["ticket_types"])}


def codes_csv(vouchers) -> str:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(["code", "kind", "value", "batch", "max_uses", "uses", "valid_from", "valid_until", "active"])
    for voucher in vouchers:
        writer.writerow([voucher.code, voucher.kind, voucher.value, voucher.batch, voucher.max_uses or "",
                         voucher.active_uses or 0, voucher.valid_from.isoformat() if voucher.valid_from else "",
                         voucher.valid_until.isoformat() if voucher.valid_until else "", voucher.active])
    return out.getvalue()


@admin.register(Voucher)
class VoucherAdmin(RoleActionsMixin, admin.ModelAdmin):
    form = VoucherAdminForm
    actions = ["export_codes_csv"]
    list_display = ["code", "kind", "value", "batch", "active", "uses", "max_uses", "max_uses_per_account",
                    "valid_from", "valid_until"]
    list_filter = ["kind", "active", "batch"]
    search_fields = ["code", "batch"]
    readonly_fields = ["batch", "created_at", "created_by"]
    filter_horizontal = ["cinemas", "movies", "shows"]
    change_list_template = "admin/vouchers/voucher/change_list.html"

    def get_queryset(self, request):
        # Active uses in the list query itself (one query per page).
        now = timezone.now()
        active = Q(uses__released_at__isnull=True) & (Q(uses__expires_at__isnull=True) | Q(uses__expires_at__gt=now))
        return super().get_queryset(request).annotate(active_uses=Sum("uses__seats", filter=active))

    @admin.display(description=_("Uses (seats)"), ordering="active_uses")
    def uses(self, voucher):
        return voucher.active_uses or 0

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [path("batch/", admin_role_view(MANAGER, self.batch_view), name="vouchers_voucher_batch"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_batch": has_role(request.user, MANAGER)}
        return super().changelist_view(request, extra_context)

    def batch_view(self, request):
        """Generate a batch of single-use codes; the page lists them with a link to their CSV."""
        form = BatchForm(request.POST or None)
        made = None
        if request.method == "POST" and form.is_valid():
            label, codes = services.voucher_batch_create(created_by=request.user, **form.terms())
            made = {"batch": label, "codes": codes}
            self.message_user(request, gettext("Codes generated: %(count)d.") % {"count": len(codes)},
                              messages.SUCCESS)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": gettext("Generate a batch of codes"), "made": made}
        return TemplateResponse(request, "admin/vouchers/voucher/batch.html", context)

    @admin.action(description=_("Export codes as CSV"), permissions=["manager"])
    def export_codes_csv(self, request, queryset):
        return csv_export.download(codes_csv(queryset.order_by("id")), "vouchers.csv")


@admin.register(VoucherUse)
class VoucherUseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Uses are taken and given back by the orders (vouchers.services, under the voucher's lock), never by hand.
    list_display = ["id", "voucher", "user", "seats", "created_at", "expires_at", "released_at"]
    list_filter = ["voucher__batch"]
    list_select_related = ["voucher", "user"]
    search_fields = ["voucher__code", "user__username"]
