"""Registration: claiming seats under a lock, the waiting list, cancelling, and checking in at the door.

Every claim on a limited thing (a tier's seats, the event's capacity, an invite code's uses, a reserved seat)
happens inside one transaction that first locks the event row, so two requests can never both take the last
seat: on PostgreSQL the second waits for the first to commit and then counts again.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field, replace

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from citytour.storage import private_storage, remove_rendered_file

from ..models import (
    Attendance,
    Event,
    EventStatus,
    InviteChannel,
    InviteCode,
    Registration,
    RegistrationStatus,
    TicketState,
    TicketTier,
    TierVisibility,
    typed_code,
)
from ..selectors import ClaimState, claim_state

logger = logging.getLogger(__name__)


class RegistrationError(ValidationError):
    """A refusal with a translated message; ``code`` says which (``sold_out``, ``duplicate`` …), and
    ``offers_waiting_list`` whether the person may join the waiting list instead."""

    offers_waiting_list = False


class AlreadyRegistered(RegistrationError):
    def __init__(self, registration: Registration):
        super().__init__(_("You are already registered for this event."), code="duplicate")
        self.registration = registration


@dataclass
class AttendeeDetails:
    name: str
    email: str
    company: str = ""
    job_role: str = ""
    phone: str = ""
    heard_from: object = None
    answers: dict = field(default_factory=dict)
    privacy_accepted: bool = False
    language: str = "zh-hans"


ACTIVE = ~Q(status=RegistrationStatus.CANCELLED)


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update(of=("self",)).select_related("venue").get(pk=event.pk)


def _take_lock(event: Event) -> None:
    """Lock the event's row until the transaction ends, reading nothing: the claim reads what it needs."""
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM events_event WHERE id = %s{for_update}", [event.pk])


def _existing(event: Event, email: str, user) -> Registration | None:
    # One person, as the claim counts them: this email, the account that verified it, the account registering
    # and its other verified addresses.
    owners = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    match = Q(email__iexact=email) | Q(user__in=owners)
    if user is not None:
        verified = EmailAddress.objects.filter(user=user, verified=True).values_list(Lower("email"))
        match |= Q(user=user) | Q(user__isnull=True, email__in=verified)
    return Registration.objects.filter(match, ACTIVE, event=event).select_related("tier").first()


def _find_code(raw_code: str) -> InviteCode | None:
    return InviteCode.objects.filter(code=typed_code(raw_code)).first()


def _check_code(code: InviteCode | None, raw_code: str, event: Event, now, uses: int) -> None:
    if code is None:
        raise RegistrationError(_("There is no invite code “%(code)s”.") % {"code": raw_code}, code="bad_code")
    if code.event_id != event.id:
        raise RegistrationError(_("This invite code is for another event."), code="other_event")
    if code.expires_at and code.expires_at <= now:
        raise RegistrationError(
            _("This invite code expired (%(date)s).")
            % {"date": formats.date_format(timezone.localtime(code.expires_at), "DATETIME_FORMAT")},
            code="expired_code",
        )
    if uses >= code.max_uses:
        raise RegistrationError(_("This invite code has been used up."), code="code_used_up")


def normalize_email(email: str) -> str:
    """Emails are kept trimmed and in lower case, so that one person's two spellings are one registration."""
    return email.strip().lower()


def _has_seat(tier: TicketTier, state: ClaimState, code: InviteCode | None) -> str | None:
    """None when a seat is free for this claim, else the reason (``sold_out`` or ``capacity``)."""
    if tier.attendance == Attendance.ONLINE:
        return None
    capacity = state.capacity
    if code is not None and code.reserves_seats:
        # The code's own uses were checked; its seats were set aside within the capacity. Should the capacity have
        # shrunk below them since (a smaller room), it is still the limit: the seats left go first come.
        if capacity is not None and state.confirmed_in_person >= capacity:
            return "capacity"
        return None
    if tier.quota is not None and state.confirmed_in_tier >= tier.quota:
        return "sold_out"
    if capacity is not None and state.confirmed_in_person + state.reserved_for_codes >= capacity:
        return "capacity"
    return None


