"""The waiting list: whoever waits longest for a free seat gets it, however the seat frees up, and only while the
event is still ahead."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events import services
from events.models import Event, InviteCode, Registration, RegistrationStatus, TicketTier, Venue
from events.selectors import place_in_line
from events.tasks import promote_waiting_lists
from tests.factories import CityTeamMemberFactory, TicketTierFactory, UpcomingEventFactory, UserFactory, attendee

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def status(registration) -> str:
    return Registration.objects.get(pk=registration.pk).status


def register_on_the_page(client, event, tier, **extra):
    data = {"tier": tier.pk, "name": "等位", "phone": "13800000000", "privacy": "on", **extra}
    return client.post(reverse("events:register", args=[event.tour.slug, event.slug]), data)


def begin(event) -> None:
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - dt.timedelta(minutes=10), end=timezone.now() + dt.timedelta(hours=3)
    )
    event.refresh_from_db()


@pytest.fixture
def full_venue():
    """Two seats, both taken (one per tier), and someone waiting for the capacity on tier A."""
    event = UpcomingEventFactory(capacity=None, venue__capacity=2)
    a = TicketTierFactory(event=event, quota=10, name_en="A")
    b = TicketTierFactory(event=event, quota=10, name_en="B")
    services.register_attendee(event=event, tier=a, details=attendee())
    services.register_attendee(event=event, tier=b, details=attendee())
    waiting = services.register_attendee(event=event, tier=a, details=attendee("等位"), join_waitlist=True)
    assert waiting.status == RegistrationStatus.WAITLISTED
    return event, a, b, waiting


def venue_form(venue, capacity: int) -> dict:
    """The venue's admin page as sent with a new capacity."""
    return {
        "name": venue.name,
        "city": venue.city_id,
        "address": venue.address,
        "capacity": capacity,
        "photos-TOTAL_FORMS": 0,
        "photos-INITIAL_FORMS": 0,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }


def test_a_larger_venue_seats_those_waiting_for_the_capacity(full_venue):
    event, a, b, waiting = full_venue
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    venue = event.venue
    response = admin_client(organizer).post(reverse("admin:events_venue_change", args=[venue.pk]), venue_form(venue, 3))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert status(waiting) == RegistrationStatus.CONFIRMED


def test_a_venue_cannot_shrink_below_the_capacity_of_an_event_held_there():
    event = UpcomingEventFactory(capacity=10, venue__capacity=10, title="深圳站", title_en="Shenzhen stop")
    finished = UpcomingEventFactory(venue=event.venue, capacity=10, status="finished", tour=event.tour)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    venue = event.venue
    data = venue_form(venue, 3)
    response = admin_client(organizer).post(reverse("admin:events_venue_change", args=[venue.pk]), data)
    assert response.context["adminform"].form.errors == {
        "capacity": ["Shenzhen stop seats 10 here: lower its capacity first, or choose another venue for it."]
    }
    assert Venue.objects.get(pk=venue.pk).capacity == 10
    Event.objects.filter(pk=event.pk).update(capacity=3)  # a finished event's capacity is history: it may stay
    response = admin_client(organizer).post(reverse("admin:events_venue_change", args=[venue.pk]), data)
    assert response.status_code == 302
    assert Venue.objects.get(pk=venue.pk).capacity == 3
    assert Event.objects.get(pk=finished.pk).capacity == 10


