"""The ticket PDF: event, place, time, the attendee's name (Chinese drawn with the embedded CJK font) and a QR
code holding the ticket's secret."""

import io

import qrcode
from django.conf import settings
from django.utils import formats, timezone, translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from citytour.fonts import FontMissing, register_reportlab_font
from citytour.storage import store_rendered_file
from sponsors.selectors import ticket_sponsors

from .models import Registration, TicketState

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


def _fit(pdf, text: str, font: str, size: float, width: float) -> float:
    """The largest size up to ``size`` at which ``text`` fits in ``width``."""
    while size > 6 and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def draw_ticket(registration: Registration) -> bytes:
    font = register_reportlab_font()
    event, tier, venue = registration.event, registration.tier, registration.event.venue
    width, height = A6  # 105 × 148 mm, a phone screen or a printed card
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setTitle(f"{event.tour.name} · {registration.name}")
    pdf.setAuthor("citytour")
    margin = 8 * mm
    inner = width - 2 * margin
    with translation.override(registration.language or settings.LANGUAGE_CODE):
        pdf.setFillColor(BAND)
        pdf.rect(0, height - 24 * mm, width, 24 * mm, stroke=0, fill=1)
        pdf.setFillColor(colors.white)
        pdf.setFont(font, _fit(pdf, event.tour.name, font, 12, inner))
        pdf.drawString(margin, height - 11 * mm, event.tour.name)
        title = event.display_title
        pdf.setFont(font, _fit(pdf, title, font, 9, inner))
        pdf.drawString(margin, height - 18 * mm, title)

        y = height - 33 * mm
        pdf.setFillColor(ACCENT)
        pdf.setFont(font, 16)
        pdf.drawString(margin, y, event.city.name_zh)
        pdf.setFont(font, 9)
        pdf.drawString(margin + pdf.stringWidth(event.city.name_zh, font, 16) + 3 * mm, y, event.city.name_en)
        pdf.setFillColor(INK)
        y -= 7 * mm
        if event.start:
            start, end = timezone.localtime(event.start), timezone.localtime(event.end)
            when = f"{formats.date_format(start, 'Y-m-d l')} {start:%H:%M}–{end:%H:%M}"
            pdf.setFont(font, 9)
            pdf.drawString(margin, y, when)
            y -= 5 * mm
        if venue:
            for line in (venue.name, venue.address):
                pdf.setFont(font, _fit(pdf, line, font, 8, inner))
                pdf.drawString(margin, y, line)
                y -= 4.5 * mm
        y -= 3 * mm
        pdf.setStrokeColor(ACCENT)
        pdf.line(margin, y, width - margin, y)
        y -= 9 * mm
        pdf.setFont(font, _fit(pdf, registration.name, font, 18, inner))
        pdf.drawString(margin, y, registration.name)
        y -= 5.5 * mm
        if registration.company:
            pdf.setFont(font, _fit(pdf, registration.company, font, 9, inner))
            pdf.drawString(margin, y, registration.company)
            y -= 5 * mm
        pdf.setFont(font, 9)
        pdf.drawString(margin, y, tier.display_name)

        _draw_sponsor_logos(pdf, ticket_sponsors(event), margin, 58 * mm, inner, font)

        qr_size = 42 * mm
        pdf.drawImage(_qr_image(registration.ticket_secret), (width - qr_size) / 2, 14 * mm, qr_size, qr_size)
        pdf.setFont(font, 10)
        pdf.drawCentredString(width / 2, 10 * mm, registration.ticket_code)
        pdf.setFont(font, 6.5)
        pdf.drawCentredString(width / 2, 5 * mm, "凭此票入场 · Show this ticket at the door")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_sponsor_logos(pdf, sponsors, x: float, y: float, width: float, font: str) -> None:
    """The logos of the sponsors whose tier puts them on the ticket, in a row (as many as fit)."""
    if not sponsors:
        return
    pdf.setFont(font, 6)
    pdf.setFillColor(INK)
    pdf.drawString(x, y + 9 * mm, "赞助 · Sponsors")
    slot = min(width / len(sponsors), 24 * mm)
    for index, sponsor in enumerate(sponsors[: int(width // (12 * mm))]):
        with sponsor.logo_web.open("rb") as logo:
            reader = ImageReader(io.BytesIO(logo.read()))
        pdf.drawImage(
            reader, x + index * slot, y, slot - 2 * mm, 8 * mm, preserveAspectRatio=True, mask="auto", anchor="sw"
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
    store_rendered_file(
        Registration, registration.pk, "ticket_pdf", name, data, ticket_state=TicketState.READY, ticket_error=""
    )
