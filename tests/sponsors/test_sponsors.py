"""Sponsors: logos checked and kept at two sizes, the pipeline, benefits to deliver, comp tickets, public pages."""

import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from events import services as event_services
from events.models import Event, InviteCode, Venue
from sponsors import services
from sponsors.models import (
    BenefitKind,
    FulfilmentItem,
    Partner,
    Partnership,
    Sponsor,
    Sponsorship,
    SponsorshipTier,
    TierBenefit,
)
from sponsors.selectors import pipeline
from tests.factories import (
    CityFactory,
    CityTeamMemberFactory,
    EventFactory,
    TicketTierFactory,
    TourFactory,
    UserFactory,
    attendee,
)

pytestmark = pytest.mark.django_db


def png(size=(1200, 600), mode="RGBA") -> bytes:
    image = Image.new(mode, size, (200, 30, 60, 0) if mode == "RGBA" else "red")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def tour_admin():
    event = EventFactory()
    user = UserFactory(is_staff=True)
    event.tour.admins.add(user)
    return user, event


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post_sponsor(user, logo):
    return admin_client(user).post(reverse("admin:sponsors_sponsor_add"), {"name": "星河数据", "logo": logo})


def test_a_logo_is_kept_at_print_and_web_size_with_its_transparency(tour_admin, media_root):
    user, _event = tour_admin
    response = post_sponsor(user, SimpleUploadedFile("logo.png", png((3600, 1200)), content_type="image/png"))
    assert response.status_code == 302
    sponsor = Sponsor.objects.get()
    print_size = Image.open(media_root / sponsor.logo.name)
    web_size = Image.open(media_root / sponsor.logo_web.name)
    assert (print_size.format, print_size.size, print_size.mode) == ("PNG", (3000, 1000), "RGBA")
    assert (web_size.format, web_size.size) == ("PNG", (400, 133))
    assert web_size.getpixel((0, 0))[3] == 0  # still transparent


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b"not an image", "This file is not an image or it is damaged."),
        ("logo.png", png()[:300], "This file is not an image or it is damaged."),
        ("logo.png", None, "The image is too large in pixels."),
        ("logo.png", b"\x89PNG" + b"0" * (20 * 1024 * 1024), "The file is 20.0\xa0MB; the limit is 10.0\xa0MB."),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG logos are not accepted: upload the logo as PNG, JPEG or WebP.",
        ),
        (
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "SVG logos are not accepted: upload the logo as PNG, JPEG or WebP.",
        ),
    ],
    ids=["text", "truncated", "bomb", "20-MB", "svg", "svg-named-png"],
)
def test_bad_logos_are_refused_and_nothing_is_stored(tour_admin, media_root, name, content, message):
    user, _event = tour_admin
    content = bomb() if content is None else content
    response = post_sponsor(user, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["logo"]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert Sponsor.objects.count() == 0
    assert not (media_root / "sponsors").exists()


@pytest.fixture
def gold(tour_admin):
    _user, event = tour_admin
    tier = SponsorshipTier.objects.create(tour=event.tour, name="金牌", name_en="Gold", price=50000, places=3)
    for kind, quantity in [(BenefitKind.LOGO_TICKET, 1), (BenefitKind.BOOTH, 1), (BenefitKind.COMP_TICKETS, 5)]:
        TierBenefit.objects.create(tier=tier, kind=kind, quantity=quantity)
    return tier


def deal(tier, *, event=None, status="prospect", amount=0, name="星河数据", logo=False) -> Sponsorship:
    sponsor = Sponsor.objects.create(name=name)
    if logo:
        sponsor.logo_web = SimpleUploadedFile("logo.png", png((400, 100)), content_type="image/png")
        sponsor.save()
    return services.save_sponsorship(
        sponsorship=Sponsorship(
            sponsor=sponsor, tour=tier.tour, event=event, tier=tier, status=status, amount=Decimal(amount)
        )
    )


def test_signing_creates_the_benefits_to_deliver_and_the_comp_codes_once(gold, tour_admin):
    _user, event = tour_admin
    TicketTierFactory(event=event, name="普通票")
    sponsorship = deal(gold, event=event)
    assert FulfilmentItem.objects.count() == 0 and InviteCode.objects.count() == 0
    sponsorship.status = "signed"
    services.save_sponsorship(sponsorship=sponsorship)
    services.save_sponsorship(sponsorship=sponsorship)  # saved again: nothing doubles
    sponsorship.status = "paid"
    services.save_sponsorship(sponsorship=sponsorship)
    assert sorted(sponsorship.fulfilment.values_list("kind", "quantity")) == [
        ("booth", 1),
        ("comp_tickets", 5),
        ("logo_ticket", 1),
    ]
    code = InviteCode.objects.get()
    assert (code.event, code.channel, code.max_uses, code.label, code.sponsorship) == (
        event,
        "sponsor",
        5,
        "星河数据",
        sponsorship,
    )
    assert sponsorship.signed_at is not None


def test_a_tour_wide_deal_gets_comp_codes_for_every_event_with_tickets(gold, tour_admin):
    _user, event = tour_admin
    other = EventFactory(tour=event.tour)
    TicketTierFactory(event=event)
    deal(gold, status="signed")
    assert InviteCode.objects.filter(channel="sponsor").count() == 1  # the other event has no tiers yet
    TicketTierFactory(event=other)
    services.save_sponsorship(sponsorship=Sponsorship.objects.get())
    assert sorted(InviteCode.objects.values_list("event_id", flat=True)) == sorted([event.id, other.id])


def test_pipeline_totals_per_status_and_city(gold, tour_admin):
    _user, event = tour_admin
    guangzhou = EventFactory(tour=event.tour, city=CityFactory(slug="guangzhou", name_zh="广州", name_en="Guangzhou"))
    deal(gold, event=event, status="signed", amount=50000, name="甲")
    deal(gold, event=event, status="paid", amount=30000, name="乙")
    deal(gold, event=guangzhou, status="negotiating", amount=20000, name="丙")
    deal(gold, status="prospect", amount=80000, name="丁")
    deal(gold, status="lost", amount=10000, name="戊")
    figures = pipeline(Sponsorship.objects.filter(tour=event.tour))
    by_status = {row["status"]: (row["count"], row["amount"]) for row in figures["statuses"]}
    assert by_status == {
        "prospect": (1, 80000),
        "negotiating": (1, 20000),
        "signed": (1, 50000),
        "paid": (1, 30000),
        "lost": (1, 10000),
    }
    by_city = {
        row["event__city__name_en"]: (row["count"], row["total"], row["committed"]) for row in figures["per_city"]
    }
    assert by_city == {event.city.name_en: (2, 80000, 80000), "Guangzhou": (1, 20000, None), None: (1, 80000, None)}
    assert len(figures["open_items"]) == 6  # three benefits for each of the two committed deals


def test_the_pipeline_page_shows_totals_and_keeps_its_query_count(gold, tour_admin, django_assert_num_queries):
    user, event = tour_admin
    deal(gold, event=event, status="signed", amount=50000, name="甲")
    client = admin_client(user)
    url = reverse("admin:sponsors_pipeline")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    assert "50,000.00" in html and "Logo on the ticket" in html
    deal(gold, event=event, status="paid", amount=1, name="乙")
    deal(gold, status="signed", amount=2, name="丙")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_a_city_team_sees_its_citys_deals_and_the_tour_wide_ones(gold, tour_admin):
    _user, event = tour_admin
    other = EventFactory(tour=event.tour)
    mine, tour_wide = deal(gold, event=event, name="本市"), deal(gold, name="全巡回")
    deal(gold, event=other, name="外市")
    lead = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    listed = set(admin_client(lead).get(reverse("admin:sponsors_sponsorship_changelist")).context["cl"].queryset)
    assert listed == {mine, tour_wide}


def test_a_city_team_sees_in_the_pipeline_only_the_deals_it_may_see(gold, tour_admin):
    _user, event = tour_admin
    other = EventFactory(tour=event.tour, city=CityFactory(slug="shanghai", name_zh="上海", name_en="Shanghai"))
    deal(gold, event=event, status="signed", amount=50000, name="本市赞助")
    deal(gold, event=other, status="signed", amount=777777, name="外市赞助")
    lead = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    html = admin_client(lead).get(reverse("admin:sponsors_pipeline")).content.decode()
    assert "本市赞助" in html and "50,000.00" in html
    assert "外市赞助" not in html and "777,777" not in html and "Shanghai" not in html


def test_whole_tour_deals_are_changed_by_the_tour_admins_only(gold, tour_admin):
    user, event = tour_admin
    TicketTierFactory(event=EventFactory(tour=event.tour))  # another city's event, with tickets
    tour_wide = deal(gold, name="全巡回")
    lead = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    change = reverse("admin:sponsors_sponsorship_change", args=[tour_wide.pk])
    assert lead.get(change).status_code == 200  # seen, its fields read-only
    data = {"sponsor": tour_wide.sponsor_id, "tour": event.tour_id, "tier": gold.pk, "status": "signed", "amount": "1"}
    data |= {"fulfilment-TOTAL_FORMS": "0", "fulfilment-INITIAL_FORMS": "0"}
    lead.post(change, data)
    tour_wide.refresh_from_db()
    assert (tour_wide.status, tour_wide.amount) == ("prospect", 0) and not InviteCode.objects.exists()

    add = reverse("admin:sponsors_sponsorship_add")
    newcomer = Sponsor.objects.create(name="新公司")
    response = lead.post(add, {**data, "sponsor": newcomer.pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["event"] == [
        "Choose your city's event: whole-tour rows are the tour admins'."
    ]
    assert lead.post(add, {**data, "sponsor": newcomer.pk, "event": event.pk}).status_code == 302
    assert admin_client(user).post(change, data).status_code == 302  # the tour admin signs it


def test_signing_a_deal_with_a_long_name_or_no_comp_tickets_yet(gold, tour_admin):
    _user, event = tour_admin
    TicketTierFactory(event=event)
    long_name = "深圳市星河数据科技有限公司" * 10  # 130 characters: more than an invite code's label holds
    deal(gold, event=event, status="signed", name=long_name)
    assert InviteCode.objects.get().label == long_name[:100]
    TierBenefit.objects.filter(tier=gold, kind=BenefitKind.COMP_TICKETS).update(quantity=0)
    deal(gold, event=event, status="signed", name="乙")
    assert InviteCode.objects.count() == 1


def test_a_partnership_belongs_to_an_event_of_its_own_tour(tour_admin):
    _user, event = tour_admin
    partnership = Partnership(partner=Partner.objects.create(name="开源社"), tour=TourFactory(), event=event)
    partnership.role = "promotion"
    with pytest.raises(ValidationError) as caught:
        partnership.full_clean()
    assert caught.value.message_dict["event"] == ["This event belongs to another tour."]


def test_public_pages_group_sponsors_by_tier_and_partners_by_role(gold, tour_admin):
    _user, event = tour_admin
    silver = SponsorshipTier.objects.create(tour=event.tour, name="银牌", name_en="Silver", position=1)
    deal(gold, status="signed", name="金牌赞助商")
    deal(silver, event=event, status="paid", name="银牌赞助商")
    deal(gold, status="prospect", name="还在谈的")
    Partnership.objects.create(partner=Partner.objects.create(name="开源社"), tour=event.tour, role="co_host")
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(event.get_absolute_url()).content.decode()
    assert html.index("Gold") < html.index("金牌赞助商") < html.index("Silver") < html.index("银牌赞助商")
    assert "还在谈的" not in html
    assert "Co-host (联合主办)" in html and "开源社" in html
    tour_page = Client().get(event.tour.get_absolute_url()).content.decode()
    assert "金牌赞助商" in tour_page and "银牌赞助商" not in tour_page  # an event's own sponsor stays on its page


def test_sponsors_with_logo_on_the_ticket_appear_on_the_ticket(gold, tour_admin, django_capture_on_commit_callbacks):
    _user, event = tour_admin
    deal(gold, status="signed", logo=True)
    tier = TicketTierFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        registration = event_services.register_attendee(event=event, tier=tier, details=attendee("李雷"))
    registration.refresh_from_db()
    page = PdfReader(io.BytesIO(registration.ticket_pdf.open("rb").read())).pages[0]
    assert len(page.images) == 2  # the QR code and the sponsor's logo
    assert "Sponsors" in page.extract_text()


def test_every_sponsor_with_the_benefit_is_on_the_ticket_even_nine_of_them(
    tour_admin, django_capture_on_commit_callbacks
):
    _user, event = tour_admin
    tier = SponsorshipTier.objects.create(tour=event.tour, name="联合", name_en="Partner", price=10000, places=20)
    TierBenefit.objects.create(tier=tier, kind=BenefitKind.LOGO_TICKET, quantity=1)
    for n in range(9):
        sponsor = deal(tier, status="signed", name=f"赞助商{n}").sponsor
        logo = Image.new("RGB", (400, 100), (20 * n, 100, 200))  # nine different images (identical ones are kept once)
        buffer = io.BytesIO()
        logo.save(buffer, format="PNG")
        sponsor.logo_web = SimpleUploadedFile(f"logo{n}.png", buffer.getvalue(), content_type="image/png")
        sponsor.save()
    with django_capture_on_commit_callbacks(execute=True):
        registration = event_services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee("李雷")
        )
    registration.refresh_from_db()
    page = PdfReader(io.BytesIO(registration.ticket_pdf.open("rb").read())).pages[0]
    assert len(page.images) == 10  # the QR code and nine logos


def test_a_sponsor_logo_file_gone_missing_costs_nobody_their_ticket(
    gold, tour_admin, media_root, django_capture_on_commit_callbacks
):
    _user, event = tour_admin
    signed = deal(gold, status="signed", logo=True)
    (media_root / signed.sponsor.logo_web.name).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        registration = event_services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee("李雷")
        )
    registration.refresh_from_db()
    assert (registration.ticket_state, registration.ticket_error) == ("ready", "")
    page = PdfReader(io.BytesIO(registration.ticket_pdf.open("rb").read())).pages[0]
    assert len(page.images) == 1 and "李雷" in page.extract_text()  # the QR code; no sponsor row at all
    assert "Sponsors" not in page.extract_text()


def test_a_truncated_logo_is_left_out_and_a_long_name_is_whole_above_the_logos(
    gold, tour_admin, media_root, django_capture_on_commit_callbacks
):
    _user, event = tour_admin
    broken = deal(gold, status="signed", logo=True, name="坏图")
    path = media_root / broken.sponsor.logo_web.name
    path.write_bytes(path.read_bytes()[:200])  # the header is there, the picture is not
    deal(gold, status="signed", logo=True, name="好图")
    name = "欧阳娜娜·阿卜杜热合曼·买买提明·司马相如·诸葛孔明"
    with django_capture_on_commit_callbacks(execute=True):
        registration = event_services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee(name)
        )
    registration.refresh_from_db()
    assert (registration.ticket_state, registration.ticket_error) == ("ready", "")
    page = PdfReader(io.BytesIO(registration.ticket_pdf.open("rb").read())).pages[0]
    assert len(page.images) == 2  # the QR code and the one readable logo
    lines = page.extract_text().splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("欧阳娜娜"))
    assert lines[first] + lines[first + 1] == name  # on two lines, whole: there is room above the logos


