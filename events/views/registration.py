"""Attendees: register, see their tickets, download them, cancel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..forms import AttendeeDetailsForm, RegistrationForm
from ..models import PUBLIC_STATUSES, Event, EventStatus, Registration, RegistrationStatus, TicketState
from ..selectors import invite_code_of, places_in_line, public_tiers, tickets_of


@login_required
def register(request, tour_slug, event_slug):
    event = get_object_or_404(
        Event.objects.select_related("tour", "venue"),
        tour__slug=tour_slug,
        tour__is_public=True,
        slug=event_slug,
        status__in=PUBLIC_STATUSES,
    )
    if request.method == "GET" and tickets_of(request.user).filter(event=event).exclude(status="cancelled").exists():
        messages.info(request, _("You are already registered for this event; here is your registration."))
        return redirect("events:my_tickets")
    # The tier an invite code brought along (a link with ?code=, or the code typed) is among the choices, with
    # its price: nobody registers for a ticket they have not seen.
    code = invite_code_of(event, request.POST.get("invite_code", "") or request.GET.get("code", ""))
    code_tier = code.tier if code else None
    # Shown with their seats on the page; a POST needs only the choices, not the counts.
    if request.method == "GET":
        tiers = public_tiers(event, also=code_tier)
    else:
        tiers = event.tiers.filter(Q(visibility="public") | Q(pk=getattr(code_tier, "pk", None)))
    initial = {"name": request.user.get_full_name(), "invite_code": request.GET.get("code", ""), "tier": code_tier}
    form = RegistrationForm(request.POST or None, event=event, tiers=tiers, initial=initial, code=code)
    offer_waitlist = False
    if request.method == "POST" and event.takes_registrations and form.is_valid():
        try:
            registration = services.register_attendee(
                event=event,
                tier=form.cleaned_data["tier"],
                details=form.details(email=request.user.email, language=request.LANGUAGE_CODE),
                user=request.user,
                invite_code=form.cleaned_data["invite_code"],
                join_waitlist=request.POST.get("join_waitlist") == "1",
            )
        except services.AlreadyRegistered:
            messages.info(request, _("You are already registered for this event; here is your registration."))
            return redirect("events:my_tickets")
        except ValidationError as error:
            offer_waitlist = getattr(error, "offers_waiting_list", False)
            form.add_error(None, error.messages)
        else:
            messages.success(request, _registered_message(registration))
            return redirect("events:my_tickets")
    if request.method == "POST":
        # Shown again: with their seats now, so that a person turned away sees which tiers still have room.
        form.fields["tier"].queryset = public_tiers(event, also=code_tier)
    return render(
        request,
        "events/register.html",
        {
            "event": event,
            "tour": event.tour,
            "form": form,
            "offer_waitlist": offer_waitlist,
            "open": event.takes_registrations,
        },
    )


def _registered_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.WAITLISTED:
        return _("You are on the waiting list for “%(tier)s”. When a seat frees up, it is yours and we email you.") % {
            "tier": registration.tier.display_name
        }
    if not registration.has_door_ticket:
        return _("Thank you for registering! The livestream link is on this page and comes by email before the start.")
    return _("Thank you for registering! Your ticket is on its way.")


@login_required
def my_tickets(request):
    registrations = list(tickets_of(request.user))
    for registration in registrations:
        # A ticket never rendered (a bulk import) is prepared now that its owner asks; a failed one is shown as
        # failed (the organizers retry it from the admin) rather than retried on every refresh.
        if registration.status == "confirmed" and registration.ticket_state == TicketState.NONE:
            services.request_ticket(registration=registration)
    places = places_in_line(registrations)
    for registration in registrations:
        registration.place_in_line = places.get(registration.pk)
    # While a ticket is being prepared the page reloads itself, less and less often, and stops after some
    # two and a half minutes (a worker that is down would otherwise reload a phone's page for ever).
    pending = any(r.has_door_ticket and r.ticket_state == TicketState.PENDING for r in registrations)
    try:
        reloads = min(max(int(request.GET.get("reloads", 0)), 0), RELOADS)
    except ValueError:
        reloads = 0
    context = {
        "registrations": registrations,
        "reload_in": 5 * 2**reloads if pending and reloads < RELOADS else None,
        "next_reload": reloads + 1,
    }
    return render(request, "events/my_tickets.html", context)


RELOADS = 5


def _own_registration(request, pk) -> Registration:
    """The registration if it is the user's own; any other answers 404, as if it did not exist."""
    return get_object_or_404(tickets_of(request.user), pk=pk)


@login_required
def ticket_pdf(request, pk):
    registration = _own_registration(request, pk)
    if registration.status == RegistrationStatus.CANCELLED:
        messages.error(request, _("This registration was cancelled; its ticket is no longer valid."))
        return redirect("events:my_tickets")
    if registration.event.status == EventStatus.CANCELLED:
        messages.error(
            request, _("This event has been cancelled. Your ticket is no longer valid; the event page says more.")
        )
        return redirect("events:my_tickets")
    if registration.status != RegistrationStatus.CONFIRMED:
        messages.info(request, _("You are on the waiting list: there is no ticket yet."))
        return redirect("events:my_tickets")
    if registration.ticket_state != TicketState.READY or not registration.ticket_pdf:
        messages.info(request, _("Your ticket is being prepared. It will be ready in a moment."))
        return redirect("events:my_tickets")
    filename = f"ticket-{registration.event.tour.slug}-{registration.event.slug}-{registration.ticket_code}.pdf"
    try:
        handle = registration.ticket_pdf.open("rb")
    except FileNotFoundError:
        # Being replaced by a new rendering this very moment, or lost: it is prepared (again) in any case.
        services.request_ticket(registration=registration)
        messages.info(request, _("Your ticket is being prepared. It will be ready in a moment."))
        return redirect("events:my_tickets")
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")


@login_required
def change_details(request, pk):
    """The attendee corrects their own name, company, job role, phone or answers before the event."""
    registration = _own_registration(request, pk)
    if not registration.changeable_by_owner():
        messages.error(request, _("This registration can no longer be changed."))
        return redirect("events:my_tickets")
    form = AttendeeDetailsForm(request.POST or None, registration=registration)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.change_own_details(registration=registration, details=form.details())
        except ValidationError as error:
            if getattr(error, "code", "") == "not_changeable":
                messages.error(request, " ".join(error.messages))
                return redirect("events:my_tickets")
            form.add_error(None, error.messages)
        else:
            if changed.ticket_state == TicketState.PENDING:
                messages.success(request, _("Your details are saved. Your ticket is being prepared again."))
            else:
                messages.success(request, _("Your details are saved."))
            return redirect("events:my_tickets")
    return render(request, "events/change_details.html", {"registration": registration, "form": form})


@login_required
def cancel(request, pk):
    """Asks first (one tap on a phone should not give a seat away), then cancels."""
    registration = _own_registration(request, pk)
    if request.method != "POST":
        if not registration.cancellable_by_owner():
            return redirect("events:my_tickets")
        return render(request, "events/cancel.html", {"registration": registration})
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    try:
        services.cancel_registration(registration=registration, by_owner=True)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if was_waiting:
            messages.success(request, _("You have left the waiting list."))
        else:
            messages.success(request, _("Your registration is cancelled. Thank you for freeing the seat."))
    return redirect("events:my_tickets")
