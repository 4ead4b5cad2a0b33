"""Reviewers score talks within their limits, never their own, and see others' scores only after their own."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.models import City
from speakers import services
from speakers.models import CoSpeaker, Review, SubmissionState
from tests.factories import ReviewTeamMemberFactory, SpeakerProfileFactory, SubmissionFactory, UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(tour_with_cfp):
    return ReviewTeamMemberFactory(tour=tour_with_cfp.tour, user=SpeakerProfileFactory().user).user


def test_a_reviewer_scores_a_talk(tour_with_cfp, reviewer):
    talk = SubmissionFactory(cfp=tour_with_cfp)
    response = client_for(reviewer).post(
        reverse("speakers:review_detail", args=[talk.pk]), {"score": 4, "comment": "好"}
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.reviewer, review.submission, review.score, review.comment) == (reviewer, talk, 4, "好")
    talk.refresh_from_db()
    assert talk.state == SubmissionState.IN_REVIEW


def test_a_reviewer_cannot_review_their_own_or_a_co_presented_talk(tour_with_cfp, reviewer):
    own = SubmissionFactory(cfp=tour_with_cfp, speaker=reviewer, title="我自己的")
    co_presented = SubmissionFactory(cfp=tour_with_cfp, title="一起讲的")
    CoSpeaker.objects.create(submission=co_presented, email=reviewer.email.upper())
    client = client_for(reviewer)
    listing = client.get(reverse("speakers:review_list", args=[tour_with_cfp.tour.slug])).content.decode()
    assert "我自己的" not in listing and "一起讲的" not in listing
    for talk in (own, co_presented):
        assert client.get(reverse("speakers:review_detail", args=[talk.pk])).status_code == 404
        assert client.post(reverse("speakers:review_detail", args=[talk.pk]), {"score": 5}).status_code == 404
        with pytest.raises(ValidationError) as caught:
            services.review_talk(submission=talk, reviewer=reviewer, score=5)
        assert caught.value.messages == ["You cannot review a talk you present."]
    assert Review.objects.count() == 0


def test_someone_outside_the_review_team_cannot_review(tour_with_cfp):
    talk = SubmissionFactory(cfp=tour_with_cfp)
    outsider = UserFactory()
    assert client_for(outsider).get(reverse("speakers:review_detail", args=[talk.pk])).status_code == 404
    with pytest.raises(ValidationError) as caught:
        services.review_talk(submission=talk, reviewer=outsider, score=3)
    assert caught.value.messages == ["You are not on the review team of this tour."]


def test_a_reviewer_limited_to_a_track_and_a_city_sees_only_those(tour_with_cfp):
    big_data, ai = tour_with_cfp.tracks.all()
    shenzhen, guangzhou = City.objects.get(slug="shenzhen"), City.objects.get(slug="guangzhou")
    member = ReviewTeamMemberFactory(tour=tour_with_cfp.tour)
    member.tracks.add(big_data)
    member.cities.add(guangzhou)
    SubmissionFactory(cfp=tour_with_cfp, track=big_data, title="大数据·广州", cities=[guangzhou, shenzhen])
    SubmissionFactory(cfp=tour_with_cfp, track=big_data, title="大数据·深圳", cities=[shenzhen])
    hidden = SubmissionFactory(cfp=tour_with_cfp, track=ai, title="AI·广州", cities=[guangzhou])
    listing = client_for(member.user).get(reverse("speakers:review_list", args=[tour_with_cfp.tour.slug]))
    assert [s.title for s in listing.context["submissions"]] == ["大数据·广州"]
    assert client_for(member.user).get(reverse("speakers:review_detail", args=[hidden.pk])).status_code == 404


def test_anonymous_review_hides_speaker_names_and_companies(tour_with_cfp, reviewer):
    profile = SpeakerProfileFactory(name="欧阳娜娜", name_en="Ouyang Nana", company="保密科技")
    talk = SubmissionFactory(cfp=tour_with_cfp, speaker=profile.user, title="匿名评审的议题")
    client = client_for(reviewer)
    urls = [
        reverse("speakers:review_list", args=[tour_with_cfp.tour.slug]),
        reverse("speakers:review_detail", args=[talk.pk]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "匿名评审的议题" in html and "Ouyang Nana" in html and "保密科技" in html
    tour_with_cfp.anonymous_review = True
    tour_with_cfp.save()
    for url in urls:
        html = client.get(url).content.decode()
        assert "匿名评审的议题" in html
        assert "欧阳娜娜" not in html and "Ouyang Nana" not in html and "保密科技" not in html
        assert profile.user.email not in html


def test_others_scores_stay_hidden_until_the_reviewer_gives_their_own(tour_with_cfp, reviewer):
    talk = SubmissionFactory(cfp=tour_with_cfp)
    other = ReviewTeamMemberFactory(tour=tour_with_cfp.tour).user
    services.review_talk(submission=talk, reviewer=other, score=2, comment="结构松散，需要更多案例")
    client = client_for(reviewer)
    url = reverse("speakers:review_detail", args=[talk.pk])
    before = client.get(url)
    assert before.context["others"] == []
    assert "结构松散" not in before.content.decode()
    client.post(url, {"score": 5, "comment": "很好"})
    after = client.get(url)
    assert [r.score for r in after.context["others"]] == [2]
    assert "结构松散，需要更多案例" in after.content.decode()


def test_scores_outside_one_to_five_are_refused(tour_with_cfp, reviewer):
    talk = SubmissionFactory(cfp=tour_with_cfp)
    response = client_for(reviewer).post(reverse("speakers:review_detail", args=[talk.pk]), {"score": 6})
    assert response.context["form"].errors["score"] == ["Select a valid choice. 6 is not one of the available choices."]
    with pytest.raises(ValidationError):
        services.review_talk(submission=talk, reviewer=reviewer, score=0)
    assert Review.objects.count() == 0
