"""The demo tour, taken from the community's own announcement of “2024 数字经济-城市开源行”."""

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import services
from .models import (
    Attendance,
    City,
    CityTeamMember,
    Event,
    EventStatus,
    ImportState,
    ReferralChannel,
    Region,
    Registration,
    RegistrationImport,
    RegistrationQuestion,
    TeamRole,
    TicketTier,
    TierVisibility,
    Tour,
    Venue,
)
from .services import AttendeeDetails, check_in, create_invite_codes, register_attendee, run_import

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "citytour-demo"
DEMO_DOMAIN = "demo.citytour.cn"

CITIES = [
    # name, English name, slug, region
    ("北京", "Beijing", "beijing", Region.NORTH),
    ("上海", "Shanghai", "shanghai", Region.EAST),
    ("深圳", "Shenzhen", "shenzhen", Region.SOUTH),
    ("广州", "Guangzhou", "guangzhou", Region.SOUTH),
    ("杭州", "Hangzhou", "hangzhou", Region.EAST),
    ("南京", "Nanjing", "nanjing", Region.EAST),
    ("成都", "Chengdu", "chengdu", Region.SOUTHWEST),
    ("武汉", "Wuhan", "wuhan", Region.CENTRAL),
    ("郑州", "Zhengzhou", "zhengzhou", Region.CENTRAL),
    ("西安", "Xi'an", "xian", Region.NORTHWEST),
]

TOUR_DESCRIPTION = (
    "为了推动数字经济的发展，国家落地了一系列热点政策与举措，包括国家数据局的成立、数据要素化、数据资源入表、"
    "各类开源发展政策等。社区于 2024 年在全国十城开展“数字经济-城市开源行”系列活动，连接社区成员、传播数字技术、"
    "推广开源文化，吸引更多伙伴加入社区，共建数字开源。\n\n"
    "每一站都有主题演讲、实践案例、答疑互动、开源展览、闪电演讲与主题研讨；各城市会进行个性化调整。"
)
TOUR_DESCRIPTION_EN = (
    "Ten cities, one theme: the digital economy and open source. Each stop brings keynotes, case studies, "
    "Q&A, an open-source exhibition, lightning talks and a roundtable, adapted by the city's own team."
)

VENUES = {
    "shenzhen": dict(
        name="深圳湾科技生态园 10 栋 报告厅",
        name_en="Shenzhen Bay Eco-Technology Park, Building 10, Auditorium",
        address="广东省深圳市南山区高新南十道 深圳湾科技生态园 10 栋 B 座 2 层",
        capacity=200,
        map_url="https://map.baidu.com/search/深圳湾科技生态园",
        transport_notes="地铁 2 号线 / 11 号线 后海站 E 出口，步行约 10 分钟。园区地下停车场 5 元/小时。",
    ),
    "guangzhou": dict(
        name="天河软件园 创新中心 多功能厅",
        name_en="Tianhe Software Park Innovation Center, Hall 1",
        address="广东省广州市天河区建中路 59 号 创新中心 3 层",
        capacity=150,
        map_url="https://map.baidu.com/search/天河软件园",
        transport_notes="地铁 5 号线 科韵路站 A 出口，步行约 8 分钟。",
    ),
}

SCHEDULED = {
    # city slug: (date, start, end)
    "shenzhen": (dt.date(2024, 4, 20), dt.time(13, 30), dt.time(17, 30)),
    "guangzhou": (dt.date(2024, 4, 21), dt.time(13, 30), dt.time(17, 30)),
}


@dataclass
class DemoLogins:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # who, email, password

    def add(self, who: str, email: str) -> None:
        self.rows.append((who, email, DEMO_PASSWORD))


User = get_user_model()


@cache
def _demo_password_hash() -> str:
    """Hashed once: every demo account has the same password, and hashing is slow on purpose."""
    return make_password(DEMO_PASSWORD)


def demo_user(email: str, *, first_name: str = "", superuser: bool = False):
    """An account that can log in at once: its email address is already verified."""
    user, created = User.objects.get_or_create(
        username=email,
        defaults={"email": email, "first_name": first_name, "is_superuser": superuser, "is_staff": superuser},
    )
    if created:
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def seed_tour(logins: DemoLogins) -> Tour:
    tour, _ = Tour.objects.get_or_create(
        slug="2024-digital-economy",
        defaults=dict(
            name="2024 数字经济-城市开源行",
            name_en="2024 Digital Economy · City Open Source Tour",
            year=2024,
            theme="连接社区成员、传播数字技术、推广开源文化",
            theme_en="Connect the community, spread digital skills, grow open-source culture",
            description=TOUR_DESCRIPTION,
            description_en=TOUR_DESCRIPTION_EN,
        ),
    )
    for position, (name_zh, name_en, slug, region) in enumerate(CITIES):
        City.objects.get_or_create(
            slug=slug, defaults=dict(name_zh=name_zh, name_en=name_en, region=region, position=position)
        )

    superuser = demo_user(f"admin@{DEMO_DOMAIN}", first_name="Admin", superuser=True)
    logins.add("superuser (all tours, cities and accounts)", superuser.email)
    tour_admin = demo_user(f"tour@{DEMO_DOMAIN}", first_name="巡回组")
    services.add_tour_admin(tour=tour, user=tour_admin)
    logins.add("tour admin (every city of the tour)", tour_admin.email)

    for city in City.objects.filter(slug__in=[c[2] for c in CITIES]):
        organizer = demo_user(f"{city.slug}@{DEMO_DOMAIN}", first_name=f"{city.name_zh}站")
        if not CityTeamMember.objects.filter(tour=tour, city=city, user=organizer).exists():
            services.add_city_team_member(tour=tour, city=city, user=organizer, role=TeamRole.LEAD)
        logins.add(f"city lead of {city.name_en}", organizer.email)
        _seed_event(tour, city)
    return tour


