"""Uploaded documents (slides): checked by their content, not by their name."""

import zipfile

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


def _is_pdf(upload) -> bool:
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    return b"%PDF-" in head


def _is_pptx(upload) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and "ppt/presentation.xml" in names


CHECKS = {"pdf": _is_pdf, "pptx": _is_pptx}


def validate_document(upload, *, kinds: tuple[str, ...], max_bytes: int) -> str:
    """Return the kind of the upload (``pdf`` or ``pptx``) or raise a translated ValidationError."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    if extension in kinds and CHECKS[extension](upload):
        return extension
    raise ValidationError(
        _("Upload the slides as a PDF or PowerPoint (.pptx) file; this file is neither."), code="invalid"
    )


class DocumentField(forms.FileField):
    def __init__(self, *, kinds: tuple[str, ...] = ("pdf", "pptx"), max_bytes: int = 50 * 1024 * 1024, **kwargs):
        self.kinds, self.max_bytes = kinds, max_bytes
        accept = ",".join({"pdf": ".pdf,application/pdf", "pptx": ".pptx"}[kind] for kind in kinds)
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": accept}))
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is not None:
            validate_document(upload, kinds=self.kinds, max_bytes=self.max_bytes)
        return upload
