"""An attendee corrects their own details before the event, and sees their place on the waiting list."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from events import services
from events.models import EventStatus, Registration, RegistrationQuestion, RegistrationStatus, TicketState
from tests.factories import EventFactory, TicketTierFactory, UserFactory, attendee

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    start = timezone.now() + dt.timedelta(days=10)
    return EventFactory(start=start, end=start + dt.timedelta(hours=4), capacity=100, venue__capacity=100)


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def registration(event, owner, django_capture_on_commit_callbacks):
    tier = TicketTierFactory(event=event, name="普通票", quota=10)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=event, tier=tier, user=owner, details=attendee("王小明", owner.email, company="开源社", phone="139")
        )
    registration.refresh_from_db()
    assert registration.ticket_state == TicketState.READY
    return registration


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def details_url(registration) -> str:
    return reverse("events:change_details", args=[registration.pk])


def pdf_text(registration) -> str:
    with registration.ticket_pdf.open("rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(handle).pages)


def test_a_new_name_is_saved_and_printed_on_a_ticket_rendered_again(
    registration, owner, django_capture_on_commit_callbacks
):
    client = client_of(owner)
    page = client.get(details_url(registration)).content.decode()
    assert 'value="王小明"' in page and "the ticket is prepared again" in page
    code, secret = registration.ticket_code, registration.ticket_secret
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            details_url(registration),
            {"name": "王晓明", "company": "开源社区", "job_role": "工程师", "phone": "139 1234 5678"},
        )
    assert response.status_code == 302 and response["Location"] == reverse("events:my_tickets")
    registration.refresh_from_db()
    assert (registration.name, registration.company, registration.job_role) == ("王晓明", "开源社区", "工程师")
    assert (registration.ticket_code, registration.ticket_secret) == (code, secret)
    assert registration.ticket_state == TicketState.READY
    text = pdf_text(registration)
    assert "王晓明" in text and "开源社区" in text and "王小明" not in text
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Your details are saved. Your ticket is being prepared again."]


def test_a_new_phone_keeps_the_ticket_as_it_is(registration, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_of(owner).post(
            details_url(registration), {"name": "王小明", "company": "开源社", "phone": "13912345678"}
        )
    assert response.status_code == 302 and callbacks == []
    registration.refresh_from_db()
    assert (registration.phone, registration.ticket_state) == ("13912345678", TicketState.READY)
    assert [str(message) for message in response.wsgi_request._messages] == ["Your details are saved."]


def test_answers_are_changed_and_those_of_removed_questions_kept(event, owner):
    diet = RegistrationQuestion.objects.create(event=event, text="饮食要求", text_en="Diet", required=True)
    tier = TicketTierFactory(event=event)
    registration = services.register_attendee(
        event=event,
        tier=tier,
        user=owner,
        details=attendee(email=owner.email, answers={str(diet.pk): "素食", "999": "an old answer"}),
    )
    client = client_of(owner)
    assert 'value="素食"' in client.get(details_url(registration)).content.decode()
    response = client.post(
        details_url(registration), {"name": "张三", "phone": "13912345678", f"question_{diet.pk}": ""}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).answers == {str(diet.pk): "素食", "999": "an old answer"}
    client.post(details_url(registration), {"name": "张三", "phone": "13912345678", f"question_{diet.pk}": "清真"})
    assert Registration.objects.get(pk=registration.pk).answers == {str(diet.pk): "清真", "999": "an old answer"}


def test_bad_input_is_refused_with_a_message_and_nothing_changes(registration, owner):
    client = client_of(owner)
    for data, error in [
        ({"name": "", "phone": "13912345678"}, "This field is required."),
        ({"name": "王" * 101, "phone": "13912345678"}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"name": "王小明", "phone": "139"}, "Enter a phone number: a mobile number such as 138 0013 8000, a landline"),
        (
            {"name": "王小明", "phone": "1" * 31},
            "Enter a phone number: a mobile number such as 138 0013 8000, a landline",
        ),
    ]:
        response = client.post(details_url(registration), data)
        assert response.status_code == 200 and error in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).phone == "139"
    with pytest.raises(services.RegistrationError) as caught:
        services.change_own_details(registration=registration, details=attendee("   ", registration.email))
    assert caught.value.code == "no_name"


@pytest.mark.parametrize("state", ["cancelled", "checked_in", "started", "finished"])
def test_no_changes_once_cancelled_used_at_the_door_or_the_event_has_begun(registration, owner, state):
    if state == "cancelled":
        services.cancel_registration(registration=registration)
    elif state == "checked_in":
        Registration.objects.filter(pk=registration.pk).update(checked_in_at=timezone.now())
    elif state == "started":
        registration.event.__class__.objects.filter(pk=registration.event.pk).update(
            start=timezone.now() - dt.timedelta(minutes=1)
        )
    else:
        registration.event.__class__.objects.filter(pk=registration.event.pk).update(status=EventStatus.FINISHED)
    assert "Change my details" not in client_of(owner).get(reverse("events:my_tickets")).content.decode()
    for method in ("get", "post"):
        response = getattr(client_of(owner), method)(
            details_url(registration), {"name": "改了", "phone": "13912345678"}
        )
        assert response.status_code == 302 and response["Location"] == reverse("events:my_tickets")
        assert [str(message) for message in response.wsgi_request._messages] == [
            "This registration can no longer be changed."
        ]
    assert Registration.objects.get(pk=registration.pk).name == "王小明"


def test_a_cancellation_between_the_form_and_the_save_wins(registration):
    services.cancel_registration(registration=registration)
    with pytest.raises(services.RegistrationError) as caught:
        services.change_own_details(registration=registration, details=attendee("改了", registration.email))
    assert caught.value.code == "not_changeable"
    assert Registration.objects.values_list("name", "status").get(pk=registration.pk) == ("王小明", "cancelled")


def test_only_the_owner_may_change_their_details(registration):
    assert client_of(UserFactory()).get(details_url(registration)).status_code == 404
    assert (
        client_of(UserFactory()).post(details_url(registration), {"name": "x", "phone": "13912345678"}).status_code
        == 404
    )
    anonymous = Client().get(details_url(registration))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("account_login"))
    assert Registration.objects.get(pk=registration.pk).name == "王小明"


def test_the_page_in_chinese(registration, owner):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(owner)
    assert "修改我的信息" in client.get(reverse("events:my_tickets")).content.decode()
    assert "修改我的信息" in client.get(details_url(registration)).content.decode()


def test_my_tickets_shows_the_place_in_line(event, django_capture_on_commit_callbacks):
    tier = TicketTierFactory(event=event, quota=1, name_en="Standard")
    services.register_attendee(event=event, tier=tier, details=attendee())
    other_tier = TicketTierFactory(event=event, quota=1, name_en="Student")
    services.register_attendee(event=event, tier=other_tier, details=attendee())
    people = [UserFactory() for _ in range(3)]
    waiting = [
        services.register_attendee(
            event=event, tier=tier, user=person, details=attendee(email=person.email), join_waitlist=True
        )
        for person in people
    ]
    # Someone waiting for another tier is in another line.
    services.register_attendee(event=event, tier=other_tier, details=attendee(), join_waitlist=True)
    assert [w.status for w in waiting] == [RegistrationStatus.WAITLISTED] * 3
    third = client_of(people[2]).get(reverse("events:my_tickets")).content.decode()
    assert "You are number 3 in line." in third
    services.cancel_registration(registration=waiting[0])
    assert "You are number 2 in line." in client_of(people[2]).get(reverse("events:my_tickets")).content.decode()
    assert "You are number 1 in line." in client_of(people[1]).get(reverse("events:my_tickets")).content.decode()


def test_my_tickets_query_count_does_not_grow_with_registrations(owner, django_assert_num_queries):
    def register(n):
        event = EventFactory(
            start=timezone.now() + dt.timedelta(days=10 + n), end=timezone.now() + dt.timedelta(days=10 + n, hours=4)
        )
        tier = TicketTierFactory(event=event, quota=1)
        services.register_attendee(event=event, tier=tier, details=attendee())
        services.register_attendee(
            event=event, tier=tier, user=owner, details=attendee(email=owner.email), join_waitlist=True
        )

    client = client_of(owner)
    register(0)
    with CaptureQueriesContext(connection) as one:
        assert "You are number 1 in line." in client.get(reverse("events:my_tickets")).content.decode()
    register(1)
    register(2)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(reverse("events:my_tickets")).content.decode()
    assert html.count("You are number 1 in line.") == 3


def test_cancelling_asks_first(registration, owner):
    client = client_of(owner)
    url = reverse("events:cancel", args=[registration.pk])
    assert f'href="{url}"' in client.get(reverse("events:my_tickets")).content.decode()
    page = client.get(url).content.decode()
    assert "Cancel your registration?" in page and "Your seat goes to the next person" in page
    assert client_of(UserFactory()).get(url).status_code == 404  # someone else's
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CONFIRMED
    response = client.post(url, follow=True)
    assert "Your registration is cancelled. Thank you for freeing the seat." in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CANCELLED
    assert client.get(url)["Location"] == reverse("events:my_tickets")  # nothing left to ask


def test_cancelling_an_online_registration_speaks_of_no_seat(event, owner):
    event.livestream_url = "https://live.example.org/x"
    event.save()
    online = TicketTierFactory(event=event, attendance="online", quota=None)
    mine = services.register_attendee(event=event, tier=online, user=owner, details=attendee(email=owner.email))
    page = client_of(owner).get(reverse("events:cancel", args=[mine.pk])).content.decode()
    assert "No more emails with the livestream link and the reminder." in page and "seat" not in page


def test_the_pages_say_how_many_seats_are_left_and_which_ticket_is_sold_out(event, owner):
    roomy = TicketTierFactory(event=event, name_en="Standard", quota=3)
    full = TicketTierFactory(event=event, name_en="Workshop", quota=1)
    services.register_attendee(event=event, tier=roomy, details=attendee())
    services.register_attendee(event=event, tier=full, details=attendee())
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    client = client_of(owner)
    page = " ".join(client.get(event.get_absolute_url()).content.decode().split())
    assert "<strong>Standard</strong> · free · 2 of 3 seats left" in page
    assert "<strong>Workshop</strong> · free · sold out (waiting list open)" in page
    response = client.get(reverse("events:register", args=[event.tour.slug, event.slug]))
    form, html = response.context["form"], response.content.decode()
    assert '>Your name <span class="required"' in html and ">Invite code</label>" in html  # labels start a line
    labels = [str(label) for _value, label in form.fields["tier"].choices]
    assert labels == ["Standard · free · 2 of 3 seats left", "Workshop · free · sold out (waiting list open)"]
    assert "heard_from" not in form.fields  # the tour keeps no list of channels: no empty choice


def test_the_seats_left_count_the_events_capacity_and_the_seats_codes_hold(owner):
    start = timezone.now() + dt.timedelta(days=10)
    event = EventFactory(start=start, end=start + dt.timedelta(hours=4), capacity=10, venue__capacity=100)
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    event.refresh_from_db()
    standard = TicketTierFactory(event=event, name_en="Standard", quota=10)
    student = TicketTierFactory(event=event, name_en="Student", quota=3)
    vip = TicketTierFactory(event=event, name_en="VIP", quota=5, visibility="invite_only")
    services.create_invite_codes(event=event, tier=vip, channel="sponsor", count=5, reserves_seats=True)
    for _ in range(2):
        services.register_attendee(event=event, tier=standard, details=attendee())
    page = " ".join(client_of(owner).get(event.get_absolute_url()).content.decode().split())
    # 10 seats: 2 taken, 5 held for the sponsor's codes.
    assert "<strong>Standard</strong> · free · 3 of 10 seats left" in page
    assert "<strong>Student</strong> · free · 3 of 3 seats left" in page
    services.register_attendee(event=event, tier=student, details=attendee())
    services.register_attendee(event=event, tier=student, details=attendee())
    services.register_attendee(event=event, tier=standard, details=attendee())
    page = " ".join(client_of(owner).get(event.get_absolute_url()).content.decode().split())
    assert "<strong>Standard</strong> · free · sold out (waiting list open)" in page
    assert "<strong>Student</strong> · free · sold out (waiting list open)" in page
    response = client_of(owner).get(reverse("events:register", args=[event.tour.slug, event.slug]))
    labels = [str(label) for _value, label in response.context["form"].fields["tier"].choices]
    assert labels == ["Standard · free · sold out (waiting list open)", "Student · free · sold out (waiting list open)"]


def test_tiers_off_sale_say_so_and_cannot_be_chosen_and_a_closed_event_offers_no_waiting_list(event, owner):
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    now = timezone.now()
    early = TicketTierFactory(event=event, name_en="Early bird", quota=5, sale_ends=now - dt.timedelta(days=1))
    later = TicketTierFactory(
        event=event, name_en="Late", quota=5, sale_starts=dt.datetime(2031, 5, 1, 9, 30, tzinfo=dt.UTC)
    )
    full = TicketTierFactory(event=event, name_en="Workshop", quota=1)
    services.register_attendee(event=event, tier=full, details=attendee())
    client = client_of(owner)
    page = " ".join(client.get(event.get_absolute_url()).content.decode().split())
    assert "<strong>Early bird</strong> · free · sales have ended" in page
    assert "<strong>Late</strong> · free · on sale from May 1, 2031, 17:30" in page
    html = client.get(reverse("events:register", args=[event.tour.slug, event.slug])).content.decode()
    off_sale = sorted(int(value) for value in re.findall(r'name="tier" value="(\d+)" id="id_tier_\d" disabled', html))
    assert off_sale == sorted([early.pk, later.pk])  # the workshop stays: its waiting list is open
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.REGISTRATION_CLOSED)
    page = " ".join(client.get(event.get_absolute_url()).content.decode().split())
    # Closed: the page says so, and no tier speaks of seats, a waiting list or a sale still to come.
    assert "<strong>Workshop</strong> · free </li>" in page and "<strong>Late</strong> · free </li>" in page
    assert "Registration is closed." in page


def test_an_event_with_invite_only_tickets_says_how_to_get_in(event, owner):
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    vip = TicketTierFactory(event=event, name_en="Guest", quota=5, visibility="invite_only")
    [code] = services.create_invite_codes(event=event, tier=vip, channel="speaker", count=1)
    page = " ".join(client_of(owner).get(event.get_absolute_url()).content.decode().split())
    assert "Some tickets come with an invite code" in page and "<strong>Guest</strong>" not in page
    register = reverse("events:register", args=[event.tour.slug, event.slug])
    assert f'href="{register}">Register</a>' in page
    data = {"invite_code": code.code, "name": "王芳", "phone": "13800000000", "privacy": "on"}
    assert client_of(owner).post(register, data).status_code == 302
    assert Registration.objects.get(user=owner).tier == vip


def test_the_channel_question_is_asked_when_the_tour_has_channels(event, owner):
    from events.models import ReferralChannel

    TicketTierFactory(event=event, quota=3)
    ReferralChannel.objects.create(tour=event.tour, name="公众号", name_en="WeChat account", position=0)
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    form = client_of(owner).get(reverse("events:register", args=[event.tour.slug, event.slug])).context["form"]
    assert [str(label) for _value, label in form.fields["heard_from"].choices] == ["---------", "WeChat account"]


def test_the_event_page_shows_a_registered_visitor_their_registration(registration, owner, event):
    EventFactory._meta.model.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    page = " ".join(client_of(owner).get(event.get_absolute_url()).content.decode().split())
    register = reverse("events:register", args=[event.tour.slug, event.slug])
    assert f"Your registration: {registration.tier.name_en} · Confirmed" in page and register not in page
    page = client_of(UserFactory()).get(event.get_absolute_url()).content.decode()
    assert register in page and "Your registration" not in page
