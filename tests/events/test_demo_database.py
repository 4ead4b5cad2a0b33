"""The demo's database (SQLite, a file): people registering at the same moment queue for the write lock instead
of failing. Run in a process of its own, on a file database of its own, whatever database the suite uses."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RACE = """
import collections, json
import django
django.setup()
from django.core.management import call_command
from django.db import connections
from events import services
from events.models import EventStatus, Registration, TicketTier
from tests.events.test_concurrency import codes, race
from tests.factories import UpcomingEventFactory, attendee

call_command("migrate", verbosity=0)
event = UpcomingEventFactory(capacity=500, venue__capacity=500, status=EventStatus.PUBLISHED)
roomy = TicketTier.objects.create(event=event, name="普通票", quota=100)
last_seats = TicketTier.objects.create(event=event, name="最后几张", quota=5)
connections.close_all()

def registers_for(tier):
    return lambda i: services.register_attendee(
        event=event, tier=tier, details=attendee(email=f"{tier.pk}-{i}@example.org"), notify=False, render=False
    )

print(json.dumps({
    "roomy": collections.Counter(codes(race(registers_for(roomy), 20))),
    "last_seats": collections.Counter(codes(race(registers_for(last_seats), 20))),
    "rows": {tier.name: Registration.objects.filter(tier=tier).count() for tier in (roomy, last_seats)},
}))
"""


def test_registrations_at_the_same_moment_queue_on_sqlite(tmp_path):
    environment = {
        **{name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "citytour.settings",
        "CITYTOUR_MEDIA_ROOT": str(tmp_path / "media"),
        "CITYTOUR_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    result = subprocess.run(
        [sys.executable, "-c", RACE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=170
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {
        "roomy": {"Registration": 20},
        "last_seats": {"Registration": 5, "sold_out": 15},
        "rows": {"普通票": 20, "最后几张": 5},
    }
