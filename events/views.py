from django.shortcuts import get_object_or_404, render

from .models import PUBLIC_STATUSES, Event
from .selectors import cities_of_tour, featured_tour, public_events, public_tours


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
        {"tour": tour, "events": public_events(tour), "cities": cities_of_tour(tour)},
    )


def event_detail(request, tour_slug, event_slug):
    event = get_object_or_404(
        Event.objects.select_related("tour", "city", "venue").prefetch_related("venue__photos"),
        tour__slug=tour_slug,
        tour__is_public=True,
        slug=event_slug,
        status__in=PUBLIC_STATUSES,
    )
    return render(request, "events/event.html", {"event": event, "tour": event.tour})
