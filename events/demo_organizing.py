"""Demo data for the organizing team: the 会务组 checklist, volunteers and their shifts, city targets, and a tour
of the current year (one event held, one coming up) so that the KPIs, the volunteer sign-up and the checklist's
due dates have something current to show."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import services
from .date_planning import clear_weekend_days
from .demo import DEMO_DOMAIN, SHANGHAI, DemoLogins, _person, demo_user
from .models import (
    Attendance,
    ChecklistTemplateItem,
    City,
    CityTarget,
    CityTeamMember,
    Event,
    EventStatus,
    Shift,
    ShiftAttendance,
    TaskStatus,
    TeamRole,
    TicketTier,
    Tour,
    Venue,
    VolunteerApplication,
    VolunteerRole,
    VolunteerStatus,
)
from .services import AttendeeDetails

CURRENT_VENUES = {
    "beijing": dict(
        name="中关村创业大街 创业公社 路演厅",
        name_en="Zhongguancun Innovation Street, Roadshow Hall",
        address="北京市海淀区海淀西大街 48 号 3 层",
        capacity=160,
        map_url="https://map.baidu.com/search/中关村创业大街",
        transport_notes="地铁 4 号线 / 10 号线 海淀黄庄站 A2 出口，步行约 10 分钟。",
    ),
    "hangzhou": dict(
        name="杭州未来科技城 梦想小镇 互联网村 会议中心",
        name_en="Hangzhou Dream Town, Internet Village Conference Center",
        address="浙江省杭州市余杭区文一西路 1818 号 梦想小镇 5 号楼",
        capacity=180,
        map_url="https://map.baidu.com/search/梦想小镇",
        transport_notes="地铁 5 号线 创景路站 D 出口，步行约 12 分钟。",
    ),
    "wuhan": dict(
        name="光谷创新天地 T2 多功能厅",
        name_en="Optics Valley Innovation World, T2 Hall",
        address="湖北省武汉市东湖新技术开发区高新大道 766 号",
        capacity=120,
        map_url="https://map.baidu.com/search/光谷创新天地",
        transport_notes="地铁 2 号线 光谷大道站 B 出口，步行约 8 分钟。",
    ),
}

# City chapters' yearly targets (分会 KPI): how many events each city holds.
TARGETS = {"beijing": 4, "shanghai": 4, "shenzhen": 3, "guangzhou": 3, "hangzhou": 3}
DEFAULT_TARGET = 2

VOLUNTEERS = [
    # name, roles, availability, experience
    ("陈思远", [VolunteerRole.HOST], "全天", "主持过三场技术沙龙"),
    ("周晨", [VolunteerRole.PHOTOGRAPHY, VolunteerRole.VIDEO], "全天", "有全画幅相机和稳定器"),
    ("吴一鸣", [VolunteerRole.MIC_RUNNER, VolunteerRole.CHECK_IN], "下午", ""),
    ("郑婷", [VolunteerRole.LIVESTREAM], "全天", "在社区负责过 B 站直播"),
    ("孙浩", [VolunteerRole.VENUE_SETUP, VolunteerRole.MIC_RUNNER], "前一天晚上和活动当天", ""),
    ("何欣", [VolunteerRole.SOCIAL_MEDIA, VolunteerRole.SPEAKER_LIAISON], "全天", "运营过技术公众号"),
]


def seed_organizing(tour: Tour, logins: DemoLogins) -> None:
    """The checklist template, checklists, volunteers and shifts of the demo tour, and every city's targets."""
    with transaction.atomic():
        services.start_checklist_template(tour=tour)
        _seed_targets()
    if VolunteerApplication.objects.filter(event__tour=tour).exists():
        return
    shenzhen = Event.objects.get(tour=tour, city__slug="shenzhen")
    guangzhou = Event.objects.get(tour=tour, city__slug="guangzhou")
    volunteer = demo_user(f"volunteer@{DEMO_DOMAIN}", first_name="志愿者小林")
    with transaction.atomic():
        for event in (shenzhen, guangzhou):
            services.create_checklist(event=event)
        _work_through(shenzhen, done_before=shenzhen.local_date + dt.timedelta(days=30))
        _work_through(guangzhou, done_before=guangzhou.local_date - dt.timedelta(days=10))
        _seed_volunteers(shenzhen, volunteer, held=True)
    upcoming = seed_current_tour(logins)
    with transaction.atomic():
        _seed_volunteers(upcoming, volunteer, held=False)
    logins.add("volunteer with shifts and the check-in role (My volunteering)", volunteer.email)


