"""Date planning: is a day clear of Chinese statutory holidays, adjusted working days (调休) and major
international holidays — and if not, which nearby weekend days are?

Uses ``chinese-calendar`` (the State Council's yearly schedule, including the adjusted working days) and
``holidays`` (public holidays of the countries in ``CITYTOUR_HOLIDAY_COUNTRIES``, where international speakers and
sponsors travel from).
"""

import datetime as dt
from functools import cache

import chinese_calendar
import holidays
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# chinese-calendar names holidays in English; these are their Chinese names, through the translations.
HOLIDAY_NAMES = {
    "New Year's Day": gettext_noop("New Year's Day"),
    "Spring Festival": gettext_noop("Spring Festival"),
    "Tomb-sweeping Day": gettext_noop("Tomb-sweeping Day"),
    "Labour Day": gettext_noop("Labour Day"),
    "Dragon Boat Festival": gettext_noop("Dragon Boat Festival"),
    "National Day": gettext_noop("National Day"),
    "Mid-autumn Festival": gettext_noop("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": gettext_noop("Anti-Fascist 70th Day"),
}


def _holiday_name(name: str) -> str:
    return _(HOLIDAY_NAMES.get(name, name))


@cache
def _international(year: int) -> dict:
    found = {}
    for country in getattr(settings, "CITYTOUR_HOLIDAY_COUNTRIES", ["US", "GB"]):
        for day, name in holidays.country_holidays(country, years=year).items():
            found.setdefault(day, f"{name} ({country})")
    return found


def _chinese(day: dt.date) -> tuple[str | None, bool]:
    """(statutory holiday name or None, whether it is an adjusted working day)."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None, False  # a year the official schedule has not been published for
    if on_holiday and name:
        return name, False
    return None, bool(workday and day.weekday() >= 5 and name)


def date_warnings(day: dt.date) -> list[str]:
    """What is wrong with holding an event on ``day``; an empty list when the day is clear."""
    warnings = []
    name, adjusted = _chinese(day)
    if name:
        warnings.append(
            _("%(date)s falls on %(holiday)s, a statutory holiday in China.")
            % {"date": day.isoformat(), "holiday": _holiday_name(name)}
        )
    elif adjusted:
        warnings.append(
            _("%(date)s is an adjusted working day (调休) in China: most people work.") % {"date": day.isoformat()}
        )
    else:
        for neighbour, next_to in (
            (day - dt.timedelta(days=1), _("the day after")),
            (day + dt.timedelta(days=1), _("the day before")),
        ):
            name, adjusted = _chinese(neighbour)
            if name:
                warnings.append(
                    _("%(date)s is %(next_to)s %(holiday)s, a statutory holiday in China.")
                    % {"date": day.isoformat(), "next_to": next_to, "holiday": _holiday_name(name)}
                )
            elif adjusted:
                warnings.append(
                    _("%(date)s is %(next_to)s an adjusted working day (调休) in China.")
                    % {"date": day.isoformat(), "next_to": next_to}
                )
    international = _international(day.year).get(day)
    if international:
        warnings.append(
            _("%(date)s is %(holiday)s, a public holiday abroad.") % {"date": day.isoformat(), "holiday": international}
        )
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        warnings.append(
            _("China's holiday schedule for %(year)s is not published yet; check again later.") % {"year": day.year}
        )
    return warnings


def clear_weekend_days(day: dt.date, *, count: int = 3, weeks: int = 8) -> list[dt.date]:
    """The nearest Saturdays and Sundays to ``day`` (before or after) with no warning, nearest first."""
    candidates = []
    for offset in range(-7 * weeks, 7 * weeks + 1):
        other = day + dt.timedelta(days=offset)
        if other != day and other.weekday() >= 5:
            candidates.append((abs(offset), offset < 0, other))
    clear = [other for _distance, _before, other in sorted(candidates) if not date_warnings(other)]
    return clear[:count]
