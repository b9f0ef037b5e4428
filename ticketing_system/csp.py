"""The Content-Security-Policy of the web pages and the admin (django-csp), with Stripe.js's origin.

The policy itself is the setting CONTENT_SECURITY_POLICY: scripts, styles, fonts and frames from our own origin
only, so no inline script, `style` attribute or `on*=` handler runs (the templates keep JS and CSS in static
files). Stripe.js is loaded from STRIPE_JS_URL and, once loaded, frames and calls its own origins: that origin is
read per response rather than copied into the policy at start-up, so the policy follows the setting wherever it
points (Stripe, or localstripe's look-alike in the tests), with STRIPE_CSP_ORIGINS for the other hosts Stripe.js
uses (its API and 3D Secure frames). docs/decisions/0022-content-security-policy.md.
"""
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings


def stripe_origins() -> list[str]:
    url = urlsplit(settings.STRIPE_JS_URL)
    origin = [f"{url.scheme}://{url.netloc}"] if url.scheme and url.netloc else []
    return [*origin, *settings.STRIPE_CSP_ORIGINS]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        origins = stripe_origins()
        if origins:
            update = dict(parts.update or {})
            for directive in ("script-src", "frame-src", "connect-src"):
                update[directive] = [*update.get(directive, []), *origins]
            parts.update = update
        return parts
