"""At the door and on “My tickets”: codes as people really type them, search, a ticket that is no longer valid,
a page that stops reloading, and the organizers' own lists coming in by CSV."""

import datetime as dt
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import (
    CheckInStaff,
    Event,
    EventStatus,
    InviteCode,
    Registration,
    RegistrationQuestion,
    TicketState,
    TicketTier,
    TierTally,
    TierVisibility,
)
from events.tasks import send_event_reminders, send_reminder
from tests.factories import (
    CityTeamMemberFactory,
    TicketTierFactory,
    UpcomingEventFactory,
    UserFactory,
    attendee,
)
from tests.support.imports import bring_file

pytestmark = pytest.mark.django_db


def client_of(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def full_width(text: str) -> str:
    """As a Chinese input method in full-width mode types it."""
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


@pytest.fixture
def event():
    return UpcomingEventFactory(capacity=100, venue__capacity=100, livestream_url="https://live.example.org/sz")


@pytest.fixture
def helper(event):
    user = UserFactory()
    CheckInStaff.objects.create(event=event, user=user)
    return user


def scan(client, event, value) -> dict:
    return client.post(reverse("events:checkin_scan", args=[event.tour.slug, event.slug]), {"code": value}).json()


def search(client, event, query) -> list[dict]:
    url = reverse("events:checkin_search", args=[event.tour.slug, event.slug])
    return client.get(url, {"q": query}).json()["results"]


@pytest.mark.parametrize("typed", ["full width", "grouped", "dashed", "lower case"])
def test_a_ticket_code_is_found_however_it_is_typed(event, helper, typed):
    registration = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    code = registration.ticket_code
    value = {
        "full width": full_width(code),
        "grouped": f"{code[:4]} {code[4:]}",
        "dashed": f"{code[:4]}-{code[4:]}",
        "lower case": code.lower(),
    }[typed]
    answer = scan(client_of(helper), event, value)
    assert (answer["ok"], answer["name"]) == (True, "张三")


def test_an_invite_code_is_found_however_it_is_typed_or_pasted(event):
    tier = TicketTierFactory(event=event, visibility=TierVisibility.INVITE_ONLY)
    [code] = services.create_invite_codes(event=event, tier=tier, channel="partner", count=1, max_uses=3)
    for typed in (full_width(code.code), f"\u200b{code.code}\u200b", f" {code.code.lower()} "):
        registration = services.register_attendee(event=event, tier=None, details=attendee(), invite_code=typed)
        assert registration.invite_code == code
    # An organizer's own spelling of a code is kept as attendees will type it.
    code.code = "vip 2024"
    code.full_clean()
    code.save()
    assert InviteCode.objects.get(pk=code.pk).code == "VIP2024"


def test_search_takes_one_chinese_character_but_not_one_letter(event, helper):
    tier = TicketTierFactory(event=event)
    services.register_attendee(event=event, tier=tier, details=attendee("王小明"))
    client = client_of(helper)
    assert [row["name"] for row in search(client, event, "王")] == ["王小明"]
    assert search(client, event, "a") == []


def test_search_offers_a_check_in_only_where_one_can_happen(event, helper):
    seated = TicketTierFactory(event=event, quota=1)
    online = TicketTierFactory(event=event, attendance="online", quota=None)
    services.register_attendee(event=event, tier=seated, details=attendee("李一"))
    services.register_attendee(event=event, tier=online, details=attendee("李二"))
    services.register_attendee(event=event, tier=seated, details=attendee("李三"), join_waitlist=True)
    used = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee("李四"))
    Registration.objects.filter(pk=used.pk).update(checked_in_at=timezone.now())
    rows = {row["name"]: row["can_check_in"] for row in search(client_of(helper), event, "李")}
    assert rows == {"李一": True, "李二": False, "李三": False, "李四": False}


