"""An email backend that refuses one address, as a mail server does on a bad day, and keeps the rest."""

from smtplib import SMTPRecipientsRefused

from django.core.mail.backends.locmem import EmailBackend

REFUSED = "refused@example.org"


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.to:
                raise SMTPRecipientsRefused({REFUSED: (550, b"mailbox unavailable")})
        return super().send_messages(messages)
