"""Where files that only their owner may download are kept: outside MEDIA_ROOT, never served by URL."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``CITYTOUR_PRIVATE_MEDIA_ROOT``, handed out only by views that check who asks."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.CITYTOUR_PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks the owner.")

    def deconstruct(self):
        return ("citytour.storage.PrivateStorage", (), {})


private_storage = PrivateStorage()
