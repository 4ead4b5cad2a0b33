"""A CSV import is background work: the upload is kept and queued, a task imports it, its page follows it."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import ImportState, Registration, RegistrationImport
from tests.factories import CityFactory, CityTeamMemberFactory, EventFactory, TicketTierFactory
from tests.support.imports import bring_file

pytestmark = pytest.mark.django_db

LIST = "name,email\n张伟,zhang@example.org\n李娜,li@example.org\n"


@pytest.fixture
def event():
    event = EventFactory(capacity=100, venue__capacity=100)
    TicketTierFactory(event=event, name="普通票", name_en="Standard", quota=50)
    return event


@pytest.fixture
def organizer(event):
    return CityTeamMemberFactory(tour=event.tour, city=event.city).user


def client_of(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def upload(content: str, name: str = "嘉宾名单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def test_an_upload_is_kept_and_queued_and_its_page_follows_it(event, organizer, django_capture_on_commit_callbacks):
    client = client_of(organizer)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("admin:events_event_import", args=[event.pk]), {"file": upload(LIST)})
    job = RegistrationImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_import_job", args=[event.pk, job.pk])
    assert (job.event, job.file_name, bytes(job.data), job.state, job.created_by, job.language) == (
        event,
        "嘉宾名单.csv",
        LIST.encode(),
        "queued",
        organizer,
        "en",
    )
    assert len(queued) == 1 and Registration.objects.count() == 0  # nothing imported before the task runs
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Waiting for its turn" in html and '<meta http-equiv="refresh" content="2">' in html

    queued[0]()  # the task, run in this process
    job.refresh_from_db()
    assert (job.state, job.imported, bytes(job.data), job.errors) == ("done", 2, b"", [])
    assert job.started_at <= job.finished_at <= timezone.now()
    assert sorted(Registration.objects.values_list("email", "source")) == [
        ("li@example.org", "import"),
        ("zhang@example.org", "import"),
    ]
    html = client.get(response["Location"]).content.decode()
    assert "2 registrations imported." in html and 'http-equiv="refresh"' not in html
    listing = client.get(reverse("admin:events_event_import", args=[event.pk])).content.decode()
    assert "嘉宾名单.csv" in listing and "imported (2)" in listing


def test_the_rows_to_fix_are_reported_in_the_language_of_who_brought_the_file(event):
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city).user
    page = bring_file(client_of(organizer, "zh-hans"), event, {"file": upload("name,email\n张伟,not-an-email\n")})
    job = page.context["job"]
    assert (job.state, job.imported, bytes(job.data)) == ("failed", 0, b"")
    assert job.errors == [{"line": 2, "email": "not-an-email", "message": "“not-an-email”不是有效的邮箱地址。"}]
    # Read later in English, the report stays as it was written.
    html = client_of(organizer, "en").get(page.request["PATH_INFO"]).content.decode()
    assert "Nothing was imported: fix the rows below and try again." in html
    assert "“not-an-email”不是有效的邮箱地址。" in html
    assert Registration.objects.count() == 0


def test_a_task_delivered_twice_imports_the_file_once(event, organizer):
    bring_file(client_of(organizer), event, {"file": upload(LIST)})
    job = RegistrationImport.objects.get()
    assert services.run_import(job_id=job.pk) is None
    assert RegistrationImport.objects.get().imported == 2 and Registration.objects.count() == 2


def test_an_import_whose_worker_died_is_taken_over_once_its_time_limit_is_past(event, organizer):
    job = services.queue_import(event=event, file_name="a.csv", data=LIST.encode(), by=organizer, language="en")
    started = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT - 30)
    RegistrationImport.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, started_at=started)
    assert services.run_import(job_id=job.pk) is None  # perhaps still running: left alone
    started -= dt.timedelta(seconds=60)
    RegistrationImport.objects.filter(pk=job.pk).update(started_at=started)
    assert services.run_import(job_id=job.pk).state == "done"
    assert Registration.objects.count() == 2


def test_a_file_waiting_for_minutes_says_the_workers_may_be_down(event, organizer):
    job = services.queue_import(event=event, file_name="a.csv", data=LIST.encode(), by=organizer, language="en")
    url = reverse("admin:events_event_import_job", args=[event.pk, job.pk])
    assert "may be down" not in client_of(organizer).get(url).content.decode()
    RegistrationImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    assert "the background workers may be down" in client_of(organizer).get(url).content.decode()


def test_a_file_that_cannot_be_queued_is_marked_failed_and_kept_from_nobody(
    event, organizer, django_capture_on_commit_callbacks, broker_down
):
    client = client_of(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:events_event_import", args=[event.pk]), {"file": upload(LIST)})
    job = RegistrationImport.objects.get()
    assert (job.state, bytes(job.data)) == ("failed", b"")
    assert job.errors[0]["message"].startswith("The import could not be started")
    html = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in html and "The import could not be started" in html
    assert Registration.objects.count() == 0


def test_an_import_page_is_its_events_organizers_alone(event, organizer):
    job = services.queue_import(event=event, file_name="a.csv", data=LIST.encode(), by=organizer, language="en")
    url = reverse("admin:events_event_import_job", args=[event.pk, job.pk])
    elsewhere = CityTeamMemberFactory(tour=event.tour, city=CityFactory()).user
    assert client_of(elsewhere).get(url).status_code == 404
    other_event = EventFactory(tour=event.tour, city=event.city)
    wrong = reverse("admin:events_event_import_job", args=[other_event.pk, job.pk])
    assert client_of(organizer).get(wrong).status_code == 404
    assert Client().get(url).status_code == 302  # to the admin's log-in


@pytest.mark.django_db(transaction=True)
def test_the_registrations_and_the_jobs_outcome_commit_together(event, organizer):
    # Queued, as queue_import leaves it, but not yet sent (here, with no transaction around, it would run at once).
    job = RegistrationImport.objects.create(event=event, file_name="a.csv", data=LIST.encode(), language="en")
    with CaptureQueriesContext(connection) as captured:
        services.run_import(job_id=job.pk)
    statements = [query["sql"] for query in captured.captured_queries]
    inserted = next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "events_registration"'))
    recorded = next(
        i for i, sql in enumerate(statements) if sql.startswith('UPDATE "events_registrationimport"') and i > inserted
    )
    committed = next(i for i, sql in enumerate(statements) if sql == "COMMIT" and i > inserted)
    # A worker that dies after the commit leaves a job that says "done", never one imported a second time.
    assert inserted < recorded < committed
    assert RegistrationImport.objects.get().state == "done" and Registration.objects.count() == 2


def test_imports_that_never_reached_a_worker_or_lost_it_are_sent_again(event, organizer):
    now = timezone.now()

    def job(name, state, created_ago, started_ago=None):
        job = services.queue_import(event=event, file_name=name, data=LIST.encode(), by=organizer, language="en")
        started = now - started_ago if started_ago else None
        RegistrationImport.objects.filter(pk=job.pk).update(
            state=state, created_at=now - created_ago, started_at=started
        )
        return job

    limit = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = job("lost.csv", "queued", dt.timedelta(minutes=6))
    waiting = job("waiting.csv", "queued", dt.timedelta(minutes=1))
    running = job("running.csv", "running", dt.timedelta(minutes=6), started_ago=dt.timedelta(minutes=5))
    died = job("died.csv", "running", limit * 2, started_ago=limit + dt.timedelta(minutes=1))
    forgotten = job("forgotten.csv", "queued", dt.timedelta(days=1, minutes=1))

    busy = job("busy.csv", "running", dt.timedelta(days=1, minutes=1), started_ago=dt.timedelta(minutes=1))
    assert services.resume_imports() == 2  # tasks run in process here: sent, and imported
    states = dict(RegistrationImport.objects.values_list("file_name", "state"))
    assert states == {
        "lost.csv": "done",
        "waiting.csv": "queued",
        "running.csv": "running",
        "died.csv": "failed",  # the same people, already registered by the file above
        "forgotten.csv": "failed",
        "busy.csv": "running",  # a day in the queue, but a worker is importing it now: it may be about to commit
    }
    assert RegistrationImport.objects.get(pk=lost.pk).imported == 2
    assert RegistrationImport.objects.get(pk=died.pk).errors[0]["message"] == (
        "This email is already registered for this event."
    )
    given_up = RegistrationImport.objects.get(pk=forgotten.pk)
    assert bytes(given_up.data) == b"" and given_up.errors[0]["message"].startswith("The import waited a day")
    assert {bytes(j.data) for j in RegistrationImport.objects.filter(pk__in=[waiting.pk, running.pk, busy.pk])} == {
        LIST.encode()
    }
    assert Registration.objects.count() == 2


def test_a_file_being_imported_for_minutes_is_not_said_to_wait_for_the_workers(event, organizer):
    job = services.queue_import(event=event, file_name="a.csv", data=LIST.encode(), by=organizer, language="en")
    RegistrationImport.objects.filter(pk=job.pk).update(
        state="running", created_at=timezone.now() - dt.timedelta(minutes=3), started_at=timezone.now()
    )
    html = client_of(organizer).get(reverse("admin:events_event_import_job", args=[event.pk, job.pk])).content
    assert "Importing…" in html.decode() and "may be down" not in html.decode()


@pytest.mark.parametrize(
    "language, header, row",
    [
        (
            "zh-hans",
            "姓名,邮箱,手机,公司,职位,门票,饮食要求",
            "赵敏,zhao@example.org,13800000001,星河数据,工程师,普通票,素食",
        ),
        (
            "en",
            "name,email,phone,company,job role,ticket,Diet",
            "赵敏,zhao@example.org,13800000001,星河数据,工程师,Standard,素食",
        ),
    ],
)
def test_the_file_to_fill_in_has_the_headings_the_import_reads(event, organizer, language, header, row):
    question = event.questions.create(text="饮食要求", text_en="Diet")
    client = client_of(organizer, language)
    response = client.get(reverse("admin:events_event_import_sample", args=[event.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="import-{event.tour.slug}-{event.slug}.csv"'
    sample = response.content.decode("utf-8")
    assert sample == f"\ufeff{header}\r\n"
    page = bring_file(client, event, {"file": upload(sample + row + "\r\n")})
    assert page.context["job"].state == "done", page.context["errors"]
    registration = Registration.objects.get()
    assert (registration.name, registration.phone, registration.company, registration.job_role) == (
        "赵敏",
        "13800000001",
        "星河数据",
        "工程师",
    )
    assert (registration.tier.name, registration.answers) == ("普通票", {str(question.pk): "素食"})
    elsewhere = CityTeamMemberFactory(tour=event.tour, city=CityFactory()).user
    assert client_of(elsewhere).get(reverse("admin:events_event_import_sample", args=[event.pk])).status_code == 404


@pytest.mark.parametrize("notify", [True, False])
def test_the_organizers_choose_whether_the_people_imported_are_emailed(
    event, organizer, django_capture_on_commit_callbacks, notify
):
    client = client_of(organizer)
    form = {"file": upload(LIST), **({"notify": "on"} if notify else {})}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:events_event_import", args=[event.pk]), form)
    job = RegistrationImport.objects.get()
    assert (job.state, job.notify) == ("done", notify)
    registrations = Registration.objects.order_by("email")
    # Tickets come either way; the confirmation emails only when asked for.
    assert [r.ticket_state for r in registrations] == ["ready", "ready"]
    assert sorted(to for m in mail.outbox for to in m.to) == (["li@example.org", "zhang@example.org"] if notify else [])
    assert [r.email_owed for r in registrations] == ["", ""]
    html = client.get(response["Location"]).content.decode()
    told = "Each person imported gets the confirmation email" if notify else "No confirmation emails"
    assert told in html


def test_the_upload_form_emails_the_confirmations_unless_told_otherwise(event, organizer):
    html = client_of(organizer).get(reverse("admin:events_event_import", args=[event.pk])).content.decode()
    assert '<input type="checkbox" name="notify" aria-describedby="id_notify_helptext" id="id_notify" checked>' in html
