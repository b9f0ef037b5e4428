from django.conf import settings
from rest_framework import serializers

from common.money import price_text


class JoinSerializer(serializers.Serializer):
    seats = serializers.IntegerField(min_value=1, help_text="How many seats, at most MAX_SEATS_PER_BOOKING.")
    category = serializers.CharField(required=False, allow_blank=True, max_length=20, default="",
                                     help_text="A seat category of the show; left out: any seat.")

    def validate_seats(self, value):
        if value > settings.MAX_SEATS_PER_BOOKING:
            raise serializers.ValidationError(f"At most {settings.MAX_SEATS_PER_BOOKING} seats.")
        return value


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    show_id = serializers.IntegerField(source="waiting_list.show_id")
    position = serializers.IntegerField(allow_null=True,
                                        help_text="Place in line (1: next to be offered); null once not waiting.")
    seats = serializers.IntegerField()
    category = serializers.CharField(help_text="The seat category waited for; empty: any.")
    status = serializers.ChoiceField(choices=["waiting", "offered", "accepted", "expired", "left", "closed"])
    created_at = serializers.DateTimeField()
    hold_id = serializers.IntegerField(required=False, help_text="Only when offered: your hold of the seats; "
                                                                 "POST /orders/ with it to buy them.")
    offer_expires_at = serializers.DateTimeField(required=False, help_text="Only when offered: when the hold ends "
                                                                           "and the seats pass to the next.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.status != "offered":
            data.pop("hold_id", None)
            data.pop("offer_expires_at", None)
        return data


class StaffEntrySerializer(EntrySerializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")


class ShowWaitlistSerializer(serializers.Serializer):
    show = serializers.IntegerField()
    closed = serializers.BooleanField()
    waiting_entries = serializers.IntegerField()
    waiting_seats = serializers.IntegerField(help_text="Seats the waiting entries ask for.")
    offered_seats = serializers.IntegerField(help_text="Seats held for offers not yet taken.")
    revenue = serializers.SerializerMethodField(help_text="Waiting seats × the standard price (decimal string).")
    currency = serializers.SerializerMethodField()
    entries = StaffEntrySerializer(many=True)

    def get_revenue(self, data) -> str:
        return price_text(data["revenue"])

    def get_currency(self, data) -> str:
        return settings.CURRENCY
