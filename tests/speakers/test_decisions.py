"""Decisions per city, the emails that tell speakers (once per decision), and the speakers' answers."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.models import City, Event, Slot, SlotKind
from speakers import services
from speakers.models import Acceptance, AcceptanceStatus, DecisionEmailTemplate, SubmissionState
from tests.factories import CityTeamMemberFactory, SpeakerProfileFactory, SubmissionFactory, UserFactory, shanghai

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(tour_with_cfp):
    profile = SpeakerProfileFactory(name="陈静", name_en="Chen Jing", preferred_language="zh-hans")
    return SubmissionFactory(
        cfp=tour_with_cfp,
        speaker=profile.user,
        title="数据要素化",
        cities=list(City.objects.filter(slug__in=["shenzhen", "guangzhou"])),
    )


@pytest.fixture
def tour_admin(tour_with_cfp):
    user = UserFactory(is_staff=True)
    tour_with_cfp.tour.admins.add(user)
    return user


def event_in(slug) -> Event:
    return Event.objects.get(city__slug=slug)


def test_an_organizer_accepts_a_talk_for_two_cities(talk, tour_admin):
    url = reverse("admin:speakers_submission_decide", args=[talk.pk])
    client = client_for(tour_admin)
    assert client.get(url).status_code == 200
    events = [event_in("shenzhen").pk, event_in("guangzhou").pk]
    response = client.post(url, {"state": "accepted", "events": events})
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.state == SubmissionState.ACCEPTED
    assert sorted(talk.acceptances.values_list("event__city__slug", "status")) == [
        ("guangzhou", "pending"),
        ("shenzhen", "pending"),
    ]


def test_a_city_the_speaker_did_not_offer_cannot_be_accepted(talk, tour_with_cfp):
    from tests.factories import CityFactory, EventFactory

    beijing = EventFactory(tour=tour_with_cfp.tour, city=CityFactory(slug="beijing", name_zh="北京", name_en="Beijing"))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[beijing])
    assert caught.value.messages == ["The speaker did not offer Beijing."]
    assert Acceptance.objects.count() == 0


def test_a_city_team_decides_only_for_its_own_city(talk, tour_with_cfp):
    lead = CityTeamMemberFactory(tour=tour_with_cfp.tour, city=City.objects.get(slug="shenzhen")).user
    client = client_for(lead)
    url = reverse("admin:speakers_submission_decide", args=[talk.pk])
    response = client.get(url)
    assert [e.city.slug for e in response.context["form"].fields["events"].queryset] == ["shenzhen"]
    response = client.post(url, {"state": "accepted", "events": [event_in("guangzhou").pk]})
    assert response.status_code == 200 and "events" in response.context["form"].errors
    response = client.post(url, {"state": "rejected"})
    assert response.context["form"].errors["state"] == ["Only the tour's admins can waitlist or reject a talk."]
    assert talk.acceptances.count() == 0


def test_decision_emails_go_out_once_per_decision_in_the_speakers_language(
    talk, tour_admin, django_capture_on_commit_callbacks
):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")])
    changelist = reverse("admin:speakers_submission_changelist")
    client = client_for(tour_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "send_decision_emails", "_selected_action": [talk.pk]})
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [talk.speaker.email]
    assert email.subject == f"【{talk.cfp.tour.name}】议题录用通知：数据要素化"
    acceptance = talk.acceptances.get()
    assert f"http://127.0.0.1:8000/talks/respond/{acceptance.token}/" in email.body
    assert "陈静 您好" in email.body

    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "send_decision_emails", "_selected_action": [talk.pk]})
    assert len(mail.outbox) == 1  # the same decision is not announced twice

    services.decide(submission=talk, state=SubmissionState.WAITLISTED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "send_decision_emails", "_selected_action": [talk.pk]})
    assert len(mail.outbox) == 2 and "候补" in mail.outbox[1].subject


def test_the_tours_edited_template_and_english_are_used(talk, django_capture_on_commit_callbacks):
    profile = talk.speaker.speaker_profile
    profile.preferred_language = "en"
    profile.save()
    DecisionEmailTemplate.objects.create(
        tour=talk.cfp.tour,
        kind="rejected",
        subject="不用",
        body="不用",
        subject_en="About {title}",
        body_en="Hello {speaker}, sorry about “{title}”. {unknown}",
    )
    services.decide(submission=talk, state=SubmissionState.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk]) == (1, 0)
    assert mail.outbox[0].subject == "About 数据要素化"
    assert mail.outbox[0].body == "Hello Chen Jing, sorry about “数据要素化”. {unknown}"


def test_undecided_talks_get_no_email(talk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk]) == (0, 1)
    assert mail.outbox == []


def test_the_speaker_confirms_and_declines_from_the_link(talk):
    services.decide(
        submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen"), event_in("guangzhou")]
    )
    shenzhen = talk.acceptances.get(event__city__slug="shenzhen")
    guangzhou = talk.acceptances.get(event__city__slug="guangzhou")
    slot = Slot.objects.create(
        event=guangzhou.event,
        start=shanghai(2024, 5, 2, 14),
        end=shanghai(2024, 5, 2, 15),
        kind=SlotKind.TALK,
        submission=talk,
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("speakers:respond", args=[shenzhen.token])).content.decode()
    assert "数据要素化" in page and "Waiting for the speaker" in page
    client.post(reverse("speakers:respond", args=[shenzhen.token]), {"answer": "confirm"})
    client.post(reverse("speakers:respond", args=[guangzhou.token]), {"answer": "decline"})
    shenzhen.refresh_from_db(), guangzhou.refresh_from_db(), slot.refresh_from_db()
    assert (shenzhen.status, guangzhou.status) == (AcceptanceStatus.CONFIRMED, AcceptanceStatus.DECLINED)
    assert slot.submission is None  # declining frees the slot
    assert client.get(reverse("speakers:respond", args=["made-up-token"])).status_code == 404

    my_talks = client_for(talk.speaker).get(reverse("speakers:my_talks")).content.decode()
    assert "Confirmed for Shenzhen" in my_talks and "Declined for Guangzhou" in my_talks


def test_withdrawing_frees_every_slot(talk):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")])
    slot = Slot.objects.create(
        event=event_in("shenzhen"),
        start=shanghai(2024, 5, 1, 14),
        end=shanghai(2024, 5, 1, 15),
        kind=SlotKind.TALK,
        submission=talk,
    )
    services.withdraw_talk(submission=talk)
    slot.refresh_from_db()
    assert slot.submission is None
    assert list(talk.acceptances.values_list("status", flat=True)) == [AcceptanceStatus.DECLINED]
