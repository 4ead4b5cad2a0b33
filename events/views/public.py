from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from speakers.selectors import open_cfp
from sponsors.selectors import partners_by_role, sponsors_by_tier

from ..calendars import agenda_calendar
from ..forms import tier_availability
from ..models import PUBLIC_STATUSES, Event, EventStatus, RegistrationStatus, TierVisibility
from ..selectors import (
    agenda_for_event,
    cities_with_public_events,
    featured_tour,
    public_events,
    public_tiers,
    public_tours,
    tickets_of,
)


def home(request):
    tour = featured_tour()
    if tour is None:
        return render(request, "events/no_tour.html")
    return _tour_page(request, tour)


def tour_detail(request, tour_slug):
    return _tour_page(request, get_object_or_404(public_tours(), slug=tour_slug))


def _tour_page(request, tour):
    return render(
        request,
        "events/tour.html",
        {
            "tour": tour,
            "events": public_events(tour),
            "cities": cities_with_public_events(tour),
            "cfp": open_cfp(tour),
            "sponsors": sponsors_by_tier(tour),
            "partners": partners_by_role(tour),
            "other_tours": public_tours().exclude(pk=tour.pk).order_by("-year", "-created_at"),
        },
    )


def _public_event(tour_slug, event_slug) -> Event:
    return get_object_or_404(
        Event.objects.select_related("tour", "city", "venue").prefetch_related("venue__photos"),
        tour__slug=tour_slug,
        tour__is_public=True,
        slug=event_slug,
        status__in=PUBLIC_STATUSES,
    )


def event_detail(request, tour_slug, event_slug):
    event = _public_event(tour_slug, event_slug)
    return render(
        request,
        "events/event.html",
        {
            "event": event,
            "tour": event.tour,
            "agenda": agenda_for_event(event),
            "cfp": open_cfp(event.tour),
            # A cancelled event sells nothing: the notice at the top says what there is to say.
            "tiers": _with_availability(public_tiers(event), event) if event.status != EventStatus.CANCELLED else [],
            "invite_only": event.status != EventStatus.CANCELLED
            and event.tiers.filter(visibility=TierVisibility.INVITE_ONLY).exists(),
            "sponsors": sponsors_by_tier(event.tour, event),
            "partners": partners_by_role(event.tour, event),
            # Their own registration instead of a "Register" button that would only lead back to it.
            "mine": (
                tickets_of(request.user).filter(event=event).exclude(status=RegistrationStatus.CANCELLED).first()
                if request.user.is_authenticated
                else None
            ),
        },
    )


def _with_availability(tiers, event) -> list:
    """The tiers with what a person can still have of each; nothing of sale windows or seats once registration
    is closed (the page says so)."""
    waiting_list = event.takes_registrations and event.upcoming()
    tiers = list(tiers)
    for tier in tiers:
        tier.availability = tier_availability(tier, waiting_list=waiting_list) if event.takes_registrations else ""
    return tiers


def event_calendar(request, tour_slug, event_slug):
    event = _public_event(tour_slug, event_slug)
    calendar = agenda_calendar(agenda_for_event(event), name=event.display_title)
    response = HttpResponse(calendar, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.tour.slug}-{event.slug}.ics"'
    return response
