"""The review dashboard in the admin: figures per talk, filters, scope, and a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import City
from speakers import services
from speakers.models import Acceptance, SubmissionState
from tests.factories import CityTeamMemberFactory, ReviewTeamMemberFactory, SubmissionFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db
URL = reverse("admin:speakers_submission_changelist")


def reviewed_talk(cfp, scores, **kwargs):
    talk = SubmissionFactory(cfp=cfp, cities=[City.objects.get(slug="shenzhen")], **kwargs)
    for score in scores:
        services.review_talk(submission=talk, reviewer=ReviewTeamMemberFactory(tour=cfp.tour).user, score=score)
    return talk


def test_each_talk_shows_its_review_count_mean_and_spread(tour_with_cfp, tour_admin):
    talk = reviewed_talk(tour_with_cfp, [5, 3, 4], title="三个评审")
    response = client_for(tour_admin).get(URL)
    row = next(s for s in response.context["cl"].result_list if s.pk == talk.pk)
    assert (row.review_count, round(row.mean_score, 2), row.score_spread) == (3, 4.0, 2)
    html = response.content.decode()
    assert "三个评审" in html and "4.00" in html


def test_sorting_by_mean_score_and_filtering_by_track(tour_with_cfp, tour_admin):
    big_data, ai = tour_with_cfp.tracks.all()
    reviewed_talk(tour_with_cfp, [2], title="低分", track=big_data)
    reviewed_talk(tour_with_cfp, [5], title="高分", track=big_data)
    reviewed_talk(tour_with_cfp, [4], title="AI", track=ai)
    client = client_for(tour_admin)
    mean_column = 6  # position of "mean score" in list_display, counted from 1 after the checkbox
    by_mean = client.get(URL, {"o": f"-{mean_column}"}).context["cl"].result_list
    assert [s.title for s in by_mean] == ["高分", "AI", "低分"]
    filtered = client.get(URL, {"track__id__exact": big_data.pk}).context["cl"].result_list
    assert sorted(s.title for s in filtered) == ["低分", "高分"]


def test_a_city_team_sees_the_talks_offered_to_its_city(tour_with_cfp):
    shenzhen, guangzhou = City.objects.get(slug="shenzhen"), City.objects.get(slug="guangzhou")
    SubmissionFactory(cfp=tour_with_cfp, title="深圳的", cities=[shenzhen])
    SubmissionFactory(cfp=tour_with_cfp, title="广州的", cities=[guangzhou])
    lead = CityTeamMemberFactory(tour=tour_with_cfp.tour, city=guangzhou).user
    titles = [s.title for s in client_for(lead).get(URL).context["cl"].result_list]
    assert titles == ["广州的"]


def test_the_dashboard_query_count_does_not_grow_with_talks(tour_with_cfp, tour_admin, django_assert_num_queries):
    def add():
        talk = reviewed_talk(tour_with_cfp, [4, 5])
        services.decide(
            submission=talk,
            state=SubmissionState.ACCEPTED,
            events=[tour_with_cfp.tour.events.get(city__slug="shenzhen")],
            by=tour_admin,
        )

    add()
    client = client_for(tour_admin)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    add(), add()
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert len(response.context["cl"].result_list) == 3
    assert Acceptance.objects.count() == 3
