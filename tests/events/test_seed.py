import datetime as dt

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from events.date_planning import date_warnings
from events.models import (
    CheckInStaff,
    ChecklistTask,
    City,
    CityTarget,
    CityTeamMember,
    Event,
    EventStatus,
    InviteCode,
    Registration,
    ShiftAssignment,
    Slot,
    Tour,
    VolunteerApplication,
)
from events.selectors import agenda_warnings, city_kpis, place_in_line
from events.services import registration_figures
from speakers.models import Review, Submission
from sponsors.models import FulfilmentItem, Partnership, Sponsorship

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_loads_the_tour_and_running_it_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = row_counts()
    output = capsys.readouterr().out
    call_command("seed_demo")
    assert row_counts() == first

    tour = Tour.objects.get(slug="2024-digital-economy")
    assert tour.name == "2024 数字经济-城市开源行"
    assert list(City.objects.values_list("name_zh", flat=True)) == [
        "北京",
        "上海",
        "深圳",
        "广州",
        "杭州",
        "南京",
        "成都",
        "武汉",
        "郑州",
        "西安",
    ]
    shenzhen = Event.objects.get(tour=tour, city__slug="shenzhen")
    guangzhou = Event.objects.get(tour=tour, city__slug="guangzhou")
    assert (f"{shenzhen.local_date}", shenzhen.status) == ("2024-04-20", EventStatus.PUBLISHED)
    assert (f"{guangzhou.local_date}", guangzhou.status) == ("2024-04-21", EventStatus.PUBLISHED)
    assert shenzhen.venue and guangzhou.venue
    assert Event.objects.filter(tour=tour, status=EventStatus.DRAFT, venue=None).count() == 8
    assert CityTeamMember.objects.filter(tour=tour).count() == 10
    assert tour.admins.get().email == "tour@demo.citytour.cn"
    assert "admin@demo.citytour.cn" in output and "shenzhen@demo.citytour.cn" in output
    assert "citytour-demo" in output

    cfp = tour.cfp
    assert cfp.is_open()
    assert Submission.objects.filter(cfp=cfp).count() == 13
    states = set(Submission.objects.values_list("state", flat=True))
    assert states == {"submitted", "in_review", "accepted", "waitlisted", "rejected", "withdrawn"}
    assert Review.objects.count() > 20
    for city in ("shenzhen", "guangzhou"):
        slots = Slot.objects.filter(event__tour=tour, event__city__slug=city)
        assert slots.count() == 10 and slots.filter(submission__isnull=False).count() == 4
        assert agenda_warnings(Event.objects.get(tour=tour, city__slug=city)) == []

    figures = registration_figures(shenzhen)
    assert (figures["in_person"], figures["online"]) == (167, 60)
    # Dated as they would have been: registered in the weeks before, checked in on the day, before the start.
    for past in (shenzhen, guangzhou):
        assert not past.registrations.filter(created_at__gte=past.start).exists(), past
    came = shenzhen.registrations.exclude(checked_in_at=None).values_list("checked_in_at", flat=True)
    assert all(shenzhen.start - dt.timedelta(hours=1) < moment < shenzhen.start for moment in came)
    assert 100 < figures["checked_in"] < figures["in_person"]
    brought = {c["channel"] for c in figures["per_channel"] if c["registered"]}
    assert brought == {"public", "partner", "sponsor"}
    assert [c["channel"] for c in figures["per_channel"]] == ["public", "sponsor", "speaker", "partner", "staff"]
    assert set(InviteCode.objects.filter(event=shenzhen).values_list("channel", flat=True)) == {
        "sponsor",
        "speaker",
        "partner",
        "staff",
    }
    early = guangzhou.tiers.get(name_en="Early bird")
    assert early.registrations.filter(status="confirmed").count() == early.quota
    assert not early.registrations.filter(status="waitlisted").exists()  # the event is over: nobody waits
    assert Sponsorship.objects.filter(tour=tour).count() == 8
    assert set(Sponsorship.objects.values_list("status", flat=True)) == {
        "prospect",
        "negotiating",
        "signed",
        "paid",
        "lost",
    }
    assert FulfilmentItem.objects.filter(sponsorship__tour=tour).count() == 18
    assert InviteCode.objects.filter(channel="sponsor", sponsorship__isnull=False).count() == 6
    assert Partnership.objects.filter(tour=tour).count() == 4
    ticket = Registration.objects.get(event__tour=tour, email="attendee@demo.citytour.cn")
    assert (ticket.status, ticket.event) == ("confirmed", guangzhou)


