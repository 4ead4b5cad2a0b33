import logging
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from . import emails, services
from .models import Event, Registration, RegistrationStatus, VolunteerApplication
from .posters import render_poster
from .tickets import render_ticket as render_ticket_pdf

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_event_poster(event_id: int) -> None:
    event = Event.objects.select_related("tour", "city", "venue").filter(pk=event_id).first()
    if event is None:
        return
    render_poster(event=event)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_ticket(registration_id: int) -> None:
    registration = (
        Registration.objects.select_related("event__tour", "event__city", "event__venue", "tier")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return
    render_ticket_pdf(registration=registration)


# No result kept: the registration row says how its ticket went, and without ignore_result every call from a
# web process subscribes it to a result channel that nobody reads.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3, ignore_result=True)
def prepare_registration(registration_id: int, render: bool, email_kind: str) -> None:
    """After a registration commits: its ticket, then its email (sent on its own, so a mail outage retries only
    the email)."""
    try:
        if render:
            render_ticket(registration_id)
    except Exception as error:
        # The ticket failed (the page says so, the code still works at the door); the email goes out anyway.
        logger.exception("ticket %s could not be rendered", registration_id)
        Registration.objects.filter(pk=registration_id).update(ticket_state="failed", ticket_error=str(error)[:500])
    if email_kind:
        send_registration_email.delay(registration_id, email_kind)


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5, ignore_result=True)
def send_registration_email(registration_id: int, kind: str) -> None:
    registration = (
        Registration.objects.select_related("event__tour", "event__venue", "tier").filter(pk=registration_id).first()
    )
    if registration is not None:
        emails.send_registration_email(registration, kind)


@shared_task
def promote_waiting_lists() -> int:
    """Seats that free up by themselves (a reserving invite code expiring) go to the people waiting."""
    return services.promote_where_seats_may_have_freed()


@shared_task
def send_event_reminders() -> int:
    """The day-before reminder, once per registration however often the schedule runs."""
    sent = 0
    for registration in emails.registrations_due_a_reminder():
        # Claim the reminder first: a second run (or a second worker) finds it taken and skips it.
        # Confirmed still: someone who cancelled while this loop ran is not reminded.
        claimed = Registration.objects.filter(
            pk=registration.pk, reminder_sent_at__isnull=True, status=RegistrationStatus.CONFIRMED
        ).update(reminder_sent_at=timezone.now())
        if not claimed:
            continue
        try:
            emails.send_registration_email(registration, "reminder")
        except (SMTPException, OSError):
            # Give the claim back so that the next run tries again, and go on with the others.
            logger.exception("reminder for registration %s failed", registration.pk)
            Registration.objects.filter(pk=registration.pk).update(reminder_sent_at=None)
            continue
        sent += 1
    return sent


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_volunteer_email(application_id: int, kind: str) -> None:
    application = VolunteerApplication.objects.select_related("event__tour", "user").filter(pk=application_id).first()
    if application is not None and application.status == kind:
        # A decision changed again before the email left is not sent: the later decision's email is.
        emails.send_volunteer_email(application, kind)
