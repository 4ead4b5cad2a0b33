"""Writes to an event's agenda."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import AgendaTemplate, Event, Slot


@transaction.atomic
def create_agenda_from_template(*, event: Event, template: AgendaTemplate) -> list[Slot]:
    """Lay the template's slots out one after another from the event's start time."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if template.tour_id != event.tour_id:
        raise ValidationError(_("This agenda template belongs to another tour."))
    if not event.start:
        raise ValidationError(_("Set the event's start time before creating its agenda."))
    if event.slots.exists():
        raise ValidationError(_("%(event)s already has an agenda; delete its slots first.") % {"event": event})
    slots, start = [], event.start
    for item in template.slots.all():
        end = start + dt.timedelta(minutes=item.duration_minutes)
        slots.append(Slot(event=event, start=start, end=end, kind=item.kind, title=item.title, title_en=item.title_en))
        start = end
    return Slot.objects.bulk_create(slots)