def test_search_says_when_more_match_than_it_shows(event, helper):
    tier = TicketTierFactory(event=event)
    for n in range(services.SEARCH_LIMIT + 1):
        services.register_attendee(event=event, tier=tier, details=attendee(f"王{n:02d}", f"w{n}@example.org"))
    url = reverse("events:checkin_search", args=[event.tour.slug, event.slug])
    answer = client_of(helper).get(url, {"q": "王"}).json()
    assert [row["name"] for row in answer["results"]] == [f"王{n:02d}" for n in range(services.SEARCH_LIMIT)]
    assert answer["more"] == "More than 20 match: type more of the name, or the phone number or email."
    answer = client_of(helper, "zh-hans").get(url, {"q": "王2"}).json()
    assert ([row["name"] for row in answer["results"]], answer["more"]) == (["王20"], "")
    answer = client_of(helper, "zh-hans").get(url, {"q": "王"}).json()
    assert answer["more"] == "匹配的超过 20 人：请再多输入几个字，或输入手机号、邮箱。"


def test_a_ticket_of_a_cancelled_event_is_refused_at_the_door(event, helper):
    registration = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    services.change_event_status(event=event, status=EventStatus.CANCELLED)
    client = client_of(helper)
    answer = scan(client, event, registration.ticket_code)
    assert (answer["ok"], answer["message"]) == (
        False,
        "This event has been cancelled: its tickets are no longer valid.",
    )
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None
    assert [row["can_check_in"] for row in search(client, event, "张三")] == [False]
    page = client.get(reverse("events:checkin", args=[event.tour.slug, event.slug])).content.decode()
    assert "This event has been cancelled: its tickets are no longer valid." in page


def test_the_check_in_page_in_chinese_counts_who_came_not_who_reported_for_duty(event, helper):
    html = client_of(helper, "zh-hans").get(reverse("events:checkin", args=[event.tour.slug, event.slug]))
    text = html.content.decode()
    assert text.count("已到场") == 2 and "已到岗" not in text
    texts = json.loads(re.search(r'<script id="checkin-texts" type="application/json">(.*?)</script>', text)[1])
    assert texts["signedOut"] == "您已退出登录，或已没有这场活动的签到权限。请刷新页面并重新登录。"
    assert texts["noMatch"] == "没有匹配的报名。"


@pytest.mark.parametrize(
    "state, message",
    [
        ("cancelled", "This registration was cancelled; its ticket is no longer valid."),
        ("waitlisted", "You are on the waiting list: there is no ticket yet."),
    ],
)
def test_no_ticket_download_for_a_cancelled_or_waiting_registration(
    event, state, message, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    tier = TicketTierFactory(event=event, quota=5)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=tier, user=owner, details=attendee(email=owner.email)
        )
    assert Registration.objects.get(pk=registration.pk).ticket_state == TicketState.READY
    Registration.objects.filter(pk=registration.pk).update(status=state)
    response = client_of(owner).get(reverse("events:ticket_pdf", args=[registration.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("events:my_tickets")
    assert [str(m) for m in response.wsgi_request._messages] == [message]


def test_my_tickets_reloads_less_and_less_often_and_then_stops(event):
    owner = UserFactory()
    services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), user=owner, details=attendee(email=owner.email)
    )
    client = client_of(owner)
    pages = [client.get(reverse("events:my_tickets"), {"reloads": n}).content.decode() for n in range(6)]
    for n, delay in enumerate([5, 10, 20, 40, 80]):
        assert f'<meta http-equiv="refresh" content="{delay};url=?reloads={n + 1}">' in pages[n]
        assert "This page refreshes by itself." in pages[n]
    assert 'http-equiv="refresh"' not in pages[5]
    assert "Your ticket is taking longer than usual." in pages[5]
    assert 'content="5;url=?reloads=1"' in client.get(reverse("events:my_tickets"), {"reloads": "x"}).content.decode()


def test_registration_closes_when_the_event_ends(event):
    user = UserFactory()
    tier = TicketTierFactory(event=event)
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - dt.timedelta(hours=5), end=timezone.now() - dt.timedelta(hours=1)
    )
    client = client_of(user)
    assert (
        reverse("events:register", args=[event.tour.slug, event.slug])
        not in client.get(event.get_absolute_url()).content.decode()
    )
    data = {"tier": tier.pk, "name": "迟到", "phone": "13800000000", "privacy": "on"}
    response = client.post(reverse("events:register", args=[event.tour.slug, event.slug]), data)
    assert response.status_code == 200 and "Registration for this event is closed." in response.content.decode()
    assert not Registration.objects.exists()
    # While it runs, people still register at the door.
    Event.objects.filter(pk=event.pk).update(end=timezone.now() + dt.timedelta(hours=1))
    assert client.post(reverse("events:register", args=[event.tour.slug, event.slug]), data).status_code == 302


