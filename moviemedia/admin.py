"""Posters and trailers in the admin: the upload goes through moviemedia.services, the same checks as the API; a
refused image is an error on the form."""
from django import forms
from django.contrib import admin
from django.core.files.storage import default_storage
from django.utils.html import format_html

from common.errors import DomainError
from moviemedia import images, services
from moviemedia.models import MovieMedia


class MovieMediaForm(forms.ModelForm):
    poster_upload = forms.FileField(required=False, label="Poster",
                                    help_text="JPEG, PNG or WebP; it is re-encoded and resized to a few widths.")
    trailer_url = forms.URLField(required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = MovieMedia
        fields = ["movie", "trailer_url"]

    def clean_trailer_url(self):
        trailer_url = self.cleaned_data.get("trailer_url", "")
        try:
            services.trailer_url_check(trailer_url)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None
        return trailer_url

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("poster_upload")
        if upload is not None:
            try:
                self.poster_data = upload.read()
                images.process(self.poster_data)
            except DomainError as exc:
                self.add_error("poster_upload", exc.detail)
        return cleaned


@admin.register(MovieMedia)
class MovieMediaAdmin(admin.ModelAdmin):
    form = MovieMediaForm
    list_display = ["movie", "preview", "trailer_url", "updated_at"]
    readonly_fields = ["preview"]

    @admin.display(description="Poster")
    def preview(self, obj):
        name = obj.renditions.get("160") if obj and obj.renditions else None
        return format_html('<img src="{}" alt="" width="80">', default_storage.url(name)) if name else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data = getattr(form, "poster_data", None)
        if data is not None:
            services.poster_set(movie_id=obj.movie_id, data=data)