def test_the_demo_has_volunteers_a_checklist_targets_and_a_tour_of_this_year():
    call_command("seed_demo")
    tour = Tour.objects.get(slug="2024-digital-economy")
    shenzhen = Event.objects.get(tour=tour, city__slug="shenzhen")
    assert tour.checklist_template.count() == 22
    assert ChecklistTask.objects.filter(event=shenzhen).count() == 22
    # Its import page: the list its registrations came from, and a partner's list sent back with rows to fix.
    done, failed = shenzhen.registration_imports.order_by("created_at")
    assert (done.file_name, done.state, done.imported) == ("活动行报名导出.csv", "done", 150)
    assert (failed.file_name, failed.state, failed.imported, bytes(failed.data)) == (
        "开源社成员名单.csv",
        "failed",
        0,
        b"",
    )
    assert [(error["line"], error["email"]) for error in failed.errors] == [
        (3, "song.qingshu@partner"),
        (4, "zhang.sanfeng@partner.example.org"),
        (5, "Zhou.Zhiruo@partner.example.org"),
    ]
    assert failed.errors[2]["message"] == "与第 2 行的邮箱重复。"
    assert not shenzhen.registrations.filter(email__endswith="partner.example.org").exists()
    volunteer = VolunteerApplication.objects.get(event=shenzhen, user__email="volunteer@demo.citytour.cn")
    assert volunteer.status == "approved" and volunteer.has_check_in_shift
    assert CheckInStaff.objects.get(event=shenzhen, user=volunteer.user).from_shifts
    statuses = set(VolunteerApplication.objects.filter(event=shenzhen).values_list("status", flat=True))
    assert statuses == {"approved", "pending", "declined"}
    attendance = set(ShiftAssignment.objects.filter(shift__event=shenzhen).values_list("attendance", flat=True))
    assert attendance == {"present", "absent"}
    assert CityTarget.objects.filter(year=timezone.localdate().year).count() == 10

    this_year = Tour.objects.get(year=timezone.localdate().year)
    beijing = Event.objects.get(tour=this_year, city__slug="beijing")
    hangzhou = Event.objects.get(tour=this_year, city__slug="hangzhou")
    assert beijing.status == "finished" and beijing.start < timezone.now() < hangzhou.start
    assert hangzhou.status == "published" and date_warnings(hangzhou.local_date) == []
    assert VolunteerApplication.objects.filter(event=hangzhou, user__email="volunteer@demo.citytour.cn").exists()
    # The demo attendee waits for the full workshop of the coming event: third in line, details still changeable.
    waiting = Registration.objects.get(event=hangzhou, email="attendee@demo.citytour.cn")
    assert (waiting.status, waiting.tier.name, place_in_line(waiting)) == ("waitlisted", "动手工作坊", 3)
    assert waiting.changeable_by_owner()
    tasks = ChecklistTask.objects.filter(event=hangzhou)
    assert tasks.filter(status="done").exists() and tasks.filter(status="todo").exists()
    # Tickets off sale, with their windows on the event page; an event called off, with the attendee's ticket.
    assert [tier.on_sale() for tier in hangzhou.tiers.filter(name__in=["早鸟票", "最后一周票"])] == [False, False]
    wuhan = Event.objects.get(tour=this_year, city__slug="wuhan")
    called_off = Registration.objects.get(event=wuhan, email="attendee@demo.citytour.cn")
    assert (wuhan.status, called_off.status, wuhan.registrations.count()) == ("cancelled", "confirmed", 13)
    # Early in January the Beijing event may fall in the year before; its KPIs are those of its own year.
    kpis = city_kpis(year=beijing.local_date.year, cities=City.objects.all())
    [kpi] = [row for row in kpis if row.city.slug == "beijing"]
    assert (kpi.held, kpi.registrations, kpi.checked_in, kpi.volunteers) == (1, 86, 64, 0)


def test_the_demo_logins_work(client):
    call_command("seed_demo")
    assert client.login(username="shenzhen@demo.citytour.cn", password="citytour-demo")
    response = client.get("/admin/events/event/")
    shown = {(e.tour.slug, e.city.slug) for e in response.context["cl"].queryset}
    assert shown == {("2024-digital-economy", "shenzhen"), (f"{timezone.localdate().year}-open-data", "shenzhen")}