def _seed_event(tour: Tour, city: City) -> None:
    if Event.objects.filter(tour=tour, city=city).exists():
        return
    event = Event(
        tour=tour,
        city=city,
        slug=city.slug,
        title=f"数字经济-城市开源行·{city.name_zh}站",
        title_en=f"Digital Economy City Open Source Tour · {city.name_en}",
    )
    if city.slug in SCHEDULED:
        day, start, end = SCHEDULED[city.slug]
        venue, _ = Venue.objects.get_or_create(city=city, name=VENUES[city.slug]["name"], defaults=VENUES[city.slug])
        event.venue = venue
        event.capacity = venue.capacity
        event.start = dt.datetime.combine(day, start, tzinfo=SHANGHAI)
        event.end = dt.datetime.combine(day, end, tzinfo=SHANGHAI)
        event.livestream_url = "https://live.example.org/citytour/" + city.slug
        event.description = (
            "主题演讲、实践案例、答疑互动、开源展览、闪电演讲（3-5 分钟，不限主题）与主题研讨。"
            "欢迎所有对数据开源感兴趣的伙伴参加。"
        )
        event.description_en = (
            "Keynotes, case studies, Q&A, an open-source exhibition, lightning talks (3–5 minutes, any topic) "
            "and a roundtable. Everyone curious about open data is welcome."
        )
        event.status = EventStatus.PUBLISHED
    services.save_event(event=event)


# --- Registration ---------------------------------------------------------------------------------------------

