"""Registration rules: each refusal has its message and writes no row."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events import services
from events.models import (
    Attendance,
    Event,
    EventStatus,
    InviteChannel,
    InviteCode,
    Registration,
    RegistrationStatus,
    TicketState,
    TierVisibility,
)
from tests.factories import EventFactory, TicketTierFactory, UpcomingEventFactory, UserFactory, attendee

pytestmark = pytest.mark.django_db


def refusal(**kwargs) -> tuple[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.register_attendee(**kwargs)
    return caught.value.code, caught.value.messages


@pytest.fixture
def tier():
    return TicketTierFactory(
        event=UpcomingEventFactory(capacity=100, venue__capacity=100), quota=3, name="普通票", name_en="Standard"
    )


def test_a_registration_is_confirmed_and_its_ticket_rendered(tier, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_attendee(
            event=tier.event, tier=tier, user=user, details=attendee("李雷", user.email, company="开源社")
        )
    registration.refresh_from_db()
    assert (registration.status, registration.ticket_state, registration.user) == ("confirmed", "ready", user)
    assert registration.name == "李雷" and len(registration.ticket_secret) >= 32 and len(registration.ticket_code) == 8
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]


def test_a_second_registration_shows_the_existing_one(tier):
    first = services.register_attendee(event=tier.event, tier=tier, details=attendee(email="a@example.org"))
    with pytest.raises(services.AlreadyRegistered) as caught:
        services.register_attendee(event=tier.event, tier=tier, details=attendee(email="A@Example.org"))
    assert caught.value.registration == first
    assert Registration.objects.count() == 1


def test_sold_out_offers_the_waiting_list(tier):
    for _ in range(3):
        services.register_attendee(event=tier.event, tier=tier, details=attendee())
    assert refusal(event=tier.event, tier=tier, details=attendee()) == (
        "sold_out",
        ["“Standard” is sold out. You can join the waiting list."],
    )
    assert Registration.objects.count() == 3
    waiting = services.register_attendee(event=tier.event, tier=tier, details=attendee(), join_waitlist=True)
    assert (waiting.status, waiting.ticket_state) == (RegistrationStatus.WAITLISTED, TicketState.NONE)


def test_the_event_capacity_caps_all_tiers_together():
    event = UpcomingEventFactory(capacity=4, venue__capacity=100)
    early = TicketTierFactory(event=event, quota=3)
    student = TicketTierFactory(event=event, quota=3, name_en="Student")
    for tier in (early, early, early, student):
        services.register_attendee(event=event, tier=tier, details=attendee())
    assert refusal(event=event, tier=student, details=attendee()) == (
        "capacity",
        ["The event is full: all 4 seats are taken. You can join the waiting list."],
    )
    assert Registration.objects.count() == 4


def test_outside_the_sale_window(tier):
    tier.sale_starts = dt.datetime(2031, 5, 1, 9, 30, tzinfo=dt.UTC)  # 17:30 in Shanghai
    tier.save()
    assert refusal(event=tier.event, tier=tier, details=attendee()) == (
        "not_on_sale",
        ["Sales for “Standard” open later (May 1, 2031, 17:30)."],
    )
    tier.sale_starts, tier.sale_ends = None, timezone.now() - dt.timedelta(minutes=1)
    tier.save()
    assert refusal(event=tier.event, tier=tier, details=attendee()) == (
        "not_on_sale",
        ["Sales for “Standard” have ended."],
    )
    assert Registration.objects.count() == 0


def test_registration_closed_and_privacy(tier):
    assert refusal(event=tier.event, tier=tier, details=attendee(privacy_accepted=False))[0] == "privacy"
    tier.event.status = EventStatus.REGISTRATION_CLOSED
    tier.event.save()
    assert refusal(event=tier.event, tier=tier, details=attendee()) == (
        "closed",
        ["Registration for this event is closed."],
    )
    assert Registration.objects.count() == 0


def test_invite_codes_expired_other_event_used_up_and_invite_only_tiers(tier):
    vip = TicketTierFactory(event=tier.event, quota=10, visibility=TierVisibility.INVITE_ONLY, name_en="VIP")
    assert refusal(event=tier.event, tier=vip, details=attendee()) == (
        "needs_code",
        ["This ticket needs an invite code."],
    )
    [code] = services.create_invite_codes(
        event=tier.event, tier=vip, channel=InviteChannel.SPONSOR, count=1, label="星河数据", max_uses=1
    )
    registration = services.register_attendee(
        event=tier.event, tier=tier, details=attendee(), invite_code=code.code.lower()
    )
    assert (registration.tier, registration.invite_code, registration.channel) == (vip, code, "sponsor")
    assert refusal(event=tier.event, tier=tier, details=attendee(), invite_code=code.code) == (
        "code_used_up",
        ["This invite code has been used up."],
    )
    [expired] = services.create_invite_codes(event=tier.event, tier=vip, channel=InviteChannel.PARTNER, count=1)
    InviteCode.objects.filter(pk=expired.pk).update(expires_at=dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC))
    assert refusal(event=tier.event, tier=tier, details=attendee(), invite_code=expired.code) == (
        "expired_code",
        ["This invite code expired (Jan. 1, 2026, 00:00)."],
    )
    other_event = EventFactory()
    [foreign] = services.create_invite_codes(
        event=other_event, tier=TicketTierFactory(event=other_event), channel=InviteChannel.STAFF, count=1
    )
    assert refusal(event=tier.event, tier=tier, details=attendee(), invite_code=foreign.code) == (
        "other_event",
        ["This invite code is for another event."],
    )
    assert refusal(event=tier.event, tier=tier, details=attendee(), invite_code="NOPE1234") == (
        "bad_code",
        ["There is no invite code “NOPE1234”."],
    )
    assert Registration.objects.count() == 1


def test_reserved_seats_stay_outside_the_public_quota():
    event = EventFactory(capacity=4, venue__capacity=100)
    public = TicketTierFactory(event=event, quota=4)
    services.create_invite_codes(
        event=event, tier=public, channel=InviteChannel.SPEAKER, count=1, max_uses=2, reserves_seats=True
    )
    # Two of the four seats are held for the speakers' code: the public gets two.
    services.register_attendee(event=event, tier=public, details=attendee())
    services.register_attendee(event=event, tier=public, details=attendee())
    assert refusal(event=event, tier=public, details=attendee())[0] == "capacity"
    code = event.invite_codes.get()
    for _ in range(2):
        registration = services.register_attendee(event=event, tier=public, details=attendee(), invite_code=code.code)
        assert registration.holds_reserved_seat
    assert event.registrations.filter(status="confirmed").count() == 4
    with pytest.raises(ValidationError):
        services.create_invite_codes(
            event=event, tier=public, channel=InviteChannel.STAFF, count=1, reserves_seats=True
        )


def test_reserved_seats_never_take_an_event_past_a_capacity_lowered_since():
    event = UpcomingEventFactory(capacity=10, venue__capacity=100)
    public = TicketTierFactory(event=event, quota=10)
    [code] = services.create_invite_codes(
        event=event, tier=public, channel=InviteChannel.SPONSOR, count=1, max_uses=5, reserves_seats=True
    )
    for _ in range(5):
        services.register_attendee(event=event, tier=public, details=attendee())
    Event.objects.filter(pk=event.pk).update(capacity=6)  # a smaller room
    services.register_attendee(event=event, tier=public, details=attendee(), invite_code=code.code)
    assert refusal(event=event, tier=public, details=attendee(), invite_code=code.code) == (
        "capacity",
        ["The event is full: all 6 seats are taken. You can join the waiting list."],
    )
    assert event.registrations.filter(status="confirmed").count() == 6


def test_an_invisible_character_alone_is_no_invite_code():
    event = EventFactory(capacity=10, venue__capacity=100)
    public = TicketTierFactory(event=event, quota=10)
    registration = services.register_attendee(event=event, tier=public, details=attendee(), invite_code="\u200b")
    assert (registration.status, registration.invite_code) == ("confirmed", None)


def test_an_invisible_character_alone_does_not_stand_for_a_tier_on_the_form():
    event = UpcomingEventFactory(capacity=10, venue__capacity=100)
    TicketTierFactory(event=event, quota=10, name_en="VIP", price=999)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    response = client.post(
        reverse("events:register", args=[event.tour.slug, event.slug]),
        {"invite_code": "\u200b", "name": "张三", "phone": "13800000000", "privacy": "on"},
    )
    assert response.context["form"].errors == {"tier": ["Choose a ticket."]}
    assert Registration.objects.count() == 0


def test_an_invite_codes_ticket_is_shown_with_its_price_before_anyone_registers_for_it():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    standard = TicketTierFactory(event=event, name_en="Standard", quota=10)
    vip = TicketTierFactory(event=event, name_en="VIP", price=199, quota=10, visibility="invite_only")
    guests = TicketTierFactory(event=event, name_en="Guests", quota=10, visibility="invite_only")
    [code] = services.create_invite_codes(event=event, tier=vip, channel="other", count=1, max_uses=5)
    [guest_code] = services.create_invite_codes(event=event, tier=guests, channel="partner", count=1)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    url = reverse("events:register", args=[event.tour.slug, event.slug])
    page = " ".join(client.get(url, {"code": code.code}).content.decode().split())
    assert "VIP · ¥199 · with your invite code" in page
    assert f'<input type="radio" name="tier" value="{vip.pk}" id="id_tier_1" checked>' in page
    form = {"invite_code": code.code, "name": "张三", "phone": "13800000000", "privacy": "on"}
    refused = "Your invite code is for “VIP · ¥199 · with your invite code”: choose that ticket to register with "
    for chosen in (standard.pk, ""):  # another ticket, or none: the price was not chosen knowingly
        response = client.post(url, {**form, "tier": chosen})
        assert response.context["form"].errors["tier"] == [refused + "the code, or leave the code empty."]
    assert Registration.objects.count() == 0
    assert client.post(url, {**form, "tier": vip.pk}).status_code == 302
    assert Registration.objects.get().tier == vip
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(UserFactory())
    assert other.post(url, {**form, "invite_code": guest_code.code}).status_code == 302  # free: the code is enough
    assert Registration.objects.filter(tier=guests).count() == 1
    # A sponsor's guest pays nothing for the VIP ticket: told so, and the code is enough.
    [sponsors] = services.create_invite_codes(event=event, tier=vip, channel="sponsor", count=1)
    guest = Client(HTTP_ACCEPT_LANGUAGE="en")
    guest.force_login(UserFactory())
    page = " ".join(guest.get(url, {"code": sponsors.code}).content.decode().split())
    assert "VIP · ¥199 · paid by a sponsor · with your invite code" in page
    assert guest.post(url, {**form, "invite_code": sponsors.code}).status_code == 302
    assert Registration.objects.filter(tier=vip, invite_code=sponsors).count() == 1


def test_reserving_codes_hold_only_their_unused_in_person_seats_until_they_expire():
    event = EventFactory(capacity=5, venue__capacity=100, livestream_url="https://live.example.org/")
    public = TicketTierFactory(event=event, quota=5)
    online = TicketTierFactory(event=event, attendance=Attendance.ONLINE, quota=None)

    def reserving_code(tier, max_uses):
        [code] = services.create_invite_codes(
            event=event, tier=tier, channel=InviteChannel.SPEAKER, count=1, max_uses=max_uses, reserves_seats=True
        )
        return code

    speakers = reserving_code(public, 2)
    reserving_code(online, 3)  # holds no seat in the room
    lapsing = reserving_code(public, 1)
    for _ in range(2):
        services.register_attendee(event=event, tier=public, details=attendee(), invite_code=speakers.code)
    # Two seats taken with the speakers' code, one held by the other code: two left for the public.
    for _ in range(2):
        services.register_attendee(event=event, tier=public, details=attendee())
    assert refusal(event=event, tier=public, details=attendee())[0] == "capacity"
    InviteCode.objects.filter(pk=lapsing.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    services.register_attendee(event=event, tier=public, details=attendee())  # its seat is free again
    # Used twice and then cut to one use: it holds no seat, and frees none either.
    InviteCode.objects.filter(pk=speakers.pk).update(max_uses=1)
    assert refusal(event=event, tier=public, details=attendee())[0] == "capacity"
    assert event.registrations.filter(status="confirmed").count() == 5


def test_cancelling_promotes_the_first_in_line(tier, django_capture_on_commit_callbacks):
    confirmed = [services.register_attendee(event=tier.event, tier=tier, details=attendee()) for _ in range(3)]
    first = services.register_attendee(event=tier.event, tier=tier, details=attendee("先来"), join_waitlist=True)
    second = services.register_attendee(event=tier.event, tier=tier, details=attendee("后到"), join_waitlist=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(registration=confirmed[0])
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, first.ticket_state, second.status) == ("confirmed", "ready", "waitlisted")
    assert [m.to for m in mail.outbox] == [[first.email]]
    assert mail.outbox[0].subject == f"候补成功：您已报名 {tier.event.title}"  # in the language they registered in


def test_raising_the_quota_promotes_the_waiting_list(tier):
    for _ in range(3):
        services.register_attendee(event=tier.event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=tier.event, tier=tier, details=attendee(), join_waitlist=True)
    tier.quota = 4
    services.save_tier(tier=tier)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_online_registration_has_no_seat_limit_and_counts_apart():
    event = EventFactory(capacity=1, venue__capacity=100, livestream_url="https://live.example.org/x")
    seat = TicketTierFactory(event=event, quota=1)
    online = TicketTierFactory(event=event, quota=None, attendance=Attendance.ONLINE, name_en="Online")
    services.register_attendee(event=event, tier=seat, details=attendee())
    for _ in range(5):
        services.register_attendee(event=event, tier=online, details=attendee())
    figures = services.registration_figures(event)
    assert (figures["in_person"], figures["online"], figures["checked_in"]) == (1, 5, 0)


def test_an_online_tier_needs_a_livestream():
    event = EventFactory(livestream_url="")
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            services.save_tier(tier=TicketTierFactory.build(event=event, attendance=Attendance.ONLINE, quota=None))
        assert caught.value.message_dict == {
            "attendance": ["Give the event a livestream URL before opening online registration."]
        }


def test_a_registration_under_another_verified_address_of_the_account_is_theirs():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    user = UserFactory()
    EmailAddress.objects.create(user=user, email="work@example.org", verified=True)
    EmailAddress.objects.create(user=user, email="old@example.org", verified=False)
    imported = services.register_attendee(
        event=event, tier=tier, details=attendee(email="Work@Example.org"), by_organizers=True
    )
    with pytest.raises(services.AlreadyRegistered) as caught:
        services.register_attendee(event=event, tier=tier, user=user, details=attendee(email=user.email))
    assert caught.value.registration == imported
    # An address the account has not verified proves nothing: a stranger may have typed it.
    services.cancel_registration(registration=imported)
    services.register_attendee(event=event, tier=tier, details=attendee(email="old@example.org"), by_organizers=True)
    mine = services.register_attendee(event=event, tier=tier, user=user, details=attendee(email=user.email))
    assert list(Registration.objects.filter(event=event, status="confirmed").values_list("email", flat=True)) == [
        "old@example.org",
        mine.email,
    ]


def test_the_page_says_what_came_of_the_registration():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100, livestream_url="https://live.example.org/x")
    full = TicketTierFactory(event=event, quota=1, name_en="Standard")
    roomy = TicketTierFactory(event=event, quota=10, name_en="Roomy")
    online = TicketTierFactory(event=event, quota=None, attendance=Attendance.ONLINE, name_en="Online")
    services.register_attendee(event=event, tier=full, details=attendee())
    said = {}
    for outcome, tier, extra in (
        ("seat", roomy, {}),
        ("waiting", full, {"join_waitlist": "1"}),
        ("online", online, {}),
    ):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(UserFactory())
        data = {"tier": tier.pk, "name": "王芳", "phone": "13800000000", "privacy": "on", **extra}
        response = client.post(reverse("events:register", args=[event.tour.slug, event.slug]), data, follow=True)
        said[outcome] = [str(message) for message in response.context["messages"]]
    assert said == {
        "seat": ["Thank you for registering! Your ticket is on its way."],
        "waiting": ["You are on the waiting list for “Standard”. When a seat frees up, it is yours and we email you."],
        "online": [
            "Thank you for registering! The livestream link is on this page and comes by email before the start."
        ],
    }


def test_a_person_turned_away_sees_which_tiers_still_have_room():
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    full = TicketTierFactory(event=event, quota=1, name="早鸟票", name_en="Early bird", price=0)
    TicketTierFactory(event=event, quota=10, name="普通票", name_en="Standard", price=0)
    services.register_attendee(event=event, tier=full, details=attendee())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    data = {"tier": full.pk, "name": "王芳", "phone": "13800000000", "privacy": "on"}
    response = client.post(reverse("events:register", args=[event.tour.slug, event.slug]), data)
    page = " ".join(response.content.decode().split())
    assert "“Early bird” is sold out. You can join the waiting list." in page
    assert "Early bird · free · sold out (waiting list open)</label>" in page
    assert "Standard · free · 10 of 10 seats left</label>" in page
    assert 'name="join_waitlist" value="1"' in page and "js/register.js" in page
    assert 'name="heard_from"' not in page  # the tour keeps no list of channels: not asked after a refusal either
    assert Registration.objects.filter(event=event).count() == 1
