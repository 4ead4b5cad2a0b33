"""Content that organizers enter in two languages: Chinese in the plain field, English in ``<field>_en``."""

from django.utils.translation import get_language


def localized(obj, field: str, *, default_suffix: str = "") -> str:
    """The English text of ``field`` on English pages when there is one, the Chinese text otherwise."""
    chinese = getattr(obj, field + default_suffix)
    if (get_language() or "").startswith("en"):
        return getattr(obj, field + "_en", "") or chinese
    return chinese
