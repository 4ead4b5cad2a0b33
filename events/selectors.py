"""Reads of tours, cities and events that more than one page uses."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from speakers.models import AcceptanceStatus, SpeakerProfile

from .models import (
    OPEN_TASK_STATUSES,
    PUBLIC_STATUSES,
    Attendance,
    ChecklistTask,
    City,
    CityTarget,
    CityTeamMember,
    Event,
    EventStatus,
    InviteCode,
    Registration,
    RegistrationStatus,
    Shift,
    ShiftAssignment,
    Slot,
    TaskStatus,
    TicketTier,
    TierTally,
    TierVisibility,
    Tour,
    Venue,
    VolunteerApplication,
    VolunteerStatus,
    typed_code,
)

_SCOPE_CACHE_ATTR = "_citytour_organizer_scope"


@dataclass(frozen=True)
class OrganizerScope:
    """What a user organizes: whole tours (tour admins) and single cities of tours (city teams)."""

    admin_tour_ids: frozenset[int]
    city_teams: frozenset[tuple[int, int]]  # (tour id, city id)
    lead_city_teams: frozenset[tuple[int, int]]

    @property
    def is_organizer(self) -> bool:
        return bool(self.admin_tour_ids or self.city_teams)

    @property
    def tour_ids(self) -> frozenset[int]:
        return self.admin_tour_ids | {tour_id for tour_id, _city_id in self.city_teams}

    def may_manage(self, tour_id: int | None, city_id: int | None) -> bool:
        return tour_id in self.admin_tour_ids or (tour_id, city_id) in self.city_teams

    def tour_city_q(self, tour_field: str = "tour", city_field: str = "city") -> Q:
        """A filter for rows that belong to a tour and a city this user organizes."""
        parts = [Q(**{f"{tour_field}_id__in": self.admin_tour_ids})]
        parts += [Q(**{f"{tour_field}_id": t, f"{city_field}_id": c}) for t, c in sorted(self.city_teams)]
        return reduce(or_, parts)

    def city_q(self, city_field: str = "city") -> Q:
        """A filter for rows of a city this user organizes in some tour, or that a tour of theirs visits."""
        return Q(**{f"{city_field}_id__in": {c for _t, c in self.city_teams}}) | Q(
            **{f"{city_field}__events__tour_id__in": self.admin_tour_ids}
        )


def organizer_scope(user) -> OrganizerScope:
    """The user's scope, computed once per user object (so once per request)."""
    cached = getattr(user, _SCOPE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        scope = OrganizerScope(frozenset(), frozenset(), frozenset())
    else:
        memberships = list(CityTeamMember.objects.filter(user=user).values_list("tour_id", "city_id", "role"))
        scope = OrganizerScope(
            admin_tour_ids=frozenset(user.administered_tours.values_list("id", flat=True)),
            city_teams=frozenset((t, c) for t, c, _role in memberships),
            lead_city_teams=frozenset((t, c) for t, c, role in memberships if role == "lead"),
        )
    setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


def organizes_event(user, event: Event) -> bool:
    """Whether the user organizes this event: superuser, an admin of its tour, or on its city's team."""
    return user.is_authenticated and (
        user.is_superuser or organizer_scope(user).may_manage(event.tour_id, event.city_id)
    )


def organizing_team_users(user) -> QuerySet:
    """The people on the organizing teams this user can see: city teams and the admins of their tours."""
    User = get_user_model()
    on_a_team = Q(city_teams__isnull=False) | Q(administered_tours__isnull=False)
    if not user.is_superuser:
        scope = organizer_scope(user)
        teams = CityTeamMember.objects.filter(scope.tour_city_q())
        on_a_team = Q(city_teams__in=teams) | Q(administered_tours__in=scope.tour_ids)
    return User.objects.filter(on_a_team).distinct().order_by("first_name", "email")


def events_organized_by(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Event.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    return queryset.filter(organizer_scope(user).tour_city_q())


def venues_organized_by(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Venue.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    return queryset.filter(organizer_scope(user).city_q()).distinct()


def cities_organized_by(user) -> QuerySet:
    """The cities a user may put events and venues in: their teams' cities, or any city for a tour admin."""
    if user.is_superuser or organizer_scope(user).admin_tour_ids:
        return City.objects.all()
    return City.objects.filter(id__in={city_id for _tour_id, city_id in organizer_scope(user).city_teams})


def tour_cities(tour: Tour) -> QuerySet:
    """The cities a tour visits (those where it has an event, public or not)."""
    return City.objects.filter(events__tour=tour).distinct().order_by("position", "name_en")


def public_tours() -> QuerySet:
    return Tour.objects.filter(is_public=True)


def featured_tour() -> Tour | None:
    """The tour the home page shows: the newest public one."""
    return public_tours().order_by("-year", "-created_at").first()


def public_events(tour: Tour) -> QuerySet:
    return (
        Event.objects.filter(tour=tour, status__in=PUBLIC_STATUSES)
        .select_related("tour", "city", "venue")
        .order_by("start", "city__position")
    )


def cities_with_public_events(tour: Tour) -> list[City]:
    """The cities a tour visits, each with ``public_events``: its events visitors may see (maybe none yet)."""
    events = Event.objects.filter(status__in=PUBLIC_STATUSES).select_related("tour", "venue").order_by("start")
    return list(
        City.objects.filter(events__tour=tour)
        .distinct()
        .prefetch_related(Prefetch("events", queryset=events.filter(tour=tour), to_attr="public_events"))
    )


# --- Agendas -----------------------------------------------------------------------------------------------


def slots_with_talks() -> QuerySet:
    return Slot.objects.select_related(
        "event__tour", "event__city", "room", "submission__speaker__speaker_profile", "submission__track"
    ).prefetch_related("submission__co_speakers")


def _attach_speakers(slots: list[Slot]) -> list[Slot]:
    """Give each slot ``speakers``: the profiles of its talk's speaker and co-speakers (one query for all)."""
    emails = {co.email.lower() for slot in slots if slot.submission_id for co in slot.submission.co_speakers.all()}
    profiles = SpeakerProfile.objects.filter(user__email__in=emails).select_related("user") if emails else []
    by_email = {profile.user.email.lower(): profile for profile in profiles}
    for slot in slots:
        slot.speakers = []
        if slot.submission_id:
            main = getattr(slot.submission.speaker, "speaker_profile", None)
            co_speakers = [by_email.get(co.email.lower()) for co in slot.submission.co_speakers.all()]
            slot.speakers = [profile for profile in [main, *co_speakers] if profile]
    return slots


def agenda_for_event(event: Event) -> list[Slot]:
    """The event's slots in order, each with ``speakers``."""
    return _attach_speakers(list(slots_with_talks().filter(event=event)))


def public_talks_of(profile: SpeakerProfile) -> list[Slot]:
    """The slots of public events where this speaker presents, across all tours."""
    slots = (
        slots_with_talks()
        .filter(
            Q(submission__speaker=profile.user) | Q(submission__co_speakers__email__iexact=profile.user.email),
            event__status__in=PUBLIC_STATUSES,
            event__tour__is_public=True,
        )
        .distinct()
    )
    return _attach_speakers(list(slots))


def speaker_emails(submission) -> set[str]:
    """Everyone presenting a talk, by lower-cased email address."""
    return {submission.speaker.email.lower()} | {co.email.lower() for co in submission.co_speakers.all()}


def _overlap(a: Slot, b: Slot) -> bool:
    return a.start < b.end and b.start < a.end


def _when(slot: Slot) -> str:
    return f"{timezone.localtime(slot.start):%H:%M}–{timezone.localtime(slot.end):%H:%M}"


def agenda_warnings(event: Event) -> list[str]:
    """What organizers should look at in an agenda; none of it stops them from saving."""
    slots = list(
        slots_with_talks().filter(event=event).prefetch_related("submission__cities", "submission__acceptances")
    )
    return _overlap_warnings(slots) + _talk_warnings(event, slots) + _other_city_warnings(event, slots)


def _overlap_warnings(slots: list[Slot]) -> list[str]:
    warnings = []
    for i, a in enumerate(slots):
        for b in slots[i + 1 :]:
            if not _overlap(a, b):
                continue
            times = {"a": a, "b": b, "a_time": _when(a), "b_time": _when(b)}
            if a.room_id == b.room_id:
                room = a.room.display_name if a.room_id else _("the main room")
                warnings.append(
                    _("“%(a)s” (%(a_time)s) and “%(b)s” (%(b_time)s) overlap in %(room)s.") % {**times, "room": room}
                )
            if a.submission_id and b.submission_id:
                for email in sorted(speaker_emails(a.submission) & speaker_emails(b.submission)):
                    warnings.append(
                        _("%(speaker)s is in two overlapping slots: “%(a)s” (%(a_time)s) and “%(b)s” (%(b_time)s).")
                        % {**times, "speaker": email}
                    )
    return warnings


def _talk_warnings(event: Event, slots: list[Slot]) -> list[str]:
    warnings = []
    for slot in slots:
        if not slot.submission_id:
            continue
        talk = slot.submission
        if event.city_id not in {city.id for city in talk.cities.all()}:
            warnings.append(
                _("“%(talk)s” is scheduled in %(city)s, which its speaker did not offer.")
                % {"talk": talk.title, "city": event.city.display_name}
            )
        confirmed = any(
            a.event_id == event.id and a.status == AcceptanceStatus.CONFIRMED for a in talk.acceptances.all()
        )
        if not confirmed:
            warnings.append(
                _("“%(talk)s” has not been confirmed by its speaker for this event.") % {"talk": talk.title}
            )
    return warnings


def _other_city_warnings(event: Event, slots: list[Slot]) -> list[str]:
    talks = [slot for slot in slots if slot.submission_id]
    if not talks or not event.start:
        return []
    day = timezone.localtime(event.start).date()
    elsewhere = (
        slots_with_talks()
        .filter(event__tour_id=event.tour_id, start__date=day, submission__isnull=False)
        .exclude(event__city_id=event.city_id)
    )
    warnings, reported = [], set()
    for other in elsewhere:
        for slot in talks:
            for email in sorted(speaker_emails(slot.submission) & speaker_emails(other.submission)):
                if (email, other.event.city_id) not in reported:
                    reported.add((email, other.event.city_id))
                    warnings.append(
                        _("%(speaker)s is scheduled in %(city)s and in %(other_city)s on %(day)s.")
                        % {
                            "speaker": email,
                            "city": event.city.display_name,
                            "other_city": other.event.city.display_name,
                            "day": day.isoformat(),
                        }
                    )
    return warnings


# --- Registration --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimState:
    """What the checks of a registration count, read in one statement while the event is locked."""

    event_status: str
    capacity: int | None  # the event's own, else its venue's
    confirmed_in_person: int  # in the whole event, every in-person tier
    confirmed_in_tier: int  # outside the seats that invite codes reserve
    reserved_for_codes: int  # seats that live reserving codes still hold (an expired code holds none)
    someone_waiting: bool  # ahead of this claim: on this tier's waiting list, or (in person) waiting for the capacity
    already_registered: bool  # the email or account has an active registration for the event
    code_uses: int  # active registrations made with the invite code


# Raw SQL because it runs while the event row is locked, and every registration of the event waits for that lock:
# built with the ORM, the same statement took about 10 ms of CPU to compile, many times what it takes to run.
# Each lookup runs on an index (the duplicate check on the unique one, hence the email as stored: trimmed and in
# lower case), and the seats are read from the tiers' tallies (TierTally), so that it takes as long for the
# thousandth registration as for the first. The statuses are written into the statement rather than passed:
# PostgreSQL then plans it once per connection (DATABASE_PREPARED_STATEMENTS) with the knowledge that few
# registrations wait and most are confirmed; as parameters, its one plan had to scan every registration of the
# event, so it planned the statement anew each time, some 5 ms for 0.3 ms of work. Kept portable to SQLite (the
# demo and the quick tests).
_CONFIRMED, _WAITLISTED = RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value
_CANCELLED, _IN_PERSON = RegistrationStatus.CANCELLED.value, Attendance.IN_PERSON.value
CLAIM_STATE_SQL = f"""
SELECT t.*, e.status AS event_status,
    CASE WHEN e.capacity > 0 THEN e.capacity ELSE v.capacity END AS capacity,
    (SELECT COALESCE(SUM(y.confirmed), 0) FROM events_tickettier it
      INNER JOIN events_tiertally y ON y.tier_id = it.id
      WHERE it.event_id = e.id AND it.attendance = '{_IN_PERSON}'
    ) AS confirmed_in_person,
    COALESCE((SELECT y.confirmed - y.reserved FROM events_tiertally y WHERE y.tier_id = t.id), 0) AS confirmed_in_tier,
    (SELECT COALESCE(SUM(CASE WHEN c.max_uses > c.used THEN c.max_uses - c.used ELSE 0 END), 0)
       FROM (SELECT ic.max_uses,
                    (SELECT COUNT(*) FROM events_registration r
                      WHERE r.invite_code_id = ic.id AND r.status IN ('{_CONFIRMED}', '{_WAITLISTED}')) AS used
               FROM events_invitecode ic INNER JOIN events_tickettier ct ON ct.id = ic.tier_id
              WHERE ic.event_id = e.id AND ic.reserves_seats AND ct.attendance = '{_IN_PERSON}'
                AND (ic.expires_at IS NULL OR ic.expires_at > %(now)s)) c
    ) AS reserved_for_codes,
    EXISTS (SELECT 1 FROM events_registration r INNER JOIN events_tickettier wt ON wt.id = r.tier_id
             WHERE r.event_id = e.id AND r.status = '{_WAITLISTED}'
               AND (wt.id = t.id
                    -- in another in-person tier that has room: they wait for the event's capacity, as this claim
                    OR (t.attendance = '{_IN_PERSON}' AND wt.attendance = '{_IN_PERSON}'
                        AND (wt.quota IS NULL OR wt.quota > COALESCE(
                            (SELECT y.confirmed - y.reserved FROM events_tiertally y WHERE y.tier_id = wt.id), 0))))
    ) AS someone_waiting,
    (EXISTS (SELECT 1 FROM events_registration r
              WHERE r.event_id = e.id AND r.email = %(email)s AND r.status <> '{_CANCELLED}')
     OR EXISTS (SELECT 1 FROM events_registration r
                 WHERE r.user_id = %(user)s AND r.event_id = e.id AND r.status <> '{_CANCELLED}')
     -- one person with two addresses, as "My tickets" counts them: an account and its verified addresses
     OR EXISTS (SELECT 1 FROM events_registration r
                 WHERE r.user_id IS NULL AND r.event_id = e.id AND r.status <> '{_CANCELLED}'
                   AND r.email IN (SELECT LOWER(a.email) FROM account_emailaddress a
                                    WHERE a.user_id = %(user)s AND a.verified))
     OR EXISTS (SELECT 1 FROM events_registration r
                 WHERE r.event_id = e.id AND r.status <> '{_CANCELLED}'
                   AND r.user_id IN (SELECT a.user_id FROM account_emailaddress a
                                      WHERE a.email = %(email)s AND a.verified))
    ) AS already_registered,
    (SELECT COUNT(*) FROM events_registration r WHERE r.invite_code_id = %(code)s AND r.status <> '{_CANCELLED}'
    ) AS code_uses
FROM events_event e
    LEFT JOIN events_venue v ON v.id = e.venue_id
    LEFT JOIN events_tickettier t ON t.id = %(tier)s
WHERE e.id = %(event)s
"""


def claim_state(
    event: Event, tier_id: int | None, now, *, email: str | None = None, user=None, code: InviteCode | None = None
) -> tuple[TicketTier | None, ClaimState]:
    """The tier as it is now (None if there is no such tier) and its seat counts, for a registration of
    ``email`` (as stored: trimmed, in lower case) or ``user`` with ``code``. The registration service calls it
    with the event locked: the counts are only true while it is; elsewhere they say how things stand."""
    params = {
        "event": event.pk,
        "tier": tier_id,
        "now": now,
        "email": email,
        "user": getattr(user, "pk", None),
        "code": getattr(code, "pk", None),
    }
    [row] = TicketTier.objects.raw(CLAIM_STATE_SQL, params)
    state = ClaimState(
        event_status=row.event_status,
        capacity=int(row.capacity) if row.capacity else None,
        confirmed_in_person=int(row.confirmed_in_person),
        confirmed_in_tier=int(row.confirmed_in_tier),
        reserved_for_codes=int(row.reserved_for_codes),
        someone_waiting=bool(row.someone_waiting),
        already_registered=bool(row.already_registered),
        code_uses=int(row.code_uses),
    )
    return (row if row.pk is not None else None), state


def invite_code_of(event: Event, raw_code: str) -> InviteCode | None:
    """The invite code of this event someone brings, with its tier (whether it may still be used is the
    registration's to say), or None."""
    code = typed_code(raw_code or "")
    if not code:
        return None
    return InviteCode.objects.filter(event=event, code=code).select_related("tier").first()


def public_tiers(event: Event, *, also: TicketTier | None = None) -> QuerySet:
    """The tiers anyone may choose (and ``also``, the tier of an invite code someone brings), with ``taken``
    (confirmed registrations on their public seats) and ``seats_left``: what a registration could still have,
    within the tier's quota and what the event's capacity has free (less the seats invite codes hold); None for
    an online tier, which has no seat limit."""
    _no_tier, state = claim_state(event, None, timezone.now())
    in_tier = F("quota") - F("taken")
    if state.capacity is not None:
        free = max(state.capacity - state.confirmed_in_person - state.reserved_for_codes, 0)
        in_tier = Least(in_tier, Value(free))  # an in-person tier always has a quota
    return (
        TicketTier.objects.filter(Q(visibility=TierVisibility.PUBLIC) | Q(pk=getattr(also, "pk", None)), event=event)
        .annotate(taken=Coalesce(F("tally__confirmed") - F("tally__reserved"), 0))
        .annotate(
            seats_left=Case(
                When(attendance=Attendance.ONLINE, then=Value(None)), default=in_tier, output_field=IntegerField()
            )
        )
        .order_by("position", "id")
    )


def tickets_of(user) -> QuerySet:
    """A person's registrations: those made with their account, and those made elsewhere under a verified
    email address of theirs (an imported list, say)."""
    verified = EmailAddress.objects.filter(user=user, verified=True).values("email")
    return (
        Registration.objects.filter(Q(user=user) | Q(user__isnull=True, email__in=verified))
        .select_related("event__tour", "event__city", "event__venue", "tier", "checked_in_by", "invite_code")
        .order_by("-created_at")
    )


def place_in_line(registration: Registration) -> int:
    """Where a waiting registration stands: 1 is promoted first when a seat frees up."""
    return places_in_line([registration])[registration.pk]


def places_in_line(registrations) -> dict[int, int]:
    """The place in line of each waiting registration given, in two queries however many there are. Ahead of an
    in-person one are the older ones waiting for its tier, and those waiting in other in-person tiers that have
    room — they wait for the event's capacity, and any seat that frees up frees capacity too, which
    ``promote_waiting_list`` gives to the oldest it fits."""
    mine = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED]
    if not mine:
        return {}
    events = {r.event_id for r in mine}
    lines = list(
        Registration.objects.filter(event_id__in=events, status=RegistrationStatus.WAITLISTED)
        .select_related("tier")
        .order_by("created_at", "id")
    )
    seated = {
        tally.tier_id: tally.confirmed - tally.reserved for tally in TierTally.objects.filter(tier__event_id__in=events)
    }

    def has_room(tier) -> bool:
        return tier.quota is None or seated.get(tier.pk, 0) < tier.quota

    def competes(other, tier) -> bool:
        if other.tier_id == tier.pk:
            return True
        return (
            tier.attendance == Attendance.IN_PERSON
            and other.tier.attendance == Attendance.IN_PERSON
            and has_room(other.tier)
        )

    places = {}
    for registration in mine:
        ahead = 0
        for other in lines:
            if other.pk == registration.pk:
                break
            if other.event_id == registration.event_id and competes(other, registration.tier):
                ahead += 1
        places[registration.pk] = ahead + 1
    return places


def task_owner_choices(event: Event) -> QuerySet:
    """Who may own a task of this event: its city team and its tour's admins."""
    team = CityTeamMember.objects.filter(tour_id=event.tour_id, city_id=event.city_id).values("user_id")
    return (
        get_user_model()
        .objects.filter(Q(id__in=team) | Q(administered_tours=event.tour_id))
        .distinct()
        .order_by("first_name", "email")
    )


# --- Volunteers ----------------------------------------------------------------------------------------------


def volunteering_of(user) -> QuerySet:
    """A person's volunteer sign-ups, newest event first, with their shifts."""
    return (
        VolunteerApplication.objects.filter(user=user)
        .select_related("event__tour", "event__city", "event__venue")
        .prefetch_related(Prefetch("assignments", ShiftAssignment.objects.select_related("shift")))
        .order_by(F("event__start").desc(nulls_last=True), "-id")
    )


def volunteers_of_event(event: Event) -> QuerySet:
    """An event's volunteers with the number of shifts each has."""
    return (
        VolunteerApplication.objects.filter(event=event)
        .select_related("user")
        .annotate(shift_count=Count("assignments"))
        .order_by("status", "created_at")
    )


def shifts_of_event(event: Event) -> QuerySet:
    """An event's shifts in time order, each with its volunteers."""
    return (
        Shift.objects.filter(event=event)
        .prefetch_related(Prefetch("assignments", ShiftAssignment.objects.select_related("volunteer", "marked_by")))
        .order_by("start", "role")
    )


# --- The organizing team -------------------------------------------------------------------------------------


def checklist_progress(events: QuerySet, today) -> list[Event]:
    """Events with ``tasks``, ``finished`` (done or not needed) and ``overdue`` counts of their checklists."""
    return list(
        events.select_related("city", "tour")
        .annotate(
            tasks=Count("checklist"),
            finished=Count("checklist", filter=Q(checklist__status__in=[TaskStatus.DONE, TaskStatus.SKIPPED])),
            overdue=Count(
                "checklist", filter=Q(checklist__status__in=OPEN_TASK_STATUSES, checklist__due_date__lt=today)
            ),
        )
        .order_by("tour", "city__position", F("start").asc(nulls_last=True))
    )


def overdue_tasks(events: QuerySet, today) -> QuerySet:
    return (
        ChecklistTask.objects.filter(event__in=events, status__in=OPEN_TASK_STATUSES, due_date__lt=today)
        .select_related("event__city", "owner")
        .order_by("due_date", "id")
    )


@dataclass
class CityKpi:
    city: City
    target: int | None
    held: int = 0
    planned: int = 0
    registrations: int = 0
    in_person: int = 0
    checked_in: int = 0
    volunteers: int = 0

    @property
    def check_in_rate(self) -> float | None:
        return self.checked_in / self.in_person if self.in_person else None

    @property
    def target_reached(self) -> bool:
        return self.target is not None and self.held >= self.target


# Events that count for a chapter's year: announced ones (drafts and cancelled events do not).
COUNTED_STATUSES = (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED, EventStatus.FINISHED)


def kpi_cities(user) -> QuerySet:
    """The cities whose KPIs a user sees: every city for a superuser, the cities of their tours for a tour admin,
    their own cities for a city team."""
    if user.is_superuser:
        return City.objects.all()
    scope = organizer_scope(user)
    return City.objects.filter(
        Q(events__tour_id__in=scope.admin_tour_ids) | Q(id__in={city for _tour, city in scope.city_teams})
    ).distinct()


def city_kpis(*, year: int, cities: QuerySet, events: QuerySet | None = None, now=None) -> list[CityKpi]:
    """Per city, for one year: events held (started by now) and planned against the target, confirmed
    registrations, the check-in rate of the in-person seats of held events, and approved volunteers.

    ``events`` limits what is counted (to the events a user organizes, say). Five queries, whatever the number of
    cities and events.
    """
    now = now or timezone.now()
    events = Event.objects.all() if events is None else events
    events = events.filter(start__year=year, status__in=COUNTED_STATUSES, city__in=cities)
    targets = dict(CityTarget.objects.filter(year=year, city__in=cities).values_list("city_id", "events"))
    rows = {
        city.id: CityKpi(city=city, target=targets.get(city.id))
        for city in City.objects.filter(Q(id__in=targets.keys()) | Q(id__in=events.values("city_id")))
    }
    for row in events.values("city_id").annotate(planned=Count("id"), held=Count("id", filter=Q(start__lte=now))):
        rows[row["city_id"]].planned, rows[row["city_id"]].held = row["planned"], row["held"]
    held_in_person = Q(event__start__lte=now, tier__attendance=Attendance.IN_PERSON)
    registrations = (
        Registration.objects.filter(event__in=events, status=RegistrationStatus.CONFIRMED)
        .values("event__city_id")
        .annotate(
            total=Count("id"),
            in_person=Count("id", filter=held_in_person),
            checked_in=Count("id", filter=held_in_person & Q(checked_in_at__isnull=False)),
        )
    )
    for row in registrations:
        kpi = rows[row["event__city_id"]]
        kpi.registrations, kpi.in_person, kpi.checked_in = row["total"], row["in_person"], row["checked_in"]
    volunteers = (
        VolunteerApplication.objects.filter(event__in=events, status=VolunteerStatus.APPROVED)
        .values("event__city_id")
        .annotate(people=Count("user", distinct=True))
    )
    for row in volunteers:
        rows[row["event__city_id"]].volunteers = row["people"]
    return sorted(rows.values(), key=lambda kpi: (kpi.city.position, kpi.city.name_en))
