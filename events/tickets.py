"""The ticket PDF: event, place, time, the attendee's name (Chinese drawn with the embedded CJK font) and a QR
code holding the ticket's secret."""

import io
import logging
import math

import qrcode
from django.conf import settings
from django.utils import translation
from PIL import Image, UnidentifiedImageError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from citytour.fonts import FontMissing, register_reportlab_fallback, register_reportlab_font
from citytour.storage import store_rendered_file
from sponsors.selectors import ticket_sponsors

from .models import Registration, TicketState

logger = logging.getLogger(__name__)

BAND = colors.HexColor("#162e60")
ACCENT = colors.HexColor("#b3182f")
INK = colors.HexColor("#18203a")


def _qr_image(data: str) -> ImageReader:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    qr.add_data(data)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer)
    buffer.seek(0)
    return ImageReader(buffer)


class _Writer:
    """Draws text in the CJK font, and each character it lacks in the font for rare characters (CJK Extension B
    and later, found in people's names), so that no character of a name is left blank."""

    def __init__(self, pdf, font: str, rare: str | None):
        from reportlab.pdfbase import pdfmetrics

        self.pdf, self.font, self.rare = pdf, font, rare
        self.glyphs = pdfmetrics.getFont(font).face.charToGlyph
        self.rare_glyphs = pdfmetrics.getFont(rare).face.charToGlyph if rare else {}

    def runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` cut into (font, text) runs."""
        runs: list[tuple[str, str]] = []
        for character in text:
            code = ord(character)
            font = self.rare if code not in self.glyphs and code in self.rare_glyphs else self.font
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + character)
            else:
                runs.append((font, character))
        return runs

    def width(self, text: str, size: float) -> float:
        return sum(self.pdf.stringWidth(part, font, size) for font, part in self.runs(text))

    def draw(self, x: float, y: float, text: str, size: float) -> float:
        """Draw ``text`` from ``x``; returns where it ends."""
        for font, part in self.runs(text):
            rare = font == self.rare
            if rare:
                # reportlab maps no character beyond U+FFFF back to text: the run says what it reads as, so that
                # copying or searching the ticket finds the whole name.
                actual = ("\ufeff" + part).encode("utf-16-be").hex().upper()
                self.pdf.addLiteral(f"/Span <</ActualText <{actual}>>> BDC")
            self.pdf.setFont(font, size)
            self.pdf.drawString(x, y, part)
            if rare:
                self.pdf.addLiteral("EMC")
            x += self.pdf.stringWidth(part, font, size)
        return x

    def draw_centred(self, x: float, y: float, text: str, size: float) -> None:
        self.draw(x - self.width(text, size) / 2, y, text, size)

    def fit(self, text: str, size: float, width: float) -> float:
        """The largest size up to ``size`` at which ``text`` fits in ``width``."""
        while size > 6 and self.width(text, size) > width:
            size -= 0.5
        return size

    def lines(self, text: str, size: float, smallest: float, width: float, most: int) -> tuple[float, list]:
        """``text`` at the largest size down to ``smallest`` at which it fits on one line of ``width``; longer,
        at ``smallest`` on up to ``most`` lines, broken between characters (Chinese has no spaces to break at;
        Latin words are kept whole where they can be), the last one ending in "…" if even that is not enough."""
        size = max(self.fit(text, size, width), smallest)
        if self.width(text, size) <= width:
            return size, [text]
        lines, rest = [], text
        while rest and len(lines) < most:
            cut = len(rest)
            while cut > 1 and self.width(rest[:cut], size) > width:
                cut -= 1
            space = rest.rfind(" ", 0, cut)
            if cut < len(rest) and space > cut // 2 and rest[cut - 1].isascii() and rest[cut].isascii():
                cut = space + 1  # a Latin word is not split
            lines.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        if rest:
            last = lines[-1]
            while last and self.width(last + "…", size) > width:
                last = last[:-1]
            lines[-1] = last + "…"
        return size, lines


# From roomy to compact: how many lines the venue's address, the attendee's name, their company and the tier may
# take. The first layout that stays above the sponsors' row (or the QR code) is drawn.
LAYOUTS = ((2, 2, 2, 2), (2, 1, 1, 1), (1, 1, 1, 1))


def draw_ticket(registration: Registration) -> bytes:
    font = register_reportlab_font()
    event = registration.event
    width, height = A6  # 105 × 148 mm, a phone screen or a printed card
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setAuthor("citytour")
    pdf.setCreator("citytour")
    text = _Writer(pdf, font, register_reportlab_fallback())
    margin = 8 * mm
    inner = width - 2 * margin
    sponsors = ticket_sponsors(event)
    sponsors_at = 58 * mm
    # The lowest line of text stays above the sponsors' label, or above the QR code when there is none.
    floor = sponsors_at + 13 * mm if sponsors else 58 * mm
    with translation.override(registration.language or settings.LANGUAGE_CODE):
        # In the attendee's language, as the title and the tier are.
        tour_name, title = event.tour.display_name, event.display_title
        pdf.setTitle(f"{tour_name} · {registration.name}")
        pdf.setSubject(title)
        pdf.setFillColor(BAND)
        pdf.rect(0, height - 24 * mm, width, 24 * mm, stroke=0, fill=1)
        pdf.setFillColor(colors.white)
        size, [line] = text.lines(tour_name, 12, 8, inner, 1)
        text.draw(margin, height - 11 * mm, line, size)
        size, lines = text.lines(title, 9, 7, inner, 2)
        for n, line in enumerate(lines):
            text.draw(margin, height - (18 if len(lines) == 1 else 16.5 + 3.8 * n) * mm, line, size)

        y = height - 33 * mm
        pdf.setFillColor(ACCENT)
        end_of_city = text.draw(margin, y, event.city.name_zh, 16)
        text.draw(end_of_city + 3 * mm, y, event.city.name_en, 9)
        for layout in LAYOUTS:
            lines, rule_at = _details(text, registration, inner, y - 7 * mm, layout)
            if lines[-1][0] >= floor:
                break
        pdf.setFillColor(INK)
        pdf.setStrokeColor(ACCENT)
        pdf.line(margin, rule_at, width - margin, rule_at)
        for baseline, line, size in lines:
            text.draw(margin, baseline, line, size)

        _draw_sponsor_logos(pdf, sponsors, margin, sponsors_at, inner, font)

        qr_size = 42 * mm
        pdf.drawImage(_qr_image(registration.ticket_secret), (width - qr_size) / 2, 14 * mm, qr_size, qr_size)
        text.draw_centred(width / 2, 10 * mm, registration.ticket_code, 10)
        text.draw_centred(width / 2, 5 * mm, "凭此票入场 · Show this ticket at the door", 6.5)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _details(text: _Writer, registration: Registration, width: float, y: float, layout) -> tuple[list, float]:
    """The lines under the city, as (baseline, text, size), from ``y`` down; and where the rule above the name
    goes."""
    address_lines, name_lines, company_lines, tier_lines = layout
    event, venue = registration.event, registration.event.venue
    lines = []

    def block(words: str, size: float, smallest: float, most: int, step: float) -> None:
        nonlocal y
        size, broken = text.lines(words, size, smallest, width, most)
        for line in broken:
            lines.append((y, line, size))
            y -= size * 0.45 * mm + step

    if event.start:
        lines.append((y, event.when, text.fit(event.when, 9, width)))
        y -= 5 * mm
    if venue:
        block(venue.display_name, 8, 7, 1, 1.2 * mm)
        block(venue.address, 8, 7, address_lines, 1.2 * mm)
    y -= 2 * mm
    rule_at = y
    size, broken = text.lines(registration.name, 18, 11, width, name_lines)
    for line in broken:
        y -= size * 0.4 * mm + 1.5 * mm
        lines.append((y, line, size))
    y -= 5.5 * mm
    if registration.company:
        block(registration.company, 9, 7, company_lines, 1 * mm)
        y -= 1 * mm
    block(registration.tier.display_name, 9, 7, tier_lines, 1 * mm)
    return lines, rule_at


# Up to this many logos share a row; more go on a second (and third) row of smaller ones.
LOGOS_PER_ROW = 7


def _draw_sponsor_logos(pdf, sponsors, x: float, y: float, width: float, font: str) -> None:
    """The logos of every sponsor whose tier puts them on the ticket, in rows within 8 mm of height. A logo whose
    file is missing or unreadable is left out (and logged): it never costs anyone their ticket."""
    logos = []
    for sponsor in sponsors:
        try:
            with sponsor.logo_web.open("rb") as logo:
                image = Image.open(io.BytesIO(logo.read()))
                image.load()  # decoded here, so that a truncated file is caught here and not while drawing
            logos.append(ImageReader(image))
        except (OSError, ValueError, UnidentifiedImageError):
            logger.warning("the logo of sponsor %s could not be read for a ticket", sponsor.pk, exc_info=True)
    if not logos:
        return
    pdf.setFont(font, 6)
    pdf.setFillColor(INK)
    pdf.drawString(x, y + 9 * mm, "赞助 · Sponsors")
    rows = math.ceil(len(logos) / LOGOS_PER_ROW)
    per_row = math.ceil(len(logos) / rows)
    slot = min(width / per_row, 24 * mm)
    height = (8 * mm - (rows - 1) * 1 * mm) / rows
    for index, reader in enumerate(logos):
        row, column = divmod(index, per_row)
        top = y + 8 * mm - row * (height + 1 * mm)
        pdf.drawImage(
            reader,
            x + column * slot,
            top - height,
            slot - 2 * mm,
            height,
            preserveAspectRatio=True,
            mask="auto",
            anchor="sw",
        )


def render_ticket(*, registration: Registration) -> None:
    """Render and store the ticket, replacing an earlier one; the row records ready or failed with the reason."""
    try:
        data = draw_ticket(registration)
    except FontMissing as error:
        Registration.objects.filter(pk=registration.pk).update(ticket_state=TicketState.FAILED, ticket_error=str(error))
        return
    # The secret is not in the file name: file names show up in logs and browser histories.
    name = f"tickets/{registration.event.tour.slug}/{registration.ticket_code}.pdf"
    drawn = _ticket_details(registration)

    def still_wanted(current: Registration) -> bool:
        # Cancelled meanwhile (no ticket any more), or changed meanwhile — the attendee, the event, the venue, the
        # tier, the tour: the render that change asked for stores the right one; this one, finishing later, must
        # not overwrite it with the old details.
        fresh = Registration.objects.select_related("event__tour", "event__city", "event__venue", "tier").get(
            pk=current.pk
        )
        return fresh.has_door_ticket and _ticket_details(fresh) == drawn

    store_rendered_file(
        Registration,
        registration.pk,
        "ticket_pdf",
        name,
        data,
        still_wanted=still_wanted,
        ticket_state=TicketState.READY,
        ticket_error="",
    )


def _ticket_details(registration: Registration) -> tuple:
    """Everything the ticket draws."""
    event, venue, tier = registration.event, registration.event.venue, registration.tier
    return (
        (registration.name, registration.company, registration.language, registration.ticket_secret)
        + (registration.ticket_code, tier.name, tier.name_en)
        + (event.title, event.title_en, event.start, event.end, event.city_id, event.tour.name, event.tour.name_en)
        + ((venue.name, venue.name_en, venue.address) if venue else ())
    )
