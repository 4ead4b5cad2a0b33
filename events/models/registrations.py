"""Registration: ticket tiers, invite codes, registrations with their tickets, and the people at the door."""

import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citytour.i18n import localized
from citytour.models import AnswersField, CustomQuestion, NamedOption
from citytour.storage import private_storage

from .tours import Event, Tour

# Short codes to type at the door: no 0/O or 1/I/L to misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_ticket_secret() -> str:
    return secrets.token_urlsafe(24)


def new_short_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def typed_code(value: str) -> str:
    """A code as someone typed or pasted it, made comparable: a Chinese input method's full-width letters and
    digits become ordinary ones (NFKC), spaces and invisible characters (a zero-width space pasted from a chat)
    go, letters are upper case."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if not ch.isspace() and unicodedata.category(ch) != "Cf").upper()


class Attendance(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class TierVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INVITE_ONLY = "invite_only", _("With an invite code only")


class TicketTier(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("event"))
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    attendance = models.CharField(
        pgettext_lazy("in person or online", "attendance"),
        max_length=10,
        choices=Attendance.choices,
        default=Attendance.IN_PERSON,
    )
    price = models.DecimalField(
        _("price (CNY)"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("0 is free. Payment is handled offline: mark registrations paid in the admin."),
    )
    quota = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Seats sold in this tier. Empty: no limit (online tiers).")
    )
    sale_starts = models.DateTimeField(_("sale starts"), null=True, blank=True)
    sale_ends = models.DateTimeField(_("sale ends"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=TierVisibility.choices, default=TierVisibility.PUBLIC
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ticket tier")
        verbose_name_plural = _("ticket tiers")
        ordering = ["position", "id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self, "name")

    @property
    def is_free(self) -> bool:
        return self.price == 0

    def on_sale(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.sale_starts is None or self.sale_starts <= now) and (
            self.sale_ends is None or now < self.sale_ends
        )

    def clean(self):
        errors = {}
        if self.attendance == Attendance.IN_PERSON and self.quota is None:
            errors["quota"] = _("An in-person tier needs a number of seats.")
        if self.attendance == Attendance.ONLINE and self.quota is not None:
            errors["quota"] = _("An online tier has no seat limit: leave the seats empty.")
        # On the page that adds an event with its tiers, the event is not saved yet: it is checked as entered.
        event = self.event if self.event_id or TicketTier.event.is_cached(self) else None
        if self.attendance == Attendance.ONLINE and event is not None and not event.livestream_url:
            errors["attendance"] = _("Give the event a livestream URL before opening online registration.")
        if self.sale_starts and self.sale_ends and self.sale_ends <= self.sale_starts:
            errors["sale_ends"] = _("The sale must end after it starts.")
        if self.pk and "attendance" not in errors:
            before = TicketTier.objects.filter(pk=self.pk).values_list("attendance", flat=True).first()
            # Online people have no seat, in-person people do: switching would seat (or unseat) them all at once.
            if before and before != self.attendance and self.registrations.exclude(status="cancelled").exists():
                errors["attendance"] = _(
                    "People have registered for this tier: it stays online or in person. Add a new tier instead."
                )
        if errors:
            raise ValidationError(errors)


class InviteChannel(models.TextChoices):
    SPONSOR = "sponsor", _("Sponsor tickets")
    SPEAKER = "speaker", _("Speaker and guest comps")
    PARTNER = "partner", _("Partner community comps")
    STAFF = "staff", _("Staff")
    OTHER = "other", _("Other")


# Tickets someone else has paid for (a sponsor's) or that are given (comps, staff): their holders owe nothing.
COVERED_CHANNELS = {
    InviteChannel.SPONSOR: _("paid by a sponsor"),
    InviteChannel.SPEAKER: _("complimentary"),
    InviteChannel.PARTNER: _("complimentary"),
    InviteChannel.STAFF: _("complimentary"),
}


class InviteCode(models.Model):
    """A code for one ticket channel: it unlocks a tier, up to a number of uses, until it expires."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invite_codes", verbose_name=_("event"))
    channel = models.CharField(_("channel"), max_length=20, choices=InviteChannel.choices)
    label = models.CharField(
        _("for"), max_length=100, blank=True, help_text=_("Who the code is for: a sponsor, a community, a guest.")
    )
    tier = models.ForeignKey(TicketTier, on_delete=models.CASCADE, related_name="invite_codes", verbose_name=_("tier"))
    code = models.CharField(_("code"), max_length=32, unique=True, default=new_short_code)
    max_uses = models.PositiveIntegerField(
        _("uses"), default=1, validators=[MinValueValidator(1, message=_("A code can be used at least once."))]
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    reserves_seats = models.BooleanField(
        _("reserves seats"),
        default=False,
        help_text=_("Set its uses aside outside the tier's public seats (within the event's capacity)."),
    )
    sponsorship = models.ForeignKey(
        "sponsors.Sponsorship",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invite_codes",
        verbose_name=_("sponsorship"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invite code")
        verbose_name_plural = _("invite codes")
        ordering = ["channel", "label", "created_at"]

    def __str__(self):
        return self.code

    @property
    def covered_by(self) -> str:
        """Who pays for the code's ticket when it has a price its holder does not pay ("paid by a sponsor",
        "complimentary"), or "" (free, or the holder's to pay)."""
        return "" if self.tier.is_free else str(COVERED_CHANNELS.get(self.channel, ""))

    @property
    def holder_pays(self) -> bool:
        """Whether the holder pays for the code's ticket (a sponsor's ticket or a comp costs them nothing)."""
        return not self.tier.is_free and not self.covered_by

    def clean(self):
        # Kept as it is looked up: "vip 2024" typed by an organizer is the code VIP2024 attendees type.
        self.code = typed_code(self.code or "")
        if not self.code:
            raise ValidationError({"code": _("A code needs at least one letter or digit.")})
        if self.tier_id and self.event_id and self.tier.event_id != self.event_id:
            raise ValidationError({"tier": _("This tier belongs to another event.")})

    def save(self, *args, **kwargs):
        self.code = typed_code(self.code or "")
        super().save(*args, **kwargs)


class ReferralChannel(NamedOption):
    """How an attendee heard of the event: the organizers' own list (公众号, 社区群, 活动行 …)."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="referral_channels", verbose_name=_("tour"))

    class Meta(NamedOption.Meta):
        verbose_name = _("“how did you hear of us” option")
        verbose_name_plural = _("“how did you hear of us” options")


class RegistrationQuestion(CustomQuestion):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("event"))

    class Meta(CustomQuestion.Meta):
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")


class RegistrationSource(models.TextChoices):
    WEB = "web", _("on the site")
    IMPORT = "import", _("imported (CSV)")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class TicketState(models.TextChoices):
    NONE = "none", _("No ticket")
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class TierTally(models.Model):
    """How many confirmed registrations a tier has, kept by the database itself: triggers on the registrations
    table (migration 0014) count every insert, delete and change of status, tier or reserved seat, whoever makes
    it (a service, the admin, a bulk update). A claim reads its seats in a row per tier instead of counting the
    event's registrations under the event's lock, which grew with every registration. Nothing here writes it."""

    tier = models.OneToOneField(
        TicketTier, on_delete=models.CASCADE, primary_key=True, related_name="tally", verbose_name=_("tier")
    )
    confirmed = models.PositiveIntegerField(default=0)
    # Of those, the seats invite codes reserved outside the tier's quota.
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("seat tally")
        verbose_name_plural = _("seat tallies")

    def __str__(self):
        return f"{self.tier_id}: {self.confirmed} ({self.reserved} reserved)"


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("event"))
    tier = models.ForeignKey(TicketTier, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("tier"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="registrations",
        verbose_name=_("account"),
        null=True,
        blank=True,
    )
    email = models.EmailField(_("email"))
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=100)
    company = models.CharField(_("company"), max_length=150, blank=True)
    job_role = models.CharField(_("job role"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    heard_from = models.ForeignKey(
        ReferralChannel, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("heard of us through")
    )
    answers = AnswersField(_("answers"), default=dict, blank=True)
    invite_code = models.ForeignKey(
        InviteCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("invite code"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.CONFIRMED
    )
    holds_reserved_seat = models.BooleanField(default=False, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    privacy_accepted_at = models.DateTimeField(_("privacy note accepted at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=RegistrationSource.choices, default=RegistrationSource.WEB, editable=False
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans", editable=False)
    ticket_secret = models.CharField(max_length=64, unique=True, default=new_ticket_secret, editable=False)
    ticket_code = models.CharField(_("ticket code"), max_length=12, unique=True, default=new_short_code, editable=False)
    ticket_pdf = models.FileField(
        _("ticket"), upload_to="tickets/", storage=private_storage, blank=True, editable=False
    )
    ticket_state = models.CharField(
        _("ticket"), max_length=10, choices=TicketState.choices, default=TicketState.NONE, editable=False
    )
    ticket_error = models.CharField(max_length=500, blank=True, editable=False)
    # When the ticket was last asked for: a ticket "being prepared" for long was lost on its way to the worker.
    ticket_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
        editable=False,
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    # The email this registration is owed ("confirmed", "waitlisted", "promoted"): written in the transaction
    # that owes it, cleared when it leaves, so that one that never reached a worker (the broker was down, the web
    # process stopped before queuing it) is sent by the schedule.
    email_owed = models.CharField(_("email owed"), max_length=20, blank=True, default="", editable=False)
    email_owed_at = models.DateTimeField(_("email owed since"), null=True, blank=True, editable=False)
    # When this person was told that the event is cancelled (claimed just before the email leaves): each is told
    # once, however many times the notices are queued.
    cancellation_notice_at = models.DateTimeField(
        _("told of the cancellation at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled"),
                name="one_active_registration_per_email",
                violation_error_message=_("This email address is already registered for this event."),
            )
        ]
        indexes = [
            models.Index(fields=["event", "tier", "status"]),
            models.Index(fields=["event", "status"]),
            # The schedule's look for emails owed: a handful among many thousands of rows.
            models.Index(fields=["email_owed_at"], condition=~Q(email_owed=""), name="registration_email_owed"),
        ]

    def __str__(self):
        return f"{self.name} · {self.event}"

    @property
    def attendance(self) -> str:
        return self.tier.attendance

    @property
    def channel(self) -> str:
        return self.invite_code.channel if self.invite_code_id else "public"

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED

    @property
    def covered_by(self) -> str:
        """Who pays for a ticket with a price that its holder does not pay ("paid by a sponsor", "complimentary"),
        or "" (free, or theirs to pay)."""
        return self.invite_code.covered_by if self.invite_code_id else ""

    @property
    def owes_payment(self) -> bool:
        """A confirmed seat with a price its holder pays the organizers, not paid yet."""
        return (
            self.status == RegistrationStatus.CONFIRMED
            and not self.tier.is_free
            and not self.covered_by
            and self.paid_at is None
        )

    @property
    def has_door_ticket(self) -> bool:
        """A confirmed seat at the venue. Online registrants are sent the livestream, not a ticket for the door."""
        return self.status == RegistrationStatus.CONFIRMED and self.tier.attendance == Attendance.IN_PERSON

    def changeable_by_owner(self, now=None) -> bool:
        """Whether its owner may still change their details or cancel: an active registration, not used at the
        door, of an event that has not begun (nor been finished or cancelled)."""
        return self.is_active and self.checked_in_at is None and self.event.upcoming(now)

    def cancellable_by_owner(self, now=None) -> bool:
        """Whether its owner may cancel it: while they may change it, and a place on a waiting list until the event
        ends — it holds no seat, and once the event has begun, leaving the list lets its owner register for a seat
        freed at the door."""
        waiting_while_open = self.status == RegistrationStatus.WAITLISTED and self.event.takes_registrations
        return waiting_while_open or self.changeable_by_owner(now)


class CheckInStaff(models.Model):
    """Someone (a volunteer, say) who may check attendees in at one event, besides its organizers."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="check_in_staff", verbose_name=_("event"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_in_events", verbose_name=_("user")
    )
    from_shifts = models.BooleanField(
        _("from a check-in shift"),
        default=False,
        editable=False,
        help_text=_("Added because of a check-in shift; removed when they no longer have one."),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in helper")
        verbose_name_plural = _("check-in helpers")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="one_check_in_row_per_user")]

    def __str__(self):
        return str(self.user)


class ImportState(models.TextChoices):
    QUEUED = "queued", _("waiting for its turn")
    RUNNING = "running", _("importing")
    DONE = "done", _("imported")
    FAILED = "failed", _("nothing imported")


class RegistrationImport(models.Model):
    """A CSV file of registrations the organizers brought (a sponsor's guests, a partner community's members),
    imported in the background: everyone in it, or — with the rows to fix — no one."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registration_imports", verbose_name=_("event")
    )
    file_name = models.CharField(_("file"), max_length=255)
    # The file until it is imported; emptied then, so that the people's details stay only in their registrations.
    data = models.BinaryField(editable=False, default=b"")
    state = models.CharField(_("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    # Off for people already told elsewhere: they get no confirmation email (their tickets still come).
    notify = models.BooleanField(_("email the confirmations"), default=True)
    # The report is written in the language of the organizer who brought the file.
    language = models.CharField(max_length=10, default="zh-hans", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("brought by"),
    )
    created_at = models.DateTimeField(_("brought at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    imported = models.PositiveIntegerField(_("registrations imported"), default=0)
    # [{"line": 3, "email": "…", "message": "…"}, …]: the rows to fix, by the line each begins on.
    errors = models.JSONField(_("rows to fix"), default=list, blank=True)

    class Meta:
        verbose_name = _("registration import")
        verbose_name_plural = _("registration imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)
