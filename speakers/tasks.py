from smtplib import SMTPException

from celery import shared_task
from django.core.mail import send_mail

from .emails import decision_email
from .models import Submission


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_decision_email(submission_id: int, state: str) -> None:
    submission = (
        Submission.objects.select_related("cfp__tour", "speaker__speaker_profile").filter(pk=submission_id).first()
    )
    if submission is None or submission.state != state:
        return  # gone, or decided again since: the newer decision sends its own email
    email = decision_email(submission, state)
    send_mail(email.subject, email.body, None, email.to)
