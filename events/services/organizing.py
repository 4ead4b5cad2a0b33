"""The organizing team's checklist: copied from the tour's template with real due dates, then worked through."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ChecklistTask, ChecklistTemplateItem, Event, EventStatus, TaskStatus
from ..selectors import organizes_event, task_owner_choices


class ChecklistError(ValidationError):
    """A refusal with a translated message."""


def _due(event: Event, item: ChecklistTemplateItem) -> dt.date:
    return event.local_date + dt.timedelta(days=item.due_offset_days)


@transaction.atomic
def create_checklist(*, event: Event) -> list[ChecklistTask]:
    """Copy the tour's checklist template onto the event, due relative to the event's date.

    Tasks already copied are left alone, so running it again only adds what the template gained since.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == EventStatus.CANCELLED:
        raise ChecklistError(_("This event is cancelled; it needs no checklist."))
    if not event.start:
        raise ChecklistError(_("Give the event a date first: the checklist's due dates count from it."))
    copied = set(event.checklist.exclude(template_item=None).values_list("template_item_id", flat=True))
    items = ChecklistTemplateItem.objects.filter(tour_id=event.tour_id).exclude(id__in=copied)
    return ChecklistTask.objects.bulk_create(
        ChecklistTask(
            event=event,
            template_item=item,
            title=item.title,
            title_en=item.title_en,
            area=item.area,
            due_date=_due(event, item),
        )
        for item in items
    )


def redate_checklist(*, event: Event, previous_day: dt.date) -> int:
    """After the event moves from ``previous_day`` to another day, move its open template tasks with it.

    A due date an organizer changed by hand (no longer the template's offset from the old day) stays.
    """
    if not event.start:
        return 0
    moved = []
    open_tasks = event.checklist.filter(status__in=(TaskStatus.TODO, TaskStatus.DOING)).exclude(template_item=None)
    for task in open_tasks.select_related("template_item"):
        if task.due_date == previous_day + dt.timedelta(days=task.template_item.due_offset_days):
            task.due_date = _due(event, task.template_item)
            moved.append(task)
    return ChecklistTask.objects.bulk_update(moved, ["due_date"])


@transaction.atomic
def save_task(*, task: ChecklistTask, by) -> ChecklistTask:
    """Save a task's owner, status and notes; the owner must be on the event's organizing team."""
    event = Event.objects.get(pk=task.event_id)
    if not organizes_event(by, event):
        raise ChecklistError(_("Only the organizers of this event can change its checklist."))
    if task.owner_id and not task_owner_choices(event).filter(pk=task.owner_id).exists():
        raise ChecklistError({"owner": _("The owner must be on this city's team or a tour admin.")})
    if task.status == TaskStatus.DONE and task.done_at is None:
        task.done_at = timezone.now()
    elif task.status != TaskStatus.DONE:
        task.done_at = None
    task.full_clean()
    task.save()
    return task
