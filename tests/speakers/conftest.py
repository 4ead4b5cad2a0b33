import pytest
from django.test import Client

from tests.factories import (
    CfpFactory,
    CityFactory,
    EventFactory,
    SpeakerProfileFactory,
    TourFactory,
    TrackFactory,
    tour_admin_of,
)


@pytest.fixture
def tour_with_cfp(db):
    """A tour visiting Shenzhen and Guangzhou, with an open call for papers and two tracks."""
    tour = TourFactory()
    shenzhen = CityFactory(slug="shenzhen", name_zh="深圳", name_en="Shenzhen")
    guangzhou = CityFactory(slug="guangzhou", name_zh="广州", name_en="Guangzhou")
    EventFactory(tour=tour, city=shenzhen, slug="shenzhen")
    EventFactory(tour=tour, city=guangzhou, slug="guangzhou")
    cfp = CfpFactory(tour=tour)
    TrackFactory(cfp=cfp, name="大数据", name_en="Big data")
    TrackFactory(cfp=cfp, name="人工智能", name_en="AI")
    return cfp


@pytest.fixture
def tour_admin(tour_with_cfp):
    return tour_admin_of(tour_with_cfp.tour)


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def speaker(db):
    return SpeakerProfileFactory(name="王磊", name_en="Wang Lei").user
