"""Renderers for the endpoints that answer a file (QR images, PDF tickets).

Their views return the file themselves; these renderers exist so content negotiation and the schema know the
media type, and so an error on such an endpoint is still the API's JSON error body.
"""
from rest_framework.renderers import BaseRenderer, JSONRenderer


class _FileRenderer(BaseRenderer):
    format = None
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, bytearray)):
            return data
        return JSONRenderer().render(data)  # an error body


class PNGRenderer(_FileRenderer):
    media_type = "image/png"
    format = "png"


class SVGRenderer(_FileRenderer):
    media_type = "image/svg+xml"
    format = "svg"


class PDFRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"
