"""Voucher request and response shapes."""
from rest_framework import serializers

from core.models import Movie, Show
from venues.models import Cinema
from vouchers.models import Voucher
from vouchers.services import MAX_BATCH, PREFIX_PATTERN, normalize_code, value_error

_datetime = serializers.DateTimeField()


def _ids(model):
    # Unknown ids are a 400 naming the field (DRF's "Invalid pk").
    return serializers.PrimaryKeyRelatedField(queryset=model.objects.all(), many=True, required=False)


class VoucherTermsSerializer(serializers.Serializer):
    """What a code gives and where: shared by a single code and a batch."""

    kind = serializers.ChoiceField(choices=Voucher.Kind.choices)
    value = serializers.DecimalField(max_digits=10, decimal_places=2,
                                     help_text="fixed_price: the seat's price (never raises one); amount_off: taken "
                                               "off each seat; percent_off: 0 < value ≤ 100.")
    valid_from = serializers.DateTimeField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    max_uses_per_account = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    cinemas = _ids(Cinema)
    movies = _ids(Movie)
    shows = _ids(Show)
    ticket_types = serializers.ListField(child=serializers.SlugField(max_length=32), required=False,
                                         help_text="Ticket type codes it is valid for; empty: all.")

    def validate(self, attrs):
        problem = value_error(attrs["kind"], attrs["value"])
        if problem:
            raise serializers.ValidationError({"value": [problem]})
        if attrs.get("valid_from") and attrs.get("valid_until") and attrs["valid_until"] <= attrs["valid_from"]:
            raise serializers.ValidationError({"valid_until": ["Must be after valid_from."]})
        return attrs


class VoucherCreateSerializer(VoucherTermsSerializer):
    code = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$", max_length=64,
                                  help_text="3 to 64 letters, digits, - or _; case-insensitive (stored upper-case).")
    max_uses = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        help_text="Seats it may discount in all (a use is a seat); null: unlimited.")


class VoucherBatchSerializer(VoucherTermsSerializer):
    count = serializers.IntegerField(min_value=1, max_value=MAX_BATCH)
    prefix = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                   help_text="Put before each code's 12 random characters (letters, digits, -).")

    def validate_prefix(self, value):
        value = normalize_code(value)
        if value and not PREFIX_PATTERN.match(value):
            raise serializers.ValidationError("Letters, digits and - only, starting with a letter or digit.")
        return value


class VoucherUpdateSerializer(serializers.Serializer):
    active = serializers.BooleanField(required=False)
    max_uses = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    max_uses_per_account = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    valid_from = serializers.DateTimeField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)


class VoucherSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.CharField(help_text="Decimal string.")
    max_uses = serializers.IntegerField(allow_null=True)
    max_uses_per_account = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)
    cinemas = serializers.ListField(child=serializers.IntegerField())
    movies = serializers.ListField(child=serializers.IntegerField())
    shows = serializers.ListField(child=serializers.IntegerField())
    ticket_types = serializers.ListField(child=serializers.CharField())
    batch = serializers.CharField(allow_blank=True, help_text="The batch it was generated in (blank: made alone).")
    active = serializers.BooleanField()
    uses = serializers.IntegerField(help_text="Active uses: seats of paid orders and of orders still pending.")
    uses_left = serializers.IntegerField(allow_null=True, help_text="null: unlimited.")
    created_at = serializers.DateTimeField()

    def to_representation(self, voucher):
        uses = self.context.get("uses", {}).get(voucher.pk, 0)
        return {
            "id": voucher.pk, "code": voucher.code, "kind": voucher.kind, "value": str(voucher.value),
            "max_uses": voucher.max_uses, "max_uses_per_account": voucher.max_uses_per_account,
            "valid_from": _datetime.to_representation(voucher.valid_from) if voucher.valid_from else None,
            "valid_until": _datetime.to_representation(voucher.valid_until) if voucher.valid_until else None,
            "cinemas": sorted(c.pk for c in voucher.cinemas.all()),
            "movies": sorted(m.pk for m in voucher.movies.all()),
            "shows": sorted(s.pk for s in voucher.shows.all()),
            "ticket_types": list(voucher.ticket_types), "batch": voucher.batch, "active": voucher.active,
            "uses": uses, "uses_left": None if voucher.max_uses is None else max(0, voucher.max_uses - uses),
            "created_at": _datetime.to_representation(voucher.created_at),
        }


class VoucherBatchCreatedSerializer(serializers.Serializer):
    batch = serializers.CharField()
    codes = serializers.ListField(child=serializers.CharField())


class VoucherCheckSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    hold_id = serializers.IntegerField(min_value=1)


class CheckedSeatSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    label = serializers.CharField()
    ticket_type = serializers.CharField()
    full_price = serializers.CharField()
    discount = serializers.CharField()
    price = serializers.CharField()


class VoucherCheckResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    seats = CheckedSeatSerializer(many=True)
    discount = serializers.CharField()
    total = serializers.CharField()

    def to_representation(self, result):
        return {"code": result["code"],
                "seats": [{"number": s["number"], "label": s["label"], "ticket_type": s["ticket_type"],
                           "full_price": str(s["full_price"]), "discount": str(s["discount"]),
                           "price": str(s["price"])} for s in result["seats"]],
                "discount": str(result["discount"]), "total": str(result["total"])}
