"""Demo sponsors and partners, after the seed documents' placements: ticket, lanyard, badge, bag, booth, gifts,
a speaking slot, the opening video, comp tickets."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from citytour.fonts import FontMissing, pillow_font
from events.models import Event, Registration, TicketState, Tour
from events.services import request_ticket

from . import services
from .models import BenefitKind, Partner, Partnership, Sponsor, Sponsorship, SponsorshipTier, TierBenefit

TIERS = [
    (
        "战略",
        "Strategic",
        200000,
        1,
        [
            BenefitKind.LOGO_TICKET,
            BenefitKind.LOGO_LANYARD,
            BenefitKind.BOOTH,
            BenefitKind.SPEAKING_SLOT,
            BenefitKind.LOGO_VIDEO,
            BenefitKind.COMP_TICKETS,
        ],
    ),
    (
        "金牌",
        "Gold",
        50000,
        3,
        [BenefitKind.LOGO_TICKET, BenefitKind.LOGO_BADGE, BenefitKind.BOOTH, BenefitKind.COMP_TICKETS],
    ),
    ("银牌", "Silver", 20000, 5, [BenefitKind.LOGO_BAG, BenefitKind.GIFTS, BenefitKind.COMP_TICKETS]),
    ("场地", "Venue", 0, 10, [BenefitKind.LOGO_VIDEO]),
    ("直播", "Livestream", 0, 2, [BenefitKind.LOGO_VIDEO]),
    ("媒体", "Media", 0, 10, [BenefitKind.LOGO_VIDEO]),
]
COMP_TICKETS = {"战略": 20, "金牌": 10, "银牌": 5}

# sponsor, English name, tier, city (None: whole tour), status, amount, colour
SPONSORS = [
    ("星河数据", "Galaxy Data", "战略", None, "paid", 200000, (22, 46, 96)),
    ("云栈科技", "CloudStack Tech", "金牌", None, "signed", 50000, (179, 24, 47)),
    ("南山智能", "Nanshan AI", "金牌", "shenzhen", "paid", 50000, (23, 105, 58)),
    ("珠江金融科技", "Pearl River Fintech", "银牌", "guangzhou", "signed", 20000, (120, 80, 20)),
    ("深圳湾科技生态园", "Shenzhen Bay Park", "场地", "shenzhen", "signed", 0, (60, 60, 60)),
    ("北辰云", "Polaris Cloud", "金牌", None, "negotiating", 50000, (84, 60, 120)),
    ("蓝鲸物联", "Bluewhale IoT", "银牌", "chengdu", "prospect", 20000, (30, 100, 110)),
    ("粤海智算", "Yuehai Compute", "银牌", None, "lost", 20000, (130, 70, 100)),
]
PARTNERS = [
    ("开源社", "KAIYUANSHE", "co_host", None, ["new_members", "content"], "联合署名、共同策划议程、互推公众号"),
    ("PostgreSQL 中文社区", "PostgreSQL China", "co_organizer", None, ["speakers", "reach"], "每站一个议题名额"),
    ("开源视频组", "Open Source Video", "video", "shenzhen", ["content"], "视频回放署名，素材共享"),
    ("数据之力直播间", "PowerData Live", "livestream", None, ["reach", "conversion"], "直播间冠名，回放链接"),
]


def _logo(text: str, colour) -> SimpleUploadedFile | None:
    try:
        font = pillow_font(64)
    except FontMissing:
        return None
    image = Image.new("RGBA", (480, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((240, 60), text, font=font, fill=colour + (255,), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


@transaction.atomic
def seed_sponsors(tour: Tour) -> None:
    if SponsorshipTier.objects.filter(tour=tour).exists():
        return
    tiers = {}
    for position, (name, name_en, price, places, benefits) in enumerate(TIERS):
        tier = SponsorshipTier.objects.create(
            tour=tour, name=name, name_en=name_en, price=Decimal(price), places=places, position=position
        )
        for kind in benefits:
            TierBenefit.objects.create(
                tier=tier, kind=kind, quantity=COMP_TICKETS.get(name, 1) if kind == BenefitKind.COMP_TICKETS else 1
            )
        tiers[name] = tier
    events = {event.city.slug: event for event in Event.objects.filter(tour=tour).select_related("city")}
    for name, name_en, tier, city, status, amount, colour in SPONSORS:
        logo = _logo(name, colour)
        sponsor = Sponsor.objects.create(
            name=name,
            name_en=name_en,
            website="https://example.org/",
            contact_name="市场部",
            contact_email="partner@example.org",
        )
        if logo:
            sponsor.logo_web = logo
            sponsor.save()
        services.save_sponsorship(
            sponsorship=Sponsorship(
                sponsor=sponsor,
                tour=tour,
                event=events.get(city) if city else None,
                tier=tiers[tier],
                status=status,
                amount=Decimal(amount),
                notes="来自示例数据",
            )
        )
    # Tickets already rendered now carry the sponsors whose tier puts their logo on tickets.
    for registration in Registration.objects.filter(event__tour=tour, ticket_state=TicketState.READY):
        request_ticket(registration=registration)
    for name, name_en, role, city, asks, promised in PARTNERS:
        partner = Partner.objects.create(name=name, name_en=name_en, website="https://example.org/")
        Partnership.objects.create(
            partner=partner,
            tour=tour,
            event=events.get(city) if city else None,
            role=role,
            asks=asks,
            promised=promised,
        )
