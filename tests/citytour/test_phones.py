"""Phone numbers: the spellings people type are kept as one, anything else is refused with a translated message."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from citytour.phones import PhoneField, normalize_phone
from events.models import Registration
from tests.factories import TicketTierFactory, UpcomingEventFactory, UserFactory


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-13800138000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # typed with a full-width keyboard
        ("（010）6552 9988", "01065529988"),
        ("010-65529988", "01065529988"),
        ("0755 8888 6666", "075588886666"),
        ("+86 10 6552 9988", "01065529988"),
        ("+86 (0)755 8888 6666", "075588886666"),
        ("+49 151 2345 6789", "+4915123456789"),
        ("0049 30 1234567", "+49301234567"),
        ("+852 9123 4567", "+85291234567"),
        ("１３８－００１３－８０００", "13800138000"),  # a full-width hyphen too
        ("010－65529988", "01065529988"),
        ("138−0013−8000", "13800138000"),  # a minus sign from a web page
        ("\u202a+86 138 0013 8000\u202c", "13800138000"),  # copied from a phone's contacts, with direction marks
        ("86 138 0013 8000", "13800138000"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+49 (0)30 1234567", "+49301234567"),
        ("010-6552 9988-8001", "01065529988-8001"),  # an extension
        ("010 6552 9988 转 8001", "01065529988-8001"),
        ("0755-8888-6666 分机 12", "075588886666-12"),
        ("400-810-8888", "4008108888"),
        ("+86 400 810 8888", "4008108888"),
        ("0086 800 810 8888", "8008108888"),
    ],
)
def test_the_spellings_people_type_are_kept_as_one(typed, kept):
    assert normalize_phone(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "139",
        "1380013800",
        "138001380001",
        "12800138000",
        "6552 9988",
        "+0 123 4567",
        "+49 1",
        "微信同号",
        "138 0013 800x",
        "013800138000",  # a mobile number with a 0 in front is no landline
        "010-1234 5678",  # no local number starts with 1
        "138 0013 8000 转 12",  # a mobile has no extension
    ],
)
def test_anything_else_is_refused(typed):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed)
    assert caught.value.code == "invalid"


def test_the_message_is_translated():
    field = PhoneField()
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as caught:
            field.clean("139")
        assert caught.value.messages == [
            "请填写电话号码：手机号如 138 0013 8000，座机加区号如 010-6552 9988，境外号码以 + 和国家代码开头。"
        ]
    assert PhoneField(required=False).clean("  ") == ""
    assert 'type="tel"' in field.widget.render("phone", "") and 'autocomplete="tel"' in field.widget.render("p", "")


@pytest.mark.django_db
def test_a_registration_with_a_made_up_phone_is_refused_and_a_real_one_kept_in_one_spelling():
    tier = TicketTierFactory(event=UpcomingEventFactory(), quota=10)
    url = reverse("events:register", args=[tier.event.tour.slug, tier.event.slug])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    user = UserFactory()
    client.force_login(user)
    data = {"tier": tier.pk, "name": "王芳", "privacy": "on"}
    response = client.post(url, {**data, "phone": "12345"})
    assert response.status_code == 200 and "请填写电话号码：手机号如 138 0013 8000" in response.content.decode()
    assert not Registration.objects.exists()
    assert client.post(url, {**data, "phone": "+86 139-1234-5678"}).status_code == 302
    assert Registration.objects.get(user=user).phone == "13912345678"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["+86 10 6552 9988", "0086 138 0013 8000", "0049 30 1234567", "１３８ ００１３ ８０００", "010-6552 9988-8001"],
)
def test_the_door_finds_a_number_by_the_spelling_it_was_typed_in(typed):
    from events import services
    from tests.factories import attendee

    tier = TicketTierFactory(event=UpcomingEventFactory(), quota=10)
    services.register_attendee(event=tier.event, tier=tier, details=attendee("王芳", phone=normalize_phone(typed)))
    services.register_attendee(event=tier.event, tier=tier, details=attendee("李雷", phone="13912345678"))
    for query in (typed, normalize_phone(typed), typed[-9:]):
        found = services.search_registrations(event=tier.event, query=query)
        assert [registration.name for registration in found] == ["王芳"], query
