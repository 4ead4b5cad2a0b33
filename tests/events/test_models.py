"""Event validation: each rule answers with its own translated message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import services
from events.models import Event, EventStatus
from tests.factories import CityFactory, EventFactory, TourFactory, VenueFactory, shanghai

pytestmark = pytest.mark.django_db


def errors_of(event: Event, lang: str = "en") -> dict[str, list[str]]:
    with translation.override(lang):
        with pytest.raises(ValidationError) as caught:
            event.full_clean()
        return {field: [str(m) for m in messages] for field, messages in caught.value.message_dict.items()}


def test_a_valid_event_passes():
    EventFactory().full_clean()


def test_an_event_that_ends_before_it_starts_is_refused():
    event = EventFactory()
    event.start, event.end = shanghai(2024, 4, 20, 17), shanghai(2024, 4, 20, 13)
    assert errors_of(event) == {"end": ["The event must end after it starts."]}
    assert errors_of(event, "zh-hans") == {"end": ["活动的结束时间必须晚于开始时间。"]}


@pytest.mark.parametrize("capacity", [0, -5])
def test_a_capacity_of_zero_or_below_is_refused(capacity):
    event = EventFactory()
    event.capacity = capacity
    messages = errors_of(event)["capacity"]
    assert "The capacity must be at least 1." in messages


def test_a_capacity_above_the_venues_is_refused():
    event = EventFactory(venue__capacity=120)
    event.capacity = 121
    assert errors_of(event) == {"capacity": ["The capacity (121) exceeds the venue's capacity (120)."]}
    assert errors_of(event, "zh-hans") == {"capacity": ["活动容量（121）超过了会场容量（120）。"]}


def test_two_events_of_one_tour_in_one_city_on_one_day_are_refused():
    first = EventFactory(start=shanghai(2024, 4, 20, 9), end=shanghai(2024, 4, 20, 12))
    second = EventFactory.build(
        tour=first.tour,
        city=first.city,
        venue=first.venue,
        slug="second",
        start=shanghai(2024, 4, 20, 19),
        end=shanghai(2024, 4, 20, 21),
    )
    assert errors_of(second) == {"start": ["This tour already has an event in this city on that day."]}
    # The next day, another city, or another tour is fine.
    second.start, second.end = shanghai(2024, 4, 21, 9), shanghai(2024, 4, 21, 12)
    second.full_clean()


def test_the_same_day_is_the_day_in_shanghai_not_in_utc():
    # 2024-04-20 01:00 in Shanghai is still 2024-04-19 in UTC.
    first = EventFactory(start=shanghai(2024, 4, 20, 1, 0), end=shanghai(2024, 4, 20, 3, 0))
    second = EventFactory.build(
        tour=first.tour,
        city=first.city,
        venue=first.venue,
        slug="late",
        start=shanghai(2024, 4, 20, 20),
        end=shanghai(2024, 4, 20, 22),
    )
    assert "start" in errors_of(second)


def test_a_cancelled_event_does_not_block_its_day():
    first = EventFactory(start=shanghai(2024, 4, 20, 9), end=shanghai(2024, 4, 20, 12), status=EventStatus.CANCELLED)
    EventFactory.build(
        tour=first.tour,
        city=first.city,
        venue=first.venue,
        slug="again",
        start=shanghai(2024, 4, 20, 14),
        end=shanghai(2024, 4, 20, 17),
    ).full_clean()


def test_publishing_without_a_venue_or_date_is_refused():
    event = Event(tour=TourFactory(), city=CityFactory(), title="北京站", slug="beijing", status=EventStatus.PUBLISHED)
    assert errors_of(event) == {
        "venue": ["An event needs a venue before it is published."],
        "start": ["An event needs a date before it is published."],
    }
    assert errors_of(event, "zh-hans") == {
        "venue": ["活动发布前需要先确定会场。"],
        "start": ["活动发布前需要先确定日期。"],
    }
    event.status = EventStatus.DRAFT
    event.full_clean()


def test_a_venue_of_another_city_is_refused():
    event = EventFactory()
    event.venue = VenueFactory()
    assert errors_of(event) == {"venue": ["This venue is in another city."]}


def test_a_finished_event_cannot_be_reopened():
    event = EventFactory(status=EventStatus.FINISHED)
    event = Event.objects.get(pk=event.pk)
    event.status = EventStatus.PUBLISHED
    assert errors_of(event) == {"status": ["An event cannot go from “Finished” to “Published”."]}


def test_change_event_status_validates_and_saves():
    event = EventFactory(status=EventStatus.DRAFT)
    services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    assert Event.objects.get(pk=event.pk).status == EventStatus.PUBLISHED
    services.change_event_status(event=event, status=EventStatus.FINISHED)
    with pytest.raises(ValidationError):
        services.change_event_status(event=event, status=EventStatus.DRAFT)
    assert Event.objects.get(pk=event.pk).status == EventStatus.FINISHED


def test_save_event_fills_a_unique_slug_from_the_city_and_date():
    first = EventFactory(city__slug="shenzhen", slug="shenzhen-20240501")
    event = Event(
        tour=first.tour,
        city=first.city,
        venue=first.venue,
        title="深圳站 下午场",
        start=first.start + dt.timedelta(days=30),
        end=first.end + dt.timedelta(days=30),
    )
    services.save_event(event=event)
    assert event.slug == f"shenzhen-{event.local_date:%Y%m%d}"
    other = Event(tour=first.tour, city=first.city, title="深圳站 筹备中")
    services.save_event(event=other)
    assert other.slug == "shenzhen"
    again = Event(tour=first.tour, city=first.city, title="深圳站 又一场")
    services.save_event(event=again)
    assert again.slug == "shenzhen-2"