def _seed_targets() -> None:
    year = timezone.localdate().year
    for city in City.objects.all():
        for target_year, count in ((2024, DEFAULT_TARGET), (year, TARGETS.get(city.slug, DEFAULT_TARGET))):
            CityTarget.objects.get_or_create(city=city, year=target_year, defaults={"events": count})


def _work_through(event: Event, *, done_before: dt.date) -> None:
    """Tasks due before ``done_before`` are done (a few not needed); the city lead owns them all."""
    lead = CityTeamMember.objects.get(tour=event.tour, city=event.city, role=TeamRole.LEAD)
    for n, task in enumerate(event.checklist.order_by("due_date", "id")):
        task.owner = lead.user
        if task.due_date < done_before:
            task.status = TaskStatus.SKIPPED if n % 9 == 8 else TaskStatus.DONE
        elif n % 4 == 0:
            task.status = TaskStatus.DOING
            task.notes = "已联系，等待对方确认"
        services.save_task(task=task, by=lead.user)


def _seed_volunteers(event: Event, volunteer, *, held: bool) -> None:
    """Volunteers who signed up for the event: most approved and on shifts, one waiting, one declined.

    ``held``: the event is over, and attendance was marked.
    """
    organizer = event.tour.admins.first()
    start = event.start
    shifts = {
        role: Shift.objects.create(event=event, role=role, start=start + begin, end=start + end, head_count=count)
        for role, begin, end, count in [
            (VolunteerRole.VENUE_SETUP, dt.timedelta(hours=-20), dt.timedelta(hours=-17), 2),
            (VolunteerRole.CHECK_IN, dt.timedelta(minutes=-60), dt.timedelta(hours=1), 3),
            (VolunteerRole.HOST, dt.timedelta(0), event.end - start, 1),
            (VolunteerRole.PHOTOGRAPHY, dt.timedelta(0), event.end - start, 1),
            (VolunteerRole.MIC_RUNNER, dt.timedelta(hours=1), event.end - start, 2),
            (VolunteerRole.LIVESTREAM, dt.timedelta(minutes=-30), event.end - start, 1),
            (VolunteerRole.SOCIAL_MEDIA, dt.timedelta(0), event.end - start, 1),
        ]
    }
    people = [(volunteer, "林小青", [VolunteerRole.CHECK_IN, VolunteerRole.PHOTOGRAPHY], "全天", "深圳站签到志愿者")]
    offset = 700 if held else 800
    for i, (name, roles, availability, experience) in enumerate(VOLUNTEERS):
        email = f"volunteer{offset + i}@{DEMO_DOMAIN}"
        people.append((demo_user(email, first_name=name), name, roles, availability, experience))
    applications = []
    for user, name, roles, availability, experience in people:
        application = VolunteerApplication.objects.create(
            event=event,
            user=user,
            name=name,
            roles=roles,
            availability=availability,
            wechat=f"wx_{user.pk}",
            experience=experience,
            # Approved some time ago: the demo sends no approval emails.
            status=VolunteerStatus.APPROVED,
            decided_by=organizer,
            decided_at=timezone.now(),
        )
        applications.append(application)
        services.assign_shift(shift=shifts[roles[0]], application=application, by=organizer)
    # 孙浩 also passes the mic once the room is set up.
    services.assign_shift(shift=shifts[VolunteerRole.MIC_RUNNER], application=applications[5], by=organizer)
    waiting = demo_user(f"volunteer{offset + 10}@{DEMO_DOMAIN}", first_name="冯宇")
    VolunteerApplication.objects.create(
        event=event, user=waiting, name="冯宇", roles=[VolunteerRole.CHECK_IN], availability="上午", phone="13900000010"
    )
    declined = demo_user(f"volunteer{offset + 11}@{DEMO_DOMAIN}", first_name="邓杰")
    VolunteerApplication.objects.create(
        event=event,
        user=declined,
        name="邓杰",
        roles=[VolunteerRole.VIDEO],
        availability="只有下午",
        phone="13900000011",
        status=VolunteerStatus.DECLINED,
        decided_by=organizer,
        decided_at=timezone.now(),
    )
    if held:
        for application in applications:
            for assignment in application.assignments.all():
                came = ShiftAttendance.ABSENT if application.name == "郑婷" else ShiftAttendance.PRESENT
                services.mark_attendance(assignment=assignment, attendance=came, by=organizer)


