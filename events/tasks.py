from celery import shared_task

from .models import Event
from .posters import render_poster


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_event_poster(event_id: int) -> None:
    event = Event.objects.select_related("tour", "city", "venue").filter(pk=event_id).first()
    if event is None:
        return
    render_poster(event=event)
