"""The organizers' admin: each city team sees its own city, tour admins the whole tour."""

import pytest
from django.test import Client
from django.urls import reverse

from events.models import CityTeamMember, Event, EventStatus, TeamRole
from tests.factories import (
    CityFactory,
    CityTeamMemberFactory,
    EventFactory,
    TourFactory,
    UserFactory,
    shanghai,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tour_with_two_cities():
    tour = TourFactory()
    shenzhen = EventFactory(
        tour=tour, city=CityFactory(slug="shenzhen", name_zh="深圳", name_en="Shenzhen"), title="深圳站"
    )
    guangzhou = EventFactory(
        tour=tour, city=CityFactory(slug="guangzhou", name_zh="广州", name_en="Guangzhou"), title="广州站"
    )
    lead_a = CityTeamMemberFactory(tour=tour, city=shenzhen.city).user
    return tour, shenzhen, guangzhou, lead_a


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_a_city_organizer_sees_only_their_city(tour_with_two_cities):
    tour, shenzhen, guangzhou, lead_a = tour_with_two_cities
    client = logged_in(lead_a)
    changelist = client.get(reverse("admin:events_event_changelist"))
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].queryset) == [shenzhen]
    assert "广州站" not in changelist.content.decode()
    assert client.get(change_url(shenzhen)).status_code == 200
    assert client.get(change_url(guangzhou)).status_code == 404
    assert client.post(change_url(guangzhou), {"title": "taken over"}).status_code == 404
    delete_url = reverse("admin:events_event_delete", args=[guangzhou.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 404
    assert Event.objects.get(pk=guangzhou.pk).title == "广州站"


def test_venues_and_teams_of_other_cities_answer_404(tour_with_two_cities):
    tour, shenzhen, guangzhou, lead_a = tour_with_two_cities
    other_member = CityTeamMemberFactory(tour=tour, city=guangzhou.city)
    client = logged_in(lead_a)
    assert client.get(change_url(guangzhou.venue)).status_code == 404
    assert client.get(change_url(shenzhen.venue)).status_code == 200
    assert client.get(change_url(other_member)).status_code == 404
    venues = client.get(reverse("admin:events_venue_changelist")).context["cl"].queryset
    assert list(venues) == [shenzhen.venue]
    teams = client.get(reverse("admin:events_cityteammember_changelist")).context["cl"].queryset
    assert [m.city for m in teams] == [shenzhen.city]


def test_a_tour_admin_sees_every_city_of_the_tour(tour_with_two_cities):
    tour, shenzhen, guangzhou, _ = tour_with_two_cities
    other_tour_event = EventFactory()
    admin = UserFactory(is_staff=True)
    tour.admins.add(admin)
    client = logged_in(admin)
    listed = set(client.get(reverse("admin:events_event_changelist")).context["cl"].queryset)
    assert listed == {shenzhen, guangzhou}
    assert client.get(change_url(guangzhou)).status_code == 200
    assert client.get(change_url(other_tour_event)).status_code == 404


def test_someone_outside_every_team_has_nothing_in_the_admin(tour_with_two_cities):
    _, shenzhen, _, _ = tour_with_two_cities
    client = logged_in(UserFactory(is_staff=True))
    assert client.get(reverse("admin:events_event_changelist")).status_code == 403
    assert client.get(change_url(shenzhen)).status_code == 404


def event_form(event: Event, **changes) -> dict:
    data = {
        "tour": event.tour_id,
        "city": event.city_id,
        "title": event.title,
        "title_en": event.title_en,
        "slug": event.slug,
        "status": event.status,
        "venue": event.venue_id or "",
        "start_0": "",
        "start_1": "",
        "end_0": "",
        "end_1": "",
        "capacity": event.capacity or "",
        "description": "",
        "description_en": "",
        "livestream_url": "",
        "replay_url": "",
    }
    if event.start:
        data.update(
            start_0=f"{event.start:%Y-%m-%d}",
            start_1="13:30:00",
            end_0=f"{event.end:%Y-%m-%d}",
            end_1="17:30:00",
        )
    for prefix in ("tiers", "questions", "check_in_staff", "rooms", "slots"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
    data.update(changes)
    return data


def test_the_admin_form_shows_each_validation_message(tour_with_two_cities):
    _, shenzhen, _, lead_a = tour_with_two_cities
    client = logged_in(lead_a)
    response = client.post(change_url(shenzhen), event_form(shenzhen, end_1="12:00:00", capacity=0))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["end"] == ["The event must end after it starts."]
    assert errors["capacity"] == ["The capacity must be at least 1."]
    response = client.post(change_url(shenzhen), event_form(shenzhen, capacity=shenzhen.venue.capacity + 1))
    assert response.context["adminform"].form.errors["capacity"] == [
        f"The capacity ({shenzhen.venue.capacity + 1}) exceeds the venue's capacity ({shenzhen.venue.capacity})."
    ]
    assert Event.objects.get(pk=shenzhen.pk).capacity == shenzhen.capacity


def test_the_admin_form_messages_are_chinese_for_chinese_organizers(tour_with_two_cities):
    _, shenzhen, _, lead_a = tour_with_two_cities
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    client.force_login(lead_a)
    response = client.post(change_url(shenzhen), event_form(shenzhen, end_1="12:00:00"))
    assert response.context["adminform"].form.errors["end"] == ["活动的结束时间必须晚于开始时间。"]


def test_a_city_organizer_cannot_create_an_event_in_another_city(tour_with_two_cities):
    tour, shenzhen, guangzhou, lead_a = tour_with_two_cities
    client = logged_in(lead_a)
    draft = Event(tour=tour, city=guangzhou.city, title="偷偷加一场", slug="sneaky", status=EventStatus.DRAFT)
    response = client.post(reverse("admin:events_event_add"), event_form(draft))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["city"][0].startswith("Select a valid choice")
    assert not Event.objects.filter(slug="sneaky").exists()


def test_a_city_organizer_adds_an_event_to_their_city(tour_with_two_cities):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    client = logged_in(lead_a)
    new = Event(tour=tour, city=shenzhen.city, title="深圳站 第二场", slug="", status=EventStatus.DRAFT)
    response = client.post(reverse("admin:events_event_add"), event_form(new))
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Event.objects.get(title="深圳站 第二场")
    assert (created.city, created.slug, created.status) == (shenzhen.city, "shenzhen", EventStatus.DRAFT)


@pytest.mark.parametrize(
    "livestream, quota, errors",
    [
        ("", "", {"attendance": ["Give the event a livestream URL before opening online registration."]}),
        ("https://live.example.org/sz", "50", {"quota": ["An online tier has no seat limit: leave the seats empty."]}),
        ("https://live.example.org/sz", "", None),
    ],
)
def test_a_new_event_with_an_online_tier_is_checked_as_entered(tour_with_two_cities, livestream, quota, errors):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    new = Event(tour=tour, city=shenzhen.city, title="深圳站 线上场", slug="online", status=EventStatus.DRAFT)
    data = event_form(
        new,
        livestream_url=livestream,
        **{
            "tiers-TOTAL_FORMS": 1,
            "tiers-0-name": "线上直播",
            "tiers-0-name_en": "Online",
            "tiers-0-attendance": "online",
            "tiers-0-price": "0",
            "tiers-0-quota": quota,
            "tiers-0-visibility": "public",
            "tiers-0-position": "0",
        },
    )
    response = logged_in(lead_a).post(reverse("admin:events_event_add"), data)
    if errors is None:
        assert response.status_code == 302
        assert list(Event.objects.get(slug="online").tiers.values_list("attendance", "quota")) == [("online", None)]
    else:
        assert response.status_code == 200
        [tiers] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "tiers"]
        assert tiers.formset.errors == [errors]
        assert not Event.objects.filter(slug="online").exists()


def test_the_admin_refuses_a_second_event_in_a_city_on_one_day(tour_with_two_cities):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    new = Event(
        tour=tour,
        city=shenzhen.city,
        title="同一天",
        slug="same-day",
        venue=shenzhen.venue,
        start=shenzhen.start,
        end=shenzhen.end,
        status=EventStatus.DRAFT,
    )
    response = logged_in(lead_a).post(reverse("admin:events_event_add"), event_form(new))
    assert response.context["adminform"].form.errors["start"] == [
        "This tour already has an event in this city on that day."
    ]
    assert not Event.objects.filter(slug="same-day").exists()


def test_publish_action_refuses_an_event_without_venue_or_date(tour_with_two_cities):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    draft = EventFactory(
        tour=tour,
        city=shenzhen.city,
        venue=None,
        start=None,
        end=None,
        status=EventStatus.DRAFT,
        slug="planned",
    )
    client = logged_in(lead_a)
    response = client.post(
        reverse("admin:events_event_changelist"),
        {"action": "mark_published", "_selected_action": [draft.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert f"{draft}: An event needs a venue before it is published." in texts
    assert f"{draft}: An event needs a date before it is published." in texts
    assert Event.objects.get(pk=draft.pk).status == EventStatus.DRAFT


def test_the_changelist_shows_the_date_with_its_weekday(tour_with_two_cities):
    _, shenzhen, _, lead_a = tour_with_two_cities
    shenzhen.start, shenzhen.end = shanghai(2024, 4, 20, 13, 30), shanghai(2024, 4, 20, 17, 30)
    shenzhen.save()
    html = logged_in(lead_a).get(reverse("admin:events_event_changelist")).content.decode()
    assert "2024-04-20（Sat）13:30" in html
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(lead_a)
    assert "2024-04-20（星期六）13:30" in client.get(reverse("admin:events_event_changelist")).content.decode()


def test_a_city_lead_adds_a_team_member_by_email(tour_with_two_cities):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    newcomer = UserFactory(email="Volunteer.Lead@Example.org")
    client = logged_in(lead_a)
    url = reverse("admin:events_cityteammember_add")
    response = client.post(
        url,
        {
            "tour": tour.pk,
            "city": shenzhen.city_id,
            "email": "volunteer.lead@example.org",
            "role": TeamRole.MEMBER,
        },
    )
    assert response.status_code == 302
    member = CityTeamMember.objects.get(user=newcomer)
    assert (member.tour, member.city, member.role) == (tour, shenzhen.city, TeamRole.MEMBER)
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    response = client.post(
        url,
        {"tour": tour.pk, "city": shenzhen.city_id, "email": "nobody@example.org", "role": TeamRole.MEMBER},
    )
    assert response.context["adminform"].form.errors["email"] == [
        "There is no account with the email address nobody@example.org. Ask them to sign up first."
    ]


def test_venue_photos_must_be_images(tour_with_two_cities, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, shenzhen, _, lead_a = tour_with_two_cities
    venue = shenzhen.venue
    fake = SimpleUploadedFile("photo.jpg", b"this is not a picture", content_type="image/jpeg")
    data = {
        "city": venue.city_id,
        "name": venue.name,
        "name_en": "",
        "address": venue.address,
        "capacity": venue.capacity,
        "map_url": "",
        "transport_notes": "",
        "photos-TOTAL_FORMS": 1,
        "photos-INITIAL_FORMS": 0,
        "photos-MIN_NUM_FORMS": 0,
        "photos-MAX_NUM_FORMS": 1000,
        "photos-0-image": fake,
        "photos-0-caption": "入口",
        "photos-0-position": 0,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
        "events-MIN_NUM_FORMS": 0,
        "events-MAX_NUM_FORMS": 0,
    }
    response = logged_in(lead_a).post(change_url(venue), data)
    assert response.status_code == 200
    formset_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert formset_errors[0]["image"] == [
        "This file is not an image or it is damaged. Upload a JPEG, PNG, WebP or GIF image."
    ]
    assert venue.photos.count() == 0
    assert not (media_root / "venues").exists()


def test_changing_a_team_members_email_moves_the_membership_and_leaves_no_copy(tour_with_two_cities):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    old, new = UserFactory(email="old@example.org"), UserFactory(email="new@example.org")
    member = CityTeamMemberFactory(tour=tour, city=shenzhen.city, user=old)
    client = logged_in(lead_a)
    data = {"tour": tour.pk, "city": shenzhen.city_id, "email": "new@example.org", "role": TeamRole.MEMBER}
    assert client.post(change_url(member), data).status_code == 302
    team = CityTeamMember.objects.filter(tour=tour, city=shenzhen.city).values_list("user__email", flat=True)
    assert "old@example.org" not in team and "new@example.org" in team
    assert CityTeamMember.objects.get(pk=member.pk).user == new
    response = client.post(change_url(member), {**data, "email": lead_a.email})
    assert response.context["adminform"].form.errors["email"] == ["This person is already on the team of this city."]


def test_a_draft_cannot_be_cancelled_and_stays_hidden(tour_with_two_cities):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from events import services

    _, shenzhen, _, _ = tour_with_two_cities
    draft = EventFactory(tour=shenzhen.tour, city=shenzhen.city, status=EventStatus.DRAFT, start=None, end=None)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.change_event_status(event=draft, status=EventStatus.CANCELLED)
    assert caught.value.messages == [
        "A draft was never announced, so there is nothing to cancel: delete it, or leave it as a draft."
    ]
    assert Client().get(draft.get_absolute_url()).status_code == 404


def test_an_event_date_must_be_between_2000_and_2100(tour_with_two_cities):
    _, shenzhen, _, lead_a = tour_with_two_cities
    data = {
        "tour": shenzhen.tour_id,
        "city": shenzhen.city_id,
        "title": "深圳站",
        "slug": shenzhen.slug,
        "status": shenzhen.status,
        "start_0": "9999-12-31",
        "start_1": "13:00",
        "end_0": "9999-12-31",
        "end_1": "17:00",
        "venue": shenzhen.venue_id,
    }
    response = logged_in(lead_a).post(change_url(shenzhen), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["start"] == ["Choose a date between the years 2000 and 2100."]


def test_the_filters_offer_only_the_tours_the_user_organizes(tour_with_two_cities):
    _, _, _, lead_a = tour_with_two_cities
    TourFactory(name="秘密巡回", is_public=False)
    for name in ("events_event_changelist", "events_cityteammember_changelist"):
        html = logged_in(lead_a).get(reverse(f"admin:{name}")).content.decode()
        assert "秘密巡回" not in html


def test_a_new_event_cannot_start_cancelled(tour_with_two_cities):
    tour, shenzhen, _, lead_a = tour_with_two_cities
    data = {"tour": tour.pk, "city": shenzhen.city_id, "title": "临时取消", "slug": "cancelled-at-birth"}
    response = logged_in(lead_a).post(reverse("admin:events_event_add"), {**data, "status": EventStatus.CANCELLED})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == [
        "A new event starts as a draft (or already published), not cancelled."
    ]
    assert not Event.objects.filter(slug="cancelled-at-birth").exists()
