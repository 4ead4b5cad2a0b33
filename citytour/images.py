"""Uploaded images: proven to be images by Pillow, limited in bytes and pixels, and stored normalized."""

import io
import struct
import warnings
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is plenty; anything beyond is refused before it is decoded


def upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says; as stored when that block is damaged."""
    try:
        return ImageOps.exif_transpose(image)
    except (struct.error, ValueError, TypeError, KeyError, OSError, SyntaxError):
        return image


def normalize_image(upload, *, max_bytes: int, max_side: int, square: bool = False) -> SimpleUploadedFile:
    """Check an upload and return it as a JPEG no larger than ``max_side`` pixels (EXIF rotation applied).

    Raises ValidationError with a translated message for anything that is not a sound image.
    """
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    image = _open_checked(upload)
    image = upright(image)
    if square:
        image = ImageOps.fit(image, (min(image.size),) * 2)
    image.thumbnail((max_side, max_side), Image.LANCZOS)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=86, optimize=True, progressive=True)
    name = (Path(upload.name or "image").stem[:80] or "image") + ".jpg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _open_checked(upload) -> Image.Image:
    """Open and fully decode an upload, or raise a translated ValidationError: not an image, a format we do not
    take, too many pixels (decompression bombs included), or damaged."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, WebP or GIF image."), code="format")
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    _("The image is %(width)s×%(height)s pixels, which is too large.")
                    % {"width": image.width, "height": image.height},
                    code="pixels",
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The image is too large in pixels."), code="pixels") from None
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError):
        raise ValidationError(
            _("This file is not an image or it is damaged. Upload a JPEG, PNG, WebP or GIF image."),
            code="invalid",
        ) from None

    return image


class NormalizedImageField(forms.FileField):
    """A form field that accepts only sound images and hands the form a normalized JPEG."""

    def __init__(self, *, max_bytes: int = 5 * 1024 * 1024, max_side: int = 1600, square: bool = False, **kwargs):
        self.max_bytes, self.max_side, self.square = max_bytes, max_side, square
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return normalize_image(upload, max_bytes=self.max_bytes, max_side=self.max_side, square=self.square)


def normalize_logo(upload, *, max_bytes: int = 10 * 1024 * 1024) -> tuple[SimpleUploadedFile, SimpleUploadedFile]:
    """A logo as two PNGs that keep its transparency: print size (at most 3000 px) and web size (at most 400 px).

    SVG is refused: a vector file can carry scripts, and we do not sanitize it.
    """
    name = (upload.name or "").lower()
    upload.seek(0)
    head = upload.read(512).lstrip()
    upload.seek(0)
    if name.endswith((".svg", ".svgz")) or head.startswith((b"<?xml", b"<svg")):
        raise ValidationError(_("SVG logos are not accepted: upload the logo as PNG, JPEG or WebP."), code="svg")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    image = _open_checked(upload)
    image = upright(image).convert("RGBA")
    stem = Path(upload.name or "logo").stem[:80] or "logo"
    files = []
    for suffix, side in (("print", 3000), ("web", 400)):
        copy = image.copy()
        copy.thumbnail((side, side), Image.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, format="PNG", optimize=True)
        files.append(SimpleUploadedFile(f"{stem}-{suffix}.png", buffer.getvalue(), content_type="image/png"))
    return files[0], files[1]
