"""The speaker profile: the photo is proven to be an image and stored normalized; anything else is refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from speakers.models import SpeakerProfile
from tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": "李娜",
    "name_en": "Li Na",
    "title": "工程师",
    "company": "开源数据",
    "bio": "热爱开源。",
    "email": "li.na@example.org",
    "phone": "13800000000",
    "wechat": "lina",
    "departure_city": "成都",
    "needs_travel": "on",
    "preferred_language": "zh-hans",
}


def png_bytes(size=(1200, 900), colour="red", exif_rotation=None) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    if exif_rotation:
        exif = Image.Exif()
        exif[0x0112] = exif_rotation  # orientation
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def post_profile(user, photo):
    return client_for(user).post(reverse("speakers:profile"), {**PROFILE, "photo": photo})


def stored_files(media_root):
    return sorted(p.name for p in (media_root / "speakers").glob("*")) if (media_root / "speakers").exists() else []


def test_a_photo_is_cropped_to_a_square_of_at_most_800_pixels_and_stored_as_jpeg(media_root):
    user = UserFactory()
    response = post_profile(user, SimpleUploadedFile("me.png", png_bytes(), content_type="image/png"))
    assert response.status_code == 302
    profile = SpeakerProfile.objects.get(user=user)
    assert (profile.name, profile.departure_city, profile.needs_travel) == ("李娜", "成都", True)
    stored = Image.open(media_root / profile.photo.name)
    assert (stored.format, stored.size) == ("JPEG", (800, 800))


def test_exif_rotation_is_applied(media_root):
    user = UserFactory()
    # A landscape 600×300 photo whose EXIF says "rotate 90°" is a portrait one; the square crop keeps 300×300.
    rotated = SimpleUploadedFile("me.jpg", png_bytes((600, 300), exif_rotation=6), content_type="image/jpeg")
    assert post_profile(user, rotated).status_code == 302
    stored = Image.open(media_root / SpeakerProfile.objects.get(user=user).photo.name)
    assert stored.size == (300, 300)
    assert stored.getexif().get(0x0112) is None


def bomb(size=(20000, 20000)) -> bytes:
    # A tiny PNG file that claims a huge number of pixels to decode.
    image = Image.new("1", size)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("me.jpg", b"just some text, not a picture", "This file is not an image or it is damaged."),
        ("me.png", png_bytes()[:400], "This file is not an image or it is damaged."),
        ("bomb.png", None, "The image is too large in pixels."),
        ("48mp.png", bomb((8000, 6000)), "The image is 8000×6000 pixels, which is too large."),
        ("huge.jpg", b"\xff\xd8" + b"0" * (20 * 1024 * 1024), "The file is 20.0\xa0MB; the limit is 5.0\xa0MB."),
    ],
    ids=["text-named-jpg", "truncated-png", "decompression-bomb", "48-megapixels", "20-MB"],
)
def test_bad_photos_are_refused_and_nothing_is_stored(media_root, name, content, message):
    user = UserFactory()
    content = bomb() if content is None else content
    response = post_profile(user, SimpleUploadedFile(name, content, content_type="image/png"))
    assert response.status_code == 200
    errors = response.context["form"].errors["photo"]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert not SpeakerProfile.objects.filter(user=user).exists()
    assert stored_files(media_root) == []


def test_a_name_is_required():
    user = UserFactory()
    response = client_for(user).post(reverse("speakers:profile"), {**PROFILE, "name": "", "name_en": ""})
    assert response.context["form"].non_field_errors() == ["Give your name in Chinese, in English, or both."]


def test_the_profile_page_goes_back_only_to_a_page_of_this_site():
    user = UserFactory()
    url = reverse("speakers:profile")
    response = client_for(user).post(url + "?next=https://evil.example/phish", PROFILE)
    assert response["Location"] == reverse("speakers:my_talks")
    response = client_for(user).post(url + "?next=/tours/", PROFILE)
    assert response["Location"] == "/tours/"


def test_a_photo_uploaded_by_the_organizers_is_kept_as_the_same_square(media_root):
    profile = SpeakerProfile.objects.create(user=UserFactory(), name="李娜", email="li.na@example.org")
    organizer = UserFactory(is_staff=True, is_superuser=True)
    data = {**PROFILE, "photo": SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")}
    response = client_for(organizer).post(reverse("admin:speakers_speakerprofile_change", args=[profile.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    stored = Image.open(media_root / profile.photo.name)
    assert (stored.format, stored.size) == ("JPEG", (800, 800))


def test_the_organizers_see_a_profiles_account_and_cannot_hand_the_profile_to_another(tour_with_cfp):
    from events.models import City
    from tests.factories import CityTeamMemberFactory, SubmissionFactory

    owner = UserFactory(email="lina.account@example.org", first_name="娜", last_name="李")
    profile = SpeakerProfile.objects.create(user=owner, name="李娜", email="li.na@example.org")
    SubmissionFactory(cfp=tour_with_cfp, speaker=owner, cities=[City.objects.get(slug="shenzhen")])
    stranger = UserFactory(email="stranger@example.org")
    lead = CityTeamMemberFactory(tour=tour_with_cfp.tour, city=City.objects.get(slug="shenzhen")).user
    url = reverse("admin:speakers_speakerprofile_change", args=[profile.pk])
    client = client_for(lead)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;lina.account@example.org&gt;" in html  # the account, shown
    assert "stranger@example.org" not in html and 'name="user"' not in html
    response = client.post(url, {**PROFILE, "user": stranger.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert (profile.user_id, profile.name) == (owner.pk, "李娜")
