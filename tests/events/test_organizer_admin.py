"""The organizers' registration screens: a correction that keeps what happened meanwhile, the tour's own list of
channels, check-in helpers added twice, counts that agree with the door, codes that could never work."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import CheckInStaff, InviteCode, ReferralChannel, Registration, RegistrationStatus
from tests.events.test_admin import event_form
from tests.factories import (
    CityFactory,
    CityTeamMemberFactory,
    EventFactory,
    TicketTierFactory,
    UpcomingEventFactory,
    UserFactory,
    attendee,
    tour_admin_of,
)

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_organizers_correction_keeps_a_cancellation_and_a_check_in_that_happened_meanwhile():
    event = UpcomingEventFactory(capacity=5, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    first = services.register_attendee(event=event, tier=tier, details=attendee("王芳"))
    waiting = services.register_attendee(event=event, tier=tier, details=attendee(), join_waitlist=True)
    opened = Registration.objects.get(pk=first.pk)  # as the organizer's form read it
    services.cancel_registration(registration=first)  # meanwhile: the seat goes to the one waiting
    opened.company = "星河数据"
    services.save_registration(registration=opened, changed=["company"])
    assert Registration.objects.values_list("status", "company").get(pk=first.pk) == ("cancelled", "星河数据")
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.CONFIRMED

    used = services.register_attendee(event=event, tier=TicketTierFactory(event=event, quota=5), details=attendee())
    opened = Registration.objects.get(pk=used.pk)
    Registration.objects.filter(pk=used.pk).update(checked_in_at=timezone.now())  # scanned at the door meanwhile
    opened.phone = "13900000000"
    opened.status = "cancelled"  # not the organizers' to change here: only through the cancel action
    services.save_registration(registration=opened, changed=["phone", "status"])
    assert Registration.objects.values_list("phone", "status").get(pk=used.pk) == ("13900000000", "confirmed")
    assert Registration.objects.get(pk=used.pk).checked_in_at is not None


def test_only_the_tours_admins_change_its_list_of_channels():
    event = EventFactory()
    channel = ReferralChannel.objects.create(tour=event.tour, name="公众号")
    city_team = client_of(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    change = reverse("admin:events_referralchannel_change", args=[channel.pk])
    assert city_team.get(change).status_code == 200  # they may look
    assert city_team.post(change, {"tour": event.tour_id, "name": "改名", "position": 0}).status_code == 403
    assert (
        city_team.post(reverse("admin:events_referralchannel_delete", args=[channel.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ReferralChannel.objects.get(pk=channel.pk).name == "公众号"
    tour_admin = client_of(tour_admin_of(event.tour))
    assert tour_admin.post(change, {"tour": event.tour_id, "name": "微信公众号", "position": 0}).status_code == 302
    assert ReferralChannel.objects.get(pk=channel.pk).name == "微信公众号"


def test_a_registration_offers_only_its_own_tours_channels():
    event = EventFactory()
    mine = ReferralChannel.objects.create(tour=event.tour, name="公众号")
    ReferralChannel.objects.create(tour=EventFactory().tour, name="别的巡回")
    registration = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee())
    superuser = client_of(UserFactory(is_staff=True, is_superuser=True))
    form = superuser.get(reverse("admin:events_registration_change", args=[registration.pk])).context["adminform"].form
    assert list(form.fields["heard_from"].queryset) == [mine]


def test_a_check_in_helper_added_twice_is_a_message_not_a_500():
    event = EventFactory(city=CityFactory())
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    helper = UserFactory(email="helper@example.org")
    CheckInStaff.objects.create(event=event, user=helper, from_shifts=True)
    client = client_of(organizer)
    url = reverse("admin:events_event_change", args=[event.pk])
    again = event_form(
        event,
        **{
            "check_in_staff-TOTAL_FORMS": 1,
            "check_in_staff-0-email": "helper@example.org",
            "check_in_staff-0-event": event.pk,
        },
    )
    response = client.post(url, again)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"]
    [staff] = [formset for formset in errors if formset.formset.prefix == "check_in_staff"]
    assert staff.formset.forms[0].errors["email"] == ["helper@example.org already checks people in at this event."]
    other = UserFactory(email="other@example.org")
    twice = event_form(
        event,
        **{
            "check_in_staff-TOTAL_FORMS": 2,
            "check_in_staff-0-email": "other@example.org",
            "check_in_staff-0-event": event.pk,
            "check_in_staff-1-email": "OTHER@example.org",
            "check_in_staff-1-event": event.pk,
        },
    )
    response = client.post(url, twice)
    assert response.status_code == 200
    assert not CheckInStaff.objects.filter(user=other).exists()


def test_the_code_list_and_the_event_summary_count_as_the_door_does():
    event = UpcomingEventFactory(capacity=3, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    [code] = services.create_invite_codes(event=event, tier=tier, channel="partner", count=1, max_uses=3)
    services.register_attendee(event=event, tier=tier, details=attendee(), invite_code=code.code)
    for _ in range(2):
        services.register_attendee(
            event=event, tier=tier, details=attendee(), invite_code=code.code, join_waitlist=True
        )
    services.create_invite_codes(event=event, tier=tier, channel="speaker", count=1, max_uses=1, reserves_seats=True)
    event.livestream_url = "https://live.example.org/x"
    event.save()
    online = TicketTierFactory(event=event, attendance="online", quota=None)
    [stream] = services.create_invite_codes(event=event, tier=online, channel="sponsor", count=1, max_uses=5)
    services.register_attendee(event=event, tier=online, details=attendee(), invite_code=stream.code)
    organizer = client_of(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    codes = organizer.get(reverse("admin:events_invitecode_changelist"), {"channel": "partner"}).context["cl"]
    [row] = codes.result_list
    assert (row._uses, row._waiting) == (1, 2)
    figures = services.registration_figures(event)
    # The speakers' code brought nobody yet: a 0, not a missing line.
    assert [(c["channel"], c["registered"], c["came"]) for c in figures["per_channel"]] == [
        ("speaker", 0, 0),
        ("partner", 1, 0),
    ]
    page = organizer.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "1 in person (of 3 seats; 1 more held for invite codes), 1 online, 0 checked in, 2 waiting." in page


def test_a_code_that_has_already_expired_is_not_created():
    event = UpcomingEventFactory()
    tier = TicketTierFactory(event=event)
    organizer = client_of(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    response = organizer.post(
        reverse("admin:events_invitecode_batch"),
        {
            "event": event.pk,
            "tier": tier.pk,
            "channel": "partner",
            "count": 5,
            "max_uses": 1,
            "expires_at_0": f"{yesterday:%Y-%m-%d}",
            "expires_at_1": "12:00:00",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This expiry has already passed: the codes would refuse everyone."
    ]
    add = organizer.get(reverse("admin:events_invitecode_add"))
    labels = [label for _value, label in add.context["adminform"].form.fields["tier"].choices if _value]
    assert labels == [f"{event} · {tier.display_name}"]  # every event has its 普通票: the add form says whose
    assert not InviteCode.objects.exists()


def test_the_bulk_actions_say_what_they_did(django_capture_on_commit_callbacks):
    event = UpcomingEventFactory(livestream_url="https://live.example.org/x")
    paid = TicketTierFactory(event=event, price=99, quota=5)
    free = TicketTierFactory(event=event, price=0, quota=5)
    online = TicketTierFactory(event=event, price=0, quota=None, attendance="online")
    to_pay = services.register_attendee(event=event, tier=paid, details=attendee())
    gratis = services.register_attendee(event=event, tier=free, details=attendee())
    used = services.register_attendee(event=event, tier=free, details=attendee())
    Registration.objects.filter(pk=used.pk).update(checked_in_at=timezone.now())
    organizer = client_of(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    changelist = reverse("admin:events_registration_changelist")
    response = organizer.post(
        changelist, {"action": "mark_paid", "_selected_action": [to_pay.pk, gratis.pk]}, follow=True
    )
    assert shown(response) == [
        "1 registration marked as paid.",
        "1 left as it was: already paid, free, waiting or cancelled.",
    ]
    paid_at = Registration.objects.filter(paid_at__isnull=False).get().paid_at
    response = organizer.post(changelist, {"action": "mark_paid", "_selected_action": [to_pay.pk]}, follow=True)
    assert shown(response)[-2:] == [
        "0 registrations marked as paid.",
        "1 left as it was: already paid, free, waiting or cancelled.",
    ]
    assert (
        Registration.objects.get(paid_at__isnull=False) == to_pay
        and to_pay.__class__.objects.get(pk=to_pay.pk).paid_at == paid_at
    )
    watching = services.register_attendee(event=event, tier=online, details=attendee())
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.post(
            changelist, {"action": "render_tickets", "_selected_action": [gratis.pk, watching.pk]}, follow=True
        )
    assert shown(response)[-2:] == [
        "1 ticket is being rendered again.",
        "1 has no ticket: online, waiting or cancelled.",
    ]
    assert Registration.objects.get(pk=watching.pk).ticket_state == "none"
    response = organizer.post(changelist, {"action": "cancel", "_selected_action": [used.pk]}, follow=True)
    assert shown(response)[-1] == "0 registrations cancelled."
    assert Registration.objects.get(pk=used.pk).status == "confirmed"


def test_a_tour_admin_elsewhere_cannot_change_this_tours_channels_from_the_list():
    event = EventFactory()
    channel = ReferralChannel.objects.create(tour=event.tour, name="公众号", position=0)
    user = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    EventFactory().tour.admins.add(user)  # a tour admin of another tour
    response = client_of(user).post(
        reverse("admin:events_referralchannel_changelist"),
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": channel.pk,
            "form-0-position": 9,
            "_save": "Save",
        },
    )
    assert response.status_code in (200, 403)
    assert ReferralChannel.objects.get(pk=channel.pk).position == 0


def test_an_organizer_sees_the_accounts_on_a_registration_without_links_they_cannot_open():
    event = UpcomingEventFactory()
    owner = UserFactory(first_name="芳", last_name="王")
    registration = services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), user=owner, details=attendee("王芳", owner.email)
    )
    helper = UserFactory(email="door@example.org")
    services.check_in(event=event, value=registration.ticket_code, by=helper)
    organizer = client_of(CityTeamMemberFactory(tour=event.tour, city=event.city).user)
    html = organizer.get(reverse("admin:events_registration_change", args=[registration.pk])).content.decode()
    assert f"{owner.get_full_name()} &lt;{owner.email}&gt;" in html and "door@example.org" in html
    assert "/admin/auth/user/" not in html
