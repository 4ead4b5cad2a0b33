import logging
from smtplib import SMTPException

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import emails, services
from .models import Event, EventStatus, Registration, RegistrationStatus, VolunteerApplication
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


@shared_task(ignore_result=True)
def render_tickets(registration_ids: list[int]) -> None:
    """Render again a batch of tickets (after a change of what they show); one that fails is marked failed, with
    the reason, and the others go on."""
    for registration_id in registration_ids:
        _render_or_record_failure(registration_id)


def _render_or_record_failure(registration_id: int) -> None:
    """Render a ticket; one that fails says so on its row (the page shows it, the code still works at the door)."""
    try:
        render_ticket(registration_id)
    except Exception as error:
        logger.exception("ticket %s could not be rendered", registration_id)
        Registration.objects.filter(pk=registration_id).update(ticket_state="failed", ticket_error=str(error)[:500])


@shared_task(ignore_result=True)
def import_registration_file(job_id: int) -> None:
    """A CSV file of registrations the organizers brought; its row (RegistrationImport) says how it went."""
    services.run_import(job_id=job_id)


# No result kept: the registration row says how its ticket went, and without ignore_result every call from a
# web process subscribes it to a result channel that nobody reads.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3, ignore_result=True)
def prepare_registration(registration_id: int, render: bool, email_kind: str) -> None:
    """After a registration commits: its ticket, then its email (sent on its own, so a mail outage retries only
    the email)."""
    if render:
        _render_or_record_failure(registration_id)  # a failed ticket does not hold up the email
    if email_kind:
        send_registration_email.delay(registration_id, email_kind)


# A mail server that refuses for a while (a rate limit during a registration rush, a relay restarting) is tried
# again for about three hours: after one minute, then twice as long each time, at most half an hour between.
EMAIL_RETRIES = dict(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=1800,
    retry_jitter=False,
    max_retries=10,
)

# Which registration statuses each email still fits when it is about to leave.
EMAIL_FITS = {
    **{kind: {status} for kind, status in emails.OWED_EMAIL_FITS.items()},
    "reminder": {RegistrationStatus.CONFIRMED},
    "event_cancelled": {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED},
    "livestream": {RegistrationStatus.CONFIRMED},
}


@shared_task(**EMAIL_RETRIES, ignore_result=True)
def send_registration_email(registration_id: int, kind: str) -> None:
    registration = (
        Registration.objects.select_related("event__tour", "event__venue", "tier", "invite_code")
        .filter(pk=registration_id)
        .first()
    )
    # Gone, or changed since (cancelled before its confirmation left, promoted before "you are waiting" did, an
    # event cancelled and announced again before the notice left).
    if registration is None or registration.status not in EMAIL_FITS.get(kind, {registration.status}):
        return
    if (kind == "event_cancelled") != (registration.event.status == EventStatus.CANCELLED):
        return
    if kind == "livestream" and not registration.event.livestream_url:
        return  # taken down again before the email left
    if kind == "event_cancelled":
        _send_cancellation_notice(registration)
    elif kind in emails.OWED_EMAIL_FITS:
        _send_owed_email(registration, kind)
    else:
        emails.send_registration_email(registration, kind)


def _queue_email(registration_id: int, kind: str) -> bool:
    """Queue one email of a fan-out; one that cannot be queued (the broker is down) is logged, for the schedule
    that asks again, and holds up none of the others."""
    try:
        send_registration_email.delay(registration_id, kind)
    except Exception:
        logger.exception("%s email of registration %s not queued", kind, registration_id)
        return False
    return True


def _send_owed_email(registration: Registration, kind: str) -> None:
    """Sent only while owed: a copy queued by the schedule beside the first is not sent twice, and one owed no
    longer (a "you are waiting" overtaken by a promotion) not at all. A registration from before emails were
    written down as owed (none owed, no time) gets what its task says, once. If the mail server refuses it, it is
    this task's own retries' to send: it loses its time, which is for emails that never reached a worker, so that
    the schedule does not queue copies beside the retries."""
    owed = Q(email_owed=kind) | Q(email_owed="", email_owed_at__isnull=True)
    try:
        sent = _send_once(registration, kind, owed, email_owed="", email_owed_at=timezone.now())
    except Exception:
        Registration.objects.filter(pk=registration.pk, email_owed=kind).update(email_owed_at=None)
        raise
    if not sent:
        logger.info("%s email of registration %s no longer owed", kind, registration.pk)


def _send_cancellation_notice(registration: Registration) -> None:
    """Once: a notice queued twice (the fan-out run again after a broker outage or a worker's death) is sent
    once; one the mail server refuses stays untold, for the task's retries."""
    _send_once(
        registration, "event_cancelled", Q(cancellation_notice_at__isnull=True), cancellation_notice_at=timezone.now()
    )


def _send_once(registration: Registration, kind: str, unsent: Q, **sent) -> bool:
    """Send the email while it is still ``unsent``, and write ``sent`` in the same transaction, holding the
    registration's email lock: two workers with copies of one email, the second waits for the first, then finds
    it sent. A worker that dies while sending, or a mail server that refuses, leaves it unsent (the transaction is
    undone), for the task's retries, the broker's redelivery or the schedule: at worst one email twice, never
    none. The lock is the emails' own, not the registration's row: a cancellation or a promotion, which hold the
    event's lock, never wait for a mail server."""
    with transaction.atomic():
        _lock_emails_of(registration.pk)
        if not Registration.objects.filter(unsent, pk=registration.pk).exists():
            return False
        emails.send_registration_email(registration, kind)
        # Only if still unsent: a promotion committed while "you are waiting" was on its way leaves its own email
        # owed.
        Registration.objects.filter(unsent, pk=registration.pk).update(**sent)
    return True