def words_on_the_page(pdf: bytes, tmp_path) -> list[tuple[str, float, float, float]]:
    """Each word poppler reads on the ticket, with its right edge and its top and bottom (points from the top)."""
    (tmp_path / "ticket.pdf").write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "ticket.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(word, float(right), float(top), float(bottom)) for top, right, bottom, word in re.findall(pattern, html)]


def test_long_texts_stay_on_the_ticket_and_above_the_sponsors(
    gold, tour_admin, tmp_path, django_capture_on_commit_callbacks
):
    _user, event = tour_admin
    Venue.objects.filter(pk=event.venue_id).update(
        name="深圳湾科技生态园十栋B座二十三层国际会议中心多功能报告厅（原创新中心大报告厅）",
        address="广东省深圳市南山区粤海街道高新区社区科苑南路3176号深圳湾科技生态园十栋B座二十三层国际会议中心东侧入口",
    )
    Event.objects.filter(pk=event.pk).update(
        title="数字经济·城市开源行·深圳站：开源大模型与智能体应用开发者大会暨生态合作伙伴峰会（第二届）"
    )
    event.refresh_from_db()
    deal(gold, status="signed", logo=True)
    tier = TicketTierFactory(
        event=event, name="合作伙伴社区赠票（限开源社区核心贡献者及其同行人员，需现场出示社区证明材料）"
    )
    with django_capture_on_commit_callbacks(execute=True):
        registration = event_services.register_attendee(
            event=event,
            tier=tier,
            details=attendee(
                "欧阳娜娜", company="深圳市某某某某某某某某某某某某某某某某科技股份有限公司北京分公司研发中心"
            ),
        )
    registration.refresh_from_db()
    words = words_on_the_page(registration.ticket_pdf.open("rb").read(), tmp_path)
    page_width, margin = 105 / 25.4 * 72, 8 / 25.4 * 72
    assert [word for word, right, _top, _bottom in words if right > page_width - margin + 1] == []
    [(_, _, label_top, label_bottom)] = [w for w in words if w[0] == "Sponsors"]
    assert [
        w[0] for w in words if w[3] > label_top and w[2] < label_bottom and w[0] not in ("赞助", "·", "Sponsors")
    ] == []
    assert any(word.startswith("合作伙伴社区赠票") for word, *_ in words)  # the tier, above the sponsors