@pytest.mark.parametrize(
    "phone, shown", [("13812345678", "138****5678"), ("87654321", "****4321"), ("1234", "****"), ("", "****")]
)
def test_search_shows_too_little_of_a_phone_number_to_copy_it(event, helper, phone, shown):
    services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), details=attendee("韩梅梅", phone=phone)
    )
    [row] = search(client_of(helper), event, "韩梅梅")
    assert row["phone"] == shown


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("13800001234", "138 0000 1234"),
        ("13800001234", "138-0000-1234"),
        ("13800001234", "+86 13800001234"),
        ("138 0000 1234", "13800001234"),
        ("138-0000-1234", "00001234"),
        ("+86 138 0000 1234", "13800001234"),
        ("(0755) 8765-4321", "075587654321"),
    ],
)
def test_a_phone_number_is_found_however_it_was_written(event, helper, stored, typed):
    services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee("王芳", phone=stored))
    services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), details=attendee("李娜", phone="13900009999")
    )
    assert [row["name"] for row in search(client_of(helper), event, typed)] == ["王芳"]


def test_the_channel_counts_at_the_door_are_of_seats(event, helper):
    seat = TicketTierFactory(event=event, quota=10)
    online = TicketTierFactory(event=event, quota=None, attendance="online")
    [for_seat] = services.create_invite_codes(event=event, tier=seat, channel="sponsor", count=1, max_uses=5)
    [for_stream] = services.create_invite_codes(event=event, tier=online, channel="sponsor", count=1, max_uses=5)
    came = services.register_attendee(event=event, tier=None, details=attendee(), invite_code=for_seat.code)
    services.register_attendee(event=event, tier=None, details=attendee(), invite_code=for_stream.code)
    services.check_in(event=event, value=came.ticket_code, by=helper)
    stats = client_of(helper).get(reverse("events:checkin_stats", args=[event.tour.slug, event.slug])).json()
    assert (stats["in_person"], stats["online"], stats["checked_in"]) == (1, 1, 1)
    assert stats["channels"] == [{"channel": "sponsor", "label": "Sponsor tickets", "registered": 1, "came": 1}]


def upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", content.encode("utf-8"), content_type="text/csv")


def import_url(event) -> str:
    return reverse("admin:events_event_import", args=[event.pk])


@pytest.mark.parametrize("situation", ["invite-only tier", "sale ended", "registration closed"])
def test_the_organizers_own_list_comes_in_where_the_public_cannot_register(event, situation):
    tier = TicketTierFactory(event=event, name="嘉宾票", quota=2)
    if situation == "invite-only tier":
        tier.visibility = TierVisibility.INVITE_ONLY
    elif situation == "sale ended":
        tier.sale_ends = timezone.now() - dt.timedelta(days=1)
    tier.save()
    if situation == "registration closed":
        Event.objects.filter(pk=event.pk).update(status=EventStatus.REGISTRATION_CLOSED)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = bring_file(
        client_of(organizer), event, {"file": upload("name,email,tier\n赵敏,zhao@example.org,嘉宾票\n")}
    )
    assert response.context["job"].state == "done"
    assert list(Registration.objects.values_list("name", "status", "source")) == [("赵敏", "confirmed", "import")]


