"""The staff API of posters and trailers, and the poster files themselves when they are kept on this server."""
import mimetypes

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET
from drf_yasg import openapi
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import PROGRAMME, role_required
from common.schema import STAFF, TAG_CATALOGUE, api_operation
from moviemedia import services
from moviemedia.errors import MediaRequestInvalid, PosterTooLarge
from moviemedia.serializers import MovieMediaSerializer, media_data

# A poster file's name carries its content's hash (moviemedia.services): it never changes, so it is cached a year.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


class MovieMediaView(APIView):
    permission_classes = [role_required(PROGRAMME)]
    parser_classes = [MultiPartParser]

    @api_operation(
        operation_id="movies_media_update", summary="Upload a movie's poster and set its trailer link (staff)",
        tag=TAG_CATALOGUE, auth=STAFF, role=PROGRAMME, success=(200, MovieMediaSerializer),
        errors=["poster_not_an_image", "poster_too_large", "invalid"],
        description="multipart/form-data: `poster` (a JPEG, PNG or WebP image, at most POSTER_MAX_BYTES and "
                    "POSTER_MAX_PIXELS) and/or `trailer_url`. The poster is re-encoded and resized to a few widths.",
        manual_parameters=[
            openapi.Parameter("poster", openapi.IN_FORM, type=openapi.TYPE_FILE, required=False,
                              description="The poster image."),
            openapi.Parameter("trailer_url", openapi.IN_FORM, type=openapi.TYPE_STRING, required=False,
                              description="A link to the trailer (http or https); empty to remove it."),
        ])
    def put(self, request, movie_id):
        upload = request.FILES.get("poster")
        trailer = request.data.get("trailer_url")
        if upload is None and trailer is None:
            raise MediaRequestInvalid()
        if trailer:
            # Checked before a poster is stored: a bad link refuses the whole request.
            services.trailer_url_check(trailer)
        media = None
        if upload is not None:
            if upload.size > settings.POSTER_MAX_BYTES:
                raise PosterTooLarge(megabytes=settings.POSTER_MAX_BYTES // (1024 * 1024),
                                     megapixels=settings.POSTER_MAX_PIXELS // 1_000_000)
            media = services.poster_set(movie_id=movie_id, data=upload.read())
        if trailer is not None:
            media = services.trailer_set(movie_id=movie_id, trailer_url=trailer)
        return Response(media_data(media))


@require_GET
def media_file(request, name: str):
    """A poster file from this server's MEDIA_ROOT (make run, make serve); with object storage the storage's own
    URLs are used and this view is never reached. Only files under MEDIA_ROOT, never a directory."""
    if not isinstance(default_storage, FileSystemStorage) or ".." in name.split("/"):
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, ValueError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
