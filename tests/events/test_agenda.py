"""Agendas: laid out from the tour's template, checked for conflicts, published with speakers, exported as iCalendar."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from events import services
from events.models import AgendaTemplate, AgendaTemplateSlot, Room, Slot, SlotKind, Venue
from events.selectors import agenda_warnings
from speakers import services as speaker_services
from speakers.models import AcceptanceStatus, CallForPapers, CoSpeaker, SubmissionState
from tests.factories import (
    SHANGHAI,
    CfpFactory,
    CityFactory,
    EventFactory,
    SpeakerProfileFactory,
    SubmissionFactory,
    TourFactory,
    UserFactory,
    shanghai,
    tour_admin_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    tour = TourFactory(slug="tour2024")
    city = CityFactory(slug="shenzhen", name_zh="深圳", name_en="Shenzhen")
    return EventFactory(
        tour=tour, city=city, slug="shenzhen", start=shanghai(2024, 4, 20, 13, 30), end=shanghai(2024, 4, 20, 17, 30)
    )


@pytest.fixture
def template(event):
    template = AgendaTemplate.objects.create(tour=event.tour, name="标准议程")
    for position, (kind, title, minutes) in enumerate(
        [
            (SlotKind.OPENING, "开场", 10),
            (SlotKind.KEYNOTE, "主题演讲", 30),
            (SlotKind.QA, "答疑互动", 10),
            (SlotKind.BREAK, "茶歇", 20),
            (SlotKind.LIGHTNING, "闪电演讲", 30),
        ]
    ):
        AgendaTemplateSlot.objects.create(
            template=template, position=position, kind=kind, title=title, duration_minutes=minutes
        )
    return template


def confirmed_talk(event, *, title="议题", speaker=None, cities=None):
    cfp = CallForPapers.objects.filter(tour=event.tour).first() or CfpFactory(tour=event.tour)
    extra = {"speaker": speaker} if speaker else {}
    talk = SubmissionFactory(cfp=cfp, title=title, cities=cities or [event.city], **extra)
    speaker_services.decide(
        submission=talk, state=SubmissionState.ACCEPTED, events=[event], by=tour_admin_of(event.tour)
    )
    talk.acceptances.update(status=AcceptanceStatus.CONFIRMED)
    return talk


def slot(event, start, end, *, talk=None, room=None, kind=SlotKind.TALK, title=""):
    day = event.start.astimezone(SHANGHAI).date()
    at = lambda hm: dt.datetime.combine(day, dt.time(*hm), tzinfo=SHANGHAI)  # noqa: E731
    return Slot.objects.create(
        event=event, start=at(start), end=at(end), submission=talk, room=room, kind=kind, title=title
    )


def test_the_template_is_laid_out_from_the_events_start(event, template):
    slots = services.create_agenda_from_template(event=event, template=template)
    times = [(f"{s.start.astimezone(SHANGHAI):%H:%M}", f"{s.end.astimezone(SHANGHAI):%H:%M}", s.title) for s in slots]
    assert times == [
        ("13:30", "13:40", "开场"),
        ("13:40", "14:10", "主题演讲"),
        ("14:10", "14:20", "答疑互动"),
        ("14:20", "14:40", "茶歇"),
        ("14:40", "15:10", "闪电演讲"),
    ]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_agenda_from_template(event=event, template=template)
    assert caught.value.messages == [f"{event} already has an agenda; delete its slots first."]
    assert event.slots.count() == 5


def test_each_city_customizes_its_own_copy(event, template):
    other = EventFactory(tour=event.tour, start=shanghai(2024, 4, 21, 9), end=shanghai(2024, 4, 21, 12))
    services.create_agenda_from_template(event=event, template=template)
    services.create_agenda_from_template(event=other, template=template)
    event.slots.filter(title="茶歇").delete()
    assert other.slots.filter(title="茶歇").count() == 1
    assert [s.start.astimezone(SHANGHAI).hour for s in other.slots.all()][:1] == [9]


def test_a_clean_agenda_has_no_warnings(event):
    room_a = Room.objects.create(event=event, name="A 厅")
    room_b = Room.objects.create(event=event, name="B 厅")
    slot(event, (13, 30), (14, 0), talk=confirmed_talk(event, title="一"), room=room_a)
    slot(event, (13, 30), (14, 0), talk=confirmed_talk(event, title="二"), room=room_b)
    slot(event, (14, 0), (14, 30), talk=confirmed_talk(event, title="三"), room=room_a)
    slot(event, (14, 30), (14, 50), kind=SlotKind.BREAK, title="茶歇")
    assert agenda_warnings(event) == []


def test_two_slots_overlapping_in_one_room(event):
    slot(event, (13, 30), (14, 10), kind=SlotKind.KEYNOTE, title="主题演讲")
    slot(event, (14, 0), (14, 30), kind=SlotKind.QA, title="答疑")
    with translation.override("en"):
        assert agenda_warnings(event) == ["“主题演讲” (13:30–14:10) and “答疑” (14:00–14:30) overlap in the main room."]


def test_the_same_speaker_in_two_overlapping_slots(event):
    speaker = SpeakerProfileFactory().user
    room_a, room_b = Room.objects.create(event=event, name="A"), Room.objects.create(event=event, name="B")
    first = confirmed_talk(event, title="上午的", speaker=speaker)
    second = confirmed_talk(event, title="同时的")
    CoSpeaker.objects.create(submission=second, email=speaker.email)
    slot(event, (13, 30), (14, 0), talk=first, room=room_a)
    slot(event, (13, 45), (14, 15), talk=second, room=room_b)
    with translation.override("en"):
        assert agenda_warnings(event) == [
            f"{speaker.email} is in two overlapping slots: “上午的” (13:30–14:00) and “同时的” (13:45–14:15)."
        ]


def test_a_speaker_in_two_cities_on_one_day(event):
    speaker = SpeakerProfileFactory().user
    guangzhou = EventFactory(
        tour=event.tour,
        city=CityFactory(slug="guangzhou", name_zh="广州", name_en="Guangzhou"),
        start=shanghai(2024, 4, 20, 9),
        end=shanghai(2024, 4, 20, 12),
    )
    talk = confirmed_talk(event, title="巡回议题", speaker=speaker, cities=[event.city, guangzhou.city])
    speaker_services.decide(
        submission=talk, state=SubmissionState.ACCEPTED, events=[event, guangzhou], by=tour_admin_of(event.tour)
    )
    talk.acceptances.update(status=AcceptanceStatus.CONFIRMED)
    slot(event, (14, 0), (14, 30), talk=talk)
    slot(guangzhou, (10, 0), (10, 30), talk=talk)
    with translation.override("en"):
        assert agenda_warnings(event) == [f"{speaker.email} is scheduled in Shenzhen and in Guangzhou on 2024-04-20."]


def test_a_talk_in_a_city_the_speaker_did_not_offer(event):
    elsewhere = CityFactory(slug="xian", name_zh="西安", name_en="Xi'an")
    talk = SubmissionFactory(cfp=CfpFactory(tour=event.tour), title="只去西安", cities=[elsewhere])
    slot(event, (14, 0), (14, 30), talk=talk)
    with translation.override("en"):
        assert agenda_warnings(event) == [
            "“只去西安” is scheduled in Shenzhen, which its speaker did not offer.",
            "“只去西安” has not been confirmed by its speaker for this event.",
        ]


def test_the_admin_shows_the_warnings_on_the_event(event):
    slot(event, (13, 30), (14, 10), title="甲")
    slot(event, (14, 0), (14, 30), title="乙")
    admin = UserFactory(is_staff=True)
    event.tour.admins.add(admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    html = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "“甲” (13:30–14:10) and “乙” (14:00–14:30) overlap in the main room." in html


def test_the_admin_action_creates_the_agenda(event, template):
    admin = UserFactory(is_staff=True)
    event.tour.admins.add(admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    client.post(reverse("admin:events_event_changelist"), {"action": "create_agenda", "_selected_action": [event.pk]})
    assert event.slots.count() == 5


def test_the_public_agenda_shows_speakers_and_abstracts(event):
    profile = SpeakerProfileFactory(name="陈静", name_en="Chen Jing", title="首席架构师", company="星河数据")
    talk = confirmed_talk(event, title="数据要素化", speaker=profile.user)
    talk.abstract = "从数据资源到数据资产。"
    talk.save()
    slot(event, (13, 40), (14, 10), talk=talk, kind=SlotKind.KEYNOTE)
    html = Client().get(event.get_absolute_url()).content.decode()
    assert "13:40" in html and "14:10" in html and "数据要素化" in html
    assert "陈静" in html and "首席架构师" in html and "星河数据" in html and "从数据资源到数据资产。" in html
    speaker_page = Client().get(profile.get_absolute_url()).content.decode()
    assert "数据要素化" in speaker_page and event.title in speaker_page


def test_the_admin_links_to_a_speakers_page_only_when_there_is_one(event):
    listed, unlisted = SpeakerProfileFactory(name="陈静"), SpeakerProfileFactory(name="王磊")
    slot(event, (13, 40), (14, 10), talk=confirmed_talk(event, speaker=listed.user), kind=SlotKind.KEYNOTE)
    confirmed_talk(event, speaker=unlisted.user)  # accepted, not on the agenda yet
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for profile, shown in ((listed, True), (unlisted, False)):
        page = client.get(reverse("admin:speakers_speakerprofile_change", args=[profile.pk])).content.decode()
        assert ("View on site" in page) is shown
        assert Client().get(profile.get_absolute_url()).status_code == (200 if shown else 404)


def test_the_agenda_page_query_count_does_not_grow_with_talks(event, django_assert_num_queries):
    def add_talk(n):
        talk = confirmed_talk(event, title=f"议题{n}")
        CoSpeaker.objects.create(submission=talk, email=SpeakerProfileFactory().user.email)
        slot(event, (13 + n, 0), (13 + n, 30), talk=talk)

    add_talk(0)
    client = Client()
    client.get(event.get_absolute_url())
    with CaptureQueriesContext(connection) as one_talk:
        client.get(event.get_absolute_url())
    add_talk(1), add_talk(2)
    with django_assert_num_queries(len(one_talk.captured_queries)):
        html = client.get(event.get_absolute_url()).content.decode()
    assert html.count('class="speaker-chip"') == 6


def test_the_agenda_calendar_parses_back_with_times_in_shanghai(event):
    talk = confirmed_talk(event, title="数据要素化", speaker=SpeakerProfileFactory(name="陈静").user)
    slot(event, (13, 40), (14, 10), talk=talk, kind=SlotKind.KEYNOTE)
    slot(event, (14, 10), (14, 20), kind=SlotKind.QA, title="答疑互动")
    response = Client().get(reverse("events:event_calendar", args=[event.tour.slug, event.slug]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    entries = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in entries] == ["数据要素化", "答疑互动"]
    start = entries[0].decoded("DTSTART")
    assert start == dt.datetime(2024, 4, 20, 13, 40, tzinfo=SHANGHAI)
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert entries[0]["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert entries[0].decoded("DTEND") == dt.datetime(2024, 4, 20, 14, 10, tzinfo=SHANGHAI)
    assert "陈静" in str(entries[0]["DESCRIPTION"])
    assert all(entry.decoded("DTSTAMP").tzinfo is not None for entry in entries)  # RFC 5545 requires it
    venue = event.venue
    assert str(entries[0]["LOCATION"]) == f"{venue.name}, {venue.address}"
    # In English the venue's English name (an address has one language: the one on the street).
    Venue.objects.filter(pk=venue.pk).update(name_en="Shenzhen Bay Tech Park")
    url = reverse("events:event_calendar", args=[event.tour.slug, event.slug])
    english = Calendar.from_ical(Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content).walk("VEVENT")
    assert str(english[0]["LOCATION"]) == f"Shenzhen Bay Tech Park, {venue.address}"


def test_a_speakers_personal_feed_lists_their_talks_across_the_tour(event):
    profile = SpeakerProfileFactory()
    other = EventFactory(tour=event.tour, start=shanghai(2024, 5, 18, 13), end=shanghai(2024, 5, 18, 17))
    slot(event, (14, 0), (14, 30), talk=confirmed_talk(event, title="深圳场", speaker=profile.user))
    slot(other, (15, 0), (15, 30), talk=confirmed_talk(other, title="另一站", speaker=profile.user))
    slot(event, (15, 0), (15, 30), talk=confirmed_talk(event, title="别人的"))
    calendar = Calendar.from_ical(Client().get(reverse("speakers:speaker_calendar", args=[profile.pk])).content)
    entries = calendar.walk("VEVENT")
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in entries] == [
        ("深圳场", dt.datetime(2024, 4, 20, 14, 0, tzinfo=SHANGHAI)),
        ("另一站", dt.datetime(2024, 5, 18, 15, 0, tzinfo=SHANGHAI)),
    ]
    nobody = SpeakerProfileFactory(name="隐私人")  # no public talk: no page, no feed
    response = Client().get(reverse("speakers:speaker_calendar", args=[nobody.pk]))
    assert response.status_code == 404 and "隐私人".encode() not in response.content


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pptx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content"), [("talk.pdf", pdf_bytes()), ("talk.pptx", pptx_bytes())])
def test_speakers_upload_their_slides(event, media_root, name, content):
    profile = SpeakerProfileFactory()
    the_slot = slot(event, (14, 0), (14, 30), talk=confirmed_talk(event, speaker=profile.user))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(profile.user)
    response = client.post(
        reverse("speakers:slides", args=[the_slot.pk]), {"slides": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    the_slot.refresh_from_db()
    assert (media_root / the_slot.slides.name).read_bytes() == content
    assert the_slot.slides.url in Client().get(event.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "talk.pdf",
            b"not a pdf at all",
            "Upload the slides as a PDF or PowerPoint (.pptx) file; this file is neither.",
        ),
        (
            "talk.pptx",
            b"PK\x03\x04 broken zip",
            "Upload the slides as a PDF or PowerPoint (.pptx) file; this file is neither.",
        ),
        ("talk.exe", pdf_bytes(), "Upload the slides as a PDF or PowerPoint (.pptx) file; this file is neither."),
        ("big.pdf", b"%PDF-" + b"0" * (51 * 1024 * 1024), "The file is 51.0\xa0MB; the limit is 50.0\xa0MB."),
    ],
    ids=["fake-pdf", "broken-pptx", "wrong-extension", "too-large"],
)
def test_bad_slides_are_refused(event, media_root, name, content, message):
    profile = SpeakerProfileFactory()
    the_slot = slot(event, (14, 0), (14, 30), talk=confirmed_talk(event, speaker=profile.user))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(profile.user)
    response = client.post(
        reverse("speakers:slides", args=[the_slot.pk]), {"slides": SimpleUploadedFile(name, content)}
    )
    assert response.context["form"].errors["slides"] == [message]
    the_slot.refresh_from_db()
    assert not the_slot.slides
    assert not (media_root / "slides").exists()


def test_only_the_talks_speakers_upload_slides(event):
    the_slot = slot(event, (14, 0), (14, 30), talk=confirmed_talk(event))
    client = Client()
    client.force_login(UserFactory())
    response = client.post(
        reverse("speakers:slides", args=[the_slot.pk]), {"slides": SimpleUploadedFile("x.pdf", pdf_bytes())}
    )
    assert response.status_code == 404
