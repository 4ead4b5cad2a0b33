"""Registration: claiming seats under a lock, the waiting list, cancelling, and checking in at the door.

Every claim on a limited thing (a tier's seats, the event's capacity, an invite code's uses, a reserved seat)
happens inside one transaction that first locks the event row, so two requests can never both take the last
seat: on PostgreSQL the second waits for the first to commit and then counts again.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

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
)


class RegistrationError(ValidationError):
    """A refusal with a translated message; ``code`` says which (``sold_out``, ``duplicate`` …)."""


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


def _existing(event: Event, email: str, user) -> Registration | None:
    match = Q(email__iexact=email)
    if user is not None:
        match |= Q(user=user)
    return Registration.objects.filter(match, ACTIVE, event=event).select_related("tier").first()


def _resolve_code(event: Event, raw_code: str, now) -> InviteCode:
    code = InviteCode.objects.select_related("tier").filter(code=raw_code.strip().upper()).first()
    if code is None:
        raise RegistrationError(_("There is no invite code “%(code)s”.") % {"code": raw_code}, code="bad_code")
    if code.event_id != event.id:
        raise RegistrationError(_("This invite code is for another event."), code="other_event")
    if code.expires_at and code.expires_at <= now:
        raise RegistrationError(
            _("This invite code expired on %(date)s.")
            % {"date": formats.date_format(timezone.localtime(code.expires_at), "DATETIME_FORMAT")},
            code="expired_code",
        )
    used = code.registrations.filter(ACTIVE).count()
    if used >= code.max_uses:
        raise RegistrationError(_("This invite code has been used up."), code="code_used_up")
    return code


def _confirmed_in_person(event: Event) -> int:
    return Registration.objects.filter(
        event=event, status=RegistrationStatus.CONFIRMED, tier__attendance=Attendance.IN_PERSON
    ).count()


def _unused_reserved_seats(event: Event, now, *, except_code: InviteCode | None = None) -> int:
    """Seats that reserving invite codes still hold for their channels (expired codes hold none)."""
    codes = InviteCode.objects.filter(event=event, reserves_seats=True, tier__attendance=Attendance.IN_PERSON).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if except_code is not None:
        codes = codes.exclude(pk=except_code.pk)
    codes = codes.annotate(used=Count("registrations", filter=Q(registrations__status__in=["confirmed", "waitlisted"])))
    return sum(max(code.max_uses - code.used, 0) for code in codes)


def _has_seat(event: Event, tier: TicketTier, code: InviteCode | None, now) -> str | None:
    """None when a seat is free for this claim, else the reason (``sold_out`` or ``capacity``)."""
    if tier.attendance == Attendance.ONLINE:
        return None
    capacity = event.effective_capacity
    if code is not None and code.reserves_seats:
        # The code's own uses were checked; its seats were set aside within the capacity.
        return None
    taken = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).aggregate(
        in_person=Count("id", filter=Q(tier__attendance=Attendance.IN_PERSON)),
        in_tier=Count("id", filter=Q(tier=tier, holds_reserved_seat=False)),
    )
    if tier.quota is not None and taken["in_tier"] >= tier.quota:
        return "sold_out"
    if capacity is not None and taken["in_person"] + _unused_reserved_seats(event, now) >= capacity:
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
) -> Registration:
    """Register someone for an event, or put them on the tier's waiting list when they ask to.

    ``notify=False`` sends no confirmation email; ``render=False`` leaves the ticket to be rendered when its owner
    first asks for it (for bulk imports).
    """
    if tier is not None and Registration.objects.filter(tier=tier, status=RegistrationStatus.WAITLISTED).exists():
        # Seats freed since the last promotion (a raised capacity, an expired reservation) go to those waiting,
        # in a transaction of its own: a refusal below must not undo their promotion.
        promote_after_change(event=event)
    with transaction.atomic():
        event = _lock_event(event)
        now = timezone.now()
        if event.status != EventStatus.PUBLISHED:
            raise RegistrationError(_("Registration for this event is closed."), code="closed")
        if not details.privacy_accepted:
            raise RegistrationError(_("Please accept the privacy note to register."), code="privacy")
        existing = _existing(event, details.email, user)
        if existing is not None:
            raise AlreadyRegistered(existing)
        code = _resolve_code(event, invite_code, now) if invite_code.strip() else None
        if code is not None:
            tier = code.tier
        if tier is None:
            raise RegistrationError(_("Choose a ticket."), code="no_tier")
        tier = TicketTier.objects.get(pk=tier.pk)
        if tier.event_id != event.id:
            raise RegistrationError(_("This ticket tier belongs to another event."), code="other_event")
        if tier.visibility == TierVisibility.INVITE_ONLY and code is None:
            raise RegistrationError(_("This ticket needs an invite code."), code="needs_code")
        if code is None and not tier.on_sale(now):
            raise RegistrationError(_outside_window(tier, now), code="not_on_sale")

        status = RegistrationStatus.CONFIRMED
        shortage = _has_seat(event, tier, code, now)
        if not shortage and not (code and code.reserves_seats) and _others_waiting(tier):
            shortage = "sold_out"  # the people in line go first
        if shortage:
            if not join_waitlist:
                if shortage == "capacity":
                    raise RegistrationError(
                        _("The event is full: all %(capacity)s seats are taken. You can join the waiting list.")
                        % {"capacity": event.effective_capacity},
                        code="capacity",
                    )
                raise RegistrationError(
                    _("“%(tier)s” is sold out. You can join the waiting list.") % {"tier": tier.display_name},
                    code="sold_out",
                )
            status = RegistrationStatus.WAITLISTED

        registration = Registration(
            event=event,
            tier=tier,
            user=user,
            email=details.email.strip().lower(),
            name=details.name.strip(),
            company=details.company,
            job_role=details.job_role,
            phone=details.phone,
            heard_from=details.heard_from,
            answers=details.answers,
            invite_code=code,
            status=status,
            source=source,
            holds_reserved_seat=bool(code and code.reserves_seats and status == RegistrationStatus.CONFIRMED),
            privacy_accepted_at=now,
            language=details.language,
            ticket_state=TicketState.PENDING if status == RegistrationStatus.CONFIRMED and render else TicketState.NONE,
        )
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            # The unique constraint caught a duplicate that raced past the check above.
            raise AlreadyRegistered(_existing(event, details.email, user)) from None
        kind = "confirmed" if status == RegistrationStatus.CONFIRMED else "waitlisted"
        _after_commit(registration, kind if notify else None, render=render)
        return registration


def _others_waiting(tier: TicketTier) -> bool:
    return Registration.objects.filter(tier=tier, status=RegistrationStatus.WAITLISTED).exists()


def _outside_window(tier: TicketTier, now) -> str:
    if tier.sale_starts and now < tier.sale_starts:
        return _("Sales for “%(tier)s” open on %(date)s.") % {
            "tier": tier.display_name,
            "date": formats.date_format(timezone.localtime(tier.sale_starts), "DATETIME_FORMAT"),
        }
    return _("Sales for “%(tier)s” have ended.") % {"tier": tier.display_name}


def _after_commit(registration: Registration, email_kind: str | None, *, render: bool = True) -> None:
    """One background job per registration: render the ticket (if it has a seat), then send the email."""
    from ..tasks import prepare_registration

    render = render and registration.status == RegistrationStatus.CONFIRMED
    if render and registration.ticket_state != TicketState.PENDING:
        Registration.objects.filter(pk=registration.pk).update(ticket_state=TicketState.PENDING, ticket_error="")
        registration.ticket_state = TicketState.PENDING
    if render or email_kind:
        registration_id = registration.pk
        # robust: a failure to queue (or, without a broker, to render) is logged and never undoes the registration.
        transaction.on_commit(
            lambda: prepare_registration.delay(registration_id, render, email_kind or ""), robust=True
        )


def request_ticket(*, registration: Registration) -> None:
    """(Re-)render the ticket in the background once the current transaction commits."""
    registration.ticket_state = TicketState.NONE  # so that the row is marked pending
    _after_commit(registration, None)


def promote_waiting_list(*, event: Event, tier: TicketTier | None = None) -> list[Registration]:
    """Give freed seats to the people first in line. Call inside the transaction that holds the event lock."""
    promoted = []
    now = timezone.now()
    waiting = Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).select_related(
        "tier", "invite_code"
    )
    if tier is not None:
        waiting = waiting.filter(tier=tier)
    for registration in waiting.order_by("created_at", "id"):
        if _has_seat(event, registration.tier, registration.invite_code, now):
            continue
        registration.status = RegistrationStatus.CONFIRMED
        registration.holds_reserved_seat = bool(registration.invite_code and registration.invite_code.reserves_seats)
        registration.ticket_state = TicketState.PENDING
        registration.save(update_fields=["status", "holds_reserved_seat", "ticket_state"])
        _after_commit(registration, "promoted")
        promoted.append(registration)
    return promoted


@transaction.atomic
def cancel_registration(*, registration: Registration) -> Registration:
    """The seat goes back to the tier, and to the first person waiting for it."""
    event = _lock_event(registration.event)
    registration = Registration.objects.select_related("tier").get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    # Conditional, like the check-in's own UPDATE: a ticket used at the door at this moment is not cancelled.
    cancelled = Registration.objects.filter(pk=registration.pk, checked_in_at__isnull=True).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    if not cancelled:
        raise RegistrationError(_("This ticket was already used at the door."), code="checked_in")
    registration.refresh_from_db()
    promote_waiting_list(event=event)
    return registration


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
    held = _confirmed_in_person(event) + _unused_reserved_seats(event, timezone.now())
    if held + seats > event.effective_capacity:
        raise ValidationError(
            _("Not enough free seats to reserve %(wanted)s: %(free)s of %(capacity)s are free.")
            % {"wanted": seats, "free": max(event.effective_capacity - held, 0), "capacity": event.effective_capacity}
        )


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
            "label": labels.get(row["invite_code__channel"], _("public")),
        }
        for row in active.values("invite_code__channel")
        .annotate(registered=Count("id"), came=Count("id", filter=Q(checked_in_at__isnull=False)))
        .order_by("invite_code__channel")
    ]
    return {
        **totals,
        "waiting": waiting,
        "per_tier": per_tier,
        "per_channel": per_channel,
        "capacity": event.effective_capacity,
    }
