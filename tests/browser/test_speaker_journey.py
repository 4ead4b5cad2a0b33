import re

import pytest
from django.core import mail

from tests.factories import CfpFactory, CityFactory, EventFactory, TourFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_speaker_signs_up_fills_the_profile_submits_and_sees_the_talk(page, live_server):
    tour = TourFactory(name="2024 数字经济-城市开源行", slug="tour2024")
    EventFactory(tour=tour, city=CityFactory(slug="shenzhen", name_zh="深圳", name_en="Shenzhen"))
    CfpFactory(tour=tour, title="议题征集")
    password = "Shenzhen-Bay-2024!"

    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("电子邮件").fill("new.speaker@example.org")
    page.get_by_label("密码:", exact=True).fill(password)
    page.get_by_label("密码（重复）").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    confirm_path = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + confirm_path)
    page.locator("main form button[type=submit]").click()

    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill("new.speaker@example.org")
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()

    page.goto(live_server.url + "/cfp/tour2024/submit/")
    page.wait_for_url("**/speaker/profile/**")
    page.get_by_label("中文姓名").fill("李娜")
    page.get_by_label("职位").fill("数据工程师")
    page.get_by_label("公司或组织").fill("开源数据社区")
    page.get_by_role("button", name="保存").click()

    page.wait_for_url("**/cfp/tour2024/submit/")
    page.get_by_label("标题").fill("开源数据湖的第一年")
    page.get_by_label("摘要").fill("我们如何从零搭建开源数据湖。")
    page.get_by_label("形式").select_option("case_study")
    page.get_by_label("受众").select_option("developer")
    page.get_by_label("议题语言").select_option("zh-hans")
    page.get_by_label("深圳").check()
    page.get_by_role("button", name="提交").click()

    page.wait_for_url("**/talks/")
    card = page.locator("article.talk")
    assert card.locator("h2").inner_text() == "开源数据湖的第一年"
    assert "已提交" in card.inner_text()
