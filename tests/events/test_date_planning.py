"""Date planning: statutory holidays, adjusted working days (调休) and holidays abroad, with clear suggestions."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.date_planning import clear_weekend_days, date_warnings
from tests.factories import EventFactory, UserFactory, shanghai


def warnings_in_english(day):
    with translation.override("en"):
        return date_warnings(day)


def test_national_day_warns():
    assert warnings_in_english(dt.date(2024, 10, 1)) == [
        "2024-10-01 falls on National Day, a statutory holiday in China."
    ]


def test_the_shenzhen_date_is_clear():
    assert date_warnings(dt.date(2024, 4, 20)) == []


def test_an_adjusted_working_day_warns():
    assert warnings_in_english(dt.date(2024, 4, 28)) == [
        "2024-04-28 is an adjusted working day (调休) in China: most people work."
    ]


def test_the_day_next_to_a_holiday_warns():
    assert "2024-09-30 is the day before National Day, a statutory holiday in China." in warnings_in_english(
        dt.date(2024, 9, 30)
    )


def test_holidays_abroad_warn():
    assert warnings_in_english(dt.date(2024, 12, 25)) == ["2024-12-25 is Christmas Day (US), a public holiday abroad."]


def test_warnings_are_in_chinese_for_chinese_organizers():
    with translation.override("zh-hans"):
        assert date_warnings(dt.date(2024, 10, 1)) == ["2024-10-01 是国庆节，中国的法定节假日。"]


@pytest.mark.parametrize("day", [dt.date(2024, 10, 1), dt.date(2024, 4, 28), dt.date(2024, 2, 10)])
def test_suggestions_are_clear_weekend_days_nearest_first(day):
    suggestions = clear_weekend_days(day)
    assert len(suggestions) == 3
    assert all(s.weekday() >= 5 and date_warnings(s) == [] for s in suggestions)
    distances = [abs((s - day).days) for s in suggestions]
    assert distances == sorted(distances)


def test_suggestions_for_national_day():
    assert clear_weekend_days(dt.date(2024, 10, 1)) == [
        dt.date(2024, 9, 22),
        dt.date(2024, 9, 21),
        dt.date(2024, 10, 19),
    ]


@pytest.mark.django_db
def test_the_admin_warns_when_an_event_is_set_on_a_holiday():
    event = EventFactory(start=shanghai(2024, 10, 1, 13, 30), end=shanghai(2024, 10, 1, 17, 30))
    admin = UserFactory(is_staff=True)
    event.tour.admins.add(admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    html = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "2024-10-01 falls on National Day, a statutory holiday in China." in html
    assert "2024-09-22 (Sun)" in html
