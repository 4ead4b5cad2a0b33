"""The public pages, in Chinese by default and in English on request."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventStatus, RegistrationQuestion
from tests.factories import (
    CityFactory,
    EventFactory,
    TicketTierFactory,
    TourFactory,
    UpcomingEventFactory,
    UserFactory,
    VenueFactory,
    shanghai,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tour():
    tour = TourFactory(name="2024 数字经济-城市开源行", name_en="2024 Digital Economy Tour", year=2024)
    shenzhen = CityFactory(slug="shenzhen", name_zh="深圳", name_en="Shenzhen", position=1)
    EventFactory(
        tour=tour,
        city=shenzhen,
        slug="shenzhen",
        title="城市开源行·深圳站",
        title_en="City tour · Shenzhen",
        venue=VenueFactory(city=shenzhen, name="深圳湾科技生态园", name_en="Shenzhen Bay Park"),
        start=shanghai(2024, 4, 20, 13, 30),
        end=shanghai(2024, 4, 20, 17, 30),
    )
    beijing = CityFactory(slug="beijing", name_zh="北京", name_en="Beijing", position=0)
    EventFactory(
        tour=tour,
        city=beijing,
        slug="beijing",
        title="城市开源行·北京站",
        venue=None,
        start=None,
        end=None,
        status=EventStatus.DRAFT,
    )
    return tour


def test_home_in_chinese_lists_cities_and_events(tour):
    html = Client().get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "2024 数字经济-城市开源行" in html
    assert "巡回城市" in html and "筹备中" in html  # Beijing has only a draft: "in preparation"
    assert "北京" in html and "深圳" in html
    assert "城市开源行·深圳站" in html and "深圳湾科技生态园" in html
    assert "2024-04-20 星期六 13:30" in html
    assert "已发布" in html
    assert "城市开源行·北京站" not in html  # drafts are not public


def test_home_in_english_from_the_browser(tour):
    html = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/").content.decode()
    assert '<html lang="en">' in html
    assert "2024 Digital Economy Tour" in html
    assert "Cities of the tour" in html and "In preparation" in html
    assert "City tour · Shenzhen" in html and "Shenzhen Bay Park" in html
    assert "2024-04-20 Sat 13:30" in html
    assert "Published" in html


def test_a_chinese_browser_gets_chinese(tour):
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8").get("/").content.decode()
    assert '<html lang="zh-hans">' in html


def test_event_page_in_both_languages(tour):
    url = reverse("events:event", kwargs={"tour_slug": tour.slug, "event_slug": "shenzhen"})
    zh = Client().get(url).content.decode()
    assert "城市开源行·深圳站" in zh and "2024-04-20 星期六 13:30–17:30" in zh and "会场" in zh
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    assert "City tour · Shenzhen" in en and "2024-04-20 Saturday 13:30–17:30" in en and "Venue" in en


def test_a_draft_event_page_is_not_found(tour):
    url = reverse("events:event", kwargs={"tour_slug": tour.slug, "event_slug": "beijing"})
    assert Client().get(url).status_code == 404


def test_the_language_switch_on_the_page(tour):
    client = Client()
    assert "巡回城市" in client.get("/").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Cities of the tour" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "巡回城市" in client.get("/").content.decode()


def test_home_without_a_tour():
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert "No tour has been announced yet." in html


def test_the_home_page_query_count_does_not_grow_with_events(django_assert_num_queries, tour):
    client = Client()
    client.get("/")  # warm up
    with CaptureQueriesContext(connection) as with_one_event:
        client.get("/")
    for _ in range(2):
        city = CityFactory()
        EventFactory(tour=tour, city=city, venue=VenueFactory(city=city))
    with django_assert_num_queries(len(with_one_event.captured_queries)):
        html = client.get("/").content.decode()
    assert html.count('class="city-card"') == 4


def test_healthz():
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")


def test_a_closed_or_cancelled_event_offers_no_sale_dates_no_poster_and_says_why_it_takes_no_registrations():
    event = UpcomingEventFactory(poster="posters/x.png", poster_state="ready")
    TicketTierFactory(event=event, name_en="Last week", sale_starts=timezone.now() + dt.timedelta(days=3))
    RegistrationQuestion.objects.create(event=event, text="饮食要求", text_en="Dietary needs")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    page = client.get(event.get_absolute_url()).content.decode()
    assert "on sale from" in page and "Download the poster" in page
    fields = list(client.get(reverse("events:register", args=[event.tour.slug, event.slug])).context["form"].fields)
    assert fields[-2:] == [f"question_{event.questions.get().pk}", "privacy"]  # consent after what it covers
    for status, says in (
        ("registration_closed", "Registration for this event is closed."),
        ("cancelled", "This event has been cancelled."),
    ):
        Event.objects.filter(pk=event.pk).update(status=status)
        page = client.get(event.get_absolute_url()).content.decode()
        assert "on sale from" not in page and "Download the poster" not in page, status
        register = client.get(reverse("events:register", args=[event.tour.slug, event.slug])).content.decode()
        assert says in register
