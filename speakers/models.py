"""Speakers, the call for papers, submissions and their reviews and decisions."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citytour.i18n import localized
from citytour.models import AnswersField, CustomQuestion, NamedOption
from events.models import City, Event, Tour


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Language(models.TextChoices):
    CHINESE = "zh-hans", "中文"
    ENGLISH = "en", "English"


class SpeakerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="speaker_profile", verbose_name=_("user")
    )
    name = models.CharField(pgettext_lazy("of a person", "name (Chinese)"), max_length=100, blank=True)
    name_en = models.CharField(pgettext_lazy("of a person", "name (English)"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    company = models.CharField(_("company or organization"), max_length=150, blank=True)
    bio = models.TextField(_("short bio"), max_length=2000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="speakers/", blank=True)
    email = models.EmailField(_("contact email"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    departure_city = models.CharField(_("city of departure"), max_length=50, blank=True)
    needs_travel = models.BooleanField(_("needs travel support"), default=False)
    needs_hotel = models.BooleanField(_("needs a hotel"), default=False)
    preferred_language = models.CharField(
        _("language for emails"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("speaker profile")
        verbose_name_plural = _("speaker profiles")
        ordering = ["name", "name_en"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the page's language when there is one, else the other, else the email's user part."""
        return localized(self, "name") or self.name_en or self.email.split("@")[0]

    def get_absolute_url(self):
        return reverse("speakers:speaker", kwargs={"pk": self.pk})


class SessionFormat(models.TextChoices):
    KEYNOTE = "keynote", _("Keynote")
    CASE_STUDY = "case_study", _("Case study")
    DEEP_DIVE = "deep_dive", _("Technical deep-dive")
    LIGHTNING = "lightning", _("Lightning talk (3–5 minutes)")
    PANEL = "panel", _("Panel / roundtable")
    WORKSHOP = "workshop", _("Workshop / training")
    CLOSED_DOOR = "closed_door", _("Closed-door session")


class AudienceLevel(models.TextChoices):
    EXECUTIVE = "executive", _("Executive / CTO")
    ARCHITECT = "architect", _("Architect")
    DEVELOPER = "developer", _("Developer")
    OPERATIONS = "operations", _("Operations / DBA")
    STUDENT = "student", _("Student")


class CallForPapers(models.Model):
    tour = models.OneToOneField(Tour, on_delete=models.CASCADE, related_name="cfp", verbose_name=_("tour"))
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    formats = models.JSONField(_("accepted formats"), default=list, blank=True)
    levels = models.JSONField(_("audience levels"), default=list, blank=True)
    anonymous_review = models.BooleanField(
        _("anonymous review"), default=False, help_text=_("Hide speakers' names and companies from reviewers.")
    )

    class Meta:
        verbose_name = _("call for papers")
        verbose_name_plural = _("calls for papers")

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return localized(self, "title")

    @property
    def display_description(self) -> str:
        return localized(self, "description")

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def format_choices(self) -> list[tuple[str, str]]:
        return [(value, label) for value, label in SessionFormat.choices if value in self.formats]

    def level_choices(self) -> list[tuple[str, str]]:
        return [(value, label) for value, label in AudienceLevel.choices if value in self.levels]


class Track(NamedOption):
    cfp = models.ForeignKey(CallForPapers, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("CFP"))

    class Meta(NamedOption.Meta):
        verbose_name = _("track")
        verbose_name_plural = _("tracks")


class CfpQuestion(CustomQuestion):
    cfp = models.ForeignKey(CallForPapers, on_delete=models.CASCADE, related_name="questions", verbose_name=_("CFP"))

    class Meta(CustomQuestion.Meta):
        verbose_name = _("custom question")
        verbose_name_plural = _("custom questions")


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


DECIDED_STATES = frozenset({SubmissionState.ACCEPTED, SubmissionState.WAITLISTED, SubmissionState.REJECTED})


