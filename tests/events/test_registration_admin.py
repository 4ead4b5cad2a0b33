"""Organizers' registration tools: CSV export and import, invite codes in batches, reminders."""

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, InviteCode, Registration, RegistrationQuestion
from events.tasks import send_event_reminders
from tests.factories import CityFactory, CityTeamMemberFactory, EventFactory, TicketTierFactory, attendee
from tests.support.imports import bring_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(
        capacity=100, venue__capacity=100, venue__address="南山区高新南十道", venue__transport_notes="地铁后海站 E 出口"
    )


@pytest.fixture
def organizer(event):
    return CityTeamMemberFactory(tour=event.tour, city=event.city).user


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_csv_export_streams_every_registration_with_answers_channel_and_check_in(event, organizer):
    tier = TicketTierFactory(event=event, name="普通票", name_en="")
    question = RegistrationQuestion.objects.create(event=event, text="饮食要求", text_en="Diet")
    [code] = services.create_invite_codes(event=event, tier=tier, channel="partner", count=1, label="开源社")
    checked = services.register_attendee(
        event=event,
        tier=tier,
        invite_code=code.code,
        details=attendee("王芳", "wang@example.org", answers={str(question.id): "素食"}),
    )
    services.check_in(event=event, value=checked.ticket_code, by=organizer)
    services.register_attendee(event=event, tier=tier, details=attendee("李雷", "li@example.org"))
    response = admin_client(organizer).get(reverse("admin:events_event_export", args=[event.pk]))
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, first, second = rows
    assert header[:3] == ["ticket code", "name", "email"] and "Diet" in header
    assert first[1:3] == ["王芳", "wang@example.org"]
    assert first[header.index("Diet")] == "素食"
    assert first[header.index("channel")] == "Partner community comps"
    assert first[header.index("checked in at")] != "" and second[header.index("checked in at")] == ""
    assert second[header.index("channel")] == "Public registration"


def test_another_city_cannot_export(event):
    outsider = CityTeamMemberFactory(tour=event.tour, city=CityFactory()).user
    assert admin_client(outsider).get(reverse("admin:events_event_export", args=[event.pk])).status_code == 404


def upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", content.encode("utf-8-sig"), content_type="text/csv")


def test_an_import_registers_everyone(event, organizer):
    TicketTierFactory(event=event, name="普通票", quota=10)
    csv_text = "name,email,phone,company\n张伟,zhang@example.org,13800000001,星河\n李娜,li.na@example.org,,\n"
    response = bring_file(admin_client(organizer), event, {"file": upload(csv_text)})
    assert response.context["job"].state == "done"
    imported = Registration.objects.order_by("name").values_list("name", "email", "source", "status")
    assert list(imported) == [
        ("张伟", "zhang@example.org", "import", "confirmed"),
        ("李娜", "li.na@example.org", "import", "confirmed"),
    ]


def test_an_import_with_a_bad_row_imports_nothing_and_reports_each_row(event, organizer):
    TicketTierFactory(event=event, name="普通票", name_en="Standard", quota=1)
    csv_text = (
        "name,email,tier\n张伟,zhang@example.org,普通票\n,empty@example.org,普通票\n"
        "王五,not-an-email,普通票\n赵六,zhao@example.org,VIP\n钱七,qian@example.org,普通票\n"
    )
    response = bring_file(admin_client(organizer), event, {"file": upload(csv_text)})
    assert response.context["job"].state == "failed"
    report = [(e.line, e.email, e.message) for e in response.context["errors"]]
    assert report == [
        (3, "empty@example.org", "The name is empty."),
        (4, "not-an-email", "“not-an-email” is not an email address."),
        (5, "zhao@example.org", "There is no ticket tier “VIP”."),
        (6, "qian@example.org", "“Standard” is sold out."),
    ]
    assert Registration.objects.count() == 0


