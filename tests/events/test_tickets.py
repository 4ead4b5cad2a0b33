"""Ticket PDFs, their QR codes, the check-in at the door, and who may download or check in."""

import datetime as dt
import io
import re
import subprocess
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from citytour.celery import app as celery_app
from events import services, tasks
from events.emails import registration_email
from events.models import CheckInStaff, Event, Registration
from tests.factories import (
    CityFactory,
    CityTeamMemberFactory,
    EventFactory,
    TicketTierFactory,
    UpcomingEventFactory,
    UserFactory,
    attendee,
    shanghai,
)
from tests.support.mail import REFUSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(
        title="数字经济-城市开源行·深圳站",
        city=CityFactory(slug="shenzhen", name_zh="深圳", name_en="Shenzhen"),
        venue__name="深圳湾科技生态园",
        venue__address="南山区高新南十道",
        start=shanghai(2024, 4, 20, 13, 30),
        end=shanghai(2024, 4, 20, 17, 30),
        slug="shenzhen",
    )


@pytest.fixture
def registration(event, django_capture_on_commit_callbacks):
    owner = UserFactory()
    tier = TicketTierFactory(event=event, name="普通票", name_en="", quota=100)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=tier, user=owner, details=attendee("欧阳娜娜", owner.email, company="星河数据")
        )
    registration.refresh_from_db()
    return registration


@pytest.mark.parametrize(
    "start, end, shown",
    [
        (shanghai(2027, 1, 4, 13, 30), shanghai(2027, 1, 4, 17, 30), "2027-01-04 星期一 13:30–17:30"),
        (shanghai(2027, 1, 4, 22, 0), shanghai(2027, 1, 5, 3, 0), "2027-01-04 星期一 22:00 – 2027-01-05 星期二 03:00"),
        (shanghai(2027, 1, 4, 13, 30), None, "2027-01-04 星期一 13:30"),
    ],
    ids=["an afternoon", "a night", "no end"],
)
def test_the_ticket_the_reminder_and_the_event_page_say_when_in_shanghai_time(
    start, end, shown, django_capture_on_commit_callbacks
):
    event = UpcomingEventFactory(start=start, end=end)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee("王芳", language="zh-hans")
        )
    registration.refresh_from_db()
    assert shown in PdfReader(io.BytesIO(pdf_of(registration))).pages[0].extract_text().splitlines()
    subject, body = registration_email(registration, "reminder")
    assert shown in body.splitlines()
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(event.get_absolute_url()).content.decode()
    assert f"<dd>{shown}</dd>" in page


def test_a_sponsors_ticket_or_a_comp_with_a_price_is_not_the_holders_to_pay(django_capture_on_commit_callbacks):
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    vip = TicketTierFactory(event=event, name_en="VIP", price=199, quota=10, visibility="invite_only")
    owners, registrations = {}, {}
    for channel in ("sponsor", "speaker", "other"):
        [code] = services.create_invite_codes(event=event, tier=vip, channel=channel, count=1)
        owners[channel] = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            registrations[channel] = services.register_attendee(
                event=event,
                tier=None,
                user=owners[channel],
                invite_code=code.code,
                details=attendee(f"嘉宾{channel}", owners[channel].email, language="en"),
            )
    confirmations = {message.to[0]: message.body for message in mail.outbox}
    assert ["Price: ¥199" in confirmations[owners[c].email] for c in ("sponsor", "speaker", "other")] == [
        False,
        False,
        True,
    ]
    shown = {}
    for channel, owner in owners.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(owner)
        page = " ".join(client.get(reverse("events:my_tickets")).content.decode().split())
        shown[channel] = re.search(r"VIP · ¥199 ([a-z ]+)", page)[1].strip()
    assert shown == {"sponsor": "paid by a sponsor", "speaker": "complimentary", "other": "to pay the organizers"}
    helper = UserFactory()
    CheckInStaff.objects.create(event=event, user=helper)
    door = Client(HTTP_ACCEPT_LANGUAGE="en")
    door.force_login(helper)
    url = reverse("events:checkin_scan", args=[event.tour.slug, event.slug])
    answers = [door.post(url, {"code": registrations[c].ticket_code}).json()["message"] for c in owners]
    assert answers == [
        "Welcome, 嘉宾sponsor!",
        "Welcome, 嘉宾speaker!",
        "Welcome, 嘉宾other! Not paid yet: 199.00 CNY.",
    ]
    organizer = UserFactory(is_staff=True, is_superuser=True)
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(organizer)
    admin.post(
        reverse("admin:events_registration_changelist"),
        {"action": "mark_paid", "_selected_action": [r.pk for r in registrations.values()]},
    )
    paid = {channel: Registration.objects.get(pk=r.pk).paid_at is not None for channel, r in registrations.items()}
    assert paid == {"sponsor": False, "speaker": False, "other": True}


