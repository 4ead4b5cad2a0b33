"""Agendas: the tour's template, and each event's rooms and slots."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from citytour.i18n import localized

from .tours import Event, Tour


class SlotKind(models.TextChoices):
    OPENING = "opening", _("Opening")
    KEYNOTE = "keynote", _("Keynote")
    CASE_STUDY = "case_study", _("Case study")
    TALK = "talk", _("Talk")
    QA = "qa", _("Q&A")
    LIGHTNING = "lightning", _("Lightning talks")
    ROUNDTABLE = "roundtable", _("Roundtable")
    WORKSHOP = "workshop", _("Workshop")
    BREAK = "break", _("Break")
    EXHIBITION = "exhibition", _("Exhibition")
    CLOSING = "closing", _("Closing")


class AgendaTemplate(models.Model):
    """The usual running order of a city event of the tour, which each city copies and adapts."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="agenda_templates", verbose_name=_("tour"))
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")
        ordering = ["tour", "name"]

    def __str__(self):
        return self.name


class AgendaTemplateSlot(models.Model):
    template = models.ForeignKey(
        AgendaTemplate, on_delete=models.CASCADE, related_name="slots", verbose_name=_("agenda template")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=SlotKind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1, message=_("A slot lasts at least one minute."))]
    )

    class Meta:
        verbose_name = _("template slot")
        verbose_name_plural = _("template slots")
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.title} ({self.duration_minutes}′)"


class Room(models.Model):
    """A room or track of an event, for parallel sessions."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("event"))
    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="room_name_unique_in_event")]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self, "name")


def slides_path(slot, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"slides/{slot.event.tour.slug}/{slot.event.slug}/{slot.pk}-{secrets.token_hex(4)}.{extension}"


class Slot(models.Model):
    """One item of an event's agenda: a talk, or an item such as the opening or a break."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots", verbose_name=_("event"))
    room = models.ForeignKey(
        Room, on_delete=models.SET_NULL, related_name="slots", verbose_name=_("room"), null=True, blank=True
    )
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=20, choices=SlotKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Empty: the talk's title."))
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    submission = models.ForeignKey(
        "speakers.Submission",
        on_delete=models.SET_NULL,
        related_name="slots",
        verbose_name=_("talk"),
        null=True,
        blank=True,
    )
    slides = models.FileField(_("slides"), upload_to=slides_path, blank=True)
    replay_url = models.URLField(_("replay URL"), blank=True)

    class Meta:
        verbose_name = _("agenda slot")
        verbose_name_plural = _("agenda")
        ordering = ["start", "room__position", "id"]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title or self.title_en:
            return localized(self, "title") or self.title_en
        return self.submission.title if self.submission_id else self.get_kind_display()

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("A slot must end after it starts.")})
        if self.room_id and self.event_id and self.room.event_id != self.event_id:
            raise ValidationError({"room": _("This room belongs to another event.")})