class Submission(models.Model):
    cfp = models.ForeignKey(CallForPapers, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("CFP"))
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("speaker")
    )
    title = models.CharField(_("title"), max_length=200)
    abstract = models.TextField(_("abstract"), max_length=3000)
    outline = models.TextField(_("outline"), max_length=5000, blank=True)
    format = models.CharField(_("format"), max_length=20, choices=SessionFormat.choices)
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("track"), null=True, blank=True
    )
    level = models.CharField(_("audience level"), max_length=20, choices=AudienceLevel.choices)
    language = models.CharField(_("language of the talk"), max_length=10, choices=Language.choices)
    cities = models.ManyToManyField(City, related_name="offered_submissions", verbose_name=_("cities offered"))
    notes = models.TextField(_("notes for the organizers"), blank=True)
    answers = AnswersField(_("answers"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=SubmissionState.choices, default=SubmissionState.SUBMITTED
    )
    notified_state = models.CharField(_("decision emailed"), max_length=20, blank=True, editable=False)
    notified_at = models.DateTimeField(_("decision emailed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def tour(self) -> Tour:
        return self.cfp.tour

    def clean(self):
        if self.track_id and self.cfp_id and self.track.cfp_id != self.cfp_id:
            raise ValidationError({"track": _("This track belongs to another call for papers.")})

    def get_absolute_url(self):
        return reverse("speakers:submission_edit", kwargs={"pk": self.pk})


class CoSpeaker(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="co_speakers", verbose_name=_("submission")
    )
    email = models.EmailField(_("email"))

    class Meta:
        verbose_name = _("co-speaker")
        verbose_name_plural = _("co-speakers")
        constraints = [models.UniqueConstraint(fields=["submission", "email"], name="one_co_speaker_row_per_email")]

    def __str__(self):
        return self.email


class AcceptanceStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the speaker")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


class Acceptance(models.Model):
    """A talk accepted for one city's event; the speaker confirms or declines it from a link."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("submission")
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("event"))
    status = models.CharField(
        _("status"), max_length=10, choices=AcceptanceStatus.choices, default=AcceptanceStatus.PENDING
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("accepted at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        ordering = ["event__start"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "event"], name="one_acceptance_per_event"),
        ]

    def __str__(self):
        return f"{self.submission} @ {self.event.city}"

    def respond_url(self) -> str:
        """The speaker's own page to confirm or decline, reached by its secret token: not the model's "absolute
        URL", which the admin would offer as "View on site" to every organizer."""
        return reverse("speakers:respond", kwargs={"token": self.token})

    def answerable(self, now=None) -> bool:
        """Until its event begins: afterwards the agenda it changes is the record of what happened."""
        start = self.event.start
        return start is None or start > (now or timezone.now())


class ReviewTeamMember(models.Model):
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="reviewers", verbose_name=_("tour"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_teams", verbose_name=_("user")
    )
    tracks = models.ManyToManyField(
        Track, blank=True, verbose_name=_("only these tracks"), help_text=_("Empty: every track.")
    )
    cities = models.ManyToManyField(
        City, blank=True, verbose_name=_("only these cities"), help_text=_("Empty: every city.")
    )

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        constraints = [models.UniqueConstraint(fields=["tour", "user"], name="one_reviewer_row_per_tour")]

    def __str__(self):
        return str(self.user)


class Review(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (weak) to 5 (excellent)"),
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "reviewer"], name="one_review_per_reviewer"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="score_from_1_to_5"),
        ]

    def __str__(self):
        return f"{self.submission}: {self.score}"


class DecisionEmailKind(models.TextChoices):
    ACCEPTED = SubmissionState.ACCEPTED.value, _("Accepted")
    WAITLISTED = SubmissionState.WAITLISTED.value, _("Waitlisted")
    REJECTED = SubmissionState.REJECTED.value, _("Rejected")


class DecisionEmailTemplate(models.Model):
    """The email a speaker gets for a decision, in Chinese and English. Placeholders: see PLACEHOLDERS."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="decision_templates")
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionEmailKind.choices)
    subject = models.CharField(_("subject (Chinese)"), max_length=200)
    body = models.TextField(_("body (Chinese)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("body (English)"))

    class Meta:
        verbose_name = _("decision email")
        verbose_name_plural = _("decision emails")
        constraints = [models.UniqueConstraint(fields=["tour", "kind"], name="one_decision_email_per_kind")]

    def __str__(self):
        return f"{self.tour} · {self.get_kind_display()}"