def test_a_price_reads_the_same_on_the_register_form_and_the_event_page():
    event = UpcomingEventFactory()
    TicketTierFactory(event=event, name_en="Early bird", price="199.00", quota=10)
    TicketTierFactory(event=event, name_en="Workshop", price="99.50", quota=10)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    form = client.get(reverse("events:register", args=[event.tour.slug, event.slug])).content.decode()
    page = client.get(event.get_absolute_url()).content.decode()
    for shown in ("¥199", "¥99.50"):
        assert shown in form and shown in page
    assert "¥199.00" not in form


def test_a_paid_ticket_says_its_price_in_the_email_and_on_my_tickets(django_capture_on_commit_callbacks):
    event = UpcomingEventFactory()
    owner = UserFactory()
    tier = TicketTierFactory(event=event, name_en="Early bird", price=199)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=tier, user=owner, details=attendee("王芳", owner.email, language="en")
        )
    price = "Price: ¥199, paid to the organizers, who tell you how; your tickets page shows it once they have it."
    assert price in mail.outbox[0].body.splitlines()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    page = " ".join(client.get(reverse("events:my_tickets")).content.decode().split())
    assert "Early bird · ¥199 to pay the organizers" in page
    services.mark_paid(registration=registration)
    page = " ".join(client.get(reverse("events:my_tickets")).content.decode().split())
    assert "Early bird · ¥199 paid" in page


def test_the_ticket_file_is_titled_in_the_attendees_language(django_capture_on_commit_callbacks):
    event = UpcomingEventFactory(tour__name="城市开源行", tour__name_en="City Open Source Tour")
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee("Jane Smith", language="en")
        )
    registration.refresh_from_db()
    assert PdfReader(io.BytesIO(pdf_of(registration))).metadata.title == "City Open Source Tour · Jane Smith"


def pdf_of(registration) -> bytes:
    return registration.ticket_pdf.open("rb").read()


def decode_qr_in_pdf(data: bytes, tmp_path) -> str:
    (tmp_path / "ticket.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "ticket.pdf"), str(tmp_path / "ticket")],
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "ticket.png")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_ticket_has_the_chinese_name_as_text_and_a_qr_code_with_the_secret(registration, tmp_path, private_root):
    assert registration.ticket_state == "ready"
    assert (private_root / registration.ticket_pdf.name).is_file()
    data = pdf_of(registration)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    for expected in [
        "欧阳娜娜",
        "星河数据",
        "普通票",
        "深圳",
        "深圳湾科技生态园",
        "2024-04-20",
        "13:30–17:30",
        registration.ticket_code,
    ]:
        assert expected in text, expected
    assert decode_qr_in_pdf(data, tmp_path) == registration.ticket_secret


def test_the_font_is_embedded_as_a_subset(registration):
    reader = PdfReader(io.BytesIO(pdf_of(registration)))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    names = [str(font["/BaseFont"]) for font in fonts]
    assert any("+" in name for name in names), names  # subset fonts are named ABCDEF+Name


def test_check_in_once_then_refused_with_when_and_by_whom(registration, event):
    staff = UserFactory(first_name="志愿者", last_name="")
    with translation.override("en"):
        first = services.check_in(event=event, value=registration.ticket_secret, by=staff)
        assert (first.ok, first.message) == (True, "Welcome, 欧阳娜娜!")
        second = services.check_in(event=event, value=registration.ticket_secret, by=staff)
        registration.refresh_from_db()
        when = registration.checked_in_at.astimezone(event.start.tzinfo).strftime("%Y-%m-%d %H:%M:%S")
        assert (second.ok, second.message) == (False, f"Already checked in at {when} by 志愿者.")
        assert registration.checked_in_by == staff


