"""The on-sales' API shapes."""
from rest_framework import serializers

from core.models import Show
from onsales.models import OnSale
from onsales.rate import CAPACITY, NO_MEASUREMENT, STAFF, admission_rate


class OnSaleCreateSerializer(serializers.Serializer):
    """Either `shows` (ids), or a movie's shows over days (`movie`, `from`, `to`: e.g. its opening weekend), or
    both (their union)."""

    shows = serializers.PrimaryKeyRelatedField(queryset=Show.objects.all(), many=True, required=False)
    movie = serializers.IntegerField(required=False, min_value=1)
    # `from` and `to` are Python keywords: declared through the class namespace (DRF reads it like any field).
    locals()["from"] = serializers.DateField(required=False)
    locals()["to"] = serializers.DateField(required=False)
    opens_at = serializers.DateTimeField()
    admit_per_minute = serializers.IntegerField(min_value=1, max_value=100_000)
    pass_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, default=15)
    enabled = serializers.BooleanField(default=True)
    closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    rate_from_capacity = serializers.BooleanField(
        default=False, help_text="true: `admit_per_minute` is a ceiling; the rate follows the service's measured "
                                 "capacity below it (docs/operations.md)")

    def validate(self, attrs):
        movie, first, last = attrs.pop("movie", None), attrs.pop("from", None), attrs.pop("to", None)
        if (movie is None) != (first is None) or (first is None) != (last is None):
            raise serializers.ValidationError({"movie": ["Give `movie`, `from` and `to` together."]})
        if first is not None and last < first:
            raise serializers.ValidationError({"to": ["`to` is before `from`."]})
        attrs["shows"] = [show.pk for show in attrs.get("shows", [])]
        attrs["movie_days"] = (movie, first, last) if movie is not None else None
        if not attrs["shows"] and movie is None:
            raise serializers.ValidationError({"shows": ["Give `shows`, or `movie` with `from` and `to`."]})
        if attrs["closes_at"] is not None and attrs["closes_at"] <= attrs["opens_at"]:
            raise serializers.ValidationError({"closes_at": ["`closes_at` must be after `opens_at`."]})
        return attrs


class OnSaleUpdateSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)
    rate_from_capacity = serializers.BooleanField(required=False)


class OnSaleSerializer(serializers.ModelSerializer):
    shows = serializers.SerializerMethodField()
    queue_url = serializers.SerializerMethodField()
    admit_per_minute_now = serializers.SerializerMethodField(
        help_text="the rate a visitor who joins now is admitted at (the early group keeps the rate of the opening)")
    rate_source = serializers.SerializerMethodField(
        help_text=f"`{STAFF}`: staff's rate (or their ceiling); `{CAPACITY}`: derived from the measured capacity; "
                  f"`{NO_MEASUREMENT}`: the ceiling, since no capacity is measured")

    class Meta:
        model = OnSale
        fields = ["id", "name", "shows", "opens_at", "admit_per_minute", "pass_minutes", "enabled", "closes_at",
                  "queue_url", "rate_from_capacity", "admit_per_minute_now", "rate_source"]

    def get_shows(self, onsale) -> list[int]:
        return sorted(show.pk for show in onsale.shows.all())

    def get_queue_url(self, onsale) -> str:
        return f"/onsales/{onsale.pk}/queue/"

    def _rate(self, onsale):
        # Asked once per answer, so the two fields come from one reading of the capacity.
        if getattr(self, "_rate_of", (None,))[0] is not onsale:
            self._rate_of = (onsale, admission_rate(onsale))
        return self._rate_of[1]

    def get_admit_per_minute_now(self, onsale) -> int:
        return self._rate(onsale).per_minute

    def get_rate_source(self, onsale) -> str:
        return self._rate(onsale).source


class QueueStatusSerializer(serializers.Serializer):
    onsale = serializers.IntegerField(source="onsale.pk")
    status = serializers.ChoiceField(choices=["waiting", "admitted", "expired"])
    position = serializers.IntegerField(allow_null=True, help_text="1 = next; null before the opening (the order "
                                                                   "is drawn then) and once admitted")
    estimated_wait_seconds = serializers.IntegerField(help_text="until your turn (before the opening: until it)")
    opens_at = serializers.DateTimeField(source="onsale.opens_at")
    # `pass` is a Python keyword: declared through the class namespace.
    locals()["pass"] = serializers.CharField(source="queue_pass", allow_null=True,
                                             help_text="send it as the Queue-Pass header (web: a cookie)")
    pass_expires_at = serializers.DateTimeField(allow_null=True)
    admitted_at = serializers.DateTimeField(allow_null=True, help_text="your turn, once it has come")
