"""The event poster (电子海报): a PNG to share on WeChat, with a QR code that opens the event page."""

import io
import textwrap

import qrcode
from django.conf import settings
from django.utils import translation
from PIL import Image, ImageDraw

from citytour.fonts import FontMissing, pillow_font
from citytour.i18n import time_range
from citytour.storage import remove_rendered_file, store_rendered_file

from .models import ANNOUNCED_STATUSES, Event, PosterState, Tour

WIDTH, HEIGHT = 1080, 1440
MARGIN = 80
INK = (24, 32, 56)
ACCENT = (196, 30, 58)
BAND = (22, 46, 96)
PAPER = (250, 248, 243)


def event_url(event: Event) -> str:
    return settings.SITE_URL + event.get_absolute_url()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Break text into lines that fit ``width`` pixels; works for Chinese (no spaces) and English alike."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if draw.textlength(line + char, font=font) > width and line:
                # Prefer breaking English at the last space.
                head, space, tail = line.rpartition(" ")
                if space and head:
                    lines.append(head)
                    line = tail + char
                else:
                    lines.append(line)
                    line = char
            else:
                line += char
        lines.append(line)
    return lines


def _when(event: Event) -> str:
    return time_range(event.start, event.end)


def draw_poster(event: Event) -> bytes:
    """The poster as PNG bytes, in Chinese (the tour's first language), with English titles where given."""
    with translation.override("zh-hans"):
        image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, WIDTH, 300), fill=BAND)
        y = 70
        for line in _wrap(draw, event.tour.name, pillow_font(52), WIDTH - 2 * MARGIN)[:2]:
            draw.text((MARGIN, y), line, font=pillow_font(52), fill="white")
            y += 66
        if event.tour.theme:
            draw.text((MARGIN, y + 10), textwrap.shorten(event.tour.theme, 40), font=pillow_font(30), fill="white")

        y = 360
        draw.text((MARGIN, y), event.city.name_zh, font=pillow_font(120), fill=ACCENT)
        draw.text(
            (MARGIN + 20 + draw.textlength(event.city.name_zh, font=pillow_font(120)), y + 70),
            event.city.name_en,
            font=pillow_font(40),
            fill=ACCENT,
        )
        y += 170
        for line in _wrap(draw, event.title, pillow_font(60), WIDTH - 2 * MARGIN)[:3]:
            draw.text((MARGIN, y), line, font=pillow_font(60), fill=INK)
            y += 78
        if event.title_en:
            for line in _wrap(draw, event.title_en, pillow_font(34), WIDTH - 2 * MARGIN)[:2]:
                draw.text((MARGIN, y), line, font=pillow_font(34), fill=INK)
                y += 46
        y += 40
        draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=ACCENT, width=4)
        y += 40
        draw.text((MARGIN, y), "时间  " + _when(event), font=pillow_font(38), fill=INK)
        y += 64
        venue_lines = _wrap(draw, f"{event.venue.name}", pillow_font(38), WIDTH - 2 * MARGIN - 100)
        venue_lines += _wrap(draw, event.venue.address, pillow_font(30), WIDTH - 2 * MARGIN - 100)
        draw.text((MARGIN, y), "地点", font=pillow_font(38), fill=INK)
        for line in venue_lines[:4]:
            draw.text((MARGIN + 100, y), line, font=pillow_font(38 if line in venue_lines[:1] else 30), fill=INK)
            y += 52

        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
        qr.add_data(event_url(event))
        qr_image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
        qr_image = qr_image.resize((320, 320), Image.NEAREST)
        image.paste(qr_image, (WIDTH - MARGIN - 320, HEIGHT - MARGIN - 380))
        draw.text(
            (WIDTH - MARGIN - 320, HEIGHT - MARGIN - 50),
            "扫码报名 · Scan to register",
            font=pillow_font(28),
            fill=INK,
        )
        draw.text(
            (MARGIN, HEIGHT - MARGIN - 50),
            settings.SITE_URL.split("://", 1)[-1],
            font=pillow_font(28),
            fill=INK,
        )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def render_poster(*, event: Event) -> None:
    """Render and store the poster; the event row records ready, or failed with the reason."""
    if not _announced(event):
        # Posters are public files: an event that is not announced (a draft, a cancelled one, a hidden tour's)
        # has none, and loses the one it had.
        remove_rendered_file(Event, event.pk, "poster", poster_state=PosterState.NONE, poster_error="")
        return
    if not (event.venue_id and event.start and event.end):
        _record(event, state=PosterState.NONE, error="")
        return
    try:
        png = draw_poster(event)
    except FontMissing as error:
        _record(event, state=PosterState.FAILED, error=str(error))
        return
    # One file per event, whatever the number of renders: replaced in place.
    store_rendered_file(
        Event,
        event.pk,
        "poster",
        f"posters/{event.tour.slug}-{event.slug}.png",
        png,
        still_wanted=_announced,
        poster_state=PosterState.READY,
        poster_error="",
    )


def _announced(event: Event) -> bool:
    """Asked again as the file is stored: a render that began before the event went back to draft stores none."""
    return event.status in ANNOUNCED_STATUSES and Tour.objects.filter(pk=event.tour_id, is_public=True).exists()


def _record(event: Event, *, state: str, error: str) -> None:
    Event.objects.filter(pk=event.pk).update(poster_state=state, poster_error=error[:500])
