"""Operations checks: production settings pass `check --deploy`, migrations match the models, PostgreSQL plans
repeated statements once per connection unless told not to."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from events.models import Tour
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what the test sets: nothing a test runner put in the environment (such as an async override).
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment = {**inherited, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = dict(
    DJANGO_DEBUG="0",
    DJANGO_SECRET_KEY="k" * 20 + "-production-secret-" + "x9Qz" * 8,
    ALLOWED_HOSTS="citytour.example.org",
    CITYTOUR_SITE_URL="https://citytour.example.org",
)


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("site_url", ["", "http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]"])
def test_check_deploy_refuses_links_to_this_machine(site_url):
    result = manage("check", "--deploy", **{**PRODUCTION, "CITYTOUR_SITE_URL": site_url})
    assert result.returncode != 0
    assert "citytour.E001" in result.stderr and "emails and posters would link to this machine" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**environment, "DJANGO_DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_migrations_match_the_models():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "No changes detected"


@pytest.mark.django_db
def test_postgresql_plans_a_repeated_statement_once_per_connection():
    need(connection.vendor == "postgresql", "prepared statements are PostgreSQL's (set DATABASE_URL)")
    for _ in range(6):
        list(Tour.objects.filter(slug="the-same-statement"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [s for s in prepared if 'FROM "events_tour"' in s and '"events_tour"."slug" = $1' in s]


def test_prepared_statements_can_be_switched_off_for_a_pooler():
    show = "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS'].items()))"
    url = "postgres://citytour@db.example.org:5432/citytour"
    on = manage("shell", "-v", "0", "-c", show, DATABASE_URL=url)
    off = manage("shell", "-v", "0", "-c", show, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0")
    assert on.stdout.strip() == "[('prepare_threshold', 5), ('server_side_binding', True)]", on.stderr
    assert off.stdout.strip() == "[]", off.stderr


def test_the_redis_cache_keeps_one_client_and_reads_back_what_it_wrote():
    from citytour.cache import RedisCache
    from tests.conftest import redis_reachable

    url = os.environ.get("REDIS_URL", "")
    need(redis_reachable(url), "the Redis cache needs Redis (set REDIS_URL)")
    cache = RedisCache(url, {"KEY_PREFIX": f"citytour-test-{os.getpid()}"})
    try:
        cache.set("城市", {"name": "深圳"}, 30)
        assert cache.get("城市") == {"name": "深圳"}
        assert cache.add("城市-count", 1)
        assert not cache.add("城市-count", 5)
        assert cache.incr("城市-count") == 2
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
    finally:
        cache.delete_many(["城市", "城市-count"])