def register_attendee(
    *,
    event: Event,
    tier: TicketTier | None,
    details: AttendeeDetails,
    user=None,
    invite_code: str = "",
    join_waitlist: bool = False,
    source: str = "web",
    notify: bool = True,
    render: bool = True,
    by_organizers: bool = False,
) -> Registration:
    """Register someone for an event, or put them on the tier's waiting list when they ask to.

    ``notify=False`` sends no confirmation email; ``render=False`` leaves the ticket to be rendered when its owner
    first asks for it. ``by_organizers`` is for the lists organizers bring (a sponsor's guests, a partner
    community's members): any tier, outside its sale window, and after registration has closed — but never past
    a tier's seats or the event's capacity.
    """
    _check_lengths(details)
    # Looked up before the lock, which only protects its uses (counted under the lock): organizers edit codes
    # without taking it.
    # A pasted invisible character alone is no code.
    invite_code = invite_code if typed_code(invite_code) else ""
    code = _find_code(invite_code) if invite_code else None
    claim = dict(
        event=event,
        wanted_tier=code.tier_id if code is not None else getattr(tier, "pk", None),
        code=code,
        raw_code=invite_code,
        details=details,
        user=user,
        join_waitlist=join_waitlist,
        source=source,
        notify=notify,
        render=render,
        by_organizers=by_organizers,
    )
    try:
        return _claim(**claim, waiting_first=True)
    except _WaitingListFirst:
        # Seats freed without a promotion (a raised capacity, an expired reservation) go to those waiting, in a
        # transaction of its own: a refusal of this registration must not undo their promotion. Then this
        # registration counts again.
        promote_after_change(event=event)
        return _claim(**claim, waiting_first=False)


def _check_lengths(details: AttendeeDetails) -> None:
    """The form checks these; an import or another caller gets the same answer instead of a database error."""
    for name in ("name", "email", "company", "job_role", "phone"):
        field = Registration._meta.get_field(name)
        value = getattr(details, name) or ""
        if len(value.strip()) > field.max_length:
            raise RegistrationError(
                _("%(field)s: at most %(max)d characters (this one has %(length)d).")
                % {"field": capfirst(field.verbose_name), "max": field.max_length, "length": len(value.strip())},
                code="too_long",
            )


class _WaitingListFirst(Exception):
    """A seat is free while people wait for this tier: they are promoted before anyone new is let in."""


def _claim(
    *,
    event,
    wanted_tier,
    code,
    raw_code,
    details,
    user,
    join_waitlist,
    source,
    notify,
    render,
    by_organizers,
    waiting_first,
) -> Registration:
    try:
        # No savepoint around the insert: a unique-constraint error ends the whole transaction, which has
        # written nothing else, and the event lock with it.
        with transaction.atomic():
            _take_lock(event)
            now = timezone.now()
            # Everything the checks below need, in one statement: the lock is held until the commit.
            tier, state = claim_state(
                event, wanted_tier, now, email=normalize_email(details.email), user=user, code=code
            )
            open_to = (
                (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED) if by_organizers else (EventStatus.PUBLISHED,)
            )
            if state.event_status not in open_to:
                raise RegistrationError(_("Registration for this event is closed."), code="closed")
            if not details.privacy_accepted:
                raise RegistrationError(_("Please accept the privacy note to register."), code="privacy")
            if state.already_registered:
                raise AlreadyRegistered(_existing(event, details.email, user))
            if raw_code.strip():
                _check_code(code, raw_code, event, now, state.code_uses)
            if wanted_tier is None:
                raise RegistrationError(_("Choose a ticket."), code="no_tier")
            if tier is None:
                raise TicketTier.DoesNotExist("TicketTier matching query does not exist.")
            if tier.event_id != event.id:
                raise RegistrationError(_("This ticket tier belongs to another event."), code="other_event")
            if tier.visibility == TierVisibility.INVITE_ONLY and code is None and not by_organizers:
                raise RegistrationError(_("This ticket needs an invite code."), code="needs_code")
            if code is None and not by_organizers and not tier.on_sale(now):
                raise RegistrationError(_outside_window(tier, now), code="not_on_sale")

            status = RegistrationStatus.CONFIRMED
            shortage = _has_seat(tier, state, code)
            # Those waiting go first while the event lies ahead; once it has begun, a free seat is for whoever is
            # at the door (nobody is promoted any more, see promote_waiting_list).
            waiting_first_applies = state.someone_waiting and (event.start is None or event.start > now)
            if not shortage and not (code and code.reserves_seats) and waiting_first_applies:
                if waiting_first:
                    raise _WaitingListFirst
                shortage = "sold_out"  # the people in line go first
            if shortage:
                if not event.upcoming(now):
                    # Nobody is promoted once the event has begun: a waiting list would hold people for nothing.
                    raise _shortage_error(shortage, tier, state, waiting_list=False)
                if not join_waitlist:
                    # An organizers' list (an import) puts nobody on the waiting list: the message does not offer it.
                    raise _shortage_error(shortage, tier, state, waiting_list=not by_organizers)
                status = RegistrationStatus.WAITLISTED

            registration = _new_registration(
                event, tier, details, user=user, code=code, status=status, source=source, now=now, render=render
            )
            kind = "confirmed" if status == RegistrationStatus.CONFIRMED else "waitlisted"
            if notify:
                registration.email_owed, registration.email_owed_at = kind, now
            registration.save()
            _after_commit(registration, kind if notify else None, render=render)
    except IntegrityError:
        # The unique constraint caught a duplicate that raced past the check above.
        raise AlreadyRegistered(_existing(event, details.email, user)) from None
    return registration


