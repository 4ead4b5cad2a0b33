"""Where files that only their owner may download are kept: outside MEDIA_ROOT, never served by URL."""

import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction


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


def remove_rendered_file(model, pk: int, field: str, **done_fields) -> None:
    """Remove a row's rendered file (it must no longer be served) and mark the row with ``done_fields``."""
    with transaction.atomic():
        locked = model.objects.select_for_update(of=("self",)).filter(pk=pk).first()
        if locked is None:
            return
        current = getattr(locked, field)
        if current.name and current.storage.exists(current.name):
            current.storage.delete(current.name)
        model.objects.filter(pk=pk).update(**{field: ""}, **done_fields)


def store_rendered_file(
    model, pk: int, field: str, name: str, content: bytes, *, still_wanted=None, **done_fields
) -> bool:
    """Store a freshly rendered file for one row in place of its earlier one, then mark the row done.

    One file per row however often the job runs (retries, re-renders): the row is locked, its old file and any
    file at the target name are removed, the new one saved, and the row updated with ``done_fields``. Returns
    False if the row is gone, or if ``still_wanted(row)``, asked under the lock, says it no longer wants the file.
    """
    with transaction.atomic():
        locked = model.objects.select_for_update(of=("self",)).filter(pk=pk).first()
        if locked is None or (still_wanted is not None and not still_wanted(locked)):
            return False  # gone, or no longer to be rendered (changed while this render ran)
        current = getattr(locked, field)
        storage = current.storage
        for old in {current.name, name} - {"", None}:
            if storage.exists(old):
                storage.delete(old)
        stored = storage.save(name, ContentFile(content))
        model.objects.filter(pk=pk).update(**{field: stored}, **done_fields)
    return True
