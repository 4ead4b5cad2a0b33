"""The tiers' tallies of confirmed registrations, kept by the database's triggers (migration 0014): right after
every kind of write, whoever makes it, and filled from the registrations there were when the migration ran."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.utils import timezone

from events import services
from events.models import InviteChannel, Registration, RegistrationStatus, TicketTier, TierTally
from events.selectors import public_tiers
from tests.events.test_registration import refusal
from tests.factories import TicketTierFactory, UpcomingEventFactory, attendee

pytestmark = pytest.mark.django_db


def tallies(*tiers) -> dict[str, tuple[int, int]]:
    """Each tier's tally, (confirmed, of which reserved), as the triggers keep it; (0, 0) without a row."""
    kept = {tally.tier_id: (tally.confirmed, tally.reserved) for tally in TierTally.objects.all()}
    return {tier.name: kept.get(tier.pk, (0, 0)) for tier in tiers}


def counted(*tiers) -> dict[str, tuple[int, int]]:
    """The same, counted from the registrations."""
    confirmed = Q(registrations__status=RegistrationStatus.CONFIRMED)
    rows = TicketTier.objects.filter(pk__in=[tier.pk for tier in tiers]).annotate(
        confirmed=Count("registrations", filter=confirmed),
        reserved=Count("registrations", filter=confirmed & Q(registrations__holds_reserved_seat=True)),
    )
    return {tier.name: (tier.confirmed, tier.reserved) for tier in rows}


@pytest.fixture
def event():
    return UpcomingEventFactory(capacity=20, venue__capacity=100)


def test_every_kind_of_write_keeps_the_tallies(event):
    public = TicketTierFactory(event=event, name="普通票", quota=3)
    vip = TicketTierFactory(event=event, name="VIP", quota=5)
    [code] = services.create_invite_codes(
        event=event, tier=public, channel=InviteChannel.SPEAKER, count=1, max_uses=2, reserves_seats=True
    )

    def register(tier, **kwargs):
        return services.register_attendee(event=event, tier=tier, details=attendee(), render=False, **kwargs)

    first, second, third = (register(public) for _ in range(3))
    guest = register(public, invite_code=code.code)
    waiting = register(public, join_waitlist=True)
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert tallies(public, vip) == {"普通票": (4, 1), "VIP": (0, 0)}

    services.cancel_registration(registration=first)  # and the first in line takes the seat
    assert tallies(public, vip) == {"普通票": (4, 1), "VIP": (0, 0)}
    assert Registration.objects.get(pk=waiting.pk).status == RegistrationStatus.CONFIRMED

    second.tier = vip  # moved to another tier in the admin
    second.save()
    assert tallies(public, vip) == {"普通票": (3, 1), "VIP": (1, 0)}

    third.ticket_state = "ready"  # a write that changes no seat
    third.save()
    Registration.objects.filter(pk=guest.pk).update(holds_reserved_seat=False)
    assert tallies(public, vip) == {"普通票": (3, 0), "VIP": (1, 0)}

    Registration.objects.filter(pk__in=[third.pk, guest.pk]).update(status=RegistrationStatus.CANCELLED)
    now = timezone.now()
    Registration.objects.bulk_create(
        Registration(event=event, tier=vip, email=f"list{i}@example.org", name="名单", privacy_accepted_at=now)
        for i in range(3)
    )
    assert tallies(public, vip) == {"普通票": (1, 0), "VIP": (4, 0)}

    Registration.objects.filter(tier=vip, email__startswith="list").delete()
    Registration.objects.filter(pk=third.pk).update(status=RegistrationStatus.CONFIRMED, tier=vip)
    assert tallies(public, vip) == {"普通票": (1, 0), "VIP": (2, 0)}
    assert tallies(public, vip) == counted(public, vip)


def test_a_tier_without_registrations_has_no_tally_to_keep(event):
    tier = TicketTierFactory(event=event, name="普通票", quota=3)
    registration = services.register_attendee(event=event, tier=tier, details=attendee(), render=False)
    services.cancel_registration(registration=registration)
    Registration.objects.filter(pk=registration.pk).delete()
    tier.delete()
    assert not TierTally.objects.exists()


def test_the_seats_left_and_the_claim_read_the_tallies(event):
    tier = TicketTierFactory(event=event, name="普通票", quota=3)
    services.register_attendee(event=event, tier=tier, details=attendee(), render=False)
    assert [t.seats_left for t in public_tiers(event)] == [2]
    TierTally.objects.filter(tier=tier).update(confirmed=3)  # as a tally reads with two more registered
    assert [t.seats_left for t in public_tiers(event)] == [0]
    assert refusal(event=event, tier=tier, details=attendee(), render=False)[0] == "sold_out"


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_registrations_there_are():
    event = UpcomingEventFactory(capacity=20, venue__capacity=100)
    public = TicketTierFactory(event=event, name="普通票", quota=10)
    empty = TicketTierFactory(event=event, name="VIP", quota=10)
    [code] = services.create_invite_codes(
        event=event, tier=public, channel=InviteChannel.SPONSOR, count=1, max_uses=2, reserves_seats=True
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("events", "0013_registration_email_owed")])
    try:
        # Written while no trigger kept count (the plain SQL the model's table still takes).
        for i, (status, reserved) in enumerate(
            [
                ("confirmed", False),
                ("confirmed", False),
                ("confirmed", True),
                ("waitlisted", False),
                ("cancelled", False),
            ]
        ):
            Registration.objects.create(
                event=event,
                tier=public,
                email=f"before{i}@example.org",
                name="之前",
                status=status,
                holds_reserved_seat=reserved,
                invite_code=code if reserved else None,
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert tallies(public, empty) == {"普通票": (3, 1), "VIP": (0, 0)}
    # The one waiting takes a free seat first, then the newcomer theirs.
    services.register_attendee(event=event, tier=public, details=attendee(), render=False)
    assert tallies(public, empty) == {"普通票": (5, 1), "VIP": (0, 0)} == counted(public, empty)
