"""Writes to tours, city teams and events."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import (
    ANNOUNCED_STATUSES,
    STATUS_TRANSITIONS,
    CityTeamMember,
    Event,
    EventStatus,
    PosterState,
    Registration,
    Tour,
)
from .organizing import redate_checklist, start_checklist_template
from .registrations import request_tickets

User = get_user_model()
logger = logging.getLogger(__name__)
NOTICES = "cancellation_notices_at"

# A change to any of these fields makes the event's poster out of date.
POSTER_FIELDS = ("title", "title_en", "slug", "start", "end", "venue_id", "city_id", "tour_id", "status")


def _poster_inputs(event: Event) -> tuple:
    return tuple(getattr(event, field) for field in POSTER_FIELDS)


# What a ticket shows of its event (the rest comes from the registration, its tier and the venue).
EVENT_TICKET_FIELDS = ("title", "title_en", "start", "end", "venue_id", "city_id")


def _ticket_inputs(event: Event) -> tuple:
    return tuple(getattr(event, field) for field in EVENT_TICKET_FIELDS)


def _unique_slug(event: Event) -> str:
    base = slugify(event.city.slug if event.city_id else "") or "event"
    if event.start:
        base = f"{base}-{event.local_date:%Y%m%d}"
    taken = set(Event.objects.filter(tour_id=event.tour_id).exclude(pk=event.pk).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def save_event(*, event: Event) -> Event:
    """Validate and save an event (new or changed); re-render its poster when what it shows has changed."""
    # Lock the tour row: two organizers saving events of the same city at once cannot both pass the
    # one-event-per-city-per-day check.
    Tour.objects.select_for_update().filter(pk=event.tour_id).first()
    previous = Event.objects.filter(pk=event.pk).first() if event.pk else None
    if not event.slug:
        event.slug = _unique_slug(event)
    event.full_clean()
    needs_poster = (event.status in ANNOUNCED_STATUSES or bool(event.poster)) and (
        previous is None or _poster_inputs(previous) != _poster_inputs(event) or event.poster_state != "ready"
    )  # an event no longer announced has its poster taken down by the same job
    if needs_poster:
        event.poster_state = PosterState.PENDING
        event.poster_error = ""
    newly_cancelled = (
        previous is not None and previous.status != EventStatus.CANCELLED and event.status == EventStatus.CANCELLED
    )
    if previous is None or newly_cancelled:
        if newly_cancelled:
            event.cancellation_notices_at = None  # owed until they go out (the schedule asks again if they fail)
            # Told of an earlier cancellation (the event came back as a draft since): told of this one too.
            event.registrations.exclude(cancellation_notice_at=None).update(cancellation_notice_at=None)
        event.save()
    else:
        # Whether the notices went out is the notices' own business: a copy of the event loaded before they did
        # must not mark them owed again.
        event.save(update_fields=[f.name for f in Event._meta.concrete_fields if f.name not in ("id", NOTICES)])
    event._stored_status = event.status
    if previous is not None and previous.local_date and previous.local_date != event.local_date:
        redate_checklist(event=event, previous_day=previous.local_date)
    # How many tickets this save has rendered again (the admin says so, and does not ask twice for them).
    event.tickets_requested = 0
    if previous is not None and _ticket_inputs(previous) != _ticket_inputs(event):
        # Tickets in people's phones would show the old time or place: they are rendered again.
        event.tickets_requested = request_tickets(registrations=event.registrations.all())
    if previous is not None and previous.start and previous.start != event.start:
        # A reminder sent for the old time says nothing of the new one: the day before the new one, it goes again.
        event.registrations.exclude(reminder_sent_at=None).update(reminder_sent_at=None)
    if needs_poster:
        request_poster(event=event)
    if (
        previous is not None
        and event.livestream_url
        and event.livestream_url != previous.livestream_url
        and event.status in ANNOUNCED_STATUSES
    ):
        # Those watching online get the new link at once (a reminder may have gone, or not be coming).
        event_id, url = event.pk, event.livestream_url
        transaction.on_commit(lambda: _queue_livestream_links(event_id, url))
    if newly_cancelled:
        # Everyone who planned to come hears of it, in their own language.
        event_id = event.pk
        transaction.on_commit(lambda: _queue_cancellation_notices(event_id))
    return event


def _queue_livestream_links(event_id: int, url: str) -> None:
    from ..tasks import send_livestream_links

    try:
        send_livestream_links.delay(event_id, url)
    except Exception:
        # The link is on "My tickets" and in the reminders still to come; the organizers' save stands.
        logger.exception("The livestream links of event %s were not queued", event_id)


def _queue_cancellation_notices(event_id: int) -> None:
    """A broker outage does not undo the cancellation (nor fail the organizer's page): the notices stay owed, and
    the schedule queues them within minutes of the broker's return."""
    from ..tasks import send_cancellation_notices

    try:
        send_cancellation_notices.delay(event_id)
    except Exception:
        logger.exception("The cancellation notices of event %s were not queued; the schedule tries again", event_id)


def change_event_status(*, event: Event, status: str) -> Event:
    """Move an event to another status (publish, close registration, finish, cancel)."""
    if event.status == EventStatus.DRAFT and status == EventStatus.CANCELLED:
        raise ValidationError(
            _("A draft was never announced, so there is nothing to cancel: delete it, or leave it as a draft.")
        )
    if status not in STATUS_TRANSITIONS[event.status] and status != event.status:
        raise ValidationError(
            _("An event cannot go from “%(old)s” to “%(new)s”.")
            % {"old": EventStatus(event.status).label, "new": EventStatus(status).label}
        )
    event.status = status
    return save_event(event=event)


def request_poster(*, event: Event) -> None:
    """Render the event's poster in the background once the current transaction has committed."""
    from ..tasks import render_event_poster

    event_id = event.pk

    def queue():
        # A broker outage fails neither the organizer's page nor the work queued after this: the poster says it
        # was not made, and "Render the poster again" makes it.
        try:
            render_event_poster.delay(event_id)
        except Exception as error:
            logger.exception("The poster of event %s was not queued", event_id)
            Event.objects.filter(pk=event_id, poster_state=PosterState.PENDING).update(
                poster_state=PosterState.FAILED, poster_error=f"not queued: {error}"[:500]
            )

    transaction.on_commit(queue)


@transaction.atomic
def add_city_team_member(*, tour: Tour, city, user, role: str = "member") -> CityTeamMember:
    """Put a user on a city's organizing team (or change their role there); they can then use the admin."""
    member, _created = CityTeamMember.objects.update_or_create(tour=tour, city=city, user=user, defaults={"role": role})
    _grant_admin_access(user)
    return member


@transaction.atomic
def save_tour(*, tour: Tour, changed=None) -> Tour:
    """Save a tour; ``changed`` names the fields changed on an existing one (None: a new tour). A new tour starts
    its checklist template; a new address or visibility re-renders its posters (their QR codes hold the address,
    and a hidden tour's posters come down)."""
    tour.save()
    if changed is None:
        start_checklist_template(tour=tour)
    elif {"slug", "is_public"} & set(changed):
        for event in tour.events.all():
            request_poster(event=event)
    if changed and {"name", "name_en"} & set(changed):  # printed at the top of every ticket
        request_tickets(registrations=Registration.objects.filter(event__tour=tour))
    return tour


@transaction.atomic
def save_city_team_member(*, member: CityTeamMember) -> CityTeamMember:
    """Save a change to a membership (another person, city or role): the row itself changes, so whoever it
    named before is off that team."""
    member.full_clean()
    member.save()
    _grant_admin_access(member.user)
    return member


@transaction.atomic
def add_tour_admin(*, tour: Tour, user) -> None:
    tour.admins.add(user)
    _grant_admin_access(user)


def _grant_admin_access(user) -> None:
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def user_for_email(email: str):
    """The account with this email address (case does not matter), or a translated error."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationError(
            _("There is no account with the email address %(email)s. Ask them to sign up first.") % {"email": email}
        )
    return user
