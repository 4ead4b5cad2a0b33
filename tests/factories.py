import datetime as dt
from zoneinfo import ZoneInfo

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from events.models import City, CityTeamMember, Event, EventStatus, Region, TeamRole, Tour, Venue

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "a-long-test-password"


def shanghai(year, month, day, hour=13, minute=30):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    username = factory.SelfAttribute("email")
    first_name = "测试"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class TourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tour

    name = factory.Sequence(lambda n: f"测试巡回 {n}")
    name_en = factory.Sequence(lambda n: f"Test tour {n}")
    slug = factory.Sequence(lambda n: f"tour-{n}")
    year = 2024


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ["slug"]

    name_zh = factory.Sequence(lambda n: f"城市{n}")
    name_en = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")
    region = Region.SOUTH


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"会场 {n}")
    address = "广东省深圳市南山区科技园"
    capacity = 200


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    tour = factory.SubFactory(TourFactory)
    city = factory.SubFactory(CityFactory)
    venue = factory.SubFactory(VenueFactory, city=factory.SelfAttribute("..city"))
    title = factory.Sequence(lambda n: f"城市开源行 第{n}站")
    title_en = factory.Sequence(lambda n: f"City stop {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    start = factory.Sequence(lambda n: shanghai(2024, 5, 1) + dt.timedelta(days=n))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=4))
    capacity = 100
    status = EventStatus.PUBLISHED


class CityTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityTeamMember

    tour = factory.SubFactory(TourFactory)
    city = factory.SubFactory(CityFactory)
    user = factory.SubFactory(UserFactory, is_staff=True)
    role = TeamRole.LEAD