def test_an_import_without_the_required_columns(event, organizer):
    TicketTierFactory(event=event)
    response = bring_file(admin_client(organizer), event, {"file": upload("姓名,手机\n张伟,13800000001\n")})
    assert [(e.line, e.message) for e in response.context["errors"]] == [(1, "Missing columns: email.")]


def test_an_import_reads_old_mac_line_ends_and_reports_what_is_not_csv(event, organizer):
    TicketTierFactory(event=event, quota=10)
    client = admin_client(organizer)
    response = bring_file(client, event, {"file": upload("name,email\r张伟,zhang@example.org\r李娜,li@example.org\r")})
    assert response.context["job"].state == "done"
    assert sorted(Registration.objects.values_list("name", flat=True)) == ["张伟", "李娜"]

    huge = "name,email\n王五,wang@example.org\n" + "长" * 140_000 + ",long@example.org\n"
    response = bring_file(client, event, {"file": upload(huge)})
    assert response.context["job"].state == "failed"
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (3, "The file is not valid CSV near line 3 (an unclosed quote, or a cell that is too long).")
    ]
    assert Registration.objects.count() == 2  # 王五 was not kept either


def test_an_import_with_a_quote_left_open_imports_nobody(event, organizer):
    TicketTierFactory(event=event, quota=10)
    csv_text = 'name,email,company\n张伟,zhang@example.org,"ACME\n李娜,li@example.org,\n王五,wang@example.org,\n'
    response = bring_file(admin_client(organizer), event, {"file": upload(csv_text)})
    assert response.context["job"].state == "failed"
    [error] = response.context["errors"]
    assert error.message.startswith("The file is not valid CSV near line")
    assert Registration.objects.count() == 0


PHONE_MESSAGE = (
    "Enter a phone number: a mobile number such as 138 0013 8000, a landline with its area code such as 010-6552 9988, "
    "or a number abroad starting with + and its country code."
)


def test_an_import_refuses_a_value_longer_than_its_field_in_that_row(event, organizer):
    TicketTierFactory(event=event, quota=10)
    csv_text = "name,email,phone\n张伟,zhang@example.org,13800000001\n" + "名" * 101 + ",long@example.org,\n"
    csv_text += "李娜,li@example.org," + "1" * 31 + "\n"
    csv_text += "王芳,wang@example.org,12345\n"
    response = bring_file(admin_client(organizer), event, {"file": upload(csv_text)})
    assert response.context["job"].state == "failed"
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (3, "Name: at most 100 characters (this one has 101)."),
        (4, f"Phone: {PHONE_MESSAGE}"),
        (5, f"Phone: {PHONE_MESSAGE}"),
    ]
    assert Registration.objects.count() == 0


