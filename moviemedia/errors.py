"""The errors of a poster upload (see common.errors)."""
from django.utils.translation import gettext_noop as _

from common.errors import DomainError


class PosterNotAnImage(DomainError):
    status_code = 400
    code = "poster_not_an_image"
    message = _("The poster must be a JPEG, PNG or WebP image.")


class PosterTooLarge(DomainError):
    status_code = 400
    code = "poster_too_large"
    message = _("The poster is too large: at most {megabytes} MB and {megapixels} megapixels.")

    def __init__(self, *, megabytes: int, megapixels: int):
        super().__init__(params={"megabytes": megabytes, "megapixels": megapixels})


class MediaRequestInvalid(DomainError):
    """A media update without a poster or a trailer link, or with a link that is not http(s)."""
    status_code = 400
    code = "invalid"
    message = _("Send a poster file, a trailer_url, or both.")
    BAD_LINK = _("trailer_url must be an http or https link of at most 500 characters.")
