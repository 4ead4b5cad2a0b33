"""Decisions per city, the emails that tell speakers (once per decision), and the speakers' answers."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events.models import City, Event, Slot, SlotKind
from speakers import services
from speakers.models import Acceptance, AcceptanceStatus, DecisionEmailTemplate, SubmissionState
from tests.factories import (
    CfpFactory,
    CityTeamMemberFactory,
    EventFactory,
    SpeakerProfileFactory,
    SubmissionFactory,
    TourFactory,
    UserFactory,
    shanghai,
)

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


def test_a_city_the_speaker_did_not_offer_cannot_be_accepted(talk, tour_with_cfp, tour_admin):
    from tests.factories import CityFactory, EventFactory

    beijing = EventFactory(tour=tour_with_cfp.tour, city=CityFactory(slug="beijing", name_zh="北京", name_en="Beijing"))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[beijing], by=tour_admin)
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


@pytest.fixture
def shenzhen_lead(tour_with_cfp):
    return CityTeamMemberFactory(tour=tour_with_cfp.tour, city=City.objects.get(slug="shenzhen")).user


def refusal(**decision) -> list[str]:
    """The messages of the error that ``services.decide`` raises for this decision, in English."""
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.decide(**decision)
    return caught.value.messages


def accepted_cities(talk) -> list[str]:
    return sorted(talk.acceptances.values_list("event__city__slug", flat=True))


def test_a_city_team_cannot_decide_on_a_talk_offered_only_to_another_city(tour_with_cfp, shenzhen_lead):
    guangzhou_talk = SubmissionFactory(cfp=tour_with_cfp, cities=[City.objects.get(slug="guangzhou")])
    updated_at = guangzhou_talk.updated_at
    assert refusal(
        submission=guangzhou_talk, state=SubmissionState.ACCEPTED, events=[event_in("guangzhou")], by=shenzhen_lead
    ) == ["You do not organize Guangzhou for this tour."]
    guangzhou_talk.refresh_from_db()
    assert (guangzhou_talk.state, guangzhou_talk.updated_at) == (SubmissionState.SUBMITTED, updated_at)
    assert Acceptance.objects.count() == 0


@pytest.mark.parametrize("state", [SubmissionState.WAITLISTED, SubmissionState.REJECTED])
def test_a_city_team_cannot_waitlist_or_reject(talk, tour_admin, shenzhen_lead, state):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")], by=tour_admin)
    assert refusal(submission=talk, state=state, by=shenzhen_lead) == [
        "Only the tour's admins can waitlist or reject a talk."
    ]
    talk.refresh_from_db()
    assert talk.state == SubmissionState.ACCEPTED
    assert accepted_cities(talk) == ["shenzhen"]


def test_a_city_team_accepts_for_its_own_city_and_leaves_the_others_alone(talk, tour_admin, shenzhen_lead):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("guangzhou")], by=tour_admin)
    guangzhou = talk.acceptances.get()
    guangzhou.status = AcceptanceStatus.CONFIRMED
    guangzhou.save()

    # Leaving Guangzhou out would take back Guangzhou's acceptance, which is not Shenzhen's to decide.
    assert refusal(
        submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")], by=shenzhen_lead
    ) == ["You do not organize Guangzhou for this tour."]
    assert accepted_cities(talk) == ["guangzhou"]

    both = [event_in("shenzhen"), event_in("guangzhou")]
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=both, by=shenzhen_lead)
    assert accepted_cities(talk) == ["guangzhou", "shenzhen"]
    assert talk.acceptances.get(event__city__slug="guangzhou") == guangzhou
    assert talk.acceptances.get(event__city__slug="guangzhou").status == AcceptanceStatus.CONFIRMED

    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("guangzhou")], by=shenzhen_lead)
    assert accepted_cities(talk) == ["guangzhou"]


def test_people_who_do_not_organize_the_tour_cannot_decide(talk):
    lead_of_another_tour = CityTeamMemberFactory(city=City.objects.get(slug="shenzhen")).user
    for user in (lead_of_another_tour, UserFactory(is_staff=True)):
        assert refusal(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")], by=user) == [
            "Only the tour's admins and city teams can decide on its talks."
        ]
    talk.refresh_from_db()
    assert talk.state == SubmissionState.SUBMITTED
    assert Acceptance.objects.count() == 0


@pytest.mark.parametrize("who", ["tour admin", "superuser"])
def test_a_tour_admin_makes_every_decision(talk, tour_admin, who):
    user = tour_admin if who == "tour admin" else UserFactory(is_staff=True, is_superuser=True)
    both = [event_in("shenzhen"), event_in("guangzhou")]
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=both, by=user)
    talk.refresh_from_db()
    assert (talk.state, accepted_cities(talk)) == (SubmissionState.ACCEPTED, ["guangzhou", "shenzhen"])
    services.decide(submission=talk, state=SubmissionState.WAITLISTED, by=user)
    talk.refresh_from_db()
    assert (talk.state, accepted_cities(talk)) == (SubmissionState.WAITLISTED, [])
    services.decide(submission=talk, state=SubmissionState.REJECTED, by=user)
    talk.refresh_from_db()
    assert talk.state == SubmissionState.REJECTED


def test_a_city_teams_decision_in_the_admin_keeps_the_other_cities_acceptances(talk, tour_admin, shenzhen_lead):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("guangzhou")], by=tour_admin)
    url = reverse("admin:speakers_submission_decide", args=[talk.pk])
    response = client_for(shenzhen_lead).post(url, {"state": "accepted", "events": [event_in("shenzhen").pk]})
    assert response.status_code == 302
    assert accepted_cities(talk) == ["guangzhou", "shenzhen"]


def test_bulk_decisions_name_each_refused_talk_and_decide_the_rest(talk, tour_admin):
    # The same person runs this tour, and only Shenzhen in another tour.
    shenzhen = City.objects.get(slug="shenzhen")
    other_tour = TourFactory()
    EventFactory(tour=other_tour, city=shenzhen)
    other_talk = SubmissionFactory(cfp=CfpFactory(tour=other_tour), title="另一站的议题", cities=[shenzhen])
    CityTeamMemberFactory(tour=other_tour, city=shenzhen, user=tour_admin)

    changelist = reverse("admin:speakers_submission_changelist")
    response = client_for(tour_admin).post(
        changelist, {"action": "reject", "_selected_action": [talk.pk, other_talk.pk]}, follow=True
    )
    assert [m.message for m in response.context["messages"]] == [
        "另一站的议题: Only the tour's admins can waitlist or reject a talk.",
        "1 talk is now “Rejected”.",
    ]
    talk.refresh_from_db(), other_talk.refresh_from_db()
    assert (talk.state, other_talk.state) == (SubmissionState.REJECTED, SubmissionState.SUBMITTED)


def test_decision_emails_go_out_once_per_decision_in_the_speakers_language(
    talk, tour_admin, django_capture_on_commit_callbacks
):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")], by=tour_admin)
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

    services.decide(submission=talk, state=SubmissionState.WAITLISTED, by=tour_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "send_decision_emails", "_selected_action": [talk.pk]})
    assert len(mail.outbox) == 2 and "候补" in mail.outbox[1].subject


def test_the_tours_edited_template_and_english_are_used(talk, tour_admin, django_capture_on_commit_callbacks):
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
    services.decide(submission=talk, state=SubmissionState.REJECTED, by=tour_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk], by=tour_admin) == (1, 0, 0)
    assert mail.outbox[0].subject == "About 数据要素化"
    assert mail.outbox[0].body == "Hello Chen Jing, sorry about “数据要素化”. {unknown}"


def test_undecided_talks_get_no_email(talk, tour_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk], by=tour_admin) == (0, 1, 0)
    assert mail.outbox == []


def test_only_the_tours_admins_send_decision_emails(talk, tour_admin, django_capture_on_commit_callbacks):
    services.decide(submission=talk, state=SubmissionState.REJECTED, by=tour_admin)
    city_lead = CityTeamMemberFactory(tour=talk.cfp.tour).user
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk], by=city_lead) == (0, 0, 1)
    talk.refresh_from_db()
    assert mail.outbox == [] and talk.notified_state == ""
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk], by=tour_admin) == (1, 0, 0)
    assert len(mail.outbox) == 1


def test_the_speaker_confirms_and_declines_from_the_link(talk, tour_admin):
    services.decide(
        submission=talk,
        state=SubmissionState.ACCEPTED,
        events=[event_in("shenzhen"), event_in("guangzhou")],
        by=tour_admin,
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
    Event.objects.filter(pk__in=[shenzhen.event_id, guangzhou.event_id]).update(
        start=timezone.now() + dt.timedelta(days=30), end=timezone.now() + dt.timedelta(days=30, hours=4)
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
    assert "Cities you offered: Guangzhou, Shenzhen</p>" in my_talks
    chinese = client_for(talk.speaker, "zh-hans").get(reverse("speakers:my_talks")).content.decode()
    assert "您可去的城市： 广州、深圳</p>" in chinese and "<strong>状态：</strong>" in chinese

    # Once the event has begun the agenda is the record of what happened: the answer stays.
    Event.objects.filter(pk=shenzhen.event_id).update(start=timezone.now() - dt.timedelta(minutes=5))
    page = client.post(reverse("speakers:respond", args=[shenzhen.token]), {"answer": "decline"}, follow=True)
    html = page.content.decode()
    assert "The event has begun: the answer stays as it is. Please write to the organizers." in html
    assert 'value="decline"' not in html
    assert Acceptance.objects.get(pk=shenzhen.pk).status == AcceptanceStatus.CONFIRMED


def test_the_talks_admin_page_links_to_none_of_the_speakers_own_pages(talk, tour_admin):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")], by=tour_admin)
    acceptance = talk.acceptances.get()
    page = client_for(tour_admin).get(reverse("admin:speakers_submission_change", args=[talk.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # "View on site" would open the speaker's confirm-or-decline page, or their editing form.
    assert "/admin/r/" not in html and acceptance.token not in html


def test_no_organizer_reaches_a_speakers_answer_page_through_the_admins_view_on_site_route(
    talk, tour_admin, shenzhen_lead
):
    services.decide(
        submission=talk,
        state=SubmissionState.ACCEPTED,
        events=[event_in("shenzhen"), event_in("guangzhou")],
        by=tour_admin,
    )
    kind = ContentType.objects.get_for_model(Acceptance)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    for user in (shenzhen_lead, tour_admin, superuser):
        for acceptance in talk.acceptances.all():
            response = client_for(user).get(reverse("admin:view_on_site", args=[kind.pk, acceptance.pk]))
            assert response.status_code == 404, (user, acceptance)
            assert acceptance.token not in response.get("Location", "")
    # The speaker's own page still links to it.
    my_talks = client_for(talk.speaker).get(reverse("speakers:my_talks")).content.decode()
    assert all(f"/talks/respond/{a.token}/" in my_talks for a in talk.acceptances.all())


def test_the_view_on_site_route_answers_only_for_rows_the_organizer_sees_in_the_admin(tour_with_cfp, shenzhen_lead):
    kind = ContentType.objects.get_for_model(Event)
    client = client_for(shenzhen_lead)
    own = client.get(reverse("admin:view_on_site", args=[kind.pk, event_in("shenzhen").pk]))
    assert (own.status_code, own["Location"]) == (302, "http://testserver" + event_in("shenzhen").get_absolute_url())
    assert client.get(reverse("admin:view_on_site", args=[kind.pk, event_in("guangzhou").pk])).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=[kind.pk, "not-a-number"])).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=[999999, 1])).status_code == 404


def test_withdrawing_frees_every_slot(talk, tour_admin):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("shenzhen")], by=tour_admin)
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


def test_a_city_team_neither_edits_nor_deletes_a_talk_it_does_not_own(talk, tour_admin):
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[event_in("guangzhou")], by=tour_admin)
    lead = client_for(CityTeamMemberFactory(tour=talk.cfp.tour, city=City.objects.get(slug="shenzhen")).user)
    change = reverse("admin:speakers_submission_change", args=[talk.pk])
    assert lead.get(change).status_code == 200  # seen, read-only
    assert lead.post(change, {"title": "改名", "abstract": "x"}).status_code == 403
    changelist = reverse("admin:speakers_submission_changelist")
    lead.post(changelist, {"action": "delete_selected", "_selected_action": [talk.pk], "post": "yes"})
    talk.refresh_from_db()
    assert talk.title == "数据要素化" and talk.acceptances.count() == 1
    profile = talk.speaker.speaker_profile
    assert (
        lead.post(reverse("admin:speakers_speakerprofile_delete", args=[profile.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert type(profile).objects.filter(pk=profile.pk).exists()


def test_a_talk_keeps_a_track_of_its_own_call_for_papers(talk):
    from speakers.models import Track

    talk.track = Track.objects.create(cfp=CfpFactory(tour=TourFactory()), name="别家")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        talk.full_clean()
    with translation.override("en"):
        assert caught.value.message_dict["track"] == ["This track belongs to another call for papers."]


def test_a_new_choice_of_cities_is_a_new_decision_and_gets_its_email(
    talk, tour_admin, django_capture_on_commit_callbacks
):
    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return services.notify_decisions(submissions=[talk], by=tour_admin)

    shenzhen, guangzhou = event_in("shenzhen"), event_in("guangzhou")
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[shenzhen], by=tour_admin)
    assert send() == (1, 0, 0)
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[shenzhen], by=tour_admin)
    assert send() == (0, 1, 0)  # the same decision again
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[shenzhen, guangzhou], by=tour_admin)
    assert send() == (1, 0, 0)
    links = {a.token for a in talk.acceptances.all()}
    assert all(f"/talks/respond/{token}/" in mail.outbox[-1].body for token in links) and len(links) == 2
    services.decide(submission=talk, state=SubmissionState.REJECTED, by=tour_admin)
    services.decide(submission=talk, state=SubmissionState.ACCEPTED, events=[guangzhou], by=tour_admin)
    assert send() == (1, 0, 0)  # rejected in between, never told: the new acceptance is
    [acceptance] = talk.acceptances.all()
    assert f"/talks/respond/{acceptance.token}/" in mail.outbox[-1].body


def test_a_template_that_would_not_format_is_refused_and_an_old_one_falls_back_to_the_default(
    talk, tour_admin, django_capture_on_commit_callbacks
):
    client = client_for(tour_admin)
    data = {"tour": talk.cfp.tour.pk, "kind": "rejected", "subject": "关于{title}", "body": "请回复{姓名"}
    data |= {"subject_en": "About {title[x]}", "body_en": "Dear {speker}"}
    response = client.post(reverse("admin:speakers_decisionemailtemplate_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["body"] == ["A brace that starts no placeholder: write {{ and }} for a brace itself."]
    assert errors["body_en"] == ["There is no placeholder {speker}."]
    assert errors["subject_en"] == ["A brace that starts no placeholder: write {{ and }} for a brace itself."]
    assert not DecisionEmailTemplate.objects.exists()

    DecisionEmailTemplate.objects.create(  # saved before templates were checked
        tour=talk.cfp.tour, kind="rejected", subject="关于{title}", body="请回复{姓名", subject_en="x", body_en="x"
    )
    services.decide(submission=talk, state=SubmissionState.REJECTED, by=tour_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_decisions(submissions=[talk], by=tour_admin) == (1, 0, 0)
    [email] = mail.outbox
    assert email.subject == f"【{talk.cfp.tour.name}】议题评审结果：数据要素化"  # the default wording
    assert "陈静 您好" in email.body and "{姓名" not in email.body


def test_the_placeholders_are_explained_in_the_organizers_language(tour_admin):
    html = client_for(tour_admin, "zh-hans").get(reverse("admin:speakers_decisionemailtemplate_add")).content
    assert "讲者姓名" in html.decode()
