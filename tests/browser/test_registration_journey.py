import pytest

from events.models import CheckInStaff, Registration
from tests.factories import PASSWORD, TicketTierFactory, UpcomingEventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")


def test_an_attendee_registers_downloads_the_ticket_and_a_volunteer_checks_them_in(browser, live_server):
    event = UpcomingEventFactory(title="城市开源行·深圳站", slug="shenzhen", tour__slug="tour2024")
    TicketTierFactory(event=event, name="普通票", name_en="", quota=100)
    attendee = UserFactory(email="li.lei@example.org")
    volunteer = UserFactory(email="volunteer@example.org")
    CheckInStaff.objects.create(event=event, user=volunteer)

    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, attendee)
    page.goto(live_server.url + event.get_absolute_url())
    page.get_by_role("link", name="报名", exact=True).click()
    page.get_by_label("普通票").check()
    page.get_by_label("姓名").fill("李雷")
    page.get_by_label("手机").fill("13800000000")
    page.get_by_label("我同意").check()
    page.get_by_role("button", name="报名", exact=True).click()
    page.wait_for_url("**/tickets/")
    card = page.locator("article.ticket")
    assert "城市开源行·深圳站" in card.inner_text() and "李雷" in card.inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载门票（PDF）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    code = page.locator("code.ticket-code").inner_text()
    context.close()

    context = browser.new_context(locale="zh-CN")
    door = context.new_page()
    door.set_default_timeout(15_000)
    log_in(door, live_server, volunteer)
    door.goto(live_server.url + "/checkin/tour2024/shenzhen/")
    door.get_by_label("票号、姓名、手机或邮箱").fill(code)
    door.get_by_role("button", name="签到", exact=True).click()
    result = door.locator("#result.ok")
    result.wait_for()
    assert "李雷" in result.inner_text()
    door.wait_for_timeout(2500)  # later than a double tap: a real second scan of the same ticket
    door.get_by_label("票号、姓名、手机或邮箱").fill(code)
    door.get_by_role("button", name="签到", exact=True).click()
    door.locator("#result.refused").wait_for()
    assert "签到。" in door.locator("#result").inner_text() and "已于" in door.locator("#result").inner_text()
    context.close()
    assert Registration.objects.get(email="li.lei@example.org").checked_in_by == volunteer


def test_after_sold_out_another_tier_registers_instead_of_joining_the_waiting_list(browser, live_server):
    event = UpcomingEventFactory(title="城市开源行·杭州站", slug="hangzhou", tour__slug="tour2024")
    early = TicketTierFactory(event=event, name="早鸟票", name_en="", quota=1, price=0)
    TicketTierFactory(event=event, name="普通票", name_en="", quota=100, price=0)
    Registration.objects.create(event=event, tier=early, email="first@example.org", name="先到", status="confirmed")
    attendee = UserFactory(email="han.meimei@example.org")

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, attendee)
    page.goto(live_server.url + "/tours/tour2024/hangzhou/register/")
    page.get_by_label("早鸟票").check()
    page.get_by_label("姓名").fill("韩梅梅")
    page.get_by_label("手机").fill("13900000000")
    page.get_by_label("我同意").check()
    page.get_by_role("button", name="报名", exact=True).click()
    assert "“早鸟票”已报满。您可以加入候补名单。" in page.locator(".form-errors").inner_text()
    waiting = page.get_by_role("button", name="加入候补名单", exact=True)
    assert waiting.is_visible()
    page.get_by_label("普通票").check()
    page.get_by_role("button", name="报名", exact=True).wait_for()
    page.get_by_label("早鸟票").check()
    waiting.wait_for()
    page.get_by_label("普通票").check()
    page.get_by_role("button", name="报名", exact=True).click()
    page.wait_for_url("**/tickets/")
    context.close()
    registration = Registration.objects.get(email="han.meimei@example.org")
    assert (registration.tier.name, registration.status) == ("普通票", "confirmed")
