"""The product's URLs, the signed-in floor and the bare write.

The signed-in floor is a POST that does what the registration view does around the registration itself (session,
account, CSRF check, message, redirect to the tickets) and nothing else: what a registration costs beyond it is the
registration's own work. The bare write adds the least any registration on this stack does: it reads the tier,
writes the registration's row in a transaction and queues its ticket and email, and checks nothing (no seat count,
no lock, no form). It is not a way to register: it only tells how much of a registration's cost no implementation
on Django, PostgreSQL and Celery can avoid."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citytour.urls import urlpatterns as product_urlpatterns
from events.models import Registration, TicketState, TicketTier
from events.services.registrations import _after_commit


@require_POST
@login_required
def signed_in_floor(request):
    messages.success(request, _("Thank you for registering! Your ticket is on its way."))
    return redirect("events:my_tickets")


@require_POST
@login_required
def bare_write(request):
    tier = TicketTier.objects.get(pk=request.POST["tier"])
    with transaction.atomic():
        registration = Registration.objects.create(
            event_id=tier.event_id,
            tier=tier,
            user=request.user,
            email=request.user.email,
            name=request.POST["name"],
            phone=request.POST["phone"],
            privacy_accepted_at=timezone.now(),
            ticket_state=TicketState.PENDING,
        )
        _after_commit(registration, "confirmation")
    messages.success(request, _("Thank you for registering! Your ticket is on its way."))
    return redirect("events:my_tickets")


urlpatterns = [
    path("bench/signed-in/", signed_in_floor),
    path("bench/bare-write/", bare_write),
    *product_urlpatterns,
]
