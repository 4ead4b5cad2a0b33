"""Accounts through django-allauth: sign up, verify the email address, log in, reset the password."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Chengdu-Hotpot-2024!"


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def test_sign_up_verify_and_log_in():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post(
        reverse("account_signup"),
        {"email": "li.lei@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li.lei@example.org"]
    assert mail.outbox[0].subject == "[citytour] 请确认您的邮箱地址"
    lines = mail.outbox[0].body.splitlines()
    assert (lines[0], lines[-2:]) == ("您好：", ["citytour · 一个主题，多座城市", "testserver"])

    # Before verification, logging in leads back to the verification notice.
    response = client.post(reverse("account_login"), {"login": "li.lei@example.org", "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    confirm_url = link_in(mail.outbox[-1])
    page = client.get(confirm_url)
    assert page.status_code == 200 and "确认" in page.content.decode()
    assert client.post(confirm_url).status_code == 302

    response = client.post(reverse("account_login"), {"login": "li.lei@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "li.lei@example.org" in home and "退出" in home

    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_the_account_pages_use_the_site_layout_in_both_languages():
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in zh and "登录" in zh and "跳到正文" in zh
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("account_signup")).content.decode()
    assert 'class="site-header"' in en and "Sign Up" in en and "Skip to content" in en


def test_the_account_pages_speak_chinese_as_the_site_does(django_user_model):
    """您, never 你; 邮箱, not a mixed-in "Email"; and Django's newer wording of a short password, translated."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.post(
        reverse("account_signup"), {"email": "li.lei@example.org", "password1": "ab1", "password2": "ab1"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "密码太短，至少需要 8 个字符。" in html
    assert "This password" not in html and "你" not in html and not django_user_model.objects.exists()
    user = django_user_model.objects.create_user("li.lei", "li.lei@example.org", PASSWORD)
    client.force_login(user)
    emails = client.get(reverse("account_email")).content.decode()
    assert "以下邮箱地址已关联到您的帐号：" in emails and "添加邮箱" in emails
    assert not re.search(r"Email ?[\u4e00-\u9fff]|[\u4e00-\u9fff]Email", emails)
    change = client.post(
        reverse("account_change_password"), {"oldpassword": "wrong", "password1": "x", "password2": "x"}
    )
    assert "密码太短，至少需要 8 个字符。" in change.content.decode() and "你" not in change.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(django_user_model):
    from tests.factories import UserFactory

    UserFactory(email="wang.fang@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("account_reset_password"), {"email": "wang.fang@example.org"})
    assert len(mail.outbox) == 1
    reset_url = link_in(mail.outbox[0])
    form_url = client.get(reset_url, follow=True).redirect_chain[-1][0]
    new_password = "Xi'an-Noodles-2024!"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert Client().login(username="wang.fang@example.org", password=new_password)
