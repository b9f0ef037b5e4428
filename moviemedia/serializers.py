from django.core.files.storage import default_storage
from rest_framework import serializers


class MovieMediaSerializer(serializers.Serializer):
    movie_id = serializers.IntegerField()
    poster = serializers.CharField(allow_blank=True, help_text="The largest poster copy's URL; empty without a poster.")
    poster_widths = serializers.DictField(child=serializers.CharField(),
                                          help_text='The resized copies\' URLs by width: {"160": url, ...}.')
    trailer_url = serializers.CharField(allow_blank=True, help_text="A link to the trailer; may be empty.")


def media_data(media) -> dict:
    widths = {w: default_storage.url(name) for w, name in sorted(media.renditions.items(), key=lambda i: int(i[0]))}
    return {"movie_id": media.movie_id, "poster": list(widths.values())[-1] if widths else "",
            "poster_widths": widths, "trailer_url": media.trailer_url}