def test_the_organizers_own_list_still_stops_at_the_seats(event):
    TicketTierFactory(event=event, name="嘉宾票", name_en="", quota=1, visibility=TierVisibility.INVITE_ONLY)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = bring_file(
        client_of(organizer),
        event,
        {"file": upload("name,email,tier\n赵敏,zhao@example.org,嘉宾票\n周芷若,zhou@example.org,嘉宾票\n")},
    )
    assert response.context["job"].state == "failed"
    assert [(e.line, e.message) for e in response.context["errors"]] == [(3, "“嘉宾票” is sold out.")]
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    "csv_text",
    [
        "name;email;phone\n赵敏;zhao@example.org;13800000001\n周芷若;zhou@example.org;\n",
        "name\temail\tphone\n赵敏\tzhao@example.org\t13800000001\n周芷若\tzhou@example.org\t\n",
        "\r\n\n,,\nname,email,phone\n赵敏,zhao@example.org,13800000001\n,,\n周芷若,zhou@example.org,\n,,\n",
        "姓名,邮箱,手机\n赵敏,zhao@example.org,138 0000 0001\n周芷若,zhou@example.org,\n",
        "Name,E-mail,Mobile\n赵敏,zhao@example.org,+86 138-0000-0001\n周芷若,zhou@example.org,\n",
    ],
    ids=["semicolons", "tabs", "blank lines and cleared rows", "chinese headings", "other english headings"],
)
def test_an_import_reads_the_sheets_organizers_bring(event, csv_text):
    TicketTierFactory(event=event, name="普通票", quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)})
    assert response.context["job"].state == "done"
    assert list(Registration.objects.order_by("pk").values_list("name", "email", "phone")) == [
        ("赵敏", "zhao@example.org", "13800000001"),
        ("周芷若", "zhou@example.org", ""),
    ]


@pytest.mark.parametrize(
    "csv_text, unread",
    [
        ('name,email,phone,"diet; veg; halal"\n赵敏,zhao@example.org,13800000001,veg\n', "“diet; veg; halal”"),
        ('name;email;"company, team";票价\n赵敏;zhao@example.org;星河;99\n', "“company, team”, “票价”"),
        ("name,email,Timestamp,手机号码\n赵敏,zhao@example.org,2026-11-01,13800000001\n", "“Timestamp”, “手机号码”"),
    ],
)
def test_an_import_names_the_columns_it_would_not_read_and_imports_nothing(event, csv_text, unread):
    TicketTierFactory(event=event, name="普通票", quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(error.line, error.message) for error in response.context["errors"]] == [
        (
            1,
            f"The import does not read the columns {unread}: remove them, or rename them. It reads name, email, "
            "phone, company, job_role, tier, and the event's registration questions by their text.",
        )
    ]
    assert Registration.objects.count() == 0


def test_an_export_brought_into_another_event_is_read_with_the_answers_to_its_questions(event):
    source = UpcomingEventFactory(tour=event.tour)
    tier = TicketTierFactory(event=source, name="普通票", name_en="Standard", quota=10)
    diet = RegistrationQuestion.objects.create(event=source, text="饮食要求", text_en="Dietary needs")
    services.register_attendee(
        event=source,
        tier=tier,
        details=attendee("赵敏", "zhao@example.org", phone="13800000001", answers={str(diet.pk): "素食"}),
    )
    # Cancelled, then registered again; cancelled for good; a number the export writes as '+44… for spreadsheets.
    again = services.register_attendee(event=source, tier=tier, details=attendee("周芷若", "zhou@example.org"))
    services.cancel_registration(registration=again)
    services.register_attendee(event=source, tier=tier, details=attendee("周芷若", "zhou@example.org"))
    gone = services.register_attendee(event=source, tier=tier, details=attendee("殷离", "yin@example.org"))
    services.cancel_registration(registration=gone)
    services.register_attendee(
        event=source, tier=tier, details=attendee("Mary", "mary@example.org", phone="+442079460958", company="-1°C")
    )
    organizer = UserFactory(is_staff=True, is_superuser=True)
    for language in ("en", "zh-hans"):
        export = client_of(organizer, language).get(reverse("admin:events_event_export", args=[source.pk]))
        exported = b"".join(export.streaming_content).decode("utf-8-sig")
        target = UpcomingEventFactory(tour=event.tour)
        TicketTierFactory(event=target, name="普通票", name_en="Standard", quota=10)
        asked = RegistrationQuestion.objects.create(event=target, text="饮食要求", text_en="Dietary needs")
        RegistrationQuestion.objects.create(event=target, text="公司", text_en="company")  # not the company column
        response = bring_file(client_of(organizer, language), target, {"file": upload(exported)})
        assert response.context["job"].state == "done", (language, response.context["errors"])
        copied = Registration.objects.filter(event=target).order_by("email")
        assert [(r.name, r.phone, r.company, r.tier.name, r.answers) for r in copied] == [
            ("Mary", "+442079460958", "-1°C", "普通票", {}),
            ("赵敏", "13800000001", "", "普通票", {str(asked.pk): "素食"}),
            ("周芷若", "", "", "普通票", {}),
        ], language


