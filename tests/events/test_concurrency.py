"""Races for the last seats, on PostgreSQL, with real threads each holding its own database connection."""

import datetime as dt
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import services, tasks
from events.models import Event, InviteChannel, Registration, RegistrationStatus, ShiftAssignment
from tests.conftest import need
from tests.factories import (
    CityTeamMemberFactory,
    EventFactory,
    ShiftFactory,
    TicketTierFactory,
    UpcomingEventFactory,
    VolunteerFactory,
    attendee,
)
from tests.support.mail import StallingBackend

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
THREADS = 50


@pytest.fixture(autouse=True)
def postgresql():
    need(connection.vendor == "postgresql", "the seat races need PostgreSQL (set DATABASE_URL)")


def race(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def codes(outcomes) -> list[str]:
    return sorted(getattr(o, "code", "ok") if isinstance(o, ValidationError) else type(o).__name__ for o in outcomes)


def test_fifty_people_race_for_the_last_five_seats():
    tier = TicketTierFactory(event=EventFactory(capacity=200, venue__capacity=200), quota=20)
    for _ in range(15):
        services.register_attendee(event=tier.event, tier=tier, details=attendee())
    outcomes = race(
        lambda i: services.register_attendee(
            event=tier.event, tier=tier, details=attendee(email=f"racer{i}@example.org")
        )
    )
    assert codes(outcomes) == ["Registration"] * 5 + ["sold_out"] * 45
    assert Registration.objects.filter(tier=tier, status=RegistrationStatus.CONFIRMED).count() == 20


def test_the_event_capacity_holds_across_tiers_under_a_race():
    event = EventFactory(capacity=10, venue__capacity=200)
    tiers = [TicketTierFactory(event=event, quota=10) for _ in range(2)]
    outcomes = race(
        lambda i: services.register_attendee(
            event=event, tier=tiers[i % 2], details=attendee(email=f"racer{i}@example.org")
        )
    )
    assert codes(outcomes) == ["Registration"] * 10 + ["capacity"] * 40
    assert Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count() == 10


def test_an_invite_code_is_used_no_more_than_its_limit():
    tier = TicketTierFactory(event=EventFactory(capacity=200, venue__capacity=200), quota=100)
    [code] = services.create_invite_codes(
        event=tier.event, tier=tier, channel=InviteChannel.PARTNER, count=1, max_uses=5
    )
    outcomes = race(
        lambda i: services.register_attendee(
            event=tier.event, tier=tier, details=attendee(email=f"racer{i}@example.org"), invite_code=code.code
        )
    )
    assert codes(outcomes) == ["Registration"] * 5 + ["code_used_up"] * 45
    assert code.registrations.count() == 5


def test_the_same_person_registering_twice_at_once_gets_one_registration():
    tier = TicketTierFactory(event=EventFactory(capacity=200, venue__capacity=200), quota=100)
    outcomes = race(
        lambda i: services.register_attendee(
            event=tier.event, tier=tier, details=attendee(email="same.person@example.org")
        ),
        count=10,
    )
    assert codes(outcomes) == ["Registration"] + ["duplicate"] * 9
    assert Registration.objects.filter(email="same.person@example.org").count() == 1


def test_a_waiting_list_promotion_racing_new_registrations_never_oversells():
    tier = TicketTierFactory(event=UpcomingEventFactory(capacity=200, venue__capacity=200), quota=5)
    seated = [services.register_attendee(event=tier.event, tier=tier, details=attendee()) for _ in range(5)]
    first_in_line = services.register_attendee(event=tier.event, tier=tier, details=attendee(), join_waitlist=True)

    def work(i):
        if i == 0:
            return services.cancel_registration(registration=seated[0])
        return services.register_attendee(event=tier.event, tier=tier, details=attendee(email=f"racer{i}@example.org"))

    outcomes = race(work, count=30)
    first_in_line.refresh_from_db()
    assert first_in_line.status == RegistrationStatus.CONFIRMED  # the freed seat went to the one waiting
    assert Registration.objects.filter(tier=tier, status=RegistrationStatus.CONFIRMED).count() == 5
    assert codes(outcomes[1:]) == ["sold_out"] * 29


def test_a_check_in_racing_a_cancellation_ends_one_way_or_the_other():
    tier = TicketTierFactory(event=UpcomingEventFactory(capacity=200, venue__capacity=200), quota=1)
    registration = services.register_attendee(event=tier.event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=tier.event, tier=tier, details=attendee(), join_waitlist=True)

    def work(i):
        if i % 2:
            return services.check_in(event=tier.event, value=registration.ticket_code, by=None)
        return services.cancel_registration(registration=registration)

    race(work, count=20)
    registration.refresh_from_db()
    waiting.refresh_from_db()
    if registration.status == RegistrationStatus.CANCELLED:
        assert registration.checked_in_at is None and waiting.status == RegistrationStatus.CONFIRMED
    else:
        assert registration.checked_in_at is not None and waiting.status == RegistrationStatus.WAITLISTED
    assert Registration.objects.filter(tier=tier, status=RegistrationStatus.CONFIRMED).count() == 1


def test_a_shift_takes_no_more_volunteers_than_its_head_count_under_a_race():
    event = EventFactory()
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    shift = ShiftFactory(event=event, head_count=3)
    volunteers = [VolunteerFactory(event=event) for _ in range(20)]
    outcomes = race(lambda i: services.assign_shift(shift=shift, application=volunteers[i], by=organizer), count=20)
    assert codes(outcomes) == ["ShiftAssignment"] * 3 + ["full"] * 17
    assert ShiftAssignment.objects.filter(shift=shift).count() == 3


def test_one_person_is_never_put_in_two_overlapping_shifts_under_a_race():
    event = EventFactory()
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    volunteer = VolunteerFactory(event=event)
    shifts = [
        ShiftFactory(event=event, head_count=5, start=event.start + dt.timedelta(minutes=10 * i)) for i in range(10)
    ]
    outcomes = race(lambda i: services.assign_shift(shift=shifts[i], application=volunteer, by=organizer), count=10)
    assert codes(outcomes) == ["ShiftAssignment"] + ["overlap"] * 9
    assert ShiftAssignment.objects.filter(volunteer=volunteer).count() == 1


def test_a_registration_holds_the_event_lock_for_one_read_and_the_insert():
    # Every registration of the event waits while one holds the lock, so each statement under it counts.
    tier = TicketTierFactory(event=EventFactory(capacity=200, venue__capacity=200), quota=20)
    with CaptureQueriesContext(connection) as captured:
        services.register_attendee(event=tier.event, tier=tier, details=attendee())
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    locking = next(i for i, query in enumerate(captured.captured_queries) if "FOR UPDATE" in query["sql"])
    # Up to the commit: after it, with no broker, the ticket is rendered in this process.
    assert statements[locking : statements.index("COMMIT", locking) + 1] == ["SELECT", "SELECT", "INSERT", "COMMIT"]


def test_an_attendee_saving_their_details_while_the_organizers_promote_does_not_deadlock():
    """Cancellations and promotions lock the event, then write registrations; a change of one's own details
    locks only the registration, so the two never wait for each other in a circle."""
    event = UpcomingEventFactory(capacity=100, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=1)
    services.register_attendee(event=event, tier=tier, details=attendee())
    waiting = services.register_attendee(event=event, tier=tier, details=attendee("王五"), join_waitlist=True)
    database = settings.DATABASES["default"]
    organizers = psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=connection.settings_dict["NAME"],
    )
    outcome = {}

    def change_own_details():
        try:
            services.change_own_details(registration=waiting, details=attendee("王五", waiting.email, phone="139"))
            outcome["attendee"] = "saved"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcome["attendee"] = repr(error)
        finally:
            connections.close_all()

    try:
        # The organizers' side, as cancel_registration takes its locks: the event first ...
        organizers.execute("SELECT 1 FROM events_event WHERE id = %s FOR UPDATE", [event.pk])
        attendee_thread = threading.Thread(target=change_own_details)
        attendee_thread.start()
        attendee_thread.join(timeout=1.5)  # it finishes at once unless it waits for the event's lock
        # ... then the registration (a promotion).
        organizers.execute("UPDATE events_registration SET status = 'confirmed' WHERE id = %s", [waiting.pk])
        organizers.commit()
    finally:
        organizers.close()
    attendee_thread.join(timeout=30)
    assert outcome == {"attendee": "saved"}
    assert Registration.objects.values_list("phone", "status").get(pk=waiting.pk) == ("139", "confirmed")


