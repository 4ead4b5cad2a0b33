"""Volunteers of a city event: who signed up, their shifts and whether they came."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citytour.i18n import listed

from .tours import Event


class VolunteerRole(models.TextChoices):
    """The 会务组 roles a volunteer can take on the day."""

    HOST = "host", _("Host / MC")
    CHECK_IN = "check_in", _("Check-in")
    PHOTOGRAPHY = "photography", _("Photography")
    VIDEO = "video", _("Video")
    MIC_RUNNER = "mic_runner", _("Mic runner")
    SPEAKER_LIAISON = "speaker_liaison", _("Speaker liaison")
    LIVESTREAM = "livestream", _("Livestream")
    VENUE_SETUP = "venue_setup", _("Venue setup")
    SOCIAL_MEDIA = "social_media", _("Social media")


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("a volunteer", "Withdrawn")


class VolunteerApplication(models.Model):
    """Someone's offer to help at one event, and the organizers' answer."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="volunteers", verbose_name=_("event"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteering", verbose_name=_("user")
    )
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=100)
    roles = models.JSONField(_("preferred roles"), default=list)
    availability = models.CharField(
        _("availability"), max_length=300, help_text=_("For example: the whole day, or only the afternoon.")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=60, blank=True)
    experience = models.TextField(_("experience"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["event", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="one_volunteer_application_per_event",
                violation_error_message=_("You have already signed up to volunteer at this event."),
            )
        ]

    def __str__(self):
        return f"{self.name} · {self.event}"

    @property
    def role_labels(self) -> list[str]:
        labels = dict(VolunteerRole.choices)
        return [str(labels[role]) for role in self.roles if role in labels]

    @property
    def roles_text(self) -> str:
        """The roles listed as the page's language lists things: "签到、摄影", "Check-in, Photography"."""
        return listed(self.role_labels)

    @property
    def has_check_in_shift(self) -> bool:
        return any(assignment.shift.role == VolunteerRole.CHECK_IN for assignment in self.assignments.all())


class Shift(models.Model):
    """A time range of one role at an event, with the number of people it needs."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("event"))
    role = models.CharField(_("role"), max_length=20, choices=VolunteerRole.choices)
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))
    head_count = models.PositiveSmallIntegerField(_("people needed"), default=1)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["event", "start", "role"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="shift_ends_after_it_starts",
                violation_error_message=_("A shift must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(head_count__gte=1),
                name="shift_needs_someone",
                violation_error_message=_("A shift needs at least one person."),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {timezone.localtime(self.start):%m-%d %H:%M}"


class ShiftAttendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not marked")
    PRESENT = "present", _("Came")
    ABSENT = "absent", _("Did not come")


class ShiftAssignment(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("shift"))
    volunteer = models.ForeignKey(
        VolunteerApplication, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("volunteer")
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=ShiftAttendance.choices, default=ShiftAttendance.UNKNOWN
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift assignments")
        ordering = ["shift__start", "volunteer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                name="one_assignment_per_shift_and_volunteer",
                violation_error_message=_("This volunteer already has this shift."),
            )
        ]

    def __str__(self):
        return f"{self.volunteer.name} · {self.shift}"
