"""The CJK font that draws Chinese names in every PDF and image (``CITYTOUR_CJK_FONT``)."""

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


REPORTLAB_FONT_NAME = "CityTourCJK"


def register_reportlab_font() -> str:
    """Register the font with reportlab (embedded as a subset in each PDF) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if REPORTLAB_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REPORTLAB_FONT_NAME, str(cjk_font_path()), subfontIndex=0))
    return REPORTLAB_FONT_NAME