def test_check_in_by_the_typed_ticket_code(registration, event):
    result = services.check_in(event=event, value=registration.ticket_code.lower(), by=UserFactory())
    assert result.ok and result.registration == registration


@pytest.mark.parametrize("value", ["tampered", "x" * 32, ""])
def test_made_up_or_tampered_tickets_are_refused(registration, event, value):
    tampered = (
        value
        if value != "tampered"
        else registration.ticket_secret[:-1] + ("A" if registration.ticket_secret[-1] != "A" else "B")
    )
    with translation.override("en"):
        result = services.check_in(event=event, value=tampered, by=UserFactory())
    assert (result.ok, result.message) == (False, "Unknown ticket.")
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_a_ticket_of_another_event_or_a_cancelled_one_is_refused(registration, event):
    other = EventFactory(title="广州站")
    Event.objects.filter(pk=event.pk).update(title_en="City Open Source Tour · Shenzhen")
    with translation.override("en"):
        assert services.check_in(event=other, value=registration.ticket_secret, by=None).message == (
            "This ticket is for another event: City Open Source Tour · Shenzhen."
        )
        services.cancel_registration(registration=registration)
        assert services.check_in(event=event, value=registration.ticket_secret, by=None).message == (
            "This registration was cancelled."
        )
    Registration.objects.filter(pk=registration.pk).update(status="confirmed")
    with translation.override("zh-hans"):
        assert services.check_in(event=other, value=registration.ticket_secret, by=None).message == (
            "这是其他活动的门票：数字经济-城市开源行·深圳站。"
        )


def test_only_the_owner_downloads_the_ticket(registration, event):
    url = reverse("events:ticket_pdf", args=[registration.pk])
    owner = Client()
    owner.force_login(registration.user)
    response = owner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_of(registration)

    assert Client().get(url).status_code == 302  # to the login page
    for intruder in (UserFactory(), CityTeamMemberFactory(tour=event.tour, city=CityFactory()).user):
        client = Client()
        client.force_login(intruder)
        assert client.get(url).status_code == 404
        assert client.post(reverse("events:cancel", args=[registration.pk])).status_code == 404
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_an_imported_registration_shows_up_for_the_verified_email_owner(event, django_capture_on_commit_callbacks):
    tier = TicketTierFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=tier, details=attendee(email="later@example.org"), source="import"
        )
    signed_up_later = UserFactory(email="later@example.org")
    client = Client()
    client.force_login(signed_up_later)
    assert client.get(reverse("events:ticket_pdf", args=[registration.pk])).status_code == 200


def test_who_may_use_the_check_in_page(registration, event):
    page = reverse("events:checkin", args=[event.tour.slug, event.slug])
    scan = reverse("events:checkin_scan", args=[event.tour.slug, event.slug])
    assert Client().get(page).status_code == 302
    organizer_here = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    organizer_elsewhere = CityTeamMemberFactory(tour=event.tour, city=CityFactory()).user
    helper = UserFactory()
    CheckInStaff.objects.create(event=event, user=helper)
    helper_of_other_event = UserFactory()
    CheckInStaff.objects.create(event=EventFactory(tour=event.tour), user=helper_of_other_event)
    for user, allowed in [
        (organizer_here, True),
        (helper, True),
        (organizer_elsewhere, False),
        (helper_of_other_event, False),
        (UserFactory(), False),
    ]:
        client = Client()
        client.force_login(user)
        assert client.get(page).status_code == (200 if allowed else 404), user
        response = client.post(scan, {"code": registration.ticket_secret})
        assert response.status_code == (200 if allowed else 404)
    registration.refresh_from_db()
    assert registration.checked_in_by == organizer_here


