"""Every screen of the organizers' admin opens on the demo tour: each list (with its filters, and a search), each
add and change form, and the extra screens (boards, figures, progress), for a superuser, a tour admin and a city
team member."""

from html.parser import HTMLParser

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


class _FormFields(HTMLParser):
    """The data a browser sends for the page's main form, as it stands (checked boxes, selected options)."""

    def __init__(self):
        super().__init__()
        self.data, self._form, self._select, self._textarea = [], 0, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post" and not self._form:
            self._form = 1
        elif not self._form:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") not in ("checkbox", "radio"):
                self.data.append((attrs["name"], attrs.get("value") or ""))
            elif "checked" in attrs:
                self.data.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.data.append((self._textarea, ""))

    def handle_endtag(self, tag):
        if tag == "form" and self._form:
            self._form = 2
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self.data[-1]
            self.data[-1] = (name, text.removeprefix("\n"))  # as a browser reads the line break after the tag
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form == 1:
            name, text = self.data[-1]
            self.data[-1] = (name, text + data)

    def payload(self) -> dict:
        gathered = {}
        for name, value in self.data:
            gathered.setdefault(name, []).append(value)
        return gathered


def test_every_demo_event_saves_as_it_is_in_the_admin(client, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    client.force_login(get_user_model().objects.get(email="admin@demo.citytour.cn"))
    from events.models import Event

    refused = {}
    for event in Event.objects.order_by("pk"):
        url = reverse("admin:events_event_change", args=[event.pk])
        fields = _FormFields()
        fields.feed(client.get(url).content.decode())
        response = client.post(url, fields.payload())
        if response.status_code != 302:
            form = response.context["adminform"].form
            formsets = [f.formset.errors for f in response.context["inline_admin_formsets"] if any(f.formset.errors)]
            refused[event.slug + "/" + event.tour.slug] = (form.errors, formsets)
    assert refused == {}
