import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.db import connection

from citytour.celery import app as celery_app

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parent.parent


def need(condition: bool, reason: str) -> None:
    """Skip a test whose service is absent, or fail it when the run requires services (as CI does)."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def redis_reachable(url: str) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CITYTOUR_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def private_root(settings):
    return settings.CITYTOUR_PRIVATE_MEDIA_ROOT


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Each test starts with an empty cache of its own (allauth keeps rate limits there, by email address)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Tasks run in process, except in tests about the worker itself."""
    if request.node.get_closest_marker("services"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(transactional_db, media_root):
    """A real ``celery -A citytour worker`` process on Redis and the PostgreSQL test database."""
    redis_url = os.environ.get("REDIS_URL", "")
    need(redis_reachable(redis_url), "a Celery worker test needs Redis (set REDIS_URL)")
    need(connection.vendor == "postgresql", "a Celery worker test needs PostgreSQL (set DATABASE_URL)")
    db = connection.settings_dict
    database_url = "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=db["USER"] or "",
        password=db["PASSWORD"] or "",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        name=db["NAME"],
    )
    queue = f"citytour-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CITYTOUR_CELERY_QUEUE": queue,
        "CITYTOUR_MEDIA_ROOT": str(media_root),
        "CITYTOUR_PRIVATE_MEDIA_ROOT": str(media_root.parent / "private"),
    }
    log_path = media_root.parent / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 - open for the worker's lifetime
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "citytour",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue
    conf.task_always_eager, conf.task_default_queue = False, queue
    celery_app.amqp.__dict__.pop("queues", None)  # forget the queue list built for the old default
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start:\n" + log_path.read_text())
        yield worker
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
        celery_app.amqp.__dict__.pop("queues", None)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy; return its value or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"gave up after {timeout}s waiting for {predicate}")


@pytest.fixture
def broker_down():
    """Queuing fails as it does when the broker is down: a real connection to a closed port, tried once."""
    conf = celery_app.conf
    names = [
        "task_always_eager",
        "broker_url",
        "task_publish_retry",
        "broker_connection_max_retries",
        "broker_transport_options",
    ]
    saved = {name: conf[name] for name in names}
    conf.update(
        task_always_eager=False,
        broker_url="redis://127.0.0.1:9/0",
        task_publish_retry=False,
        broker_connection_max_retries=0,
        broker_transport_options={"max_retries": 0},
    )
    # Celery makes its connection pools for the broker of their first use: start them afresh, before and after.
    celery_app._pool = celery_app.amqp._producer_pool = None
    yield
    conf.update(saved)
    celery_app._pool = celery_app.amqp._producer_pool = None