@pytest.mark.parametrize("email", ["reminder", "cancellation notice"])
def test_one_email_leaves_when_many_workers_hold_the_same_task(email):
    """The schedule ran twice, or overlapped: workers pick up copies of one task at the same instant."""
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=13, minute=30, second=0, microsecond=0)
    event = EventFactory(start=start, end=start + dt.timedelta(hours=4))
    tier = TicketTierFactory(event=event)
    registrations = [
        services.register_attendee(event=event, tier=tier, details=attendee(email=f"p{n}@example.org"))
        for n in range(5)
    ]
    if email == "cancellation notice":
        Event.objects.filter(pk=event.pk).update(status="cancelled")
    sent = []
    for registration in registrations:
        mail.outbox.clear()
        if email == "reminder":
            race(lambda i, pk=registration.pk: tasks.send_reminder(pk), 30)
        else:
            race(lambda i, pk=registration.pk: tasks.send_registration_email(pk, "event_cancelled"), 30)
        sent.append(len(mail.outbox))
    assert sent == [1] * 5


def owing_an_email_to_a_stalling_server(settings, status: str, email: str) -> Registration:
    """A registration owed ``email``, and a mail server that will stall on the next send."""
    settings.EMAIL_BACKEND = "tests.support.mail.StallingBackend"
    StallingBackend.stall()
    event = UpcomingEventFactory(capacity=10, venue__capacity=10)
    registration = services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), details=attendee(), notify=False, render=False
    )
    Registration.objects.filter(pk=registration.pk).update(status=status, email_owed=email)
    return registration


