"""Settings of the server the bench measures: the product's, with one more URL (see server_urls)."""

from citytour.settings import *  # noqa: F403

ROOT_URLCONF = "bench.server_urls"