def seed_current_tour(logins: DemoLogins) -> Event:
    """A tour of this year: Beijing held some weeks ago, Hangzhou coming up (registration and volunteer sign-up
    open, its checklist under way). Returns the Hangzhou event."""
    today = timezone.localdate()
    tour, _ = Tour.objects.get_or_create(
        slug=f"{today.year}-open-data",
        defaults=dict(
            name=f"{today.year} 开源数据城市行",
            name_en=f"{today.year} Open Data City Tour",
            year=today.year,
            theme="开源数据，走进城市",
            theme_en="Open data, city by city",
        ),
    )
    template_source = Tour.objects.get(slug="2024-digital-economy")
    if not tour.checklist_template.exists():
        ChecklistTemplateItem.objects.bulk_create(
            ChecklistTemplateItem(
                tour=tour,
                title=item.title,
                title_en=item.title_en,
                area=item.area,
                due_offset_days=item.due_offset_days,
                position=item.position,
            )
            for item in template_source.checklist_template.all()
        )
    for admin in template_source.admins.all():
        services.add_tour_admin(tour=tour, user=admin)
    past_day = today - dt.timedelta(days=56)
    if past_day.year != today.year:
        past_day = today - dt.timedelta(days=7)
    beijing = _current_event(tour, "beijing", _clear_saturday(past_day, before=today))
    hangzhou = _current_event(tour, "hangzhou", _clear_saturday(today + dt.timedelta(days=35), before=None))
    wuhan = _current_event(tour, "wuhan", _clear_saturday(today + dt.timedelta(days=21), before=None))
    for city in City.objects.exclude(slug__in=["beijing", "hangzhou", "wuhan"]):
        _city_in_preparation(tour, city)
    _called_off(wuhan)
    _sale_windows(hangzhou, today)
    if not beijing.registrations.exists():
        _held_with_registrations(beijing, count=86, checked_in=64)
    services.create_checklist(event=hangzhou)
    _work_through(hangzhou, done_before=today - dt.timedelta(days=3))
    _workshop_with_waiting_list(hangzhou)
    return hangzhou


def _called_off(event: Event) -> None:
    """Wuhan's event, cancelled after people registered (the demo attendee among them): “My tickets” says the
    ticket is no longer valid, and the event page sells nothing."""
    if event.status == EventStatus.CANCELLED:
        return
    for n in range(12):
        name, email = _person(800 + n)
        services.register_attendee(
            event=event,
            tier=event.tiers.get(attendance=Attendance.IN_PERSON),
            render=False,
            notify=False,
            details=AttendeeDetails(name=name, email=email.replace("attendee", "wh"), privacy_accepted=True),
        )
    attendee = demo_user(f"attendee@{DEMO_DOMAIN}", first_name="李雷")
    services.register_attendee(
        event=event,
        tier=event.tiers.get(attendance=Attendance.IN_PERSON),
        user=attendee,
        notify=False,
        details=AttendeeDetails(name="李雷", email=attendee.email, company="开源社", privacy_accepted=True),
    )
    # As the admin's "cancel" does, without the notices: the demo sends no email to its made-up people.
    Event.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED, cancellation_notices_at=timezone.now())
    event.refresh_from_db()


def _sale_windows(event: Event, today: dt.date) -> None:
    """An early-bird ticket whose sales ended, and a ticket for the last week that is not on sale yet: the event
    page says so, and the form does not let anyone choose them."""
    if event.tiers.filter(name="早鸟票").exists():
        return
    ended = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(10, 0), tzinfo=SHANGHAI)
    TicketTier.objects.create(
        event=event, name="早鸟票", name_en="Early bird", price=49, quota=30, position=3, sale_ends=ended
    )
    TicketTier.objects.create(
        event=event,
        name="最后一周票",
        name_en="Last week",
        price=99,
        quota=20,
        position=4,
        sale_starts=event.start - dt.timedelta(days=7),
    )