@pytest.mark.parametrize(
    "header, twice",
    [
        ("姓名,邮箱,手机,电话", "“手机”, “电话”"),
        ("name,email,phone,phone", "“phone”, “phone”"),
        ("name,email,公司,单位", "“公司”, “单位”"),
    ],
)
def test_an_import_refuses_two_columns_for_one_thing(event, header, twice):
    TicketTierFactory(event=event, quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = f"{header}\n张伟,zhang@example.org,13800000001,\n"
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (1, f"The columns {twice} hold the same thing: keep one of them.")
    ]
    assert Registration.objects.count() == 0


def test_an_import_reports_cells_it_would_not_read_by_the_rows_email(event):
    TicketTierFactory(event=event, quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = (
        "姓名,邮箱,\n张伟,zhang@example.org,VIP 嘉宾，需要接待\n王五,wang@example.org,\n李四,li@example.org,,多余\n"
    )
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(e.line, e.email, e.message) for e in response.context["errors"]] == [
        (
            2,
            "zhang@example.org",
            "This row has a cell in a column without a heading: give the column one, or empty it.",
        ),
        (4, "li@example.org", "This row has more cells than the header."),
    ]
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("header", ["姓名,邮箱,,", "name , email ,,"])
def test_an_import_keeps_the_cells_of_two_columns_without_headings_apart(event, header):
    TicketTierFactory(event=event, quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = f"{header}\n张伟,zhang@example.org,VIP 嘉宾，需要接待,\n"
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(e.line, e.email, e.message) for e in response.context["errors"]] == [
        (
            2,
            "zhang@example.org",
            "This row has a cell in a column without a heading: give the column one, or empty it.",
        ),
    ]
    assert Registration.objects.count() == 0


def test_an_import_too_long_for_one_request_is_refused_before_anyone_is_registered(event):
    TicketTierFactory(event=event, quota=6000)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = "name,email\n" + "".join(f"参会者{n},p{n}@example.org\n" for n in range(5001))
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (1, "A file brings in at most 5000 registrations at a time (this one has 5001 rows): split it.")
    ]
    assert Registration.objects.count() == 0


def test_an_import_of_thousands_registers_everyone_and_counts_each_seat(event):
    Event.objects.filter(pk=event.pk).update(capacity=2500)
    tier = TicketTierFactory(event=event, quota=2500)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = "name,email\n" + "".join(f"参会者{n},p{n}@example.org\n" for n in range(2500))
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)})
    assert response.context["job"].state == "done", response.context["errors"][:3]
    assert Registration.objects.filter(tier=tier, status="confirmed", source="import").count() == 2500
    assert set(Registration.objects.values_list("email", flat=True)) == {f"p{n}@example.org" for n in range(2500)}
    assert TierTally.objects.get(tier=tier).confirmed == 2500
    # The tally the claim reads is the one the import left: the next person finds the tier sold out.
    with pytest.raises(ValidationError, match="sold out"):
        services.register_attendee(event=event, tier=tier, details=attendee("迟到", "late@example.org"))


def test_an_import_counts_its_own_rows_against_the_tiers_and_the_event_capacity(event):
    Event.objects.filter(pk=event.pk).update(capacity=3)
    TicketTierFactory(event=event, name="普通票", name_en="", quota=5)
    TicketTierFactory(event=event, name="学生票", name_en="", quota=1)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = (
        "name,email,tier\n赵敏,zhao@example.org,学生票\n周芷若,zhou@example.org,学生票\n"
        "张无忌,zhang@example.org,普通票\n小昭,xiao@example.org,普通票\n殷离,yin@example.org,普通票\n"
    )
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)})
    assert [(e.line, e.email, e.message) for e in response.context["errors"]] == [
        (3, "zhou@example.org", "“学生票” is sold out."),
        (6, "yin@example.org", "The event is full: all 3 seats are taken."),
    ]
    assert Registration.objects.count() == 0
    assert TierTally.objects.filter(confirmed__gt=0).count() == 0


