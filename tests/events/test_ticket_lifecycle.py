"""A ticket over its life: drawn for what it must show (long addresses too), drawn again when that changes,
never overwritten by an older drawing, gone when the registration is, and sent only to whom it fits."""

import datetime as dt
import io
import subprocess
from smtplib import SMTPRecipientsRefused

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from events import services, tasks
from events.models import Event, Registration, TicketState
from events.tickets import render_ticket
from tests.events.test_admin import event_form
from tests.factories import CityTeamMemberFactory, TicketTierFactory, UpcomingEventFactory, UserFactory, attendee
from tests.support.mail import REFUSED

pytestmark = pytest.mark.django_db


def pdf_text(registration) -> str:
    registration.refresh_from_db()
    with registration.ticket_pdf.open("rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


@pytest.fixture
def event():
    return UpcomingEventFactory(
        start=timezone.make_aware(dt.datetime(2027, 3, 20, 13, 30)),
        end=timezone.make_aware(dt.datetime(2027, 3, 20, 17, 30)),
        venue__name="深圳湾科技生态园",
        venue__address="南山区高新南十道",
    )


@pytest.fixture
def registration(event, django_capture_on_commit_callbacks):
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), user=owner, details=attendee("王芳", owner.email)
        )
    assert "2027-03-20" in pdf_text(registration)
    return registration


def test_moving_the_event_draws_its_tickets_again(event, registration, django_capture_on_commit_callbacks):
    event.start += dt.timedelta(days=7)
    event.end += dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_event(event=event)
    text = pdf_text(registration)
    assert "2027-03-27" in text and "2027-03-20" not in text
    assert registration.ticket_state == TicketState.READY


def test_a_new_venue_address_or_tour_name_draws_the_tickets_again(
    event, registration, django_capture_on_commit_callbacks
):
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(organizer)
    venue = event.venue
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:events_venue_change", args=[venue.pk]),
            {
                "name": venue.name,
                "city": venue.city_id,
                "address": "南山区科技南十二路 2 号",
                "capacity": venue.capacity,
                "photos-TOTAL_FORMS": 0,
                "photos-INITIAL_FORMS": 0,
                "events-TOTAL_FORMS": 0,
                "events-INITIAL_FORMS": 0,
            },
        )
    assert response.status_code == 302
    assert "南山区科技南十二路 2 号" in pdf_text(registration)
    event.tour.name = "2027 开源数据城市行"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_tour(tour=event.tour, changed=["name"])
    assert "2027 开源数据城市行" in pdf_text(registration)


def test_a_long_address_and_a_long_company_wrap_instead_of_running_off_the_page(
    event, django_capture_on_commit_callbacks
):
    address = (
        "广东省深圳市南山区粤海街道高新区社区科技南路十八号深圳湾科技生态园十二栋裙楼二层2301-2306室"
        "（地铁1号线高新园站D出口步行约八百米）"
    )
    company = "深圳市星河数据科技有限公司开源技术研究院社区运营与开发者关系部"
    event.venue.address = address
    event.venue.save()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee("欧阳娜娜", company=company)
        )
    registration.refresh_from_db()
    # As poppler reads it: only what lies on the page (a line running off its edge is cut there).
    with registration.ticket_pdf.open("rb") as handle:
        shown = subprocess.run(
            ["pdftotext", "-", "-"], input=handle.read(), capture_output=True, check=True, timeout=60
        ).stdout.decode()
    text = "".join(shown.split())
    assert address[:62] in text and company in text


