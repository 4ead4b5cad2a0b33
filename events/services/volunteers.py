"""Volunteers: signing up, the organizers' decision, shifts without overlaps, and attendance per shift.

A volunteer with a check-in shift may use the event's check-in page: assigning the shift adds them to the event's
check-in helpers, and taking their last check-in shift away removes them again (unless an organizer added them by
hand).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..models import (
    CheckInStaff,
    Event,
    EventStatus,
    Shift,
    ShiftAssignment,
    ShiftAttendance,
    VolunteerApplication,
    VolunteerRole,
    VolunteerStatus,
)
from ..selectors import organizes_event

# Volunteers sign up for announced events that have not happened yet.
SIGN_UP_STATUSES = (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED)


class VolunteerError(ValidationError):
    """A refusal with a translated message."""


@dataclass
class VolunteerDetails:
    name: str
    roles: list[str]
    availability: str
    phone: str = ""
    wechat: str = ""
    experience: str = ""
    language: str = "zh-hans"


def _require_organizer(user, event: Event) -> None:
    if not organizes_event(user, event):
        raise VolunteerError(_("Only the organizers of this event can do that."), code="not_organizer")


def sign_up_volunteer(*, event: Event, user, details: VolunteerDetails) -> VolunteerApplication:
    """Offer to help at an event; the organizers decide."""
    if event.status not in SIGN_UP_STATUSES or event.is_over:
        raise VolunteerError(_("This event is not looking for volunteers."), code="closed")
    roles = [role for role in dict.fromkeys(details.roles) if role in VolunteerRole.values]
    if not roles:
        raise VolunteerError(_("Choose at least one role you would like to take on."), code="no_role")
    if not (details.phone.strip() or details.wechat.strip()):
        raise VolunteerError(_("Give a phone number or a WeChat ID so the organizers can reach you."), code="contact")
    fields = {
        "name": details.name.strip(),
        "roles": roles,
        "availability": details.availability.strip(),
        "phone": details.phone.strip(),
        "wechat": details.wechat.strip(),
        "experience": details.experience.strip(),
        "language": details.language,
    }
    try:
        with transaction.atomic():
            earlier = VolunteerApplication.objects.select_for_update().filter(event=event, user=user).first()
            if earlier is None:
                return VolunteerApplication.objects.create(event=event, user=user, **fields)
            if earlier.status != VolunteerStatus.WITHDRAWN:
                raise VolunteerError(_("You have already signed up to volunteer at this event."), code="duplicate")
            # Someone who stepped back may offer again: the organizers decide anew.
            for name, value in {**fields, "status": VolunteerStatus.PENDING, "decided_by": None}.items():
                setattr(earlier, name, value)
            earlier.decided_at = None
            earlier.save()
            return earlier
    except IntegrityError:  # a second sign-up that raced the first
        raise VolunteerError(_("You have already signed up to volunteer at this event."), code="duplicate") from None


def _send_decision(application: VolunteerApplication) -> None:
    from ..tasks import send_volunteer_email

    application_id, kind = application.pk, application.status
    transaction.on_commit(lambda: send_volunteer_email.delay(application_id, kind), robust=True)


@transaction.atomic
def decide_volunteer(*, application: VolunteerApplication, approve: bool, by) -> VolunteerApplication:
    """Approve or decline a volunteer and tell them by email; declining an approved volunteer frees their shifts."""
    application = VolunteerApplication.objects.select_for_update().select_related("event").get(pk=application.pk)
    _require_organizer(by, application.event)
    new_status = VolunteerStatus.APPROVED if approve else VolunteerStatus.DECLINED
    if application.status == VolunteerStatus.WITHDRAWN:
        raise VolunteerError(_("%(name)s has withdrawn.") % {"name": application.name}, code="withdrawn")
    if application.status == new_status:
        return application  # deciding the same twice sends no second email
    event = application.event
    if approve and (event.status not in SIGN_UP_STATUSES or event.is_over):
        raise VolunteerError(_("This event is not looking for volunteers."), code="closed")
    if new_status == VolunteerStatus.DECLINED:
        _keep_the_record(event)
        _release_all_shifts(application)
    application.status = new_status
    application.decided_by = by
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_by", "decided_at"])
    _send_decision(application)
    return application


@transaction.atomic
def withdraw_volunteering(*, application: VolunteerApplication) -> VolunteerApplication:
    """The volunteer steps back; their shifts are freed for others."""
    application = VolunteerApplication.objects.select_for_update().select_related("event").get(pk=application.pk)
    if application.status in (VolunteerStatus.WITHDRAWN, VolunteerStatus.DECLINED):
        return application
    if application.event.is_over:
        raise VolunteerError(_("This event is over; there is nothing to step back from."), code="over")
    _release_all_shifts(application)
    application.status = VolunteerStatus.WITHDRAWN
    application.save(update_fields=["status"])
    return application


def _keep_the_record(event: Event) -> None:
    """After the event, its shifts and their attendance are the record of who did what (and earn certificates):
    nobody is taken off them any more."""
    if event.is_over:
        raise VolunteerError(
            _("This event is over: its shifts and their attendance stay as the record of who helped."), code="over"
        )


def _lock_person(user_id: int) -> None:
    """Serialize the changes to one person's shifts (at any event): lock their sign-ups, in id order."""
    list(VolunteerApplication.objects.select_for_update().filter(user_id=user_id).order_by("id").values_list("id"))


