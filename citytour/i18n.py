"""Content that organizers enter in two languages: Chinese in the plain field, English in ``<field>_en``."""

from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext


def localized(obj, field: str, *, default_suffix: str = "") -> str:
    """The English text of ``field`` on English pages when there is one, the Chinese text otherwise."""
    chinese = getattr(obj, field + default_suffix)
    if (get_language() or "").startswith("en"):
        return getattr(obj, field + "_en", "") or chinese
    return chinese


def listed(items) -> str:
    """Items listed as the page's language lists them: "深圳、广州", "Shenzhen, Guangzhou"."""
    return pgettext("between the items of a list", ", ").join(str(item) for item in items)


def time_range(start, end, *, day_format: str = "Y-m-d l") -> str:
    """When something happens, in Shanghai time: "2026-12-03 星期四 13:30–17:30"; with the end's date too when it
    ends on another day (a night event, two days); the start alone when there is no end."""
    start = timezone.localtime(start)
    text = f"{formats.date_format(start, day_format)} {start:%H:%M}"
    if end is None:
        return text
    end = timezone.localtime(end)
    if end.date() == start.date():
        return f"{text}–{end:%H:%M}"
    return f"{text} – {formats.date_format(end, day_format)} {end:%H:%M}"