def _new_registration(event, tier, details, *, user, code, status, source, now, render) -> Registration:
    return Registration(
        event=event,
        tier=tier,
        user=user,
        email=normalize_email(details.email),
        name=details.name.strip(),
        company=details.company.strip(),
        job_role=details.job_role.strip(),
        phone=details.phone.strip(),
        heard_from=details.heard_from,
        answers=details.answers,
        invite_code=code,
        status=status,
        source=source,
        holds_reserved_seat=bool(code and code.reserves_seats and status == RegistrationStatus.CONFIRMED),
        privacy_accepted_at=now,
        language=details.language,
        ticket_state=(
            TicketState.PENDING
            if status == RegistrationStatus.CONFIRMED and render and tier.attendance == Attendance.IN_PERSON
            else TicketState.NONE
        ),
        ticket_requested_at=now,
    )


class ListRefused(Exception):
    """Some people of an organizers' list cannot be registered: ``errors`` maps each one's place in the list to
    the reason. Nobody of the list was registered."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(f"{len(errors)} of the list could not be registered")
        self.errors = errors


def register_list(
    *, event: Event, people: list[tuple[TicketTier, AttendeeDetails]], notify: bool = True
) -> list[Registration]:
    """Register an organizers' list (an import: a sponsor's guests, a partner community's members) in one claim:
    everyone, or — with the reason for each one who cannot come in — no one (``ListRefused``).

    The rules are those of ``register_attendee`` with ``by_organizers``: any tier, outside its sale window, after
    registration has closed, never past a tier's seats or the event's capacity, nobody put on a waiting list;
    ``notify=False`` sends no confirmation emails (people already told elsewhere), their tickets still come. The
    event is locked once and its seats read once per tier, however long the list: claimed one by one in one
    transaction, each claim would read tallies rewritten by every claim before it, and a list of thousands would
    hold the event's lock, and every registration on the site, for minutes.
    """
    errors = {}
    for index, (_tier, details) in enumerate(people):
        try:
            _check_lengths(details)
        except RegistrationError as error:
            errors[index] = " ".join(error.messages)
    with transaction.atomic():
        _take_lock(event)
        now = timezone.now()
        tiers = {tier.pk for tier, _details in people}
        states = {tier_id: claim_state(event, tier_id, now) for tier_id in tiers}
        if any(state.someone_waiting for _tier, state in states.values()):
            # Seats freed without a promotion go to those waiting first, as before any registration.
            promote_waiting_list(event=event)
            states = {tier_id: claim_state(event, tier_id, now) for tier_id in tiers}
        taken = _registered_emails(event, [normalize_email(details.email) for _tier, details in people])
        registrations = []
        # The seats the rows above took count as taken: per tier, and in person for the event's capacity.
        added_in_tier, added_in_person = Counter(), 0
        for index, (wanted, details) in enumerate(people):
            tier, read = states[wanted.pk]
            if index in errors:
                continue
            state = replace(
                read,
                confirmed_in_tier=read.confirmed_in_tier + added_in_tier[wanted.pk],
                confirmed_in_person=read.confirmed_in_person + added_in_person,
            )
            if state.event_status not in (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED):
                errors[index] = _("Registration for this event is closed.")
                continue
            if tier is None or tier.event_id != event.id:
                errors[index] = _("This ticket tier belongs to another event.")
                continue
            if normalize_email(details.email) in taken:
                errors[index] = _("This email is already registered for this event.")
                continue
            shortage = _has_seat(tier, state, None)
            if not shortage and state.someone_waiting and (event.start is None or event.start > now):
                shortage = "sold_out"  # the people in line go first
            if shortage:
                errors[index] = " ".join(_shortage_error(shortage, tier, state, waiting_list=False).messages)
                continue
            registrations.append(
                _new_registration(
                    event,
                    tier,
                    details,
                    user=None,
                    code=None,
                    status=RegistrationStatus.CONFIRMED,
                    source="import",
                    now=now,
                    render=True,
                )
            )
            if notify:
                registrations[-1].email_owed, registrations[-1].email_owed_at = "confirmed", now
            added_in_tier[wanted.pk] += 1
            added_in_person += tier.attendance == Attendance.IN_PERSON
        if errors:
            raise ListRefused(errors)
        Registration.objects.bulk_create(registrations, batch_size=500)
        for registration in registrations:
            _after_commit(registration, "confirmed" if notify else None)
    return registrations


def _registered_emails(event: Event, emails: list[str]) -> set[str]:
    """Which of these emails (trimmed, in lower case) already have an active registration for the event, as the
    claim counts one person: the email itself, or an account that verified it."""
    active = Registration.objects.filter(event=event).exclude(status=RegistrationStatus.CANCELLED)
    taken = set()
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        taken |= set(active.filter(email__in=chunk).values_list("email", flat=True))
        # As the claim matches them (CLAIM_STATE_SQL); one account may have verified several of the emails.
        owners = list(EmailAddress.objects.filter(verified=True, email__in=chunk).values_list("user_id", "email"))
        registered = set(
            active.filter(user_id__in={user_id for user_id, _email in owners}).values_list("user_id", flat=True)
        )
        taken |= {email for user_id, email in owners if user_id in registered}
    return taken


def _shortage_error(shortage: str, tier: TicketTier, state: ClaimState, *, waiting_list: bool) -> RegistrationError:
    if shortage == "capacity":
        if waiting_list:
            message = _("The event is full: all %(capacity)s seats are taken. You can join the waiting list.")
        else:
            message = _("The event is full: all %(capacity)s seats are taken.")
        error = RegistrationError(message % {"capacity": state.capacity}, code="capacity")
    else:
        if waiting_list:
            message = _("“%(tier)s” is sold out. You can join the waiting list.")
        else:
            message = _("“%(tier)s” is sold out.")
        error = RegistrationError(message % {"tier": tier.display_name}, code="sold_out")
    error.offers_waiting_list = waiting_list
    return error


def _outside_window(tier: TicketTier, now) -> str:
    if tier.sale_starts and now < tier.sale_starts:
        return _("Sales for “%(tier)s” open later (%(date)s).") % {
            "tier": tier.display_name,
            "date": formats.date_format(timezone.localtime(tier.sale_starts), "DATETIME_FORMAT"),
        }
    return _("Sales for “%(tier)s” have ended.") % {"tier": tier.display_name}


def _after_commit(registration: Registration, email_kind: str | None, *, render: bool = True) -> None:
    """One background job per registration: render the ticket (if it has a seat), then send the email."""
    render = render and registration.has_door_ticket
    if render and registration.ticket_state != TicketState.PENDING:
        Registration.objects.filter(pk=registration.pk).update(
            ticket_state=TicketState.PENDING, ticket_error="", ticket_requested_at=timezone.now()
        )
        registration.ticket_state = TicketState.PENDING
    if render or email_kind:
        registration_id = registration.pk
        transaction.on_commit(lambda: _queue(registration_id, render, email_kind or ""))


def _queue(registration_id: int, render: bool, email_kind: str) -> None:
    """A failure to queue (a broker outage) never undoes the registration, and does not leave its ticket "being
    prepared" for ever: it is marked failed (the organizers may "Render the tickets again"; the schedule asks for
    it again within the hour, see ``request_stuck_tickets``), and its email stays owed for the schedule."""
    from ..tasks import prepare_registration

    try:
        prepare_registration.delay(registration_id, render, email_kind)
    except Exception as error:
        logger.exception("Could not queue the ticket and email of registration %s", registration_id)
        if render:
            _not_queued([registration_id], error)


NOT_QUEUED = "not queued:"


def _not_queued(ids: list[int], error: Exception) -> None:
    Registration.objects.filter(pk__in=ids, ticket_state=TicketState.PENDING).update(
        ticket_state=TicketState.FAILED, ticket_error=f"{NOT_QUEUED} {error}"[:500]
    )


# Tickets rendered again by one background job (a change of an event or a venue can touch thousands).
TICKETS_PER_JOB = 200


def request_tickets(*, registrations) -> int:
    """Render again the door tickets among ``registrations`` (a queryset), after a change of something they show:
    the event's time, place or title, the venue, the tier's name, the tour's name — for events that have not
    ended (a ticket of a past event is a keepsake, not a way in). Returns how many. The web request sends one
    message per ``TICKETS_PER_JOB`` tickets, not one per ticket."""
    ids = list(
        registrations.filter(status=RegistrationStatus.CONFIRMED, tier__attendance=Attendance.IN_PERSON)
        .exclude(event__end__lte=timezone.now())
        .values_list("pk", flat=True)
    )
    if ids:
        Registration.objects.filter(pk__in=ids).update(
            ticket_state=TicketState.PENDING, ticket_error="", ticket_requested_at=timezone.now()
        )
        batches = [ids[n : n + TICKETS_PER_JOB] for n in range(0, len(ids), TICKETS_PER_JOB)]
        transaction.on_commit(lambda: [_queue_tickets(batch) for batch in batches])
    return len(ids)


# A ticket asked for this long ago and still not ready never reached a worker (the web process stopped between
# its commit and the message, say): asked for again. Longer than any queue of renders waits on a busy day.
STUCK_AFTER = dt.timedelta(hours=1)


def request_stuck_tickets() -> int:
    """Ask again for the tickets that have been "being prepared" for longer than ``STUCK_AFTER``, and for those
    that could not be queued that long ago (the broker was down)."""
    stuck = Registration.objects.filter(
        Q(ticket_state=TicketState.PENDING) | Q(ticket_state=TicketState.FAILED, ticket_error__startswith=NOT_QUEUED)
    ).filter(Q(ticket_requested_at__lt=timezone.now() - STUCK_AFTER) | Q(ticket_requested_at__isnull=True))
    return request_tickets(registrations=stuck)


def _queue_tickets(ids: list[int]) -> None:
    from ..tasks import render_tickets

    try:
        render_tickets.delay(ids)
    except Exception as error:
        logger.exception("Could not queue the tickets %s", ids)
        _not_queued(ids, error)


def request_ticket(*, registration: Registration) -> None:
    """(Re-)render the ticket in the background once the current transaction commits."""
    registration.ticket_state = TicketState.NONE  # so that the row is marked pending
    _after_commit(registration, None)


# What the ticket shows of the registration itself (the rest comes from the event and the tier).
TICKET_FIELDS = frozenset({"name", "company"})


# What organizers correct on a registration; its status, seat, check-in and ticket change only through the
# services that claim, cancel, promote and check in.
ORGANIZER_FIELDS = frozenset({"name", "company", "job_role", "phone", "heard_from", "answers", "paid_at"})


@transaction.atomic
def save_registration(*, registration: Registration, changed) -> Registration:
    """Save an organizer's correction of a registration: only the fields they changed, onto the row as it is now
    (locked), so that a cancellation, a promotion or a check-in that happened meanwhile stays. A ticket that
    shows a changed detail is rendered again."""
    fields = sorted(ORGANIZER_FIELDS & set(changed))
    current = Registration.objects.select_for_update(of=("self",)).select_related("tier").get(pk=registration.pk)
    if not fields:
        return current
    for name in fields:
        setattr(current, name, getattr(registration, name))
    current.save(update_fields=fields)
    if current.status == RegistrationStatus.CONFIRMED and TICKET_FIELDS & set(fields):
        request_ticket(registration=current)
    return current


@transaction.atomic
def change_own_details(*, registration: Registration, details: AttendeeDetails) -> Registration:
    """An attendee corrects their own details before the event; a ticket that shows one of them is rendered
    again. Refused once the registration is cancelled or used at the door, or the event has begun."""
    _check_lengths(details)
    if not details.name.strip():
        raise RegistrationError(_("Your name cannot be empty."), code="no_name")
    # What an attendee may change of their own (the tier, the code and the email are the organizers').
    values = {
        "name": details.name.strip(),
        "company": details.company.strip(),
        "job_role": details.job_role.strip(),
        "phone": details.phone.strip(),
        "answers": details.answers,
    }
    # Read and written under a row lock, so that a cancellation or a check-in at this moment is seen here.
    # Only the registration's row (of="self"): the event's is locked by cancellations and promotions, which take
    # it first; taking both here in the other order could deadlock with them.
    current = Registration.objects.select_for_update(of=("self",)).select_related("event").get(pk=registration.pk)
    if not current.changeable_by_owner():
        raise RegistrationError(_("This registration can no longer be changed."), code="not_changeable")
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, values[name])
    current.full_clean(exclude=[field.name for field in Registration._meta.fields if field.name not in changed])
    current.save(update_fields=changed)
    if current.status == RegistrationStatus.CONFIRMED and TICKET_FIELDS & set(changed):
        request_ticket(registration=current)
    return current


def promote_waiting_list(*, event: Event, tier: TicketTier | None = None) -> list[Registration]:
    """Give freed seats to the people first in line. Call inside the transaction that holds the event lock.
    Once the event has begun (or is finished or cancelled) nobody is promoted: a seat freed then goes to whoever
    registers at the door, not to someone waiting who may not be there."""
    if not event.upcoming():
        return []
    promoted = []
    now = timezone.now()
    waiting = Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).select_related(
        "tier", "invite_code"
    )
    if tier is not None:
        waiting = waiting.filter(tier=tier)
    # Promoting only ever takes seats, so a tier found full stays full for the rest of the line (and a full event
    # for every in-person tier): one count per tier, not one per person waiting, while the lock is held.
    full_tiers, event_full = set(), False
    for registration in waiting.order_by("created_at", "id"):
        reserving = bool(registration.invite_code and registration.invite_code.reserves_seats)
        in_person = registration.tier.attendance == Attendance.IN_PERSON
        if not reserving and (registration.tier_id in full_tiers or (event_full and in_person)):
            continue
        _tier, state = claim_state(event, registration.tier_id, now)
        shortage = _has_seat(registration.tier, state, registration.invite_code)
        if shortage:
            full_tiers.add(registration.tier_id)
            event_full = event_full or shortage == "capacity"
            continue
        registration.status = RegistrationStatus.CONFIRMED
        registration.holds_reserved_seat = bool(registration.invite_code and registration.invite_code.reserves_seats)
        registration.ticket_state = TicketState.PENDING if registration.has_door_ticket else TicketState.NONE
        registration.ticket_requested_at = now
        registration.email_owed, registration.email_owed_at = "promoted", now
        registration.save(
            update_fields=[
                "status",
                "holds_reserved_seat",
                "ticket_state",
                "ticket_requested_at",
                "email_owed",
                "email_owed_at",
            ]
        )
        _after_commit(registration, "promoted")
        promoted.append(registration)
    return promoted


@transaction.atomic
def cancel_registration(*, registration: Registration, by_owner: bool = False) -> Registration:
    """The seat goes back to the tier, and to the first person waiting for it. Its owner (``by_owner``) cancels
    only before the event begins (leaves a waiting list until it ends); organizers at any time."""
    event = _lock_event(registration.event)
    registration = Registration.objects.select_related("tier").get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    registration.event = event
    if by_owner and not registration.cancellable_by_owner():
        raise RegistrationError(
            _("The registration can no longer be cancelled: the event has begun, is over or was called off."),
            code="begun",
        )
    # Conditional, like the check-in's own UPDATE: a ticket used at the door at this moment is not cancelled.
    cancelled = Registration.objects.filter(pk=registration.pk, checked_in_at__isnull=True).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    if not cancelled:
        raise RegistrationError(_("This ticket was already used at the door."), code="checked_in")
    registration.refresh_from_db()
    promote_waiting_list(event=event)
    # The ticket no longer admits anyone, and holds a name: its file goes once the cancellation is committed.
    transaction.on_commit(
        lambda: remove_rendered_file(Registration, registration.pk, "ticket_pdf", ticket_state=TicketState.NONE)
    )
    return registration


def delete_registrations(*, registrations) -> None:
    """Erase registrations for good (a test row, a request to erase someone's data): the rows, then — once that
    is committed — their ticket files; seats freed go to those waiting, as a cancellation's would."""
    registrations = list(registrations)
    events = {r.event_id: r.event for r in registrations}
    with transaction.atomic():
        # The events first, in one order, as a claim takes them: the delete updates the tiers' tallies, which a
        # claim holding its event's lock waits for; the other way round, the two would wait for each other.
        for event_id in sorted(events):
            _take_lock(events[event_id])
        # Locked, then read: a ticket stored a moment ago (its rendering holds the row while it stores) is seen.
        rows = Registration.objects.select_for_update(of=("self",)).filter(pk__in=[r.pk for r in registrations])
        files = [name for name in rows.values_list("ticket_pdf", flat=True) if name]
        rows.delete()
        transaction.on_commit(lambda: [private_storage.delete(name) for name in files])
    for event in events.values():
        promote_after_change(event=event)


@transaction.atomic
def save_tier(*, tier: TicketTier) -> TicketTier:
    """Create or change a tier; a raised quota promotes people from its waiting list at once."""
    event = _lock_event(tier.event)
    tier.full_clean()
    tier.save()
    promote_waiting_list(event=event, tier=tier)
    return tier


@transaction.atomic
def promote_after_change(*, event: Event) -> list[Registration]:
    """After organizers change quotas or the capacity: give any freed seats to the people waiting."""
    return promote_waiting_list(event=_lock_event(event))


@transaction.atomic
def mark_paid(*, registration: Registration) -> Registration:
    Registration.objects.filter(pk=registration.pk, paid_at__isnull=True).update(paid_at=timezone.now())
    registration.refresh_from_db()
    return registration


@transaction.atomic
def create_invite_codes(
    *,
    event: Event,
    tier: TicketTier,
    channel: str,
    count: int,
    label: str = "",
    max_uses: int = 1,
    expires_at=None,
    reserves_seats: bool = False,
) -> list[InviteCode]:
    """Create ``count`` codes alike; reserving codes must fit in the event's capacity."""
    event = _lock_event(event)
    if tier.event_id != event.id:
        raise ValidationError(_("This tier belongs to another event."))
    if not 1 <= count <= 1000:
        raise ValidationError(_("Create between 1 and 1000 codes at a time."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("This expiry has already passed: the codes would refuse everyone."))
    codes = [
        InviteCode(
            event=event,
            tier=tier,
            channel=channel,
            label=label,
            max_uses=max_uses,
            expires_at=expires_at,
            reserves_seats=reserves_seats,
        )
        for _i in range(count)
    ]
    for code in codes:
        code.full_clean(exclude=["code"])
    if reserves_seats:
        check_reservation(event=event, tier=tier, seats=count * max_uses)
    return InviteCode.objects.bulk_create(codes)


def check_reservation(*, event: Event, tier: TicketTier, seats: int) -> None:
    """Refuse to set ``seats`` aside when the event's capacity does not have them free."""
    if tier.attendance != Attendance.IN_PERSON or event.effective_capacity is None:
        return
    _tier, state = claim_state(event, tier.pk, timezone.now())
    held = state.confirmed_in_person + state.reserved_for_codes
    if held + seats > event.effective_capacity:
        raise ValidationError(
            _("Not enough free seats to reserve %(wanted)s: %(free)s of %(capacity)s are free.")
            % {"wanted": seats, "free": max(event.effective_capacity - held, 0), "capacity": event.effective_capacity}
        )


def _holds_seats(code: InviteCode, now) -> bool:
    return code.reserves_seats and (code.expires_at is None or code.expires_at > now)


def check_code_change(code: InviteCode) -> None:
    """A reserving code that had expired holds its unused seats again once its expiry moves later: refuse that
    when the event's capacity no longer has them free (they may have gone to the public meanwhile)."""
    now = timezone.now()
    before = InviteCode.objects.get(pk=code.pk)
    if _holds_seats(before, now) or not _holds_seats(code, now):
        return
    uses = code.registrations.filter(status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]).count()
    if code.max_uses > uses:
        check_reservation(event=code.event, tier=code.tier, seats=code.max_uses - uses)


@transaction.atomic
def save_invite_code(*, code: InviteCode) -> InviteCode:
    """Save an organizer's change to an existing code (who it is for, when it expires), checked under the
    event's lock so that no registration takes a seat the code is about to hold again."""
    event = _lock_event(code.event)
    check_code_change(code)
    code.save()
    # An earlier expiry gives seats back: to those waiting first.
    promote_waiting_list(event=event)
    return code


def promote_where_seats_may_have_freed(*, events=None) -> int:
    """Promote people waiting at upcoming events (all of them, or ``events``) whose seats may have freed without
    a change that promotes by itself: a reserving code that expired or was deleted, a venue made larger. Each
    event in a transaction of its own. Returns how many were promoted."""
    now = timezone.now()
    waiting = Event.objects.filter(
        status__in=[EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED],
        registrations__status=RegistrationStatus.WAITLISTED,
    ).filter(Q(start__isnull=True) | Q(start__gt=now))
    if events is not None:
        waiting = waiting.filter(pk__in=[event.pk for event in events])
    return sum(len(promote_after_change(event=event)) for event in waiting.distinct())


def registration_figures(event: Event) -> dict:
    """Counts for the organizers: in person and online apart, per tier and per channel."""
    active = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
    totals = active.aggregate(
        in_person=Count("id", filter=Q(tier__attendance=Attendance.IN_PERSON)),
        online=Count("id", filter=Q(tier__attendance=Attendance.ONLINE)),
        checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
    )
    waiting = Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).count()
    per_tier = list(
        event.tiers.annotate(
            registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            came=Count(
                "registrations",
                filter=Q(
                    registrations__checked_in_at__isnull=False, registrations__status=RegistrationStatus.CONFIRMED
                ),
            ),
            waiting=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        ).order_by("position", "id")
    )
    labels = dict(InviteChannel.choices)
    per_channel = [
        {
            **row,
            "channel": row["invite_code__channel"] or "public",
            "label": labels.get(row["invite_code__channel"], _("Public registration")),
        }
        # Seats: who registered for one and who came (online registrants are counted apart, above).
        for row in active.filter(tier__attendance=Attendance.IN_PERSON)
        .values("invite_code__channel")
        .annotate(registered=Count("id"), came=Count("id", filter=Q(checked_in_at__isnull=False)))
        .order_by("invite_code__channel")
    ]
    # A channel that was given codes and brought nobody yet is a figure too: 0.
    counted = {row["channel"] for row in per_channel}
    issued = set(
        InviteCode.objects.filter(event=event, tier__attendance=Attendance.IN_PERSON).values_list("channel", flat=True)
    )
    per_channel += [
        {"invite_code__channel": channel, "channel": channel, "label": labels[channel], "registered": 0, "came": 0}
        for channel in issued - counted
    ]
    order = ["public", *labels]
    per_channel.sort(key=lambda row: order.index(row["channel"]) if row["channel"] in order else len(order))
    _no_tier, state = claim_state(event, None, timezone.now())
    return {
        **totals,
        "waiting": waiting,
        "per_tier": per_tier,
        "per_channel": per_channel,
        "capacity": event.effective_capacity,
        # Seats set aside for reserving invite codes not used yet: taken, as far as anyone else is concerned.
        "reserved": state.reserved_for_codes,
    }
