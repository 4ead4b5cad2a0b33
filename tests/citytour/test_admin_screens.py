"""Every screen of the organizers' admin opens on the demo tour: each list (with its filters, and a search), each
add and change form, and the extra screens (boards, figures, progress), for a superuser, a tour admin and a city
team member."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Buttons' targets, not screens: they answer a GET with 405.
POSTED_TO = {"events_event_create_checklist"}


def admin_screens(user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = []
    for model, model_admin in admin.site._registry.items():
        first = model_admin.get_queryset(request).order_by("pk").first()
        for pattern in model_admin.get_urls():
            if not pattern.name or pattern.name.endswith("_delete") or pattern.name in POSTED_TO:
                continue
            arguments = len(pattern.pattern.converters)
            if arguments == 0:
                urls.append(reverse(f"admin:{pattern.name}"))
            elif arguments == 1 and first is not None:
                urls.append(reverse(f"admin:{pattern.name}", args=[first.pk]))
        if model_admin.search_fields:
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") + "?q=深圳")
    return urls


def test_every_admin_screen_opens_on_the_demo_tour(client, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    user = get_user_model().objects.get(email="admin@demo.citytour.cn")
    client.force_login(user)
    urls = admin_screens(user)
    assert len(urls) > 60
    answers = {url: client.get(url).status_code for url in urls}
    # Forms that the admin does not offer (registrations come from the site, applications from volunteers).
    refused = {url for url, status in answers.items() if status == 403}
    assert {url for url in refused if not url.endswith("/add/")} == set()
    assert {url: status for url, status in answers.items() if status not in (200, 403)} == {}

    # Organizers see their share of the same screens, with filters limited to it: none of them fails.
    for email, at_least in (("tour@demo.citytour.cn", 80), ("shenzhen@demo.citytour.cn", 50)):
        organizer = get_user_model().objects.get(email=email)
        client.force_login(organizer)
        answers = {url: client.get(url).status_code for url in admin_screens(organizer)}
        assert {url: status for url, status in answers.items() if status not in (200, 403)} == {}, email
        assert sum(status == 200 for status in answers.values()) >= at_least, email