def test_a_city_team_member_ticks_off_the_benefit_they_owe_on_a_whole_tour_deal(gold, tour_admin):
    _user, event = tour_admin
    signed = deal(gold, status="signed", name="全巡回")
    member = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    booth = signed.fulfilment.get(kind=BenefitKind.BOOTH)
    booth.owner = member
    booth.save()
    client = admin_client(member)
    change = reverse("admin:sponsors_sponsorship_change", args=[signed.pk])
    formset = client.get(change).context["inline_admin_formsets"][0].formset
    data = {
        "fulfilment-TOTAL_FORMS": str(len(formset.forms)),
        "fulfilment-INITIAL_FORMS": str(len(formset.forms)),
    }
    for index, form in enumerate(formset.forms):
        item = form.instance
        data |= {
            f"fulfilment-{index}-id": item.pk,
            f"fulfilment-{index}-sponsorship": signed.pk,
            f"fulfilment-{index}-owner": item.owner_id or "",
            f"fulfilment-{index}-notes": "已搭好" if item == booth else item.notes,
        }
        if item == booth or item.done:
            data[f"fulfilment-{index}-done"] = "on"
    assert client.post(change, data).status_code == 302
    booth.refresh_from_db()
    assert (booth.done, booth.notes) == (True, "已搭好")
    signed.refresh_from_db()
    assert (signed.status, signed.amount) == ("signed", 0)


