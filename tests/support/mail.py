"""Email backends for a bad day: one that refuses an address and keeps the rest, one whose worker dies."""

import threading
from smtplib import SMTPRecipientsRefused

from django.core.mail.backends.locmem import EmailBackend

REFUSED = "refused@example.org"


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.to:
                raise SMTPRecipientsRefused({REFUSED: (550, b"mailbox unavailable")})
        return super().send_messages(messages)


class DyingBackend(EmailBackend):
    """The worker stops while the email is being sent (killed, out of memory): nothing after this line runs."""

    def send_messages(self, messages):
        raise SystemExit(1)


class StallingBackend(EmailBackend):
    """A mail server that stops answering: the first send after ``stall()`` waits until the test lets it go."""

    armed = threading.Event()
    entered = threading.Event()
    released = threading.Event()

    @classmethod
    def stall(cls):
        cls.entered.clear()
        cls.released.clear()
        cls.armed.set()

    def send_messages(self, messages):
        if type(self).armed.is_set():
            type(self).armed.clear()
            type(self).entered.set()
            type(self).released.wait(timeout=30)
        return super().send_messages(messages)