def test_an_import_lets_those_waiting_have_a_freed_seat_first(event):
    tier = TicketTierFactory(event=event, name="普通票", name_en="", quota=1)
    services.register_attendee(event=event, tier=tier, details=attendee("先到", "first@example.org"))
    waiting = services.register_attendee(
        event=event, tier=tier, details=attendee("排队", "waiting@example.org"), join_waitlist=True
    )
    TicketTier.objects.filter(pk=tier.pk).update(quota=3)  # raised without a promotion
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = bring_file(client_of(organizer), event, {"file": upload("name,email\n赵敏,zhao@example.org\n")})
    assert response.context["job"].state == "done"
    assert dict(Registration.objects.values_list("email", "status")) == {
        "first@example.org": "confirmed",
        "waiting@example.org": "confirmed",
        "zhao@example.org": "confirmed",
    }
    assert Registration.objects.get(pk=waiting.pk).email_owed == "promoted"


def test_an_import_of_a_header_alone_says_there_is_nothing_to_import(event):
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    TicketTierFactory(event=event, quota=10)
    response = bring_file(client_of(organizer), event, {"file": upload("name,email\n,\n")}, HTTP_ACCEPT_LANGUAGE="en")
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (1, "The file holds no registrations below its header.")
    ]


def test_an_import_names_the_line_of_a_repeated_email_and_one_already_registered(event):
    tier = TicketTierFactory(event=event, name="普通票", quota=10)
    services.register_attendee(event=event, tier=tier, details=attendee("张三", "zhang@example.org"))
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    # Someone who registered on the site, and also verified two work addresses in their account.
    owner = UserFactory()
    EmailAddress.objects.create(user=owner, email="wang@work.example.org", verified=True)
    EmailAddress.objects.create(user=owner, email="wang.wu@work.example.org", verified=True)
    services.register_attendee(event=event, tier=tier, user=owner, details=attendee("王五", owner.email))
    csv_text = (
        "\nname,email\n李四,li@example.org\n张三,Zhang@Example.org\n李四,LI@example.org\n王五,wang@work.example.org\n"
        "王五,wang.wu@work.example.org\n"
    )
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)})
    assert [(e.line, e.email, e.message) for e in response.context["errors"]] == [
        (4, "Zhang@Example.org", "This email is already registered for this event."),
        (5, "LI@example.org", "The same email as line 3."),
        (6, "wang@work.example.org", "This email is already registered for this event."),
        (7, "wang.wu@work.example.org", "This email is already registered for this event."),
    ]
    assert Registration.objects.count() == 2


def test_an_import_error_names_the_line_where_its_row_begins(event):
    TicketTierFactory(event=event, name="普通票", quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    csv_text = (
        'name,email,company\n\n张伟,zhang@example.org,"星河\n数据"\n王五,not-an-email,\n\r\n,empty@example.org,\n'
    )
    response = bring_file(client_of(organizer), event, {"file": upload(csv_text)})
    assert [(e.line, e.email) for e in response.context["errors"]] == [(5, "not-an-email"), (7, "empty@example.org")]


def test_a_postponed_event_reminds_its_attendees_again_the_day_before_the_new_date(event):
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(
        start=tomorrow.replace(hour=13, minute=30), end=tomorrow.replace(hour=17, minute=30)
    )
    event.refresh_from_db()
    services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    assert send_event_reminders() == 1
    # Postponed by a week after the reminder went out: the day before the new date, it goes again.
    event.start += dt.timedelta(days=7)
    event.end += dt.timedelta(days=7)
    services.save_event(event=event)
    assert Registration.objects.get().reminder_sent_at is None


@pytest.mark.parametrize("change", ["moved", "cancelled"])
def test_a_reminder_queued_before_the_event_moved_or_was_cancelled_sends_nothing(event, change):
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(
        start=tomorrow.replace(hour=13, minute=30), end=tomorrow.replace(hour=17, minute=30)
    )
    event.refresh_from_db()
    registration = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    if change == "moved":
        event.start += dt.timedelta(days=7)
        event.end += dt.timedelta(days=7)
        services.save_event(event=event)
    else:
        services.change_event_status(event=event, status=EventStatus.CANCELLED)
    mail.outbox.clear()
    assert send_reminder(registration.pk) is False  # the task, queued before the change, runs after it
    assert mail.outbox == [] and Registration.objects.get(pk=registration.pk).reminder_sent_at is None
