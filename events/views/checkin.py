"""The check-in page, made for a phone at the door: scan or type, and know at once."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..models import Attendance, Event, EventStatus, RegistrationStatus


def _event_for_door(request, tour_slug, event_slug) -> Event:
    event = get_object_or_404(
        Event.objects.select_related("tour", "city", "venue"), tour__slug=tour_slug, slug=event_slug
    )
    if not services.can_check_in(request.user, event):
        raise Http404  # neither the page nor whether the event exists is anyone else's business
    return event


@login_required
def checkin_page(request, tour_slug, event_slug):
    event = _event_for_door(request, tour_slug, event_slug)
    texts = {
        "checkIn": _("Check in"),
        "noCamera": _("No camera is available; type the code instead."),
        "failed": _("The request failed; check the connection and try again."),
        "signedOut": _("You are signed out, or may no longer check people in here. Reload the page and sign in."),
        "reload": _("Reload the page"),
        "noMatch": _("No registration matches."),
    }
    return render(
        request,
        "events/checkin.html",
        {"event": event, "figures": services.registration_figures(event), "texts": texts},
    )


@login_required
@require_POST
def checkin_scan(request, tour_slug, event_slug):
    event = _event_for_door(request, tour_slug, event_slug)
    result = services.check_in(event=event, value=request.POST.get("code", ""), by=request.user)
    return JsonResponse(result.as_json(), status=200)


@login_required
@require_GET
def checkin_search(request, tour_slug, event_slug):
    event = _event_for_door(request, tour_slug, event_slug)
    matches = services.search_registrations(event=event, query=request.GET.get("q", ""))
    shown = services.SEARCH_LIMIT
    more = (
        _("More than %(shown)d match: type more of the name, or the phone number or email.") % {"shown": shown}
        if len(matches) > shown
        else ""
    )
    door_open = event.status != EventStatus.CANCELLED
    return JsonResponse(
        {
            "more": more,
            "results": [
                {
                    "name": r.name,
                    "company": r.company,
                    "tier": r.tier.display_name,
                    "code": r.ticket_code,
                    "phone": _masked(r.phone),
                    "status": r.get_status_display(),
                    "can_check_in": door_open
                    and r.status == RegistrationStatus.CONFIRMED
                    and r.tier.attendance == Attendance.IN_PERSON
                    and not r.checked_in_at,
                    "checked_in_at": timezone.localtime(r.checked_in_at).strftime("%H:%M") if r.checked_in_at else "",
                }
                for r in matches[:shown]
            ],
        }
    )


@login_required
@require_GET
def checkin_stats(request, tour_slug, event_slug):
    event = _event_for_door(request, tour_slug, event_slug)
    figures = services.registration_figures(event)
    return JsonResponse(
        {
            "in_person": figures["in_person"],
            "online": figures["online"],
            "checked_in": figures["checked_in"],
            "waiting": figures["waiting"],
            "tiers": [
                {"name": t.display_name, "registered": t.registered, "came": t.came} for t in figures["per_tier"]
            ],
            "channels": [
                {"channel": c["channel"], "label": str(c["label"]), "registered": c["registered"], "came": c["came"]}
                for c in figures["per_channel"]
            ],
        }
    )


def _masked(phone: str) -> str:
    """Enough of the phone number to tell two people apart, not enough to copy it."""
    if len(phone) >= 11:  # a mobile number: its network prefix and last four digits
        return phone[:3] + "****" + phone[-4:]
    return "****" + phone[-4:] if len(phone) > 4 else "****"
