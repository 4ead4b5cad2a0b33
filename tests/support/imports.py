"""Bringing a CSV file of registrations in the admin, as organizers do."""

from django.test import TestCase
from django.urls import reverse


def bring_file(client, event, data: dict, **extra):
    """Upload the file on the event's import page and follow the import to its end: the import's own page. Tasks
    run in process in these tests: the import runs as the upload commits (the tickets and emails of the people it
    registers are left to the tests about them)."""
    with TestCase.captureOnCommitCallbacks() as committed:
        response = client.post(reverse("admin:events_event_import", args=[event.pk]), data, **extra)
    for callback in committed:
        callback()
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"], **extra)
    assert page.status_code == 200 and page.context["job"].finished
    return page