def test_a_deal_lost_after_signing_owes_nothing_and_its_comp_codes_stop(gold, tour_admin):
    user, event = tour_admin
    TicketTierFactory(event=event, quota=50)
    signed = deal(gold, event=event, status="signed", name="星河数据")
    [code] = InviteCode.objects.filter(sponsorship=signed)
    used = event_services.register_attendee(event=event, tier=code.tier, details=attendee(), invite_code=code.code)
    signed.status = "lost"
    services.save_sponsorship(sponsorship=signed)
    assert pipeline(Sponsorship.objects.filter(tour=event.tour))["open_items"] == []
    with pytest.raises(event_services.RegistrationError) as caught:
        event_services.register_attendee(event=event, tier=code.tier, details=attendee(), invite_code=code.code)
    assert caught.value.code == "expired_code"
    used.refresh_from_db()
    assert used.status == "confirmed"  # a ticket already taken stays


def test_a_deal_signed_again_after_it_was_lost_gets_its_codes_back(gold, tour_admin):
    _user, event = tour_admin
    TicketTierFactory(event=event, quota=50)
    sponsorship = deal(gold, event=event, status="signed")
    sponsorship.status = "lost"
    services.save_sponsorship(sponsorship=sponsorship)
    sponsorship.status = "signed"
    services.save_sponsorship(sponsorship=sponsorship)
    [code] = InviteCode.objects.filter(sponsorship=sponsorship)
    registration = event_services.register_attendee(
        event=event, tier=code.tier, details=attendee(), invite_code=code.code
    )
    assert registration.status == "confirmed"


