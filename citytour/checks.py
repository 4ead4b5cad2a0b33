"""Deployment checks of our own, run by ``manage.py check --deploy`` beside Django's."""

import ipaddress
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def site_url_is_public(app_configs, **kwargs):
    """Every link in an email and every poster's QR code starts with SITE_URL: on a public site it cannot be the
    demo's http://127.0.0.1:8000."""
    host = urlparse(settings.SITE_URL).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host in ("", "localhost")
    if settings.DEBUG or not loopback:
        return []
    return [
        Error(
            f"CITYTOUR_SITE_URL is {settings.SITE_URL}: emails and posters would link to this machine.",
            hint="Set CITYTOUR_SITE_URL to the site's public address, e.g. https://citytour.example.org.",
            id="citytour.E001",
        )
    ]