def _workshop_with_waiting_list(event: Event) -> None:
    """A small workshop tier that filled up at once, with a line behind it; the demo attendee is third in line
    (“My tickets” shows the place, and the details they may still change before the event)."""
    if event.tiers.filter(name="动手工作坊").exists():
        return
    workshop = TicketTier.objects.create(
        event=event, name="动手工作坊", name_en="Hands-on workshop", quota=3, position=2
    )
    for n in range(5):
        name, email = _person(700 + n)
        services.register_attendee(
            event=event,
            tier=workshop,
            render=False,
            notify=False,
            join_waitlist=True,
            details=AttendeeDetails(name=name, email=email.replace("attendee", "hz"), privacy_accepted=True),
        )
    attendee = demo_user(f"attendee@{DEMO_DOMAIN}", first_name="李雷")
    services.register_attendee(
        event=event,
        tier=workshop,
        user=attendee,
        notify=False,
        join_waitlist=True,
        details=AttendeeDetails(
            name="李雷", email=attendee.email, company="开源社", job_role="工程师", privacy_accepted=True
        ),
    )


def _city_in_preparation(tour: Tour, city: City) -> None:
    """A city whose team is on board and whose event has no date or venue yet."""
    if Event.objects.filter(tour=tour, city=city).exists():
        return
    lead = demo_user(f"{city.slug}@{DEMO_DOMAIN}")
    services.add_city_team_member(tour=tour, city=city, user=lead, role=TeamRole.LEAD)
    services.save_event(
        event=Event(
            tour=tour,
            city=city,
            slug=city.slug,
            title=f"{tour.year} 开源数据城市行·{city.name_zh}站",
            title_en=f"{tour.year} Open Data City Tour · {city.name_en}",
        )
    )


def _clear_saturday(near: dt.date, *, before: dt.date | None) -> dt.date:
    """The nearest weekend day with no holiday warning (before ``before``, when given)."""
    for day in [near, *clear_weekend_days(near, count=10)]:
        if day.weekday() >= 5 and (before is None or day < before):
            return day
    return near


def _current_event(tour: Tour, slug: str, day: dt.date) -> Event:
    city = City.objects.get(slug=slug)
    event = Event.objects.filter(tour=tour, city=city).first()
    if event is not None:
        return event
    lead = demo_user(f"{slug}@{DEMO_DOMAIN}")
    services.add_city_team_member(tour=tour, city=city, user=lead, role=TeamRole.LEAD)
    venue = Venue.objects.filter(city=city).first() or Venue.objects.create(city=city, **CURRENT_VENUES[slug])
    start = dt.datetime.combine(day, dt.time(13, 30), tzinfo=SHANGHAI)
    event = Event(
        tour=tour,
        city=city,
        slug=slug,
        title=f"{tour.year} 开源数据城市行·{city.name_zh}站",
        title_en=f"{tour.year} Open Data City Tour · {city.name_en}",
        venue=venue,
        capacity=venue.capacity,
        start=start,
        end=start + dt.timedelta(hours=4),
        description="开源数据技术分享、案例实践与闪电演讲。",
        description_en="Open data talks, case studies and lightning talks.",
        livestream_url=f"https://live.example.org/open-data/{slug}",  # it has an online tier
        status=EventStatus.PUBLISHED,
    )
    services.save_event(event=event)
    TicketTier.objects.create(event=event, name="普通票", name_en="Standard", quota=150, position=0)
    TicketTier.objects.create(
        event=event, name="线上直播", name_en="Online", quota=None, attendance=Attendance.ONLINE, position=1
    )
    return event


def _held_with_registrations(event: Event, *, count: int, checked_in: int) -> None:
    tier = event.tiers.get(attendance=Attendance.IN_PERSON)
    organizer = event.tour.admins.first()
    for n in range(count):
        name, email = _person(900 + n)
        registration = services.register_attendee(
            event=event,
            tier=tier,
            render=False,
            notify=False,
            source="import",
            details=AttendeeDetails(name=name, email=email.replace("attendee", "bj"), privacy_accepted=True),
        )
        if n < checked_in:
            services.check_in(event=event, value=registration.ticket_code, by=organizer)
    services.change_event_status(event=event, status=EventStatus.FINISHED)
