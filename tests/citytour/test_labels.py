"""The Chinese labels tell a person's name (姓名) from a thing's (名称), across the apps' merged catalogues."""

from django.contrib.auth.models import Group, Permission
from django.utils import translation

from events.models import City, ReferralChannel, Registration, Room, TicketTier, Tour, Venue, VolunteerApplication
from speakers.models import SpeakerProfile
from sponsors.models import SponsorshipTier


def label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def test_a_persons_name_and_a_things_name_are_labelled_apart():
    with translation.override("zh-hans"):
        people = {label(Registration, "name"), label(VolunteerApplication, "name")}
        things = {
            label(model, "name")
            for model in (Tour, Venue, Room, TicketTier, ReferralChannel, SponsorshipTier, Group, Permission)
        }
        speaker = (label(SpeakerProfile, "name"), label(SpeakerProfile, "name_en"))
        city = (label(City, "name_zh"), label(City, "name_en"))
    assert (people, things) == ({"姓名"}, {"名称"})
    assert (speaker, city) == (("中文姓名", "英文姓名"), ("名称（中文）", "名称（英文）"))
    with translation.override("en"):
        assert (label(Registration, "name"), label(Venue, "name"), label(SpeakerProfile, "name_en")) == (
            "name",
            "name",
            "name (English)",
        )
