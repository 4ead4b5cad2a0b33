"""iCalendar files of agendas (the ``icalendar`` package), with the Asia/Shanghai time zone included."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent


def agenda_calendar(slots, *, name: str) -> bytes:
    """A calendar with one entry per slot; times keep their zone (TZID=Asia/Shanghai) and a VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", "-//citytour//agenda//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    made = timezone.now()
    for slot in slots:
        entry = CalendarEvent()
        entry.add("uid", f"slot-{slot.pk}@citytour")
        entry.add("dtstamp", made)  # required by RFC 5545: when this copy of the entry was made
        entry.add("summary", slot.display_title)
        entry.add("dtstart", slot.start.astimezone(_zone()))
        entry.add("dtend", slot.end.astimezone(_zone()))
        venue = slot.event.venue
        location = f"{venue.display_name}, {venue.address}" if venue else slot.event.city.display_name
        if slot.room_id:
            location = f"{slot.room.display_name} · {location}"
        entry.add("location", location)
        speakers = ", ".join(profile.display_name for profile in getattr(slot, "speakers", []))
        description = "\n\n".join(
            part for part in [speakers, slot.submission.abstract if slot.submission_id else ""] if part
        )
        if description:
            entry.add("description", description)
        entry.add("url", settings.SITE_URL + slot.event.get_absolute_url())
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)