def test_an_older_drawing_finishing_last_does_not_overwrite_the_newer_ticket(
    registration, django_capture_on_commit_callbacks
):
    stale = Registration.objects.select_related("event__tour", "event__city", "event__venue", "tier").get(
        pk=registration.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.change_own_details(registration=registration, details=attendee("王芳芳", registration.email))
    assert "王芳芳" in pdf_text(registration)
    render_ticket(registration=stale)  # began before the change, finishes after it
    assert "王芳芳" in pdf_text(registration)


def test_a_cancelled_or_deleted_registration_takes_its_ticket_file_with_it(
    event, registration, private_root, django_capture_on_commit_callbacks
):
    path = private_root / registration.ticket_pdf.name
    assert path.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(registration=registration)
    assert not path.exists()
    registration.refresh_from_db()
    assert (registration.ticket_pdf.name, registration.ticket_state) == ("", TicketState.NONE)
    render_ticket(registration=registration)  # a drawing that was on its way stores nothing
    assert not path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        other = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    other.refresh_from_db()
    other_path = private_root / other.ticket_pdf.name
    assert other_path.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_registrations(registrations=[other])
    assert not other_path.exists() and not Registration.objects.filter(pk=other.pk).exists()


def test_a_ticket_file_missing_at_download_is_drawn_again_not_a_500(
    registration, private_root, django_capture_on_commit_callbacks
):
    (private_root / registration.ticket_pdf.name).unlink()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(registration.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("events:ticket_pdf", args=[registration.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("events:my_tickets")
    assert (private_root / registration.ticket_pdf.name).is_file()
    assert client.get(reverse("events:ticket_pdf", args=[registration.pk]))["Content-Type"] == "application/pdf"


def test_online_registrants_get_the_livestream_not_a_ticket_for_the_door(django_capture_on_commit_callbacks):
    event = UpcomingEventFactory(livestream_url="https://live.example.org/sz")
    online = TicketTierFactory(event=event, attendance="online", quota=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(event=event, tier=online, details=attendee(language="en"))
    registration.refresh_from_db()
    assert (registration.ticket_state, registration.ticket_pdf.name) == (TicketState.NONE, "")
    [email] = mail.outbox
    assert "https://live.example.org/sz" in email.body
    assert "ticket.pdf" not in email.body and "Ticket code" not in email.body


def test_an_email_that_no_longer_fits_is_not_sent(event):
    registration = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    services.cancel_registration(registration=registration)
    mail.outbox.clear()
    tasks.send_registration_email(registration.pk, "confirmed")  # queued before the cancellation, run after it
    tasks.send_registration_email(registration.pk, "waitlisted")
    assert mail.outbox == []


def renamed_in_the_admin(event, tier, *, days_later: int = 0) -> dict:
    """The event's admin form with ``tier`` renamed 早鸟票, the event moved by ``days_later``."""
    start, end = (timezone.localtime(moment) + dt.timedelta(days=days_later) for moment in (event.start, event.end))
    return event_form(
        event,
        **{
            "start_0": f"{start:%Y-%m-%d}",
            "start_1": f"{start:%H:%M:%S}",
            "end_0": f"{end:%Y-%m-%d}",
            "end_1": f"{end:%H:%M:%S}",
            "tiers-TOTAL_FORMS": 1,
            "tiers-INITIAL_FORMS": 1,
            "tiers-0-id": tier.pk,
            "tiers-0-event": event.pk,
            "tiers-0-name": "早鸟票",
            "tiers-0-name_en": "",
            "tiers-0-attendance": tier.attendance,
            "tiers-0-price": tier.price,
            "tiers-0-quota": tier.quota,
            "tiers-0-visibility": tier.visibility,
            "tiers-0-position": tier.position,
        },
    )


def test_a_tier_renamed_in_the_admin_draws_its_tickets_again(event, registration, django_capture_on_commit_callbacks):
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(organizer)
    data = renamed_in_the_admin(event, registration.tier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:events_event_change", args=[event.pk]), data, follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    assert "早鸟票" in pdf_text(registration)
    assert [str(m) for m in response.context["messages"] if "ticket" in str(m)] == ["1 ticket is being rendered again."]


def test_moving_the_event_and_renaming_a_tier_in_one_save_renders_each_ticket_once(
    event, registration, django_capture_on_commit_callbacks
):
    others = [services.register_attendee(event=event, tier=registration.tier, details=attendee()) for _ in range(2)]
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(organizer)
    data = renamed_in_the_admin(event, registration.tier, days_later=7)
    jobs = []

    def record(sender, args, **kwargs):
        jobs.append((sender.name, sorted(args[0])))

    task_prerun.connect(record, sender=tasks.render_tickets)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("admin:events_event_change", args=[event.pk]), data, follow=True)
    finally:
        task_prerun.disconnect(record, sender=tasks.render_tickets)
    assert response.redirect_chain, response.context["adminform"].form.errors
    assert jobs == [("events.tasks.render_tickets", sorted([registration.pk, *(o.pk for o in others)]))]
    told = [str(m) for m in response.context["messages"] if "ticket" in str(m)]
    assert told == ["3 tickets are being rendered again."]
    text = pdf_text(registration)
    assert "2027-03-27" in text and "早鸟票" in text and "2027-03-20" not in text


def test_an_older_drawing_does_not_bring_back_an_old_date_or_tier_name(
    event, registration, django_capture_on_commit_callbacks
):
    stale = Registration.objects.select_related("event__tour", "event__city", "event__venue", "tier").get(
        pk=registration.pk
    )
    event.start += dt.timedelta(days=7)
    event.end += dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_event(event=event)
    registration.tier.name = "早鸟票"
    registration.tier.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_tickets(registrations=Registration.objects.filter(pk=registration.pk))
    render_ticket(registration=stale)  # began before both changes, finishes after them
    text = pdf_text(registration)
    assert "2027-03-27" in text and "早鸟票" in text and "2027-03-20" not in text


def test_tickets_of_an_event_that_is_over_stay_as_they_were(event, registration, django_capture_on_commit_callbacks):
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - dt.timedelta(days=2), end=timezone.now() - dt.timedelta(days=2, hours=-4)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.request_tickets(registrations=Registration.objects.filter(pk=registration.pk)) == 0
    assert callbacks == [] and Registration.objects.get(pk=registration.pk).ticket_state == TicketState.READY


def test_a_ticket_that_never_reached_a_worker_is_asked_for_again_after_an_hour(
    event, django_capture_on_commit_callbacks
):
    tier = TicketTierFactory(event=event)
    lost = services.register_attendee(event=event, tier=tier, details=attendee())  # its message never went out
    on_its_way = services.register_attendee(event=event, tier=tier, details=attendee())
    Registration.objects.filter(pk=lost.pk).update(ticket_requested_at=timezone.now() - dt.timedelta(minutes=61))
    Registration.objects.filter(pk=on_its_way.pk).update(ticket_requested_at=timezone.now() - dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.request_stuck_tickets() == 1
    states = dict(Registration.objects.values_list("pk", "ticket_state"))
    assert (states[lost.pk], states[on_its_way.pk]) == (TicketState.READY, TicketState.PENDING)


def dark_pixels(registration, tmp_path) -> int:
    """How much ink the ticket's page has, as poppler draws it."""
    registration.refresh_from_db()
    (tmp_path / "ticket.pdf").write_bytes(registration.ticket_pdf.open("rb").read())
    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", "-singlefile", str(tmp_path / "ticket.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    with Image.open(tmp_path / "page.pgm") as page:
        return page.point(lambda value: 255 if value < 128 else 0).histogram()[255]


def test_rare_characters_of_a_name_are_drawn_from_the_second_font(
    event, settings, tmp_path, django_capture_on_commit_callbacks
):
    # 𬌗 (U+2C317, in China's list of standard characters) and 𠮷 (U+20BB7, a family name) are not in WenQuanYi.
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=TicketTierFactory(event=event), details=attendee("王𬌗𠮷", company="𠮷野家")
        )
    with_rare_font = dark_pixels(registration, tmp_path)
    # Drawn, and read back as text (poppler reads the text the rare runs say they stand for).
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "ticket.pdf"), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "王𬌗𠮷" in text.splitlines() and "𠮷野家" in text.splitlines()
    # And by a reader that goes by the fonts' own character maps alone (pypdf, a viewer's copy and search); pypdf
    # starts a line at each change of font.
    read = pdf_text(registration).replace("\n", "")
    assert "王𬌗𠮷" in read and "𠮷野家" in read
    settings.CITYTOUR_CJK_FALLBACK_FONT = "/nonexistent/rare.ttf"  # not installed: the ticket is still made
    with django_capture_on_commit_callbacks(execute=True):
        services.request_ticket(registration=registration)
    assert Registration.objects.get(pk=registration.pk).ticket_state == TicketState.READY
    without = dark_pixels(registration, tmp_path)
    assert with_rare_font > without + 400  # the ink of two 18-point characters


def test_a_cancelled_event_tells_everyone_registered_and_its_tickets_stop_being_offered(
    event, registration, django_capture_on_commit_callbacks
):
    full = TicketTierFactory(event=event, quota=0, name="工作坊", name_en="Workshop")
    waiting = services.register_attendee(
        event=event, tier=full, details=attendee("Anna", language="en"), join_waitlist=True
    )
    left = services.register_attendee(event=event, tier=registration.tier, details=attendee("离开的人"))
    services.cancel_registration(registration=left)
    Event.objects.filter(pk=event.pk).update(status="published")
    event.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status="cancelled")
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {registration.email, waiting.email}  # not the one who had already cancelled
    assert by_address[waiting.email].subject == f"Cancelled: {event.title_en or event.title}"
    assert "has been cancelled by the organizers" in by_address[waiting.email].body
    assert "Your registration ends with it" in by_address[waiting.email].body
    mine = by_address[registration.email]
    assert mine.subject == f"活动取消：{event.title}"
    assert f"您的门票（{registration.ticket_code}）已失效" in mine.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status="cancelled")  # saved again: nobody is told twice
    assert mail.outbox == []

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(registration.user)
    page = client.get(reverse("events:my_tickets")).content.decode()
    assert "This event has been cancelled. Your ticket is no longer valid" in page
    assert reverse("events:ticket_pdf", args=[registration.pk]) not in page
    response = client.get(reverse("events:ticket_pdf", args=[registration.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("events:my_tickets")
    assert [str(m) for m in response.context["messages"]] == [
        "This event has been cancelled. Your ticket is no longer valid; the event page says more."
    ]
    event.livestream_url = "https://live.example.org/x"
    event.save()
    event_page = client.get(event.get_absolute_url()).content.decode()
    assert "seats left" not in event_page and "Register</a>" not in event_page
    assert "Watch online" not in event_page and "<dt>Seats</dt>" not in event_page


def test_a_cancellation_notice_goes_once_to_each_however_often_the_notices_are_queued(event, registration):
    tier = registration.tier
    others = [services.register_attendee(event=event, tier=tier, details=attendee(f"参会者{n}")) for n in range(2)]
    # The fan-out stopped after the first notice had left (a worker's death, a broker gone in the middle): the
    # event's notices are still owed and the first person has been told.
    Event.objects.filter(pk=event.pk).update(status="cancelled", cancellation_notices_at=None)
    Registration.objects.filter(pk=registration.pk).update(cancellation_notice_at=timezone.now())
    mail.outbox.clear()
    assert tasks.send_owed_cancellation_notices() == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(other.email for other in others)
    assert Event.objects.get(pk=event.pk).cancellation_notices_at is not None
    tasks.send_registration_email(others[0].pk, "event_cancelled")  # a copy of a notice queued twice
    assert tasks.send_owed_cancellation_notices() == 0
    assert len(mail.outbox) == 2


def test_a_refused_cancellation_notice_is_given_back_for_its_retries(event, registration, settings):
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    refused = services.register_attendee(event=event, tier=registration.tier, details=attendee(email=REFUSED))
    Event.objects.filter(pk=event.pk).update(status="cancelled")
    with pytest.raises(SMTPRecipientsRefused):
        tasks.send_registration_email(refused.pk, "event_cancelled")
    refused.refresh_from_db()
    assert refused.cancellation_notice_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server accepts again
    mail.outbox.clear()
    tasks.send_registration_email(refused.pk, "event_cancelled")
    assert [message.to for message in mail.outbox] == [[REFUSED]]


def test_an_event_cancelled_again_after_coming_back_tells_everyone_again(
    event, registration, django_capture_on_commit_callbacks
):
    Event.objects.filter(pk=event.pk).update(status="published")
    event.refresh_from_db()
    told = []
    for status in ("cancelled", "draft", "published", "cancelled"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            event = services.change_event_status(event=event, status=status)
        told.append([message.to[0] for message in mail.outbox if message.subject.startswith("活动取消")])
    assert told == [[registration.email], [], [], [registration.email]]
