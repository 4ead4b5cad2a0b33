"""Background work on a real Celery worker process, Redis and PostgreSQL."""

import pytest

from events import services
from events.models import Event, EventStatus, PosterState
from tests.conftest import wait_for
from tests.factories import EventFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_worker_renders_the_poster_once_the_event_is_committed(celery_worker, media_root):
    event = EventFactory(status=EventStatus.DRAFT)
    services.change_event_status(event=event, status=EventStatus.PUBLISHED)  # commits, then enqueues
    assert Event.objects.get(pk=event.pk).poster_state == PosterState.PENDING

    def rendered():
        return Event.objects.filter(pk=event.pk, poster_state=PosterState.READY).first()

    done = wait_for(rendered, timeout=60)
    assert done.poster.name == f"posters/{event.tour.slug}-{event.slug}.png"
    assert (media_root / done.poster.name).stat().st_size > 10_000


def test_a_task_for_a_deleted_row_finishes_quietly(celery_worker):
    from events.tasks import render_event_poster

    result = render_event_poster.delay(987654321)
    assert result.get(timeout=30) is None
    assert result.successful()


def test_a_worker_renders_the_ticket_after_the_registration_commits(celery_worker, private_root):
    from events.models import Registration, TicketState
    from tests.factories import TicketTierFactory, attendee

    tier = TicketTierFactory(quota=10)
    registration = services.register_attendee(event=tier.event, tier=tier, details=attendee("欧阳娜娜"))
    assert Registration.objects.get(pk=registration.pk).ticket_state == TicketState.PENDING

    def ready():
        return Registration.objects.filter(pk=registration.pk, ticket_state=TicketState.READY).first()

    done = wait_for(ready, timeout=60)
    assert (private_root / done.ticket_pdf.name).read_bytes().startswith(b"%PDF-")


def test_a_worker_imports_a_file_of_registrations_brought_in_the_admin(celery_worker):
    from events.models import RegistrationImport
    from tests.factories import CityTeamMemberFactory, TicketTierFactory

    tier = TicketTierFactory(name="普通票", quota=10)
    organizer = CityTeamMemberFactory(tour=tier.event.tour, city=tier.event.city).user
    job = services.queue_import(
        event=tier.event,
        file_name="名单.csv",
        data="姓名,邮箱\n张伟,zhang@example.org\n李娜,li@example.org\n".encode(),
        by=organizer,
        language="zh-hans",
    )  # commits, then enqueues

    def finished():
        return RegistrationImport.objects.filter(pk=job.pk, finished_at__isnull=False).first()

    done = wait_for(finished, timeout=60)
    assert (done.state, done.imported, bytes(done.data), done.errors) == ("done", 2, b"", [])
    assert sorted(tier.registrations.values_list("name", "status")) == [("张伟", "confirmed"), ("李娜", "confirmed")]
