"""The error pages speak the visitor's language, as every other page does."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "language, title, text",
    [
        ("zh-hans", "页面不存在", "此页面不存在，或者不对您开放。"),
        ("en", "Page not found", "This page does not exist, or it is not yours to see."),
    ],
)
def test_a_missing_page_answers_in_the_visitors_language(language, title, text):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/tours/no-such-tour/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in html and f"<h1>{title}</h1>" in html and text in html
    assert 'href="/accounts/login/?next=/tours/no-such-tour/"' in html


def test_a_refusal_and_a_server_error_answer_in_chinese():
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        refused = defaults.permission_denied(request, PermissionDenied())
        failed = defaults.server_error(request)
        bad = defaults.bad_request(request, Exception())
    assert (refused.status_code, failed.status_code, bad.status_code) == (403, 500, 400)
    assert "<h1>无权访问</h1>" in refused.content.decode()
    assert "<h1>出错了</h1>" in failed.content.decode() and '<html lang="zh-hans">' in failed.content.decode()
    assert "<h1>请求无法识别</h1>" in bad.content.decode()