def test_invite_codes_in_a_batch(event, organizer):
    tier = TicketTierFactory(event=event, quota=50)
    response = admin_client(organizer).post(
        reverse("admin:events_invitecode_batch"),
        {
            "event": event.pk,
            "tier": tier.pk,
            "channel": "sponsor",
            "label": "星河数据",
            "count": 20,
            "max_uses": 1,
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 302
    codes = InviteCode.objects.filter(event=event, channel="sponsor", label="星河数据")
    assert codes.count() == 20 and len(set(codes.values_list("code", flat=True))) == 20
    assert all(len(code) == 8 for code in codes.values_list("code", flat=True))


def test_reminders_go_out_once_the_day_before(event, settings):
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    event.start = tomorrow.replace(hour=13, minute=30, second=0, microsecond=0)
    event.end = event.start + dt.timedelta(hours=4)
    event.save()
    tier = TicketTierFactory(event=event)
    registration = services.register_attendee(event=event, tier=tier, details=attendee("周婷", "zhou@example.org"))
    later = EventFactory(start=event.start + dt.timedelta(days=7), end=event.end + dt.timedelta(days=7))
    services.register_attendee(event=later, tier=TicketTierFactory(event=later), details=attendee())
    mail.outbox.clear()
    assert send_event_reminders() == 1
    assert send_event_reminders() == 0  # a second run of the schedule sends nothing more
    assert [m.to for m in mail.outbox] == [["zhou@example.org"]]
    body = mail.outbox[0].body
    assert "南山区高新南十道" in body and "地铁后海站 E 出口" in body and registration.ticket_code in body


def watching_online_tomorrow(event, language: str = "zh-hans") -> None:
    """The event is tomorrow, with a livestream, and someone registered to watch it."""
    event.livestream_url = "https://live.example.org/sz"
    event.start = timezone.localtime() + dt.timedelta(days=1)
    event.end = event.start + dt.timedelta(hours=3)
    event.save()
    online = TicketTierFactory(event=event, attendance="online", quota=None)
    services.register_attendee(
        event=event, tier=online, details=attendee(email="far.away@example.org", language=language)
    )


def test_online_registrants_get_the_livestream_link(event):
    watching_online_tomorrow(event)
    mail.outbox.clear()
    send_event_reminders()
    assert "https://live.example.org/sz" in mail.outbox[0].body


def test_an_online_reminder_without_a_livestream_yet_points_to_the_tickets_page(event):
    watching_online_tomorrow(event, "en")
    Event.objects.filter(pk=event.pk).update(livestream_url="")  # taken down to be replaced
    mail.outbox.clear()
    send_event_reminders()
    lines = mail.outbox[0].body.splitlines()
    assert f"The livestream link will be on your tickets page: {settings.SITE_URL}/tickets/" in lines
    assert not [line for line in lines if line.startswith("Watch online:")]


def test_a_livestream_link_set_or_replaced_is_emailed_to_everyone_watching_online(
    event, django_capture_on_commit_callbacks
):
    watching_online_tomorrow(event)  # reminded below
    online = event.tiers.get(attendance="online")
    services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee(email="seat@x.org"))
    assert send_event_reminders() == 2
    services.register_attendee(event=event, tier=online, details=attendee(email="later@example.org"))
    today = EventFactory(
        tour=event.tour, start=timezone.localtime() + dt.timedelta(hours=3), livestream_url="https://live.example.org/t"
    )
    today.end = today.start + dt.timedelta(hours=2)
    today.save()
    services.register_attendee(
        event=today,
        tier=TicketTierFactory(event=today, attendance="online", quota=None),
        details=attendee(email="today@example.org", language="en"),
    )
    mail.outbox.clear()
    for changed, url in ((event, "https://live.example.org/sz-2"), (today, "https://live.example.org/t-2")):
        changed.livestream_url = url
        with django_capture_on_commit_callbacks(execute=True):
            services.save_event(event=changed)
    sent = {message.to[0]: message for message in mail.outbox}
    # Everyone watching online, reminded or not (a reminder may not be coming); not the one with a seat.
    assert sorted(sent) == ["far.away@example.org", "later@example.org", "today@example.org"]
    assert sent["far.away@example.org"].subject == f"直播链接：{event.title}"
    assert "https://live.example.org/sz-2" in sent["far.away@example.org"].body.splitlines()
    assert "https://live.example.org/t-2" in sent["today@example.org"].body.splitlines()
    assert "It is also on your tickets page:" in sent["today@example.org"].body
    mail.outbox.clear()
    event.description = "议程更新"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_event(event=event)  # saved again with the same link: nobody is told again
    assert mail.outbox == []


def test_an_online_registrant_gets_the_livestream_link_at_once_even_after_the_reminders_went_out(
    event, django_capture_on_commit_callbacks
):
    event.livestream_url = "https://live.example.org/sz"
    event.start = timezone.localtime() + dt.timedelta(hours=20)
    event.end = event.start + dt.timedelta(hours=3)
    event.save()
    online = TicketTierFactory(event=event, attendance="online", quota=None)
    send_event_reminders()  # today's run is over
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.register_attendee(event=event, tier=online, details=attendee(email="late@example.org", language="en"))
    [confirmation] = mail.outbox
    assert confirmation.to == ["late@example.org"]
    assert "You will watch online. The livestream: https://live.example.org/sz" in confirmation.body
