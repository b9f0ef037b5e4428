"""Writing a movie's poster and trailer link. The admin and the staff API both come here."""
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction

from common.events import log_event_on_commit
from core.errors import MovieNotFound
from core.models import Movie
from moviemedia import images
from moviemedia.errors import MediaRequestInvalid
from moviemedia.models import TRAILER_URL_MAX_LENGTH, MovieMedia

logger = logging.getLogger(__name__)


def _media_for(movie_id: int) -> MovieMedia:
    if not Movie.objects.filter(pk=movie_id).exists():
        raise MovieNotFound()
    media, _created = MovieMedia.objects.get_or_create(movie_id=movie_id)
    return media


def poster_set(*, movie_id: int, data: bytes) -> MovieMedia:
    """Check and store a new poster (moviemedia.images) with its resized copies. Names carry the content's hash,
    so a URL never changes meaning and may be cached for a year; the old files are deleted after the commit."""
    poster = images.process(data)  # refused before anything is written
    digest = hashlib.sha256(poster.original).hexdigest()[:16]
    with transaction.atomic():
        media = _media_for(movie_id)
        old = [media.poster.name, *media.renditions.values()] if media.poster else []
        media.poster.save(f"{movie_id}-{digest}.jpg", ContentFile(poster.original), save=False)
        media.renditions = {
            str(width): default_storage.save(f"posters/{movie_id}-{digest}-{width}.jpg", ContentFile(content))
            for width, content in poster.renditions.items()
        }
        media.save()
        kept = {media.poster.name, *media.renditions.values()}
        transaction.on_commit(lambda: _delete([name for name in old if name not in kept]))
        log_event_on_commit("poster_set", movie_id=movie_id, width=poster.width, height=poster.height)
    return media


def trailer_url_check(trailer_url: str) -> None:
    """A trailer link is an http or https URL of at most 500 characters (empty: no trailer), or
    MediaRequestInvalid: the one rule, for the API and the admin."""
    if not trailer_url:
        return
    try:
        URLValidator(schemes=["http", "https"])(trailer_url)
    except ValidationError as exc:
        raise MediaRequestInvalid(MediaRequestInvalid.BAD_LINK) from exc
    if len(trailer_url) > TRAILER_URL_MAX_LENGTH:
        raise MediaRequestInvalid(MediaRequestInvalid.BAD_LINK)


def trailer_set(*, movie_id: int, trailer_url: str) -> MovieMedia:
    trailer_url_check(trailer_url)
    media = _media_for(movie_id)
    media.trailer_url = trailer_url
    media.save(update_fields=["trailer_url", "updated_at"])
    return media


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # an orphan file costs only space; the poster itself is saved
            logger.warning("Could not delete the replaced poster file %s.", name)
