"""Phone numbers as people type them in China and abroad, checked and kept in one spelling."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Marks a phone's contacts app or a web page leaves around a copied number, which nobody sees.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
)
# A Chinese keyboard in full-width mode: digits, plus, brackets, hyphen, space.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋（）－　", "0123456789+()- ")
# What people put between the digits: spaces, dashes of every width, dots, brackets, slashes.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.()/]")
# An extension, marked: "转 8001", "分机 8001", "ext. 8001", "x8001", "#8001".
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)

_MOBILE = re.compile(r"1[3-9]\d{9}")  # 11 digits: 138 0013 8000
# The area code with its 0 (010 and 02x, or four digits), then a local number that starts with 2–9.
_LANDLINE = re.compile(r"0(?:10|2\d)[2-9]\d{7}|0[3-9]\d{2}[2-9]\d{6,7}")
_SERVICE = re.compile(r"[48]00\d{7}")  # 400 810 8888, 800 …: companies' and venues' numbers
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")  # E.164: a country code and at most 15 digits in all


def _clean(value: str) -> str:
    return value.translate(_INVISIBLE).translate(_FULL_WIDTH).strip()


def compact_phone(value: str) -> str:
    """The characters that matter in what was typed or pasted: digits, and a + in front."""
    # "+44 (0)20 …": the trunk 0 in brackets is not dialled from abroad.
    return _SEPARATORS.sub("", _clean(value).replace("(0)", ""))


def _national(compact: str) -> str:
    """A number with China's country code (+86, 0086, or 86 before a mobile) in its spelling within China."""
    if compact.startswith("00"):
        compact = "+" + compact[2:]  # dialled from China: 00 44 …
    if compact.startswith("86") and _MOBILE.fullmatch(compact[2:]):
        return compact[2:]
    if compact.startswith("+86"):
        national = compact[3:].removeprefix("0")
        return national if _MOBILE.fullmatch(national) or _SERVICE.fullmatch(national) else "0" + national
    return compact


def normalize_phone(value: str) -> str:
    """The number in one spelling: digits only for a Chinese number (a mobile without +86, a landline with its
    area code's 0, then "-" and its extension if it has one), ``+`` and digits for another country's. Raises
    ``ValidationError`` for anything else."""
    text = _clean(value)
    extension = ""
    if marked := _EXTENSION.search(text):
        text, extension = text[: marked.start()], marked.group(1)
    elif "-" in text:
        # 010-6552 9988-8001: a last group after a whole landline number is its extension.
        head, _dash, tail = text.rpartition("-")
        if tail.strip().isdigit() and len(tail.strip()) <= 6 and _LANDLINE.fullmatch(_national(compact_phone(head))):
            text, extension = head, tail.strip()
    number = _national(compact_phone(text))
    if _MOBILE.fullmatch(number) and not extension:
        return number
    if _LANDLINE.fullmatch(number) or _SERVICE.fullmatch(number) or _INTERNATIONAL.fullmatch(number):
        return f"{number}-{extension}" if extension else number
    raise ValidationError(PhoneField.default_error_messages["invalid"], code="invalid")


def phone_digits(query: str) -> str:
    """The digits a search for a phone number should look for, whichever way the number was typed: those of its
    one spelling when it is a whole number, else those typed (a part of a number); "" for anything else."""
    try:
        return re.sub(r"\D", "", normalize_phone(query))
    except ValidationError:
        pass
    compact = compact_phone(query)
    digits = _national(compact).lstrip("+") if re.fullmatch(r"\+?\d+", compact) else ""
    return digits if len(digits) >= 4 else ""


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
