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

KINDS = ("confirmed", "waitlisted", "promoted", "reminder")


def registration_email(registration: Registration, kind: str) -> tuple[str, str]:
    with translation.override(registration.language or settings.LANGUAGE_CODE):
        context = {
            "registration": registration,
            "event": registration.event,
            "online": registration.tier.attendance == Attendance.ONLINE,
            "tickets_url": settings.SITE_URL + reverse("events:my_tickets"),
            "ticket_url": settings.SITE_URL + reverse("events:ticket_pdf", args=[registration.pk]),
            "event_url": settings.SITE_URL + registration.event.get_absolute_url(),
        }
        subject = render_to_string(f"events/email/{kind}_subject.txt", context)
        body = render_to_string(f"events/email/{kind}_body.txt", context)
    return " ".join(subject.split()), body


def send_registration_email(registration: Registration, kind: str) -> None:
    subject, body = registration_email(registration, kind)
    send_mail(subject, body, None, [registration.email])


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
    with translation.override(application.language or settings.LANGUAGE_CODE):
        context = {
            "application": application,
            "event": application.event,
            "volunteering_url": settings.SITE_URL + reverse("events:my_volunteering"),
            "event_url": settings.SITE_URL + application.event.get_absolute_url(),
        }
        subject = render_to_string(f"events/email/volunteer_{kind}_subject.txt", context)
        body = render_to_string(f"events/email/volunteer_{kind}_body.txt", context)
    return " ".join(subject.split()), body


def send_volunteer_email(application: VolunteerApplication, kind: str) -> None:
    subject, body = volunteer_email(application, kind)
    send_mail(subject, body, None, [application.user.email])
