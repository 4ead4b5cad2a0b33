"""The demo tour, taken from the community's own announcement of “2024 数字经济-城市开源行”."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import City, CityTeamMember, Event, EventStatus, Region, TeamRole, Tour, Venue

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


def demo_user(email: str, *, first_name: str = "", superuser: bool = False):
    """An account that can log in at once: its email address is already verified."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email,
        defaults={"email": email, "first_name": first_name, "is_superuser": superuser, "is_staff": superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
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