def _when(shift: Shift) -> str:
    start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
    return f"{formats.date_format(start, 'Y-m-d H:i')}–{formats.time_format(end, 'H:i')}"


@transaction.atomic
def assign_shift(*, shift: Shift, application: VolunteerApplication, by) -> ShiftAssignment:
    """Give an approved volunteer a shift, if it still needs people and overlaps none of theirs (at any event)."""
    # Lock the person and then the shift: two organizers assigning the same person, or the last place of a shift,
    # at the same moment are served one after the other.
    _lock_person(application.user_id)
    shift = Shift.objects.select_for_update().select_related("event").get(pk=shift.pk)
    application.refresh_from_db()
    _require_organizer(by, shift.event)
    if application.event_id != shift.event_id:
        raise VolunteerError(_("This volunteer signed up for another event."), code="other_event")
    if application.status != VolunteerStatus.APPROVED:
        raise VolunteerError(
            _("%(name)s is not an approved volunteer of this event.") % {"name": application.name}, code="not_approved"
        )
    if shift.assignments.filter(volunteer=application).exists():
        raise VolunteerError(_("This volunteer already has this shift."), code="duplicate")
    if shift.assignments.count() >= shift.head_count:
        raise VolunteerError(
            _("This shift already has the %(count)s people it needs.") % {"count": shift.head_count}, code="full"
        )
    clash = (
        ShiftAssignment.objects.filter(
            volunteer__user_id=application.user_id, shift__start__lt=shift.end, shift__end__gt=shift.start
        )
        .select_related("shift")
        .first()
    )
    if clash is not None:
        raise VolunteerError(
            _("%(name)s already has an overlapping shift: %(role)s, %(when)s.")
            % {"name": application.name, "role": clash.shift.get_role_display(), "when": _when(clash.shift)},
            code="overlap",
        )
    assignment = ShiftAssignment.objects.create(shift=shift, volunteer=application)
    if shift.role == VolunteerRole.CHECK_IN:
        CheckInStaff.objects.get_or_create(
            event_id=shift.event_id, user_id=application.user_id, defaults={"from_shifts": True}
        )
    return assignment


def _release(assignment: ShiftAssignment) -> None:
    shift = assignment.shift
    assignment.delete()
    if shift.role != VolunteerRole.CHECK_IN:
        return
    user_id = assignment.volunteer.user_id
    still_checking_in = ShiftAssignment.objects.filter(
        shift__event_id=shift.event_id, shift__role=VolunteerRole.CHECK_IN, volunteer__user_id=user_id
    ).exists()
    if not still_checking_in:
        CheckInStaff.objects.filter(event_id=shift.event_id, user_id=user_id, from_shifts=True).delete()


def _release_all_shifts(application: VolunteerApplication) -> None:
    """Free the shifts still to come; those already started stay, with their attendance, as the record of who
    helped. Check-in access that came from shifts ends with the volunteering."""
    now = timezone.now()
    for assignment in application.assignments.select_related("shift", "volunteer").filter(shift__start__gt=now):
        _release(assignment)
    CheckInStaff.objects.filter(event_id=application.event_id, user_id=application.user_id, from_shifts=True).delete()


