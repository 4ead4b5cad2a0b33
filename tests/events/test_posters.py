"""Event posters: rendered after the event is published, with a QR code that opens the event page."""

import subprocess

import pytest
from PIL import Image

from events import services
from events.models import Event, EventStatus, PosterState
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def decode_qr(path) -> str:
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_publishing_renders_a_poster_whose_qr_opens_the_event_page(
    django_capture_on_commit_callbacks, settings, media_root
):
    settings.SITE_URL = "https://citytour.example.org"
    event = EventFactory(status=EventStatus.DRAFT, tour__slug="tour2024", slug="shenzhen")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    event.refresh_from_db()
    assert event.poster_state == PosterState.READY
    assert event.poster.name == "posters/tour2024-shenzhen.png"
    path = media_root / event.poster.name
    assert Image.open(path).size == (1080, 1440)
    assert decode_qr(path) == "https://citytour.example.org/tours/tour2024/shenzhen/"


def test_rendering_twice_leaves_one_file(django_capture_on_commit_callbacks, media_root):
    event = EventFactory(status=EventStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        event.title = "改了标题"
        services.save_event(event=event)
        services.request_poster(event=event)
    files = [f"posters/{p.name}" for p in (media_root / "posters").iterdir()]
    assert files == [Event.objects.get(pk=event.pk).poster.name]


def test_a_missing_font_fails_the_poster_with_its_reason(django_capture_on_commit_callbacks, settings):
    settings.CITYTOUR_CJK_FONT = "/nonexistent/font.ttc"
    event = EventFactory(status=EventStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    event.refresh_from_db()
    assert event.poster_state == PosterState.FAILED
    # Recorded in the site's first language, which is what organizers read in the admin.
    assert (
        event.poster_error == "缺少中文字体 /nonexistent/font.ttc：请安装 fonts-wqy-zenhei，或设置 CITYTOUR_CJK_FONT。"
    )


def test_a_draft_gets_no_poster(django_capture_on_commit_callbacks):
    published = EventFactory()
    event = Event(tour=published.tour, city=published.city, venue=published.venue, title="草稿", slug="draft")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.save_event(event=event)
    assert callbacks == []
    assert Event.objects.get(pk=event.pk).poster_state == PosterState.NONE


def test_a_poster_is_taken_down_when_its_event_goes_back_to_draft_and_never_made_for_one(
    django_capture_on_commit_callbacks, media_root
):
    event = EventFactory(status=EventStatus.DRAFT, tour__slug="tour2024", slug="shenzhen")
    services.request_poster(event=event)  # as the admin's "Render the poster again" does
    with django_capture_on_commit_callbacks(execute=True):
        services.request_poster(event=event)
    event.refresh_from_db()
    assert (event.poster_state, event.poster.name) == (PosterState.NONE, "")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    path = media_root / "posters" / "tour2024-shenzhen.png"
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=Event.objects.get(pk=event.pk), status=EventStatus.DRAFT)
    event.refresh_from_db()
    assert (event.poster_state, event.poster.name, path.exists()) == (PosterState.NONE, "", False)


def test_a_new_address_gives_the_poster_a_new_qr_code(django_capture_on_commit_callbacks, settings, media_root):
    settings.SITE_URL = "https://citytour.example.org"
    event = EventFactory(status=EventStatus.DRAFT, tour__slug="tour2024", slug="shenzhen")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    event = Event.objects.get(pk=event.pk)
    event.slug = "shenzhen-spring"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_event(event=event)
    event.refresh_from_db()
    assert event.poster.name == "posters/tour2024-shenzhen-spring.png"
    assert decode_qr(media_root / event.poster.name) == "https://citytour.example.org/tours/tour2024/shenzhen-spring/"
    assert not (media_root / "posters" / "tour2024-shenzhen.png").exists()


def test_a_render_that_began_before_the_event_went_back_to_draft_stores_no_poster(
    django_capture_on_commit_callbacks, media_root
):
    from events.posters import render_poster

    event = EventFactory(status=EventStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=event, status=EventStatus.PUBLISHED)
    seen_while_published = Event.objects.select_related("tour").get(pk=event.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_event_status(event=Event.objects.get(pk=event.pk), status=EventStatus.DRAFT)
    render_poster(event=seen_while_published)  # the slower job finishes last
    event.refresh_from_db()
    assert (event.poster_state, event.poster.name) == (PosterState.NONE, "")
    assert not any((media_root / "posters").iterdir())
