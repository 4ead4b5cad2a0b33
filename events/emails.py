"""Emails to attendees, written in the language they registered in."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Attendance, Event, EventStatus, Registration, RegistrationStatus, VolunteerApplication

# Cancelled, draft and finished events send no reminder.
REMINDED_STATUSES = (EventStatus.PUBLISHED, EventStatus.REGISTRATION_CLOSED)

KINDS = ("confirmed", "waitlisted", "promoted", "reminder", "event_cancelled", "livestream")


def _render(template: str, language: str, context) -> tuple[str, str]:
    """Subject (on one line) and body of ``events/email/<template>_{subject,body}.txt`` in ``language``;
    ``context`` is a function called with that language active, so its links and labels are in it too."""
    with translation.override(language or settings.LANGUAGE_CODE):
        values = context()
        subject = render_to_string(f"events/email/{template}_subject.txt", values)
        body = render_to_string(f"events/email/{template}_body.txt", values)
    return " ".join(subject.split()), body


def registration_email(registration: Registration, kind: str) -> tuple[str, str]:
    return _render(
        kind,
        registration.language,
        lambda: {
            "registration": registration,
            "event": registration.event,
            "online": registration.tier.attendance == Attendance.ONLINE,
            "tickets_url": settings.SITE_URL + reverse("events:my_tickets"),
            "ticket_url": settings.SITE_URL + reverse("events:ticket_pdf", args=[registration.pk]),
            "event_url": settings.SITE_URL + registration.event.get_absolute_url(),
        },
    )


def send_registration_email(registration: Registration, kind: str) -> None:
    subject, body = registration_email(registration, kind)
    send_mail(subject, body, None, [registration.email])


# Which registration statuses each email a registration may be owed still fits (the task checks the same).
OWED_EMAIL_FITS = {
    "confirmed": RegistrationStatus.CONFIRMED,
    "promoted": RegistrationStatus.CONFIRMED,
    "waitlisted": RegistrationStatus.WAITLISTED,
}
# An email owed for longer than this never reached a worker; a queue on a busy day moves faster.
OWED_AFTER = dt.timedelta(minutes=15)


def registrations_owed_an_email(now=None):
    """Registrations whose confirmation, waiting-list or promotion email has been owed for longer than
    ``OWED_AFTER`` without reaching a worker (one the mail server refused is its task's to retry), and still fits:
    the registration's status has not changed since, and its event is neither cancelled nor over."""
    now = now or timezone.now()
    fits = Q()
    for kind, status in OWED_EMAIL_FITS.items():
        fits |= Q(email_owed=kind, status=status)
    return (
        Registration.objects.filter(fits, email_owed_at__lte=now - OWED_AFTER)
        .exclude(event__status=EventStatus.CANCELLED)
        .exclude(event__end__lte=now)
    )


def registrations_owed_a_livestream_link(event: Event):
    """Everyone registered to watch an event online, when its livestream link has been set or replaced: told at
    once rather than left to a reminder that may have gone already, or that someone registered too late for."""
    return Registration.objects.filter(
        event=event, status=RegistrationStatus.CONFIRMED, tier__attendance=Attendance.ONLINE
    )


def registrations_due_a_reminder(now=None):
    """Confirmed registrations of events that start tomorrow (in Shanghai) and have no reminder yet."""
    now = timezone.localtime(now or timezone.now())
    tomorrow = now.date() + dt.timedelta(days=1)
    events = Event.objects.filter(start__date=tomorrow, status__in=REMINDED_STATUSES)
    return Registration.objects.filter(
        Q(event__in=events), status=RegistrationStatus.CONFIRMED, reminder_sent_at__isnull=True
    ).select_related("event__venue", "event__city", "event__tour", "tier")


def volunteer_email(application: VolunteerApplication, kind: str) -> tuple[str, str]:
    """The organizers' answer to a volunteer (``approved`` or ``declined``), in the language they signed up in."""
    return _render(
        f"volunteer_{kind}",
        application.language,
        lambda: {
            "application": application,
            "event": application.event,
            "volunteering_url": settings.SITE_URL + reverse("events:my_volunteering"),
            "event_url": settings.SITE_URL + application.event.get_absolute_url(),
        },
    )


def send_volunteer_email(application: VolunteerApplication, kind: str) -> None:
    subject, body = volunteer_email(application, kind)
    send_mail(subject, body, None, [application.user.email])
