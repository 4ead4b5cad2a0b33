"""Abstract models that several apps share. citytour itself has no tables."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .i18n import localized


def validate_answers(value) -> None:
    """Answers to custom questions: a JSON object from question number to the text answered."""
    if not isinstance(value, dict) or not all(isinstance(answer, str) for answer in value.values()):
        raise ValidationError(
            _('The answers are a JSON object from question number to answer, for example {"3": "素食"}.'),
            code="answers",
        )


class AnswersFormField(forms.JSONField):
    """Blank is no answers; anything else must be answers. A field's validators skip empty values, and ``[]`` or
    ``""`` is one, yet the code that reads the answers needs an object."""

    def to_python(self, value):
        if isinstance(value, str) and not value.strip():
            return {}
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        validate_answers(value)


class AnswersField(models.JSONField):
    """Answers to custom questions: see ``validate_answers``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_answers])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": AnswersFormField, **kwargs})


class CustomQuestion(models.Model):
    """A question organizers add to a form (the CFP's, an event's registration), in Chinese and English."""

    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.text

    @property
    def display_text(self) -> str:
        return localized(self, "text")


class NamedOption(models.Model):
    """An entry of a short list organizers keep in order (a CFP's tracks, the “how did you hear of us” channels),
    named in Chinese and English."""

    name = models.CharField(pgettext_lazy("of a thing", "name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self, "name")
