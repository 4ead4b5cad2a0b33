"""Uploaded pictures: a damaged EXIF block does not stop an otherwise sound image."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from citytour.images import normalize_image


def jpeg_with_damaged_exif() -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter
    exif[0x010F] = "Cam"
    Image.new("RGB", (40, 20), "red").save(buffer, format="JPEG", exif=exif.tobytes())
    data = bytearray(buffer.getvalue())
    data[data.find(b"Exif\x00\x00") + 17] = 23  # the orientation tag's type, no longer one EXIF knows
    return bytes(data)


def test_a_picture_with_a_damaged_exif_block_is_kept_as_stored():
    upload = SimpleUploadedFile("photo.jpg", jpeg_with_damaged_exif(), content_type="image/jpeg")
    stored = Image.open(normalize_image(upload, max_bytes=10**7, max_side=800))
    assert (stored.format, stored.size) == ("JPEG", (40, 20))
