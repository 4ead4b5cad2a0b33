import datetime as dt
from zoneinfo import ZoneInfo

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from events.models import (
    City,
    CityTeamMember,
    Event,
    EventStatus,
    Region,
    Shift,
    TeamRole,
    TicketTier,
    Tour,
    Venue,
    VolunteerApplication,
    VolunteerRole,
    VolunteerStatus,
)
from events.services import AttendeeDetails
from speakers.models import (
    AudienceLevel,
    CallForPapers,
    ReviewTeamMember,
    SessionFormat,
    SpeakerProfile,
    Submission,
    Track,
)

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


class UpcomingEventFactory(EventFactory):
    """An event that has not begun: people waiting for it are still promoted, attendees may still cancel."""

    start = factory.Sequence(lambda n: timezone.now().replace(microsecond=0) + dt.timedelta(days=30 + n))


def tour_admin_of(tour, **kwargs):
    """A staff account that administers every city of the tour."""
    user = UserFactory(is_staff=True, **kwargs)
    tour.admins.add(user)
    return user


class CityTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityTeamMember

    tour = factory.SubFactory(TourFactory)
    city = factory.SubFactory(CityFactory)
    user = factory.SubFactory(UserFactory, is_staff=True)
    role = TeamRole.LEAD


# --- Speakers --------------------------------------------------------------------------------------------------


class SpeakerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpeakerProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"讲师{n}")
    name_en = factory.Sequence(lambda n: f"Speaker {n}")
    title = "架构师"
    company = factory.Sequence(lambda n: f"公司{n}")
    email = factory.SelfAttribute("user.email")


class CfpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallForPapers

    tour = factory.SubFactory(TourFactory)
    title = "议题征集"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    formats = factory.LazyFunction(lambda: [value for value, _ in SessionFormat.choices])
    levels = factory.LazyFunction(lambda: [value for value, _ in AudienceLevel.choices])


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    cfp = factory.SubFactory(CfpFactory)
    name = factory.Sequence(lambda n: f"方向{n}")
    name_en = factory.Sequence(lambda n: f"Track {n}")


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission
        skip_postgeneration_save = True

    cfp = factory.SubFactory(CfpFactory)
    speaker = factory.LazyAttribute(lambda o: SpeakerProfileFactory().user)
    title = factory.Sequence(lambda n: f"议题 {n}")
    abstract = "摘要"
    format = SessionFormat.CASE_STUDY
    level = AudienceLevel.DEVELOPER
    language = "zh-hans"

    @factory.post_generation
    def cities(submission, create, extracted, **kwargs):
        if create and extracted:
            submission.cities.set(extracted)


class ReviewTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewTeamMember

    tour = factory.SubFactory(TourFactory)
    user = factory.SubFactory(UserFactory)


# --- Registration ----------------------------------------------------------------------------------------------


class TicketTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketTier

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"普通票{n}")
    name_en = factory.Sequence(lambda n: f"Standard {n}")
    quota = 50


_attendees = iter(range(1, 10**9))


def attendee(name="张三", email=None, **kwargs) -> AttendeeDetails:
    kwargs.setdefault("privacy_accepted", True)
    return AttendeeDetails(name=name, email=email or f"attendee{next(_attendees)}@example.org", **kwargs)


# --- Volunteers ----------------------------------------------------------------------------------------------


def upcoming(days=10, hour=13) -> dt.datetime:
    """A moment ``days`` from now, at a round hour in Shanghai."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


class VolunteerFactory(factory.django.DjangoModelFactory):
    """An approved volunteer (sign-ups through the service are tested on their own)."""

    class Meta:
        model = VolunteerApplication

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"志愿者{n}")
    roles = factory.LazyFunction(lambda: [VolunteerRole.CHECK_IN])
    availability = "全天"
    phone = "13800000000"
    status = VolunteerStatus.APPROVED


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    event = factory.SubFactory(EventFactory)
    role = VolunteerRole.CHECK_IN
    start = factory.LazyAttribute(lambda o: o.event.start - dt.timedelta(minutes=30))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=2))
    head_count = 2