def test_on_a_whole_tour_deal_a_city_team_member_changes_only_what_they_owe(gold, tour_admin):
    user, event = tour_admin
    TicketTierFactory(event=event)
    signed = deal(gold, status="signed", name="全巡回")
    assert InviteCode.objects.count() == 1
    TicketTierFactory(event=EventFactory(tour=event.tour))  # a city whose codes the tour admins have not made
    member = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    mine, theirs = signed.fulfilment.filter(kind__in=[BenefitKind.BOOTH, BenefitKind.LOGO_TICKET]).order_by("kind")
    mine.owner, theirs.owner = member, user
    mine.save(), theirs.save()
    client = admin_client(member)
    change = reverse("admin:sponsors_sponsorship_change", args=[signed.pk])
    formset = client.get(change).context["inline_admin_formsets"][0].formset
    data = {"fulfilment-TOTAL_FORMS": str(len(formset.forms)), "fulfilment-INITIAL_FORMS": str(len(formset.forms))}
    for index, form in enumerate(formset.forms):
        data |= {
            f"fulfilment-{index}-id": form.instance.pk,
            f"fulfilment-{index}-sponsorship": signed.pk,
            f"fulfilment-{index}-owner": member.pk,
            f"fulfilment-{index}-done": "on",
            f"fulfilment-{index}-DELETE": "on",
        }
    assert client.post(change, data).status_code == 302
    items = {item.pk: (item.owner_id, item.done) for item in signed.fulfilment.all()}
    assert len(items) == 3  # nothing deleted
    assert items[mine.pk] == (member.pk, True) and items[theirs.pk] == (user.pk, False)
    assert InviteCode.objects.count() == 1  # saving the benefits signed nothing anew


