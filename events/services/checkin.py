"""At the door: who may check people in, finding a registration, and checking it in exactly once."""

from dataclasses import dataclass

from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from citytour.phones import phone_digits

from ..models import Attendance, CheckInStaff, Event, EventStatus, Registration, RegistrationStatus, typed_code
from ..selectors import organizes_event


def can_check_in(user, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    if organizes_event(user, event):
        return True
    return CheckInStaff.objects.filter(event=event, user=user).exists()


@dataclass
class CheckInResult:
    ok: bool
    message: str
    registration: Registration | None = None

    def as_json(self) -> dict:
        registration = self.registration
        return {
            "ok": self.ok,
            "message": self.message,
            "unknown": registration is None,
            "name": registration.name if registration else "",
            "tier": registration.tier.display_name if registration else "",
            "company": registration.company if registration else "",
            "checked_in_at": timezone.localtime(registration.checked_in_at).strftime("%H:%M:%S")
            if registration and registration.checked_in_at
            else "",
        }


def as_ticket_code(value: str) -> str:
    """A ticket code as typed at the door (see ``typed_code``); dashes between its groups go too."""
    return typed_code(value).replace("-", "")


def _find(value: str) -> Registration | None:
    value = value.replace("\x00", "").strip()
    if not value:
        return None
    return (
        Registration.objects.select_related("tier", "event__city", "checked_in_by", "invite_code")
        .filter(Q(ticket_secret=value) | Q(ticket_code=as_ticket_code(value)))
        .first()
    )


def check_in(*, event: Event, value: str, by) -> CheckInResult:
    """Check a ticket (its QR secret or typed code) in at this event: once, and only here."""
    registration = _find(value)
    if registration is None:
        return CheckInResult(False, _("Unknown ticket."))
    if registration.event_id != event.id:
        return CheckInResult(
            False, _("This ticket is for another event: %(event)s.") % {"event": registration.event.display_title}, None
        )
    if event.status == EventStatus.CANCELLED:
        return CheckInResult(False, _("This event has been cancelled: its tickets are no longer valid."), registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return CheckInResult(False, _("This registration was cancelled."), registration)
    if registration.status == RegistrationStatus.WAITLISTED:
        return CheckInResult(False, _("On the waiting list: no seat yet."), registration)
    if registration.tier.attendance == Attendance.ONLINE:
        return CheckInResult(False, _("An online registration: it has no seat at the venue."), registration)
    # One conditional UPDATE: of two scans at once, or a scan racing a cancellation, exactly one wins.
    claimed = Registration.objects.filter(
        pk=registration.pk, checked_in_at__isnull=True, status=RegistrationStatus.CONFIRMED
    ).update(checked_in_at=timezone.now(), checked_in_by=by)
    registration.refresh_from_db(fields=["checked_in_at", "checked_in_by", "status"])
    if not claimed and registration.status == RegistrationStatus.CANCELLED:
        return CheckInResult(False, _("This registration was cancelled."), registration)
    if not claimed:
        who = registration.checked_in_by
        return CheckInResult(
            False,
            _("Already checked in at %(time)s by %(who)s.")
            % {
                "time": formats_time(registration.checked_in_at),
                "who": (who.get_full_name() or who.email) if who else _("someone"),
            },
            registration,
        )
    message = _("Welcome, %(name)s!") % {"name": registration.name}
    if registration.owes_payment:
        message += " " + _("Not paid yet: %(price)s CNY.") % {"price": registration.tier.price}
    return CheckInResult(True, message, registration)


def formats_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


SEARCH_LIMIT = 20


def search_registrations(*, event: Event, query: str, limit: int = SEARCH_LIMIT) -> list[Registration]:
    """Who matches a name, email, phone number or ticket code, by name: at most ``limit`` and one more, which
    tells the page that there are more than it shows."""
    query = query.replace("\x00", "").strip()
    # One Latin letter or digit matches too much to be useful; one Chinese character is a surname (王, 李).
    if not query or (len(query) < 2 and query.isascii()):
        return []
    match = Q(name__icontains=query) | Q(email__icontains=query) | Q(phone__contains=query)
    digits = phone_digits(query)
    if digits:
        match |= Q(phone_digits__contains=digits)
    return list(
        Registration.objects.filter(event=event)
        .annotate(phone_digits=_digits_of("phone"))
        .filter(match | Q(ticket_code=as_ticket_code(query)))
        .select_related("tier")
        .order_by("name", "pk")[: limit + 1]
    )


# How a phone number stored before the forms kept one spelling may be written: "138 0000 1234", "138-0000-1234",
# "+86 13800001234", "(0755) 8765-4321".
PHONE_SEPARATORS = (" ", "-", "+", "(", ")", ".", "\u3000")


def _digits_of(field: str):
    """The field's digits alone, computed by the database."""
    expression = F(field)
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression
