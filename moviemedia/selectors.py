"""Reads of posters for the pages: each movie's poster URLs by width, in one query for many movies."""
from dataclasses import dataclass

from django.core.files.storage import default_storage

from moviemedia.models import MovieMedia


@dataclass
class PosterView:
    src: str  # a middle width, for browsers without srcset
    srcset: str  # "…-160.jpg 160w, …-320.jpg 320w, …"
    trailer_url: str


def media_for_movies(movie_ids) -> dict[int, PosterView]:
    """movie id → its poster (URLs from the storage: the app's /media/ or an object store's) and trailer."""
    found = {}
    for media in MovieMedia.objects.filter(movie_id__in=list(movie_ids)):
        widths = sorted((int(w), name) for w, name in media.renditions.items())
        urls = [(w, default_storage.url(name)) for w, name in widths]
        found[media.movie_id] = PosterView(
            src=urls[len(urls) // 2][1] if urls else "",
            srcset=", ".join(f"{url} {w}w" for w, url in urls),
            trailer_url=media.trailer_url,
        )
    return found
