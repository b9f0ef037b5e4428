"""A movie's pictures and trailer: its poster (the uploaded image, re-encoded, and its resized copies) and an
optional trailer link. Files go through Django's storage API (settings.STORAGES["default"]), so a deployment can
keep them in object storage (docs/operations.md)."""
from django.db import models

from core.models import Movie

# How long a trailer link may be (moviemedia.services.trailer_url_check).
TRAILER_URL_MAX_LENGTH = 500

class MovieMedia(models.Model):
    movie = models.OneToOneField(Movie, on_delete=models.CASCADE, related_name="media")
    # The poster as uploaded, re-encoded (moviemedia.images): never the customer-facing bytes of an upload as is.
    poster = models.ImageField(upload_to="posters/", blank=True, width_field="poster_width",
                               height_field="poster_height")
    poster_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    poster_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # {"160": "posters/<hash>-160.jpg", ...}: the resized copies by width, for <img srcset>.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    trailer_url = models.URLField(max_length=TRAILER_URL_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "poster and trailer"
        verbose_name_plural = "posters and trailers"

    def __str__(self):
        return f"Poster of {self.movie}"
