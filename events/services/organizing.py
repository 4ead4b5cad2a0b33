"""The organizing team's checklist: copied from the tour's template with real due dates, then worked through."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ChecklistArea, ChecklistTask, ChecklistTemplateItem, Event, EventStatus, TaskStatus, Tour
from ..selectors import organizes_event, task_owner_choices


class ChecklistError(ValidationError):
    """A refusal with a translated message."""


# The 会务组 of the seed documents: task, English, area, due (days from the event day).
DEFAULT_CHECKLIST = [
    ("拉赞助", "Find sponsors", ChecklistArea.SPONSORSHIP, -60),
    ("确定场地", "Book the venue", ChecklistArea.VENUE, -45),
    ("议题策划", "Plan the topics", ChecklistArea.PROGRAM, -45),
    ("讲师邀请", "Invite the speakers", ChecklistArea.SPEAKERS, -40),
    ("开放报名", "Open registration", ChecklistArea.REGISTRATION, -21),
    (
        "宣传（公众号、社区群、合作社区）",
        "Promotion (official account, groups, partners)",
        ChecklistArea.PROMOTION,
        -21,
    ),
    ("海报", "Poster", ChecklistArea.PROMOTION, -21),
    ("直播联系", "Arrange the livestream", ChecklistArea.MEDIA, -14),
    ("确定主持人", "Confirm the host", ChecklistArea.HOST, -14),
    ("讲师行程对接", "Speaker travel", ChecklistArea.SPEAKERS, -7),
    ("易拉宝", "Roll-up banner", ChecklistArea.PROMOTION, -7),
    ("荣誉证书", "Honor certificates", ChecklistArea.ON_SITE, -3),
    ("倒计时牌、举牌", "Countdown cards and signs", ChecklistArea.ON_SITE, -3),
    ("场地布置", "Set up the room", ChecklistArea.VENUE, -1),
    ("签到", "Check-in", ChecklistArea.ON_SITE, 0),
    ("递话筒", "Mic runners", ChecklistArea.ON_SITE, 0),
    ("拍照", "Photography", ChecklistArea.MEDIA, 0),
    ("短视频摄影", "Short videos", ChecklistArea.MEDIA, 0),
    ("参会问卷", "Attendee survey", ChecklistArea.REGISTRATION, 1),
    ("PPT 收集", "Collect the slides", ChecklistArea.CONTENT, 2),
    ("后期宣传文案", "Post-event article", ChecklistArea.CONTENT, 3),
    ("视频转图文", "Video to article", ChecklistArea.CONTENT, 7),
]


def start_checklist_template(*, tour: Tour) -> list[ChecklistTemplateItem]:
    """A tour's checklist template starts as the 会务组 list above; its admins then edit it. A tour that already
    has a template keeps it."""
    if tour.checklist_template.exists():
        return []
    return ChecklistTemplateItem.objects.bulk_create(
        ChecklistTemplateItem(tour=tour, title=zh, title_en=en, area=area, due_offset_days=days, position=i)
        for i, (zh, en, area, days) in enumerate(DEFAULT_CHECKLIST)
    )


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
    if not event.tour.checklist_template.exists():
        raise ChecklistError(_("This tour's checklist template is empty: add its tasks (Checklist template) first."))
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
