"""The product's URLs and the signed-in floor: a POST that does what the registration view does around the
registration itself (session, account, CSRF check, message, redirect to the tickets) and nothing else. What a
registration costs beyond it is the registration's own work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citytour.urls import urlpatterns as product_urlpatterns


@require_POST
@login_required
def signed_in_floor(request):
    messages.success(request, _("Thank you for registering! Your ticket is on its way."))
    return redirect("events:my_tickets")


urlpatterns = [path("bench/signed-in/", signed_in_floor), *product_urlpatterns]
