import pytest

from events.models import CheckInStaff, VolunteerApplication
from tests.browser.test_registration_journey import log_in
from tests.factories import CityTeamMemberFactory, EventFactory, ShiftFactory, UserFactory, upcoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_signs_up_is_approved_and_put_on_the_check_in_shift(browser, live_server):
    start = upcoming(days=20)
    event = EventFactory(
        title="城市开源行·杭州站",
        slug="hangzhou",
        tour__slug="tour2026",
        start=start,
    )
    ShiftFactory(event=event, head_count=2)
    organizer = CityTeamMemberFactory(tour=event.tour, city=event.city, user__email="lead@example.org").user
    volunteer = UserFactory(email="lin@example.org", first_name="林小青")

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, volunteer)
    page.goto(live_server.url + event.get_absolute_url())
    page.get_by_role("link", name="报名本场志愿者").click()
    page.get_by_label("签到").check()
    page.get_by_label("什么时间可以帮忙？").fill("全天")
    page.get_by_label("微信号").fill("lin_xq")
    page.get_by_role("button", name="报名志愿者").click()
    page.wait_for_url("**/volunteering/")
    assert "待审核" in page.locator("article.volunteering").inner_text()

    desk = browser.new_context(locale="zh-CN")
    admin = desk.new_page()
    admin.set_default_timeout(15_000)
    log_in(admin, live_server, organizer)
    admin.goto(live_server.url + f"/admin/events/event/{event.pk}/volunteers/")
    admin.locator("#pending").get_by_role("button", name="通过").click()
    admin.get_by_text("已通过 林小青。").wait_for()
    admin.get_by_label("添加志愿者").select_option(label="林小青 (签到)")
    admin.get_by_role("button", name="排班").click()
    admin.get_by_text("林小青 已排入班次").wait_for()
    desk.close()

    page.reload()
    card = page.locator("article.volunteering").inner_text()
    assert "已通过" in card and "签到" in card
    page.get_by_role("link", name="打开签到页面").click()
    page.wait_for_url("**/checkin/tour2026/hangzhou/")
    assert page.get_by_label("票号、姓名、手机或邮箱").is_visible()
    context.close()
    assert VolunteerApplication.objects.get(user=volunteer).status == "approved"
    assert CheckInStaff.objects.get(event=event, user=volunteer).from_shifts
