"""The organizing team: the checklist copied with real due dates, its scoping by city, and the city KPIs."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from events import services
from events.models import (
    ChecklistArea,
    ChecklistTask,
    ChecklistTemplateItem,
    City,
    CityTarget,
    EventStatus,
    TaskStatus,
    Tour,
    VolunteerStatus,
)
from events.selectors import city_kpis
from tests.factories import (
    CityFactory,
    CityTeamMemberFactory,
    EventFactory,
    TicketTierFactory,
    TourFactory,
    UserFactory,
    VolunteerFactory,
    attendee,
    shanghai,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tour():
    tour = TourFactory()
    for position, (title, area, offset) in enumerate(
        [
            ("确定场地", ChecklistArea.VENUE, -30),
            ("海报设计", ChecklistArea.PROMOTION, -14),
            ("签到", ChecklistArea.ON_SITE, 0),
            ("后期宣传文案", ChecklistArea.CONTENT, 3),
        ]
    ):
        ChecklistTemplateItem.objects.create(
            tour=tour, title=title, title_en=f"task {position}", area=area, due_offset_days=offset, position=position
        )
    return tour


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_checklist_is_copied_with_due_dates_counted_from_the_event_day(tour):
    # 00:30 in Shanghai is still the day before in UTC: due dates count from the local day.
    event = EventFactory(tour=tour, start=shanghai(2024, 6, 15, 0, 30), end=shanghai(2024, 6, 15, 5))
    services.create_checklist(event=event)
    due = dict(ChecklistTask.objects.filter(event=event).values_list("title", "due_date"))
    assert due == {
        "确定场地": dt.date(2024, 5, 16),
        "海报设计": dt.date(2024, 6, 1),
        "签到": dt.date(2024, 6, 15),
        "后期宣传文案": dt.date(2024, 6, 18),
    }
    assert set(ChecklistTask.objects.values_list("status", flat=True)) == {TaskStatus.TODO}


def test_creating_it_again_adds_only_what_the_template_gained(tour):
    event = EventFactory(tour=tour)
    assert len(services.create_checklist(event=event)) == 4
    assert services.create_checklist(event=event) == []
    ChecklistTemplateItem.objects.create(tour=tour, title="拉赞助", area=ChecklistArea.SPONSORSHIP, due_offset_days=-45)
    [added] = services.create_checklist(event=event)
    assert added.title == "拉赞助" and added.due_date == event.local_date - dt.timedelta(days=45)
    assert ChecklistTask.objects.filter(event=event).count() == 5


def test_an_event_without_a_date_gets_a_clear_error_and_no_task(tour):
    event = EventFactory(tour=tour, start=None, end=None, status=EventStatus.DRAFT)
    with pytest.raises(ValidationError) as caught, translation.override("zh-hans"):
        services.create_checklist(event=event)
    assert caught.value.messages == ["请先设定活动日期：筹备清单的截止日期据此推算。"]
    assert not ChecklistTask.objects.exists()


def test_moving_the_event_moves_the_open_tasks_but_not_the_done_ones(tour):
    event = EventFactory(tour=tour, start=shanghai(2024, 6, 15), end=shanghai(2024, 6, 15, 17))
    services.create_checklist(event=event)
    done = ChecklistTask.objects.get(event=event, title="确定场地")
    done.status = TaskStatus.DONE
    done.save()
    event.start, event.end = shanghai(2024, 6, 22), shanghai(2024, 6, 22, 17)
    services.save_event(event=event)
    due = dict(ChecklistTask.objects.filter(event=event).values_list("title", "due_date"))
    assert due["确定场地"] == dt.date(2024, 5, 16) and due["海报设计"] == dt.date(2024, 6, 8)


def test_the_owner_comes_from_the_city_team_or_the_tour_admins(tour):
    event = EventFactory(tour=tour)
    lead = CityTeamMemberFactory(tour=tour, city=event.city).user
    [task, *_rest] = services.create_checklist(event=event)
    task.owner, task.status = lead, TaskStatus.DONE
    services.save_task(task=task, by=lead)
    task.refresh_from_db()
    assert task.owner == lead and task.done_at is not None
    task.owner = CityTeamMemberFactory(tour=tour).user  # another city's organizer
    with pytest.raises(ValidationError) as caught, translation.override("zh-hans"):
        services.save_task(task=task, by=lead)
    assert caught.value.message_dict == {"owner": ["负责人须是本城市团队成员或巡回管理员。"]}
    assert ChecklistTask.objects.get(pk=task.pk).owner == lead


def test_city_organizers_see_only_their_citys_tasks(tour):
    mine = EventFactory(tour=tour, city=CityFactory(name_zh="杭州"))
    theirs = EventFactory(tour=tour, city=CityFactory(name_zh="南京"))
    services.create_checklist(event=mine)
    services.create_checklist(event=theirs)
    organizer = CityTeamMemberFactory(tour=tour, city=mine.city).user
    client = client_for(organizer)
    listing = client.get(reverse("admin:events_checklisttask_changelist") + "?all=")
    assert listing.status_code == 200
    shown = {task.event_id for task in listing.context["cl"].result_list}
    assert shown == {mine.id}
    other_task = ChecklistTask.objects.filter(event=theirs).first()
    assert client.get(reverse("admin:events_checklisttask_change", args=[other_task.pk])).status_code == 404
    progress = client.get(reverse("admin:events_checklist_progress"))
    assert [event.id for event in progress.context["events"]] == [mine.id]
    tour_admin = UserFactory(is_staff=True)
    tour.admins.add(tour_admin)
    everything = client_for(tour_admin).get(reverse("admin:events_checklist_progress"))
    assert {event.id for event in everything.context["events"]} == {mine.id, theirs.id}


def test_overdue_tasks_stand_out_and_count_on_the_progress_page(tour):
    event = EventFactory(tour=tour, start=shanghai(2024, 6, 15), end=shanghai(2024, 6, 15, 17))  # long past
    services.create_checklist(event=event)
    ChecklistTask.objects.filter(title="签到").update(status=TaskStatus.DONE)
    organizer = CityTeamMemberFactory(tour=tour, city=event.city).user
    client = client_for(organizer)
    listing = client.get(reverse("admin:events_checklisttask_changelist") + "?overdue=yes").content.decode()
    assert listing.count('class="overdue"') == 3
    progress = client.get(reverse("admin:events_checklist_progress"))
    [row] = progress.context["events"]
    assert (row.tasks, row.finished, row.overdue) == (4, 1, 3)
    assert "25%" in progress.content.decode()


def test_the_event_admin_action_creates_the_checklist(tour):
    event = EventFactory(tour=tour)
    organizer = CityTeamMemberFactory(tour=tour, city=event.city).user
    response = client_for(organizer).post(
        reverse("admin:events_event_changelist"),
        {"action": "create_checklist", "_selected_action": [event.pk]},
        follow=True,
    )
    assert f"{event}: 4 tasks added." in response.content.decode()
    assert ChecklistTask.objects.filter(event=event).count() == 4


def test_the_event_page_creates_the_checklist_with_one_button_for_its_own_team_only(tour):
    event = EventFactory(tour=tour)
    create = reverse("admin:events_event_create_checklist", args=[event.pk])
    organizer = CityTeamMemberFactory(tour=tour, city=event.city).user
    client = client_for(organizer)
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert f'formaction="{create}" formmethod="post"' in page
    assert client.get(create).status_code == 405
    other_city = CityTeamMemberFactory(tour=tour, city=CityFactory(name_zh="南京")).user
    assert client_for(other_city).post(create).status_code == 404
    assert not ChecklistTask.objects.filter(event=event).exists()

    response = client.post(create, follow=True)
    assert response.redirect_chain == [(reverse("admin:events_event_change", args=[event.pk]), 302)]
    assert f"{event}: 4 tasks added." in response.content.decode()
    assert ChecklistTask.objects.filter(event=event).count() == 4
    assert "0 of 4 tasks done" in response.content.decode() and create not in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_checklist_pages_do_not_grow_in_queries(tour):
    tour_admin = UserFactory(is_staff=True)
    tour.admins.add(tour_admin)
    client = client_for(tour_admin)
    pages = [reverse("admin:events_checklisttask_changelist"), reverse("admin:events_checklist_progress")]

    def add_event():
        event = EventFactory(tour=tour)
        services.create_checklist(event=event)
        ChecklistTask.objects.filter(event=event).update(owner=CityTeamMemberFactory(tour=tour, city=event.city).user)

    add_event()
    one = [_queries(client, page) for page in pages]
    add_event()
    add_event()
    assert [_queries(client, page) for page in pages] == one


# --- KPIs ------------------------------------------------------------------------------------------------------


def _held_event(city, start, *, registrations=0, checked_in=0, online=0):
    event = EventFactory(city=city, start=start, end=start + dt.timedelta(hours=4), capacity=500, venue__capacity=500)
    tier = TicketTierFactory(event=event, quota=None)
    organizer = UserFactory(is_superuser=True, is_staff=True)
    for i in range(registrations):
        registration = services.register_attendee(event=event, tier=tier, details=attendee())
        if i < checked_in:
            services.check_in(event=event, value=registration.ticket_code, by=organizer)
    online_tier = TicketTierFactory(event=event, quota=None, attendance="online")
    for _ in range(online):
        services.register_attendee(event=event, tier=online_tier, details=attendee())
    return event


def test_city_kpis_count_held_events_registrations_check_in_rate_and_volunteers():
    hangzhou = CityFactory(name_zh="杭州", position=1)
    CityTarget.objects.create(city=hangzhou, year=2025, events=3)
    CityTarget.objects.create(city=hangzhou, year=2024, events=9)
    first = _held_event(hangzhou, shanghai(2025, 3, 8), registrations=4, checked_in=3, online=2)
    _held_event(hangzhou, shanghai(2025, 3, 15), registrations=4, checked_in=1)
    upcoming = _held_event(hangzhou, shanghai(2025, 12, 20), registrations=5)
    EventFactory(city=hangzhou, start=shanghai(2025, 3, 1), status=EventStatus.CANCELLED)
    _held_event(hangzhou, shanghai(2024, 12, 31, 23, 0), registrations=7)  # 2024 in Shanghai, though not in UTC+0
    person = UserFactory()
    VolunteerFactory(event=first, user=person)
    VolunteerFactory(event=upcoming, user=person)  # the same person counts once
    VolunteerFactory(event=upcoming)
    VolunteerFactory(event=first, status=VolunteerStatus.PENDING)

    [kpi] = city_kpis(year=2025, cities=City.objects.filter(pk=hangzhou.pk), now=shanghai(2025, 6, 1))
    assert (kpi.target, kpi.held, kpi.planned) == (3, 2, 3)
    assert (kpi.registrations, kpi.in_person, kpi.checked_in, kpi.volunteers) == (15, 8, 4, 2)
    assert kpi.check_in_rate == 0.5 and not kpi.target_reached

    superuser = UserFactory(is_superuser=True, is_staff=True)
    response = client_for(superuser).get(reverse("admin:events_city_kpis") + "?year=2024")
    [row] = response.context["kpis"]
    assert (row.city, row.target, row.held, row.registrations) == (hangzhou, 9, 1, 7)
    assert "0 / 7" in response.content.decode()


def test_a_city_team_sees_only_its_citys_kpis_and_cannot_set_targets():
    mine, theirs = CityFactory(), CityFactory()
    CityTarget.objects.create(city=mine, year=2025, events=2)
    CityTarget.objects.create(city=theirs, year=2025, events=4)
    membership = CityTeamMemberFactory(city=mine)
    counted = _held_event(mine, shanghai(2025, 5, 10), registrations=3)
    counted.tour = membership.tour
    counted.save()
    _held_event(mine, shanghai(2025, 5, 17), registrations=4)  # another tour's event in the same city
    client = client_for(membership.user)
    response = client.get(reverse("admin:events_city_kpis") + "?year=2025")
    [kpi] = response.context["kpis"]
    assert (kpi.city, kpi.held, kpi.registrations) == (mine, 1, 3)
    assert client.get(reverse("admin:events_citytarget_add")).status_code == 403


def test_a_tour_admin_sets_targets_only_for_the_cities_of_their_tours():
    tour = TourFactory()
    visited, elsewhere = CityFactory(), CityFactory()
    EventFactory(tour=tour, city=visited)
    tour_admin = UserFactory(is_staff=True)
    tour.admins.add(tour_admin)
    target = CityTarget.objects.create(city=elsewhere, year=2025, events=4)
    client = client_for(tour_admin)
    add = client.post(reverse("admin:events_citytarget_add"), {"city": elsewhere.pk, "year": 2026, "events": 9})
    assert add.status_code == 200 and "Select a valid choice" in add.content.decode()
    assert client.get(reverse("admin:events_citytarget_change", args=[target.pk])).status_code == 404
    client.post(reverse("admin:events_citytarget_add"), {"city": visited.pk, "year": 2026, "events": 3})
    assert list(CityTarget.objects.filter(year=2026).values_list("city", "events")) == [(visited.pk, 3)]


def test_the_kpi_page_does_not_grow_in_queries():
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = client_for(superuser)
    url = reverse("admin:events_city_kpis") + "?year=2025"

    def add_city():
        city = CityFactory()
        CityTarget.objects.create(city=city, year=2025, events=2)
        event = _held_event(city, shanghai(2025, 4, 12), registrations=2, checked_in=1)
        VolunteerFactory(event=event)

    add_city()
    one = _queries(client, url)
    add_city()
    add_city()
    assert _queries(client, url) == one


def test_a_cancelled_event_gets_no_checklist(tour):
    event = EventFactory(tour=tour, status=EventStatus.CANCELLED)
    with pytest.raises(ValidationError), translation.override("en"):
        services.create_checklist(event=event)
    assert not ChecklistTask.objects.exists()


def test_a_due_date_changed_by_hand_stays_when_the_event_moves(tour):
    event = EventFactory(tour=tour, start=shanghai(2024, 6, 15), end=shanghai(2024, 6, 15, 17))
    services.create_checklist(event=event)
    poster = ChecklistTask.objects.get(event=event, title="海报设计")
    poster.due_date = dt.date(2024, 5, 20)
    poster.save()
    event.start, event.end = shanghai(2024, 6, 22), shanghai(2024, 6, 22, 17)
    services.save_event(event=event)
    due = dict(ChecklistTask.objects.filter(event=event).values_list("title", "due_date"))
    assert due["海报设计"] == dt.date(2024, 5, 20) and due["签到"] == dt.date(2024, 6, 22)


def test_the_target_list_changes_only_the_targets_the_user_may_set():
    tour = TourFactory()
    visited, team_city = CityFactory(), CityFactory()
    EventFactory(tour=tour, city=visited)
    person = CityTeamMemberFactory(city=team_city).user  # on another tour's team in that city
    tour.admins.add(person)
    settable = CityTarget.objects.create(city=visited, year=2025, events=2)
    seen_only = CityTarget.objects.create(city=team_city, year=2025, events=4)
    client = client_for(person)
    url = reverse("admin:events_citytarget_changelist")
    formset = client.get(url).context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(len(formset.forms)),
        "form-INITIAL_FORMS": str(len(formset.forms)),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        data |= {f"form-{index}-id": form.instance.pk, f"form-{index}-events": 77}
    assert client.post(url, data).status_code == 302
    settable.refresh_from_db(), seen_only.refresh_from_db()
    assert (settable.events, seen_only.events) == (77, 4)


def test_a_new_tour_starts_its_checklist_template_from_the_organizing_teams_list():
    superuser = UserFactory(is_superuser=True, is_staff=True)
    response = client_for(superuser).post(
        reverse("admin:events_tour_add"),
        {"name": "2027 开源城市行", "name_en": "2027 Open Source City Tour", "slug": "2027-open", "year": 2027},
    )
    assert response.status_code == 302
    tour = Tour.objects.get(slug="2027-open")
    items = list(tour.checklist_template.order_by("position").values_list("title", "due_offset_days"))
    assert len(items) == len(services.DEFAULT_CHECKLIST) == 22
    assert items[0] == ("拉赞助", -60) and ("签到", 0) in items and items[-1] == ("视频转图文", 7)
    tour.checklist_template.all().delete()  # its admins emptied it: it stays empty, and says so
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_checklist(event=EventFactory(tour=tour))
    assert caught.value.messages == [
        "This tour's checklist template is empty: add its tasks (Checklist template) first."
    ]
    assert not tour.checklist_template.exists()
