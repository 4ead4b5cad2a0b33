import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_the_tour_in_chinese_switches_to_english_and_opens_an_event(page, live_server):
    call_command("seed_demo")
    page.goto(live_server.url + "/")
    # The home page shows this year's tour, which links to the others.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="巡回城市").is_visible()
    assert page.locator(".city-card").count() == 10

    page.get_by_role("button", name="English").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Cities of the tour").is_visible()

    page.get_by_role("link", name="2024 Digital Economy · City Open Source Tour").click()
    page.get_by_role("link", name="Digital Economy City Open Source Tour · Shenzhen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Digital Economy City Open Source Tour · Shenzhen"
    assert "2024-04-20 Saturday 13:30–17:30" in page.locator(".facts").inner_text()
