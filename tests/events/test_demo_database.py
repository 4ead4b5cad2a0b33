"""The demo's database (SQLite, a file): people registering at the same moment queue for the write lock instead
of failing. Run in a process of its own, on a file database of its own, whatever database the suite uses."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RACE = """
import collections, datetime as dt, json, threading
import django
django.setup()
from django.core.management import call_command
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone
from events import services
from events.models import Event, EventStatus, Registration, TicketTier
from tests.factories import UpcomingEventFactory, attendee

call_command("migrate", verbosity=0)
event = UpcomingEventFactory(capacity=500, venue__capacity=500, status=EventStatus.PUBLISHED)
roomy = TicketTier.objects.create(event=event, name="普通票", quota=100)
last_seats = TicketTier.objects.create(event=event, name="最后几张", quota=5)
connections.close_all()

def race(tier, count):
    barrier = threading.Barrier(count)
    outcomes = []
    def run(i):
        try:
            barrier.wait(timeout=30)
            services.register_attendee(
                event=event, tier=tier, details=attendee(email=f"{tier.pk}-{i}@example.org"),
                notify=False, render=False,
            )
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.code)
        except Exception as error:
            outcomes.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return dict(collections.Counter(outcomes))

print(json.dumps({
    "roomy": race(roomy, 20),
    "last_seats": race(last_seats, 20),
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
        "roomy": {"ok": 20},
        "last_seats": {"ok": 5, "sold_out": 15},
        "rows": {"普通票": 20, "最后几张": 5},
    }