def test_the_check_in_page_answers_in_json(registration, event):
    helper = UserFactory()
    CheckInStaff.objects.create(event=event, user=helper)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(helper)
    scan = reverse("events:checkin_scan", args=[event.tour.slug, event.slug])
    answer = client.post(scan, {"code": registration.ticket_code}).json()
    assert (answer["ok"], answer["name"], answer["tier"]) == (True, "欧阳娜娜", "普通票")
    assert client.post(scan, {"code": registration.ticket_code}).json()["ok"] is False
    search = client.get(reverse("events:checkin_search", args=[event.tour.slug, event.slug]), {"q": "欧阳"}).json()
    assert [row["name"] for row in search["results"]] == ["欧阳娜娜"]
    stats = client.get(reverse("events:checkin_stats", args=[event.tour.slug, event.slug])).json()
    assert (stats["in_person"], stats["checked_in"]) == (1, 1)
    assert stats["channels"] == [{"channel": "public", "label": "Public registration", "registered": 1, "came": 1}]


def test_my_tickets_says_when_the_ticket_is_not_ready(event):
    owner = UserFactory()
    tier = TicketTierFactory(event=event)
    registration = services.register_attendee(event=event, tier=tier, user=owner, details=attendee(email=owner.email))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    html = client.get(reverse("events:my_tickets")).content.decode()
    assert "Your ticket is being prepared. This page refreshes by itself." in html
    response = client.get(reverse("events:ticket_pdf", args=[registration.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("events:my_tickets")
    assert Registration.objects.get(pk=registration.pk).ticket_state == "pending"


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def change_data(client, registration, **changes) -> dict:
    form = client.get(reverse("admin:events_registration_change", args=[registration.pk])).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update({"answers": "{}", "heard_from": "", "paid_at_0": "", "paid_at_1": ""})
    data.update(changes)
    return data


def test_an_organizers_correction_of_the_name_renders_the_ticket_again(
    registration, event, django_capture_on_commit_callbacks
):
    client = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    url = reverse("admin:events_registration_change", args=[registration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, change_data(client, registration, name="欧阳菲菲"))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.name, registration.ticket_state) == ("欧阳菲菲", "ready")
    text = PdfReader(io.BytesIO(pdf_of(registration))).pages[0].extract_text()
    assert "欧阳菲菲" in text and "欧阳娜娜" not in text


@pytest.mark.parametrize("answers", ['["素食"]', "[]", '""', "0", '{"3": 1}'])
def test_the_answers_must_be_an_object_of_texts(registration, event, answers):
    client = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    url = reverse("admin:events_registration_change", args=[registration.pk])
    response = client.post(url, change_data(client, registration, answers=answers))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["answers"] == [
        'The answers are a JSON object from question number to answer, for example {"3": "素食"}.'
    ]
    assert Registration.objects.get(pk=registration.pk).answers == {}


def test_blank_answers_are_no_answers(registration, event):
    Registration.objects.filter(pk=registration.pk).update(answers={"1": "素食"})
    client = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    url = reverse("admin:events_registration_change", args=[registration.pk])
    assert client.post(url, change_data(client, registration, answers="  ")).status_code == 302
    assert Registration.objects.get(pk=registration.pk).answers == {}


def test_an_organizer_corrects_a_phone_as_attendees_type_it_and_a_made_up_one_is_refused(registration, event):
    client = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    url = reverse("admin:events_registration_change", args=[registration.pk])
    response = client.post(url, change_data(client, registration, phone="139"))
    assert response.context["adminform"].form.errors["phone"][0].startswith("Enter a phone number: a mobile number")
    assert client.post(url, change_data(client, registration, phone="+86 139-1234-5678")).status_code == 302
    assert Registration.objects.get(pk=registration.pk).phone == "13912345678"
    assert client.post(url, change_data(client, registration, phone="")).status_code == 302  # none known


def test_a_cancellation_made_while_the_broker_is_down_is_told_once_it_is_back(
    event, django_capture_on_commit_callbacks, broker_down
):
    Event.objects.filter(pk=event.pk).update(status="published", poster="posters/sz.png", poster_state="ready")
    registrations = [
        Registration.objects.create(
            event=event, tier=TicketTierFactory(event=event), email=f"p{n}@example.org", name="王芳", language="en"
        )
        for n in range(2)
    ]
    organizer = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.post(
            reverse("admin:events_event_changelist"),
            {"action": "mark_cancelled", "_selected_action": [event.pk]},
            follow=True,
        )
    assert "1 event is now “Cancelled”." in response.content.decode()  # not an error page
    event.refresh_from_db()
    assert (event.status, event.cancellation_notices_at, mail.outbox) == ("cancelled", None, [])
    assert (event.poster_state, event.poster_error[:11]) == ("failed", "not queued:")
    assert tasks.send_owed_cancellation_notices() == 0  # the broker is still down: still owed
    stale = Event.objects.get(pk=event.pk)  # an organizer's page, opened now
    assert stale.cancellation_notices_at is None
    celery_app.conf.task_always_eager = True  # the broker is back: the schedule's next run tells everyone
    assert tasks.send_owed_cancellation_notices() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [r.email for r in registrations]
    stale.description = "改期另行通知。"
    services.save_event(event=stale)  # saved after the notices went out: they are not owed again
    assert tasks.send_owed_cancellation_notices() == 0
    assert len(mail.outbox) == 2


def test_emails_and_tickets_that_could_not_be_queued_go_once_the_broker_is_back(
    django_capture_on_commit_callbacks, broker_down
):
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1, name="普通票", name_en="General")
    first = services.register_attendee(event=event, tier=tier, details=attendee("王芳", "first@example.org"))
    waiting = services.register_attendee(
        event=event, tier=tier, details=attendee("Anna", "anna@example.org", language="en"), join_waitlist=True
    )
    late = services.register_attendee(
        event=event, tier=tier, details=attendee("李雷", "late@example.org"), join_waitlist=True
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(registration=first)  # the broker is down: Anna's seat is hers, untold
    waiting.refresh_from_db()
    assert (waiting.status, waiting.ticket_state, mail.outbox) == ("confirmed", "failed", [])
    celery_app.conf.task_always_eager = True  # the broker is back
    assert tasks.send_owed_registration_emails() == 0  # not yet: it may still be on its way
    assert tasks.request_stuck_tickets() == 0
    Registration.objects.filter(event=event).update(
        email_owed_at=timezone.now() - dt.timedelta(minutes=16),
        ticket_requested_at=timezone.now() - dt.timedelta(hours=2),
    )
    # Anna's seat, and Li Lei's place in line; not the confirmation of the registration cancelled since.
    assert tasks.send_owed_registration_emails() == 2
    assert sorted((message.to[0], message.subject) for message in mail.outbox) == [
        ("anna@example.org", f"A seat freed up: you are in for {event.title_en}"),
        ("late@example.org", f"已加入候补：{event.title}"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.request_stuck_tickets() == 1
    waiting.refresh_from_db()
    assert (waiting.ticket_state, waiting.email_owed) == ("ready", "")
    tasks.send_registration_email(waiting.pk, "promoted")  # a copy queued beside the first
    assert tasks.send_owed_registration_emails() == 0
    assert len(mail.outbox) == 2
    assert Registration.objects.get(pk=late.pk).email_owed == ""


def test_a_refused_owed_email_is_left_to_its_own_retries(settings):
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    event = UpcomingEventFactory()
    refused = services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), details=attendee(email=REFUSED)
    )
    Registration.objects.filter(pk=refused.pk).update(email_owed_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(SMTPRecipientsRefused):
        tasks.send_registration_email(refused.pk, "confirmed")
    refused.refresh_from_db()
    assert (refused.email_owed, refused.email_owed_at) == ("confirmed", None)
    assert tasks.send_owed_registration_emails() == 0  # its retries are under way: no copy beside them
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server accepts again
    mail.outbox.clear()
    tasks.send_registration_email(refused.pk, "confirmed")  # a retry
    assert [message.to for message in mail.outbox] == [[REFUSED]]
    assert Registration.objects.get(pk=refused.pk).email_owed == ""


@pytest.mark.parametrize("email", ["confirmed", "event_cancelled", "reminder"])
def test_an_email_whose_worker_died_while_sending_it_is_sent_again_not_lost(settings, email):
    settings.EMAIL_BACKEND = "tests.support.mail.DyingBackend"
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=13, minute=30)
    event = UpcomingEventFactory(start=start, end=start + dt.timedelta(hours=3))
    registration = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    if email == "event_cancelled":
        Event.objects.filter(pk=event.pk).update(status="cancelled")
    Registration.objects.filter(pk=registration.pk).update(email_owed_at=timezone.now() - dt.timedelta(minutes=20))

    def send():
        if email == "reminder":
            return tasks.send_reminder(registration.pk)
        return tasks.send_registration_email(registration.pk, email)

    with pytest.raises(SystemExit):
        send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # another worker
    mail.outbox.clear()
    if email == "confirmed":
        assert tasks.send_owed_registration_emails() == 1  # still owed: the schedule sends it
    elif email == "event_cancelled":
        assert tasks.send_owed_cancellation_notices() == 1
    else:
        assert tasks.send_event_reminders() == 1
    send()  # the broker's redelivery of the first task: sent already
    assert [message.to for message in mail.outbox] == [[registration.email]]


def test_an_email_queued_before_emails_were_written_down_as_owed_is_sent_once(event):
    registration = Registration.objects.create(
        event=event, tier=TicketTierFactory(event=event), email="p@example.org", name="王芳", language="en"
    )  # as the migration leaves a registration: nothing owed, no time
    tasks.send_registration_email(registration.pk, "confirmed")
    tasks.send_registration_email(registration.pk, "confirmed")
    assert [message.to for message in mail.outbox] == [["p@example.org"]]


def test_an_email_that_no_longer_fits_the_events_status_is_not_sent(event):
    registration = Registration.objects.create(
        event=event,
        tier=TicketTierFactory(event=event),
        email="p@example.org",
        name="王芳",
        language="en",
        email_owed="confirmed",
    )
    Event.objects.filter(pk=event.pk).update(status="cancelled")
    tasks.send_registration_email(registration.pk, "confirmed")  # queued before the cancellation, run after it
    tasks.send_registration_email(registration.pk, "reminder")
    assert mail.outbox == []
    Event.objects.filter(pk=event.pk).update(status="published")
    tasks.send_registration_email(registration.pk, "event_cancelled")  # the event was announced again meanwhile
    assert mail.outbox == []
    tasks.send_registration_email(registration.pk, "confirmed")
    assert [message.subject for message in mail.outbox] == [f"You are registered: {event.title_en}"]


def test_a_ticket_that_could_not_be_queued_says_so_and_the_organizers_render_it_again(
    event, django_capture_on_commit_callbacks, broker_down
):
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), user=owner, details=attendee("王芳", owner.email)
        )
    registration.refresh_from_db()
    assert registration.ticket_state == "failed" and registration.ticket_error.startswith("not queued:")
    assert Registration.objects.filter(pk=registration.pk, status="confirmed").exists()  # the seat is kept
    celery_app.conf.task_always_eager = True  # the broker is back (tasks run in process, as in the other tests)
    mine = Client(HTTP_ACCEPT_LANGUAGE="en")
    mine.force_login(owner)
    assert "We could not prepare your ticket" in mine.get(reverse("events:my_tickets")).content.decode()

    organizer = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    failed = organizer.get(reverse("admin:events_registration_changelist") + "?ticket_state__exact=failed")
    assert [r.pk for r in failed.context["cl"].result_list] == [registration.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.post(
            reverse("admin:events_registration_changelist"),
            {"action": "render_tickets", "_selected_action": [registration.pk]},
            follow=True,
        )
    assert "1 ticket is being rendered again." in response.content.decode()
    registration.refresh_from_db()
    assert registration.ticket_state == "ready"
    assert "王芳" in PdfReader(io.BytesIO(pdf_of(registration))).pages[0].extract_text()


def test_only_superusers_delete_registrations_and_the_freed_seat_goes_to_the_waiting_list():
    event = UpcomingEventFactory()
    tier = TicketTierFactory(event=event, quota=1)
    taken = services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    organizer = admin_client(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    assert organizer.get(reverse("admin:events_registration_delete", args=[taken.pk])).status_code == 403
    superuser = admin_client(UserFactory(is_staff=True, is_superuser=True))
    response = superuser.post(
        reverse("admin:events_registration_changelist"),
        {"action": "delete_selected", "_selected_action": [taken.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Registration.objects.filter(pk=taken.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    # One at a time, from its own page, too.
    next_in_line = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    delete = reverse("admin:events_registration_delete", args=[waiting.pk])
    assert superuser.post(delete, {"post": "yes"}).status_code == 302
    next_in_line.refresh_from_db()
    assert next_in_line.status == "confirmed"
