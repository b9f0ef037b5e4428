"""Checking and resizing a poster with Pillow: only a real JPEG, PNG or WebP image within the size limits is
accepted, and what is stored is our own re-encoding of it (no metadata, no trailing bytes, no script in a
polyglot file), at a few widths for `srcset`."""
import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from moviemedia.errors import PosterNotAnImage, PosterTooLarge

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# The widths of the resized copies (CSS pixels × 1, 2, 4 of a card's 80–160 px poster).
WIDTHS = (160, 320, 640)
JPEG_QUALITY = 82


@dataclass
class Poster:
    original: bytes  # re-encoded at its own size (at most the largest width × 2)
    width: int
    height: int
    renditions: dict[int, bytes]


def _limits_error() -> PosterTooLarge:
    return PosterTooLarge(megabytes=settings.POSTER_MAX_BYTES // (1024 * 1024),
                          megapixels=settings.POSTER_MAX_PIXELS // 1_000_000)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process(data: bytes) -> Poster:
    """The checked, re-encoded poster and its copies; PosterNotAnImage / PosterTooLarge otherwise."""
    if len(data) > settings.POSTER_MAX_BYTES:
        raise _limits_error()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PosterNotAnImage()
            # Judged from the header, before decoding: a decompression bomb is refused without being expanded.
            if probe.width * probe.height > settings.POSTER_MAX_PIXELS:
                raise _limits_error()
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PosterNotAnImage() from exc
    largest = image.copy()
    largest.thumbnail((WIDTHS[-1] * 2, WIDTHS[-1] * 4))
    renditions = {}
    for width in WIDTHS:
        copy = image.copy()
        copy.thumbnail((width, width * 4))  # keeps the aspect ratio; never enlarges a small upload
        renditions[width] = _jpeg(copy)
    return Poster(original=_jpeg(largest), width=largest.width, height=largest.height, renditions=renditions)