def test_a_company_or_community_is_changed_by_those_who_manage_every_deal_made_with_it(gold, tour_admin):
    user, event = tour_admin
    other = EventFactory(tour=event.tour, city=CityFactory(slug="guangzhou", name_zh="广州", name_en="Guangzhou"))
    ours, theirs, tour_wide = deal(gold, event=event, name="本市"), deal(gold, event=other, name="外市"), deal(gold)
    prospect = Sponsor.objects.create(name="新公司")
    lead = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)

    def rename(sponsor, client):
        url = reverse("admin:sponsors_sponsor_change", args=[sponsor.pk])
        return client.get(url).status_code, client.post(url, {"name": "改名"}).status_code

    assert rename(ours.sponsor, lead) == (200, 302)
    assert rename(prospect, lead) == (200, 302)
    # Seen read-only: their logo is on another city's pages and tickets, or on every city's.
    assert rename(theirs.sponsor, lead) == (200, 403)
    assert rename(tour_wide.sponsor, lead) == (200, 403)
    assert sorted(Sponsor.objects.values_list("name", flat=True)) == ["外市", "改名", "改名", "星河数据"]
    assert rename(theirs.sponsor, admin_client(user)) == (200, 302)  # the tour admin manages every deal

    community = Partner.objects.create(name="开源社")
    Partnership.objects.create(partner=community, tour=event.tour, event=other, role="co_host")
    url = reverse("admin:sponsors_partner_change", args=[community.pk])
    assert lead.post(url, {"name": "改名"}).status_code == 403
    Partnership.objects.filter(partner=community).update(event=event)
    assert lead.post(url, {"name": "改名"}).status_code == 302
    community.refresh_from_db()
    assert community.name == "改名"
