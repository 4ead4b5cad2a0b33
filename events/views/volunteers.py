"""Volunteers: sign up for an event, see their volunteering and shifts, step back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms import VolunteerForm
from ..models import PUBLIC_STATUSES, Event, VolunteerApplication, VolunteerStatus
from ..selectors import volunteering_of


@login_required
def volunteer_signup(request, tour_slug, event_slug):
    event = get_object_or_404(
        Event.objects.select_related("tour", "city", "venue"),
        tour__slug=tour_slug,
        tour__is_public=True,
        slug=event_slug,
        status__in=PUBLIC_STATUSES,
    )
    # Someone who stepped back may offer again; anyone else is shown the sign-up they have.
    signed_up = VolunteerApplication.objects.filter(event=event, user=request.user)
    if signed_up.exclude(status=VolunteerStatus.WITHDRAWN).exists():
        messages.info(request, _("You have already signed up to volunteer at this event."))
        return redirect("events:my_volunteering")
    form = VolunteerForm(request.POST or None, initial={"name": request.user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_up_volunteer(
                event=event, user=request.user, details=form.details(language=request.LANGUAGE_CODE)
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you for offering to help! The organizers will answer you by email."))
            return redirect("events:my_volunteering")
    return render(
        request,
        "events/volunteer_signup.html",
        {
            "event": event,
            "tour": event.tour,
            "form": form,
            "open": event.status in services.SIGN_UP_STATUSES and not event.is_over,
        },
    )


@login_required
def my_volunteering(request):
    return render(request, "events/my_volunteering.html", {"applications": volunteering_of(request.user)})


@login_required
@require_POST
def withdraw_volunteering(request, pk):
    # Someone else's sign-up answers 404, as if it did not exist.
    application = get_object_or_404(VolunteerApplication, pk=pk, user=request.user)
    try:
        services.withdraw_volunteering(application=application)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have stepped back from volunteering at this event."))
    return redirect("events:my_volunteering")