def _keep_the_started_shift(shift: Shift) -> None:
    """A shift that has started is the record of who helped (and earns certificates): nobody is taken off it."""
    if shift.start <= timezone.now():
        raise VolunteerError(
            _("This shift has started: it stays, with its attendance, as the record of who helped."), code="started"
        )


def _locked_assignment(assignment: ShiftAssignment) -> ShiftAssignment:
    _lock_person(assignment.volunteer.user_id)
    locked = (
        ShiftAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__event", "volunteer")
        .filter(pk=assignment.pk)
        .first()
    )
    if locked is None:
        raise VolunteerError(_("This volunteer is no longer on that shift."), code="gone")
    return locked


@transaction.atomic
def unassign_shift(*, assignment: ShiftAssignment, by) -> None:
    assignment = _locked_assignment(assignment)
    _require_organizer(by, assignment.shift.event)
    _keep_the_record(assignment.shift.event)
    _keep_the_started_shift(assignment.shift)
    _release(assignment)


@transaction.atomic
def mark_attendance(*, assignment: ShiftAssignment, attendance: str, by) -> ShiftAssignment:
    """Record whether the volunteer came to their shift (this is what their honor certificate rests on)."""
    assignment = _locked_assignment(assignment)
    _require_organizer(by, assignment.shift.event)
    if attendance not in ShiftAttendance.values:
        raise VolunteerError(_("Unknown attendance."), code="bad_value")
    if attendance != ShiftAttendance.UNKNOWN and assignment.shift.start > timezone.now():
        raise VolunteerError(_("Attendance can be marked once the shift has started."), code="too_early")
    assignment.attendance = attendance
    assignment.marked_by = by
    assignment.save(update_fields=["attendance", "marked_by"])
    return assignment


def check_shift(shift: Shift) -> None:
    """A shift is on the event's days (or the day before, for setting up) and has room for the people already on
    it; a shift with people on it keeps its role and times."""
    event = Event.objects.get(pk=shift.event_id)
    errors = {}
    if event.start and event.end:
        first_day = timezone.localtime(event.start).date()
        last_day = timezone.localtime(event.end).date()
        start_day = timezone.localtime(shift.start).date()
        end_day = timezone.localtime(shift.end).date()
        if not (first_day - dt.timedelta(days=1) <= start_day <= end_day <= last_day):
            errors["start"] = _("A shift must be on the event's day or the day before it (for setting up).")
    if shift.pk:
        previous = Shift.objects.get(pk=shift.pk)
        assigned = previous.assignments.count()
        if shift.head_count < assigned:
            errors["head_count"] = _("%(count)s volunteers already have this shift; unassign some first.") % {
                "count": assigned
            }
        if assigned and previous.event_id != shift.event_id:
            errors["event"] = _("Unassign this shift's volunteers before moving it to another event.")
        elif assigned and (previous.role, previous.start, previous.end) != (shift.role, shift.start, shift.end):
            errors["role" if previous.role != shift.role else "start"] = _(
                "Unassign this shift's volunteers before changing its role or its times."
            )
    if errors:
        raise VolunteerError(errors)


@transaction.atomic
def save_shift(*, shift: Shift, by) -> Shift:
    _require_organizer(by, Event.objects.get(pk=shift.event_id))
    if shift.pk:
        Shift.objects.select_for_update().filter(pk=shift.pk).first()  # no assignment slips in meanwhile
    shift.full_clean()
    check_shift(shift)
    shift.save()
    return shift


@transaction.atomic
def delete_shift(*, shift: Shift, by) -> None:
    """Delete a shift; its volunteers are taken off it first (and lose the check-in access it gave them)."""
    shift = Shift.objects.select_for_update().select_related("event").get(pk=shift.pk)
    _require_organizer(by, shift.event)
    assignments = list(shift.assignments.select_related("shift", "volunteer"))
    if assignments:
        _keep_the_record(shift.event)
        _keep_the_started_shift(shift)
    for assignment in assignments:
        _release(assignment)
    shift.delete()