def test_a_cancellation_does_not_wait_for_a_mail_server_that_stopped_answering(settings):
    registration = owing_an_email_to_a_stalling_server(settings, "confirmed", "confirmed")
    sending = threading.Thread(
        target=race, args=(lambda i: tasks.send_registration_email(registration.pk, "confirmed"), 1)
    )
    sending.start()
    try:
        assert StallingBackend.entered.wait(timeout=10)  # the confirmation is on its way, the server silent
        cancelling = threading.Thread(
            target=race, args=(lambda i: services.cancel_registration(registration=registration), 1)
        )
        cancelling.start()
        cancelling.join(timeout=5)
        assert not cancelling.is_alive()  # done without waiting for the mail server
        assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CANCELLED
    finally:
        StallingBackend.released.set()
        sending.join(timeout=30)


def test_a_promotion_committed_while_the_waiting_list_email_is_on_its_way_keeps_its_own_email(settings):
    waiting = owing_an_email_to_a_stalling_server(settings, "waitlisted", "waitlisted")
    mail.outbox.clear()
    sending = threading.Thread(target=race, args=(lambda i: tasks.send_registration_email(waiting.pk, "waitlisted"), 1))
    sending.start()
    try:
        assert StallingBackend.entered.wait(timeout=10)  # "you are waiting" is on its way, the server slow
        # Meanwhile a seat frees and the promotion commits what it owes the person.
        Registration.objects.filter(pk=waiting.pk).update(
            status="confirmed", email_owed="promoted", email_owed_at=timezone.now()
        )
    finally:
        StallingBackend.released.set()
        sending.join(timeout=30)
    assert Registration.objects.get(pk=waiting.pk).email_owed == "promoted"
    tasks.send_registration_email(waiting.pk, "promoted")
    assert len(mail.outbox) == 2 and Registration.objects.get(pk=waiting.pk).email_owed == ""


def waiting_for_a_lock() -> int:
    """How many connections to the test database wait for a row lock now."""
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    ) as watcher:
        return watcher.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [connection.settings_dict["NAME"]],
        ).fetchone()[0]


def test_a_registration_deleted_in_the_admin_while_another_is_claimed_never_deadlocks():
    event = UpcomingEventFactory(capacity=20, venue__capacity=100)
    tier = TicketTierFactory(event=event, quota=10)
    deleted = services.register_attendee(event=event, tier=tier, details=attendee(), notify=False, render=False)
    claim_holds_the_event, outcomes = threading.Event(), {}

    def claim(i):
        # A claim's order: the event's lock, then (once the delete is under way) its row and its tier's tally.
        with transaction.atomic():
            Event.objects.select_for_update().get(pk=event.pk)
            claim_holds_the_event.set()
            deadline = time.monotonic() + 10
            while not waiting_for_a_lock() and time.monotonic() < deadline:
                time.sleep(0.05)
            return Registration.objects.create(event=event, tier=tier, email="claimed@example.org", name="李四")

    def delete(i):
        assert claim_holds_the_event.wait(timeout=10)
        with transaction.atomic():  # as the admin's delete view runs it
            services.delete_registrations(registrations=[deleted])
        return "deleted"

    threads = [
        threading.Thread(target=lambda: outcomes.update(claim=race(claim, 1)[0])),
        threading.Thread(target=lambda: outcomes.update(delete=race(delete, 1)[0])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert isinstance(outcomes["claim"], Registration), outcomes
    assert outcomes["delete"] == "deleted", outcomes
    assert list(Registration.objects.filter(event=event).values_list("email", flat=True)) == ["claimed@example.org"]
    assert event.tiers.get().tally.confirmed == 1


def test_an_imported_list_racing_registrations_on_the_site_never_oversells():
    tier = TicketTierFactory(event=EventFactory(capacity=200, venue__capacity=200), quota=20)
    for _ in range(5):
        services.register_attendee(event=tier.event, tier=tier, details=attendee())
    listed = [(tier, attendee(f"名单{n}", f"listed{n}@example.org")) for n in range(10)]

    def work(i):
        if i == 0:
            return services.register_list(event=tier.event, people=listed)
        return services.register_attendee(event=tier.event, tier=tier, details=attendee(email=f"racer{i}@example.org"))

    outcomes = race(work, count=21)
    imported, web = outcomes[0], outcomes[1:]
    confirmed = Registration.objects.filter(tier=tier, status=RegistrationStatus.CONFIRMED)
    # 15 seats were left: the whole list came in and five of the site's twenty got the rest, or the site filled
    # enough of them first that the list was refused whole.
    assert confirmed.count() == 20
    if isinstance(imported, services.ListRefused):
        assert confirmed.filter(source="import").count() == 0
        assert codes(web) == ["Registration"] * 15 + ["sold_out"] * 5
    else:
        assert len(imported) == 10 and confirmed.filter(source="import").count() == 10
        assert codes(web) == ["Registration"] * 5 + ["sold_out"] * 15


def test_an_imported_list_holds_the_event_lock_for_one_read_per_tier_and_its_inserts():
    event = EventFactory(capacity=2000, venue__capacity=2000)
    tiers = [TicketTierFactory(event=event, quota=1000) for _ in range(2)]
    people = [(tiers[n % 2], attendee(f"名单{n}", f"listed{n}@example.org")) for n in range(1200)]
    with CaptureQueriesContext(connection) as captured:
        services.register_list(event=event, people=people)
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    locking = next(i for i, query in enumerate(captured.captured_queries) if "FOR UPDATE" in query["sql"])
    under_lock = statements[locking + 1 : statements.index("COMMIT", locking)]
    # Two tiers read, the emails already registered (two reads per thousand), three inserts of up to 500.
    assert under_lock == ["SELECT"] * 2 + ["SELECT"] * 4 + ["INSERT"] * 3
    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 1200
