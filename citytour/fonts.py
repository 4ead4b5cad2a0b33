"""The CJK font that draws Chinese names in every PDF and image (``CITYTOUR_CJK_FONT``)."""

import zlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _


class FontMissing(RuntimeError):
    pass


def cjk_font_path() -> Path:
    path = Path(settings.CITYTOUR_CJK_FONT)
    if not path.is_file():
        raise FontMissing(
            _("The CJK font %(path)s is missing: install fonts-wqy-zenhei or set CITYTOUR_CJK_FONT.") % {"path": path}
        )
    return path


def pillow_font(size: int):
    """A Pillow font of the given pixel size (the first face of a .ttc collection)."""
    return _pillow_font(str(cjk_font_path()), size)


@cache
def _pillow_font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size=size, index=0)


def _to_unicode_cmap(fontname, subset):
    """reportlab's ToUnicode map of an embedded subset, with each character as UTF-16 (two code units for those
    beyond U+FFFF, as the PDF format asks): reportlab writes such a character as five hex digits, which readers
    (pypdf, a viewer's copy and search) cannot read, so a rare character of a name was lost from the text."""
    lines = _reportlab_to_unicode_cmap(fontname, subset).split("\n")
    start = lines.index(f"{len(subset)} beginbfchar") + 1
    pairs = [f"<{index:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>" for index, code in enumerate(subset)]
    return "\n".join(lines[:start] + pairs + lines[start + len(subset) :])


def _use_utf16_to_unicode_cmaps() -> None:
    global _reportlab_to_unicode_cmap
    from reportlab.pdfbase import ttfonts

    if ttfonts.makeToUnicodeCMap is not _to_unicode_cmap:
        _reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap


_reportlab_to_unicode_cmap = None


def register_reportlab_fallback() -> str | None:
    """Register the font for rare characters (``CITYTOUR_CJK_FALLBACK_FONT``) with reportlab and return its name,
    or None when it is not installed: those characters are then left blank, as before."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = Path(settings.CITYTOUR_CJK_FALLBACK_FONT or "")
    if not path.is_file():
        return None
    _use_utf16_to_unicode_cmaps()
    name = f"CityTourCJKRare-{zlib.crc32(str(path).encode()):08x}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name


def register_reportlab_font() -> str:
    """Register the configured font with reportlab (embedded as a subset in each PDF) and return its name.

    The name follows the file, so a changed ``CITYTOUR_CJK_FONT`` takes effect, and a missing file is reported.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = cjk_font_path()
    name = f"CityTourCJK-{zlib.crc32(str(path).encode()):08x}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
    return name
