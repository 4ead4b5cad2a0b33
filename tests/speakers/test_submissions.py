"""Speakers submit, edit and withdraw talks; the call for papers decides when."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import City
from speakers.models import CoSpeaker, Submission, SubmissionState
from tests.factories import SubmissionFactory, UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def form_data(cfp, **changes) -> dict:
    data = {
        "title": "开源数据湖实践",
        "abstract": "我们如何把数据湖开源化。",
        "outline": "1. 背景\n2. 实践",
        "format": "case_study",
        "track": cfp.tracks.first().pk,
        "level": "developer",
        "language": "zh-hans",
        "cities": [City.objects.get(slug="shenzhen").pk],
        "co_speakers": "Co.Speaker@example.org\nsecond@example.org",
        "notes": "需要投影转接头",
    }
    data.update(changes)
    return data


def test_a_speaker_submits_a_talk_that_can_travel(tour_with_cfp, speaker):
    cfp = tour_with_cfp
    cities = list(City.objects.filter(slug__in=["shenzhen", "guangzhou"]))
    response = client_for(speaker).post(
        reverse("speakers:submit", args=[cfp.tour.slug]), form_data(cfp, cities=[c.pk for c in cities])
    )
    assert response.status_code == 302 and response["Location"] == reverse("speakers:my_talks")
    submission = Submission.objects.get()
    assert (submission.speaker, submission.title, submission.state) == (speaker, "开源数据湖实践", "submitted")
    assert set(submission.cities.all()) == set(cities)
    assert sorted(CoSpeaker.objects.values_list("email", flat=True)) == ["co.speaker@example.org", "second@example.org"]
    page = client_for(speaker).get(reverse("speakers:my_talks")).content.decode()
    assert "开源数据湖实践" in page and "Submitted" in page


def test_without_a_profile_the_speaker_is_sent_to_fill_it_in(tour_with_cfp):
    user = UserFactory()
    response = client_for(user).get(reverse("speakers:submit", args=[tour_with_cfp.tour.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("speakers:profile") + "?next=")


def test_anonymous_visitors_are_sent_to_log_in(tour_with_cfp):
    from django.test import Client

    for url in [
        reverse("speakers:submit", args=[tour_with_cfp.tour.slug]),
        reverse("speakers:my_talks"),
        reverse("speakers:profile"),
        reverse("speakers:review_list", args=[tour_with_cfp.tour.slug]),
    ]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url


def test_after_the_cfp_closes_the_form_says_so_and_saves_nothing(tour_with_cfp, speaker):
    cfp = tour_with_cfp
    cfp.closes_at = timezone.now() - dt.timedelta(minutes=1)
    cfp.save()
    client = client_for(speaker)
    page = client.get(reverse("speakers:submit", args=[cfp.tour.slug])).content.decode()
    assert "The call for papers is closed: this form saves nothing." in page
    response = client.post(reverse("speakers:submit", args=[cfp.tour.slug]), form_data(cfp))
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith("The call for papers closed on ")
    assert errors[0].endswith("; nothing was saved.")
    assert Submission.objects.count() == 0 and CoSpeaker.objects.count() == 0


def test_the_closed_message_is_translated(tour_with_cfp, speaker):
    cfp = tour_with_cfp
    cfp.closes_at = timezone.now() - dt.timedelta(minutes=1)
    cfp.save()
    response = client_for(speaker, "zh-hans").post(reverse("speakers:submit", args=[cfp.tour.slug]), form_data(cfp))
    error = response.context["form"].non_field_errors()[0]
    assert error.startswith("议题征集已于") and error.endswith("截止，未保存任何内容。")


def test_a_speaker_edits_until_the_cfp_closes(tour_with_cfp, speaker):
    cfp = tour_with_cfp
    submission = SubmissionFactory(cfp=cfp, speaker=speaker, cities=[City.objects.get(slug="shenzhen")])
    url = reverse("speakers:submission_edit", args=[submission.pk])
    client = client_for(speaker)
    assert client.post(url, form_data(cfp, title="新标题")).status_code == 302
    assert Submission.objects.get(pk=submission.pk).title == "新标题"
    cfp.closes_at = timezone.now() - dt.timedelta(seconds=1)
    cfp.save()
    response = client.post(url, form_data(cfp, title="截止后再改"))
    assert response.status_code == 200
    assert Submission.objects.get(pk=submission.pk).title == "新标题"


def test_a_speaker_sees_and_edits_only_their_own_talks(tour_with_cfp, speaker):
    mine = SubmissionFactory(cfp=tour_with_cfp, speaker=speaker, title="我的议题")
    theirs = SubmissionFactory(cfp=tour_with_cfp, title="别人的议题")
    client = client_for(speaker)
    page = client.get(reverse("speakers:my_talks")).content.decode()
    assert "我的议题" in page and "别人的议题" not in page
    assert client.get(reverse("speakers:submission_edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("speakers:submission_edit", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("speakers:submission_edit", args=[theirs.pk]), form_data(tour_with_cfp)).status_code == 404
    )
    assert client.post(reverse("speakers:submission_withdraw", args=[theirs.pk])).status_code == 404
    assert Submission.objects.get(pk=theirs.pk).state == SubmissionState.SUBMITTED


def test_withdrawing_at_any_time(tour_with_cfp, speaker):
    submission = SubmissionFactory(cfp=tour_with_cfp, speaker=speaker, state=SubmissionState.ACCEPTED)
    tour_with_cfp.closes_at = timezone.now() - dt.timedelta(days=1)
    tour_with_cfp.save()
    response = client_for(speaker).post(reverse("speakers:submission_withdraw", args=[submission.pk]))
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission.pk).state == SubmissionState.WITHDRAWN


def test_a_city_the_tour_does_not_visit_is_refused(tour_with_cfp, speaker):
    from tests.factories import CityFactory

    elsewhere = CityFactory(slug="lhasa", name_zh="拉萨")
    response = client_for(speaker).post(
        reverse("speakers:submit", args=[tour_with_cfp.tour.slug]), form_data(tour_with_cfp, cities=[elsewhere.pk])
    )
    assert response.status_code == 200 and "cities" in response.context["form"].errors
    assert Submission.objects.count() == 0


def test_a_format_the_cfp_does_not_take_is_refused(tour_with_cfp, speaker):
    tour_with_cfp.formats = ["keynote"]
    tour_with_cfp.save()
    response = client_for(speaker).post(
        reverse("speakers:submit", args=[tour_with_cfp.tour.slug]), form_data(tour_with_cfp, format="workshop")
    )
    assert response.context["form"].errors["format"] == [
        "Select a valid choice. workshop is not one of the available choices."
    ]
    assert Submission.objects.count() == 0


def test_required_custom_questions(tour_with_cfp, speaker):
    question = tour_with_cfp.questions.create(text="是否同意录像？", text_en="May we record?", required=True)
    url = reverse("speakers:submit", args=[tour_with_cfp.tour.slug])
    response = client_for(speaker).post(url, form_data(tour_with_cfp))
    assert response.context["form"].errors[f"question_{question.id}"] == ["This field is required."]
    response = client_for(speaker).post(url, form_data(tour_with_cfp, **{f"question_{question.id}": "同意"}))
    assert response.status_code == 302
    assert Submission.objects.get().answers == {str(question.id): "同意"}


def test_bad_co_speaker_emails_are_refused(tour_with_cfp, speaker):
    response = client_for(speaker).post(
        reverse("speakers:submit", args=[tour_with_cfp.tour.slug]), form_data(tour_with_cfp, co_speakers="not-an-email")
    )
    assert response.context["form"].errors["co_speakers"] == ["“not-an-email” is not an email address."]


def test_a_co_speaker_address_longer_than_an_email_can_be_is_refused(tour_with_cfp, speaker):
    long = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".com"  # passes the syntax check, 260 characters
    response = client_for(speaker).post(
        reverse("speakers:submit", args=[tour_with_cfp.tour.slug]), form_data(tour_with_cfp, co_speakers=long)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["co_speakers"] == [f"“{long}” is not an email address."]
    assert not Submission.objects.exists()


def test_answers_are_an_object_of_texts(tour_with_cfp, speaker):
    talk = SubmissionFactory(cfp=tour_with_cfp, speaker=speaker)
    talk.answers = ["素食"]
    with pytest.raises(ValidationError) as caught:
        talk.full_clean()
    assert caught.value.message_dict["answers"] == [
        'The answers are a JSON object from question number to answer, for example {"3": "素食"}.'
    ]
