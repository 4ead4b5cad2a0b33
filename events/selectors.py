"""Reads of tours, cities and events that more than one page uses."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Prefetch, Q, QuerySet

from .models import PUBLIC_STATUSES, City, CityTeamMember, Event, Tour, Venue

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
        return self.admin_tour_ids | {tour_id for tour_id, _ in self.city_teams}

    def may_manage(self, tour_id: int | None, city_id: int | None) -> bool:
        return tour_id in self.admin_tour_ids or (tour_id, city_id) in self.city_teams

    def tour_city_q(self, tour_field: str = "tour", city_field: str = "city") -> Q:
        """A filter for rows that belong to a tour and a city this user organizes."""
        parts = [Q(**{f"{tour_field}_id__in": self.admin_tour_ids})]
        parts += [Q(**{f"{tour_field}_id": t, f"{city_field}_id": c}) for t, c in sorted(self.city_teams)]
        return reduce(or_, parts)

    def city_q(self, city_field: str = "city") -> Q:
        """A filter for rows of a city this user organizes in some tour, or that a tour of theirs visits."""
        return Q(**{f"{city_field}_id__in": {c for _, c in self.city_teams}}) | Q(
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
            city_teams=frozenset((t, c) for t, c, _ in memberships),
            lead_city_teams=frozenset((t, c) for t, c, role in memberships if role == "lead"),
        )
    setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


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
    return City.objects.filter(id__in={city_id for _, city_id in organizer_scope(user).city_teams})


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


def cities_of_tour(tour: Tour) -> list[City]:
    """The cities a tour visits, each with ``public_events``: its events visitors may see (maybe none yet)."""
    events = Event.objects.filter(status__in=PUBLIC_STATUSES).select_related("tour", "venue").order_by("start")
    return list(
        City.objects.filter(events__tour=tour)
        .distinct()
        .prefetch_related(Prefetch("events", queryset=events.filter(tour=tour), to_attr="public_events"))
    )