REFERRALS = [
    ("公众号", "WeChat official account"),
    ("朋友圈", "WeChat Moments"),
    ("社区群", "Community group"),
    ("活动行", "Huodongxing"),
    ("合作社区", "Partner community"),
    ("其他", "Other"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晨",
    "浩",
    "宇",
    "欣",
    "婷",
    "子涵",
    "一鸣",
    "思远",
]
COMPANIES = [
    "星河数据",
    "云栈科技",
    "南山智能",
    "琴湖物联",
    "北辰云",
    "粤海智算",
    "珠江金融科技",
    "蓝鲸物联",
    "深大",
    "华南理工大学",
]
ROLES = ["开发者", "架构师", "数据工程师", "DBA", "产品经理", "学生", "CTO", "运维工程师"]


def _person(n: int) -> tuple[str, str]:
    name = SURNAMES[n * 7 % len(SURNAMES)] + GIVEN[n * 11 % len(GIVEN)]
    return name, f"attendee{n:03d}@demo.citytour.cn"


def _dated_as_it_happened(event: Event) -> None:
    """A past event's demo registrations, dated as they would have been: registered over the three weeks before
    it, checked in over the forty minutes before its start (not all at the moment the demo was seeded)."""
    registrations = list(event.registrations.order_by("pk"))
    weeks = dt.timedelta(days=21)
    for i, registration in enumerate(registrations):
        registered = event.start - weeks + (weeks - dt.timedelta(hours=2)) * i / len(registrations)
        registration.created_at = registration.privacy_accepted_at = registration.ticket_requested_at = registered
        if registration.checked_in_at:
            registration.checked_in_at = event.start - dt.timedelta(minutes=40) + dt.timedelta(seconds=i * 37 % 2400)
    Registration.objects.bulk_update(
        registrations, ["created_at", "privacy_accepted_at", "ticket_requested_at", "checked_in_at"]
    )


def _files_brought_in(event: Event, organizer) -> None:
    """The event's import page: the list its registrations came from, and a partner community's list sent back
    with the rows to fix (imported for real, so its report reads as an organizer would see it)."""
    week_before = event.start - dt.timedelta(days=7)
    imported = event.registrations.filter(source="import", invite_code__isnull=True, tier__attendance="in_person")
    RegistrationImport.objects.create(
        event=event,
        file_name="活动行报名导出.csv",
        state=ImportState.DONE,
        language="zh-hans",
        created_by=organizer,
        imported=imported.count(),
        started_at=week_before,
        finished_at=week_before + dt.timedelta(seconds=3),
    )
    partner_list = (
        "姓名,邮箱,手机,公司\n"
        "周芷若,zhou.zhiruo@partner.example.org,13900000001,开源社\n"
        "宋青书,song.qingshu@partner,13900000002,开源社\n"
        "张三丰,zhang.sanfeng@partner.example.org,1390000003,开源社\n"
        "周芷若,Zhou.Zhiruo@partner.example.org,13900000004,开源社\n"
    )
    job = RegistrationImport.objects.create(
        event=event,
        file_name="开源社成员名单.csv",
        data=partner_list.encode(),
        language="zh-hans",
        created_by=organizer,
    )
    run_import(job_id=job.pk)
    RegistrationImport.objects.filter(pk=job.pk).update(
        created_at=week_before + dt.timedelta(days=2), finished_at=week_before + dt.timedelta(days=2, seconds=1)
    )
    RegistrationImport.objects.filter(file_name="活动行报名导出.csv", event=event).update(created_at=week_before)


@transaction.atomic
def seed_registrations(tour: Tour, logins: DemoLogins) -> None:
    if ReferralChannel.objects.filter(tour=tour).exists():
        return
    channels = [
        ReferralChannel.objects.create(tour=tour, name=zh, name_en=en, position=i)
        for i, (zh, en) in enumerate(REFERRALS)
    ]
    shenzhen = Event.objects.get(tour=tour, city__slug="shenzhen")
    guangzhou = Event.objects.get(tour=tour, city__slug="guangzhou")
    RegistrationQuestion.objects.create(event=shenzhen, text="饮食要求（如素食）", text_en="Dietary needs", position=0)
    standard = TicketTier.objects.create(event=shenzhen, name="普通票", name_en="Standard", quota=150, position=0)
    student = TicketTier.objects.create(
        event=shenzhen,
        name="学生票",
        name_en="Student",
        quota=20,
        position=1,
        description="请携带学生证 · Bring your student card",
    )
    vip = TicketTier.objects.create(
        event=shenzhen,
        name="VIP 票",
        name_en="VIP",
        price=199,
        quota=20,
        position=2,
        visibility=TierVisibility.INVITE_ONLY,
        description="含午餐与嘉宾交流",
    )
    online = TicketTier.objects.create(
        event=shenzhen, name="线上直播", name_en="Online", quota=None, attendance=Attendance.ONLINE, position=3
    )
    sponsor_codes = create_invite_codes(event=shenzhen, tier=vip, channel="sponsor", count=5, label="星河数据")
    create_invite_codes(
        event=shenzhen, tier=standard, channel="speaker", count=10, label="讲师与嘉宾", reserves_seats=True
    )
    [partner_code] = create_invite_codes(
        event=shenzhen, tier=standard, channel="partner", count=1, max_uses=20, label="开源社"
    )
    create_invite_codes(event=shenzhen, tier=standard, channel="staff", count=5, label="会务组")

    organizer = User.objects.get(username=f"shenzhen@{DEMO_DOMAIN}")

    plan = [(standard, None, 130), (student, None, 20), (standard, partner_code.code, 12), (online, None, 60)]
    plan += [(vip, code.code, 1) for code in sponsor_codes]
    n = 0
    for tier, code, count in plan:
        for _i in range(count):
            n += 1
            name, email = _person(n)
            registration = register_attendee(
                event=shenzhen,
                tier=tier,
                render=False,
                invite_code=code or "",
                notify=False,
                source="import",
                details=AttendeeDetails(
                    name=name,
                    email=email,
                    company=COMPANIES[n % len(COMPANIES)],
                    job_role=ROLES[n % len(ROLES)],
                    phone=f"138{n:08d}",
                    heard_from=channels[n % len(channels)],
                    privacy_accepted=True,
                ),
            )
            if tier.attendance == Attendance.IN_PERSON and n % 5:
                check_in(event=shenzhen, value=registration.ticket_code, by=organizer)

    _files_brought_in(shenzhen, organizer)

    early = TicketTier.objects.create(
        event=guangzhou, name="早鸟票", name_en="Early bird", price=49, quota=20, position=0
    )
    TicketTier.objects.create(event=guangzhou, name="普通票", name_en="Standard", quota=100, position=1)
    for _i in range(early.quota):  # sold out (the waiting list of an event still ahead is Hangzhou's workshop)
        n += 1
        name, email = _person(n)
        register_attendee(
            event=guangzhou,
            tier=early,
            render=False,
            notify=False,
            source="import",
            details=AttendeeDetails(name=name, email=email, privacy_accepted=True),
        )

    attendee_user = demo_user(f"attendee@{DEMO_DOMAIN}", first_name="李雷")
    register_attendee(
        event=guangzhou,
        tier=guangzhou.tiers.get(name="普通票"),
        user=attendee_user,
        notify=False,
        details=AttendeeDetails(name="李雷", email=attendee_user.email, company="开源社", privacy_accepted=True),
    )
    logins.add("attendee with a ticket and a place on a waiting list (My tickets)", attendee_user.email)
    for past in (shenzhen, guangzhou):
        _dated_as_it_happened(past)
