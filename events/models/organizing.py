"""The organizing team's work: the checklist of a city event and the yearly targets of each city."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from citytour.i18n import localized

from .tours import City, Event, Tour


class ChecklistArea(models.TextChoices):
    """Who on the 会务组 usually does a task."""

    HOST = "host", _("Host")
    PROGRAM = "program", _("Programme")
    SPEAKERS = "speakers", _("Speakers")
    PROMOTION = "promotion", _("Promotion")
    REGISTRATION = "registration", _("Registration")
    VENUE = "venue", _("Venue")
    ON_SITE = "on_site", _("On site")
    MEDIA = "media", _("Photo and video")
    CONTENT = "content", _("Content")
    SPONSORSHIP = "sponsorship", _("Sponsorship")


class ChecklistTemplateItem(models.Model):
    """A task every city event of a tour needs, due a number of days before (or after) the event."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="checklist_template", verbose_name=_("tour"))
    title = models.CharField(_("task"), max_length=200)
    title_en = models.CharField(_("task (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    area = models.CharField(
        _("default role"),
        max_length=20,
        choices=ChecklistArea.choices,
        help_text=_("The part of the organizing team that usually does this task."),
    )
    due_offset_days = models.SmallIntegerField(
        _("due (days from the event)"),
        validators=[MinValueValidator(-365), MaxValueValidator(365)],
        help_text=_("−30 means 30 days before the event day; 3 means 3 days after it."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist template task")
        verbose_name_plural = _("checklist template")
        ordering = ["tour", "due_offset_days", "position"]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return localized(self, "title")

    @property
    def due_label(self) -> str:
        days = self.due_offset_days
        return "T" if days == 0 else f"T{days:+d}".replace("-", "−")


class TaskStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("In progress")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Not needed")


OPEN_TASK_STATUSES = (TaskStatus.TODO, TaskStatus.DOING)


class ChecklistTask(models.Model):
    """One task of one event's checklist."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("event"))
    template_item = models.ForeignKey(
        ChecklistTemplateItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("from the template"),
    )
    title = models.CharField(_("task"), max_length=200)
    title_en = models.CharField(_("task (English)"), max_length=200, blank=True)
    area = models.CharField(_("role"), max_length=20, choices=ChecklistArea.choices)
    due_date = models.DateField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklist_tasks",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.TODO)
    notes = models.TextField(_("notes"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("checklist task")
        verbose_name_plural = _("checklist tasks")
        ordering = ["event", "due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "template_item"], name="template_task_copied_once_per_event")
        ]
        indexes = [models.Index(fields=["event", "status", "due_date"])]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return localized(self, "title")

    def is_overdue(self, today) -> bool:
        return self.status in OPEN_TASK_STATUSES and self.due_date < today


class CityTarget(models.Model):
    """A chapter's (分会) goal: how many events a city holds in a year."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="targets", verbose_name=_("city"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    events = models.PositiveSmallIntegerField(_("events planned"))

    class Meta:
        verbose_name = _("city target")
        verbose_name_plural = _("city targets")
        ordering = ["-year", "city__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "year"],
                name="one_target_per_city_and_year",
                violation_error_message=_("This city already has a target for that year."),
            )
        ]

    def __str__(self):
        return f"{self.city} {self.year}: {self.events}"