def test_a_newcomer_on_another_tier_does_not_take_the_seat_of_someone_waiting_for_the_capacity(full_venue):
    event, a, b, waiting = full_venue
    Venue.objects.filter(pk=event.venue_id).update(capacity=3)  # a seat frees without a promotion
    newcomer = services.register_attendee(event=event, tier=b, details=attendee("新来"), join_waitlist=True)
    assert (status(waiting), newcomer.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def test_someone_waiting_for_a_full_tier_does_not_hold_up_another_tier(full_venue):
    event, a, b, waiting = full_venue
    TicketTier.objects.filter(pk=a.pk).update(quota=1)  # now they wait for tier A itself, which is full
    Venue.objects.filter(pk=event.venue_id).update(capacity=3)
    newcomer = services.register_attendee(event=event, tier=b, details=attendee("新来"))
    assert (status(waiting), newcomer.status) == (RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED)


def test_seats_of_an_expired_reserving_code_go_to_those_waiting_on_the_next_scheduled_run():
    event = UpcomingEventFactory(capacity=3, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    [code] = services.create_invite_codes(
        event=event, tier=tier, channel="speaker", count=1, max_uses=2, reserves_seats=True
    )
    services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    assert waiting.status == RegistrationStatus.WAITLISTED
    InviteCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    mail.outbox.clear()
    assert promote_waiting_lists() == 1
    assert status(waiting) == RegistrationStatus.CONFIRMED
    assert promote_waiting_lists() == 0


def test_an_unused_reserving_code_deleted_in_the_admin_gives_its_seats_to_those_waiting():
    event = UpcomingEventFactory(capacity=2, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    [code] = services.create_invite_codes(
        event=event, tier=tier, channel="speaker", count=1, max_uses=1, reserves_seats=True
    )
    services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    response = admin_client(organizer).post(reverse("admin:events_invitecode_delete", args=[code.pk]), {"post": "yes"})
    assert response.status_code == 302 and not InviteCode.objects.filter(pk=code.pk).exists()
    assert status(waiting) == RegistrationStatus.CONFIRMED


def test_a_shorter_expiry_saved_in_the_admin_gives_the_seats_back_at_once():
    event = UpcomingEventFactory(capacity=2, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    [code] = services.create_invite_codes(
        event=event, tier=tier, channel="speaker", count=1, max_uses=1, reserves_seats=True
    )
    services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    code.expires_at = timezone.now() - dt.timedelta(seconds=1)
    services.save_invite_code(code=code)
    assert status(waiting) == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("change", ["started", "finished", "cancelled"])
def test_nobody_is_promoted_once_the_event_has_begun_or_is_over(change):
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    taken = services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    if change == "started":
        Event.objects.filter(pk=event.pk).update(start=timezone.now() - dt.timedelta(minutes=5))
    else:
        Event.objects.filter(pk=event.pk).update(status=change)
    mail.outbox.clear()
    services.cancel_registration(registration=taken)  # by the organizers
    assert (status(taken), status(waiting)) == (RegistrationStatus.CANCELLED, RegistrationStatus.WAITLISTED)
    assert mail.outbox == [] and promote_waiting_lists() == 0


@pytest.mark.parametrize("change", ["started", "finished", "cancelled"])
def test_an_attendee_cancels_only_before_the_event(change):
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    owner = UserFactory()
    taken = services.register_attendee(event=event, tier=tier, user=owner, details=attendee(email=owner.email))
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    if change == "started":
        Event.objects.filter(pk=event.pk).update(start=timezone.now() - dt.timedelta(minutes=5))
    else:
        Event.objects.filter(pk=event.pk).update(status=change)
    client = admin_client(owner)
    assert "Cancel my registration" not in client.get(reverse("events:my_tickets")).content.decode()
    response = client.post(reverse("events:cancel", args=[taken.pk]))
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [
        "The registration can no longer be cancelled: the event has begun, is over or was called off."
    ]
    assert (status(taken), status(waiting)) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def test_an_attendee_cancels_before_the_event_and_the_first_in_line_gets_the_seat():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    owner = UserFactory()
    taken = services.register_attendee(event=event, tier=tier, user=owner, details=attendee(email=owner.email))
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    client = admin_client(owner)
    assert "Cancel my registration" in client.get(reverse("events:my_tickets")).content.decode()
    client.post(reverse("events:cancel", args=[taken.pk]))
    assert (status(taken), status(waiting)) == (RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED)


def test_the_place_in_line_counts_those_ahead_for_the_same_seats(full_venue):
    event, a, b, first = full_venue
    behind_on_b = services.register_attendee(event=event, tier=b, details=attendee(), join_waitlist=True)
    behind_on_a = services.register_attendee(event=event, tier=a, details=attendee(), join_waitlist=True)
    # All three wait for the event's capacity: one line, in the order they joined it.
    assert [place_in_line(r) for r in (first, behind_on_b, behind_on_a)] == [1, 2, 3]
    # Tier B fills up: its people now wait for tier B, and are no longer ahead of anyone on tier A; but a seat
    # freed on tier B frees capacity too, which goes to the first on tier A (who waits for the capacity).
    TicketTier.objects.filter(pk=b.pk).update(quota=1)
    behind_on_b.refresh_from_db()
    behind_on_a.refresh_from_db()
    assert [place_in_line(r) for r in (first, behind_on_b, behind_on_a)] == [1, 2, 2]
    services.cancel_registration(registration=Registration.objects.get(event=event, tier=b, status="confirmed"))
    assert (status(first), status(behind_on_b), status(behind_on_a)) == ("confirmed", "waitlisted", "waitlisted")
    # Tier B has room again: both wait for the capacity now, in the order they joined.
    assert [place_in_line(r) for r in (behind_on_b, behind_on_a)] == [1, 2]


def test_a_tier_with_registrations_cannot_switch_between_online_and_in_person():
    event = UpcomingEventFactory(capacity=2, venue__capacity=100, livestream_url="https://live.example.org/sz")
    online = TicketTierFactory(event=event, attendance="online", quota=None, name_en="Online")
    for _ in range(3):
        services.register_attendee(event=event, tier=online, details=attendee())
    online.attendance, online.quota = "in_person", 1
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            online.full_clean()
        assert caught.value.message_dict == {
            "attendance": [
                "People have registered for this tier: it stays online or in person. Add a new tier instead."
            ]
        }
    empty = TicketTierFactory(event=event, attendance="online", quota=None)
    empty.attendance, empty.quota = "in_person", 1
    empty.full_clean()  # nobody registered yet: it may change


def test_once_the_event_has_begun_a_freed_seat_goes_to_whoever_registers_at_the_door():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1, name_en="Standard")
    owner = UserFactory()
    taken = services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(
        event=event, tier=tier, user=owner, details=attendee(email=owner.email), join_waitlist=True
    )
    begin(event)
    services.cancel_registration(registration=taken)  # a no-show, by the organizers
    walk_up = services.register_attendee(event=event, tier=tier, details=attendee("现场"))
    assert (walk_up.status, status(waiting)) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    client = admin_client(owner)
    html = client.get(reverse("events:my_tickets")).content.decode()
    assert "The waiting list has closed." in html and "in line" not in html
    assert "sold out (waiting list open)" not in client.get(event.get_absolute_url()).content.decode()
    # Someone on the closed list who is at the door leaves it, and takes the next seat freed like anyone else.
    assert "Leave the list, then register." in html and "Leave the waiting list" in html
    services.cancel_registration(registration=walk_up)
    html = client.post(reverse("events:cancel", args=[waiting.pk]), follow=True).content.decode()
    assert "You have left the waiting list." in html and status(waiting) == RegistrationStatus.CANCELLED
    assert register_on_the_page(client, event, tier).status_code == 302
    assert list(Registration.objects.filter(user=owner).values_list("status", flat=True).order_by("pk")) == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
    ]


@pytest.mark.parametrize("after", ["over", "cancelled"])
def test_after_the_event_the_waiting_list_says_only_that_it_has_closed(after):
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    owner = UserFactory()
    services.register_attendee(event=event, tier=tier, details=attendee())
    services.register_attendee(
        event=event, tier=tier, user=owner, details=attendee(email=owner.email), join_waitlist=True
    )
    if after == "over":
        Event.objects.filter(pk=event.pk).update(
            start=timezone.now() - dt.timedelta(hours=5), end=timezone.now() - dt.timedelta(hours=1)
        )
    else:
        Event.objects.filter(pk=event.pk).update(status="cancelled")
    html = admin_client(owner).get(reverse("events:my_tickets")).content.decode()
    said = {"over": "The waiting list has closed.", "cancelled": "This event has been cancelled, and its waiting list"}
    assert said[after] in html and "in line" not in html
    assert "Leave the list, then register." not in html and "Leave the waiting list" not in html


def test_once_the_event_has_begun_nobody_joins_its_waiting_list():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1, name_en="Standard")
    services.register_attendee(event=event, tier=tier, details=attendee())
    begin(event)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.register_attendee(event=event, tier=tier, details=attendee("迟到"), join_waitlist=True)
    with translation.override("en"):
        assert (refused.value.code, refused.value.messages) == ("sold_out", ["“Standard” is sold out."])
    response = register_on_the_page(admin_client(UserFactory()), event, tier, join_waitlist="1")
    html = response.content.decode()
    assert response.status_code == 200 and "“Standard” is sold out." in html
    assert 'name="join_waitlist"' not in html and "Join the waiting list" not in html
    assert Registration.objects.filter(event=event).count() == 1


def test_a_long_line_behind_a_full_event_is_counted_once_per_tier(django_assert_max_num_queries):
    event = UpcomingEventFactory(capacity=2, venue__capacity=100)
    tiers = [TicketTierFactory(event=event, quota=10) for _ in range(2)]
    for tier in tiers:
        services.register_attendee(event=event, tier=tier, details=attendee())
    for n in range(30):
        services.register_attendee(event=event, tier=tiers[n % 2], details=attendee(), join_waitlist=True)
    # The lock, the line, one count (the event is full, for both tiers): not one count per person waiting.
    with django_assert_max_num_queries(6):
        assert services.promote_after_change(event=event) == []
