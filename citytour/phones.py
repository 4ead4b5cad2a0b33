"""Phone numbers as people type them in China and abroad, checked and kept in one spelling."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What people put between the digits: spaces (also the full-width one), dashes, dots, brackets.
_SEPARATORS = re.compile(r"[\s\u3000\-‐–—.()（）]")
_MOBILE = re.compile(r"1[3-9]\d{9}")  # 11 digits: 138 0013 8000
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")  # area code with its 0, then the number: 010 6552 9988, 0755 8888 6666
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")  # E.164: a country code and at most 15 digits in all


def normalize_phone(value: str) -> str:
    """The number in one spelling: digits only for a Chinese number (a mobile without +86, a landline with its
    area code's 0), ``+`` and digits for another country's. Raises ``ValidationError`` for anything else."""
    compact = _SEPARATORS.sub("", value.translate(_FULL_WIDTH_DIGITS))
    if compact.startswith("00"):
        compact = "+" + compact[2:]  # dialled from China: 00 44 …
    if compact.startswith("+86"):
        national = compact[3:].removeprefix("0")
        compact = national if _MOBILE.fullmatch(national) else "0" + national
    if _MOBILE.fullmatch(compact) or _LANDLINE.fullmatch(compact) or _INTERNATIONAL.fullmatch(compact):
        return compact
    raise ValidationError(PhoneField.default_error_messages["invalid"], code="invalid")


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")


class PhoneInput(forms.TextInput):
    input_type = "tel"  # a phone's keypad


class PhoneField(forms.CharField):
    """A phone number: a Chinese mobile or landline number, or an international one starting with +."""

    widget = PhoneInput

    default_error_messages = {
        "invalid": _(
            "Enter a phone number: a mobile number such as 138 0013 8000, a landline with its area code such as "
            "010-6552 9988, or a number abroad starting with + and its country code."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "tel")

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value