EMAIL_LOCKS = 0x4354  # the advisory locks' first key: "CT", citytour's emails


def _lock_emails_of(registration_id: int) -> None:
    """A PostgreSQL advisory lock on one registration's emails, held until the transaction ends. SQLite (the demo)
    runs one writer at a time and needs none."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [EMAIL_LOCKS, registration_id % 2**31])


@shared_task(ignore_result=True)
def send_cancellation_notices(event_id: int) -> int:
    """Tell everyone registered for a cancelled event (waiting too): one email each, each with its own retries and
    sent once (see ``_send_cancellation_notice``). The event's notices are marked done once every one of them is
    queued; until then the schedule runs this again, and it queues those not yet told. Returns how many were
    queued."""
    owed = Event.objects.filter(pk=event_id, status=EventStatus.CANCELLED, cancellation_notices_at__isnull=True)
    if not owed.exists():
        return 0
    untold = Registration.objects.filter(
        event_id=event_id,
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED],
        cancellation_notice_at__isnull=True,
    )
    queued = failed = 0
    for registration_id in untold.values_list("pk", flat=True).iterator():
        if _queue_email(registration_id, "event_cancelled"):
            queued += 1
        else:
            failed += 1
    if not failed:
        owed.update(cancellation_notices_at=timezone.now())
    return queued


@shared_task(ignore_result=True)
def send_livestream_links(event_id: int, url: str) -> int:
    """Email the online registrants a livestream link just set or replaced: one email each. Nothing when the link
    has changed again since: that change sends its own. Returns how many were queued."""
    event = Event.objects.filter(pk=event_id, status__in=emails.REMINDED_STATUSES, livestream_url=url).first()
    if event is None or (event.end is not None and event.end <= timezone.now()):
        return 0
    owed = emails.registrations_owed_a_livestream_link(event).values_list("pk", flat=True)
    return sum(_queue_email(registration_id, "livestream") for registration_id in owed)


@shared_task
def promote_waiting_lists() -> int:
    """Seats that free up by themselves (a reserving invite code expiring) go to the people waiting."""
    return services.promote_where_seats_may_have_freed()


@shared_task
def resume_imports() -> int:
    """CSV imports that never reached a worker, or whose worker died, are sent again."""
    return services.resume_imports()


@shared_task
def request_stuck_tickets() -> int:
    """Tickets that never reached a worker are asked for again."""
    return services.request_stuck_tickets()


@shared_task
def send_event_reminders() -> int:
    """Queue the day-before reminders, one task each: a slow or refusing address holds up nobody else, and a
    reminder that could not be sent is queued again by the next hourly run of the day. Returns how many."""
    queued = 0
    for registration_id in emails.registrations_due_a_reminder().values_list("pk", flat=True):
        try:
            send_reminder.delay(registration_id)
        except Exception:
            # Not queued (or, run in this process, not sent): the next run tries again.
            logger.exception("reminder for registration %s not sent", registration_id)
            continue
        queued += 1
    return queued


@shared_task(ignore_result=True)
def send_reminder(registration_id: int) -> bool:
    """One reminder, once (see ``_send_once``), and only while it is still due (the event still tomorrow and
    announced, the registration still confirmed), so that one queued before the event moved or was cancelled
    sends nothing. One the mail server refuses is queued again by the next hourly run of the day (no retries of
    its own, which would pile up behind those runs)."""
    due = emails.registrations_due_a_reminder().filter(pk=registration_id).values("pk")
    registration = (
        Registration.objects.select_related("event__tour", "event__venue", "event__city", "tier")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return False
    unsent = Q(pk__in=due, reminder_sent_at__isnull=True, status=RegistrationStatus.CONFIRMED)
    try:
        return _send_once(registration, "reminder", unsent, reminder_sent_at=timezone.now())
    except (SMTPException, OSError):
        logger.exception("reminder for registration %s refused; the next run tries again", registration_id)
        return False


@shared_task(**EMAIL_RETRIES)
def send_volunteer_email(application_id: int, kind: str) -> None:
    application = VolunteerApplication.objects.select_related("event__tour", "user").filter(pk=application_id).first()
    if application is not None and application.status == kind:
        # A decision changed again before the email left is not sent: the later decision's email is.
        emails.send_volunteer_email(application, kind)


@shared_task
def send_owed_registration_emails() -> int:
    """Confirmations, waiting-list and promotion emails that never reached a worker (the broker was down when the
    registration or the promotion committed): queued again, once the broker takes them. Returns how many."""
    queued = 0
    for registration_id, kind in emails.registrations_owed_an_email().values_list("pk", "email_owed"):
        if _queue_email(registration_id, kind):
            # Queued now: no other copy while this one waits its turn in the queue.
            Registration.objects.filter(pk=registration_id, email_owed=kind).update(email_owed_at=timezone.now())
            queued += 1
    return queued


@shared_task
def send_owed_cancellation_notices() -> int:
    """The notices of cancellations not all queued at the time (the broker was down, a worker stopped in the
    middle): those not yet told. Returns how many emails were queued."""
    owed = Event.objects.filter(status=EventStatus.CANCELLED, cancellation_notices_at__isnull=True)
    return sum(send_cancellation_notices(event_id) for event_id in owed.values_list("pk", flat=True))
