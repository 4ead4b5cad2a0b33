#!/usr/bin/env python
"""Registration under load, against gunicorn on PostgreSQL.

Measures in one run: (a) requests per second and median latency of the registration POST with N concurrent
clients, (b) the same for a trivial Django view on the same server (/healthz), the floor, and (c) a race of many
clients for the last seats of a tier. Between the two it measures a signed-in floor: a POST from the same signed-in
clients, with the same form, to a view that only adds the registration's message and redirects to the tickets,
and a bare write: the same POST writing a registration's row and queueing its ticket with nothing checked, the
least any registration on this stack costs (bench/server_urls.py). The last line reads:

    registration: X req/s, Y× floor latency, oversold=Z

Run it as `python bench/registration.py` (from the project's virtualenv) with PostgreSQL reachable; it creates
and drops its own database. With Redis reachable, background tasks are queued there (on a queue of their own,
emptied afterwards), as in production; without it they run in the web process and the figures say so.
"""

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--requests", type=int, default=480, help="registrations in the throughput phase")
    parser.add_argument(
        "--floor-requests",
        type=int,
        default=4800,
        help="requests to the floor view (default 4800: it answers about ten times faster, so its phase lasts "
        "about as long as the registrations' and one stall of the machine does not swing it)",
    )
    parser.add_argument(
        "--signed-in-requests",
        type=int,
        default=1440,
        help="requests to the signed-in floor (default 1440: about three times cheaper than a registration)",
    )
    parser.add_argument(
        "--bare-requests",
        type=int,
        default=960,
        help="requests to the bare write (default 960: about twice as cheap as a registration)",
    )
    parser.add_argument(
        "--registered",
        type=int,
        default=0,
        help="people registered for the event before the registrations are measured (default 0; a summit's "
        "rush comes after thousands)",
    )
    parser.add_argument("--race", type=int, default=50, help="clients racing for the last seats")
    parser.add_argument("--seats", type=int, default=5, help="seats left in the race")
    # The deployment's own server (README, Deploying): four sync workers, which on two cores also served the most
    # registrations per second of the layouts tried (2×8, 4×4, 8×2 threads; 8 and 16 sync workers).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (default 1: sync workers)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    return parser.parse_args()


def reachable(url: str, default_port: int) -> bool:
    parsed = urllib.parse.urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def recreate_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Client:
    """One client that records each request's latency. Each request comes on a connection of its own, as a
    reverse proxy (nginx by default) forwards them, so that gunicorn spreads the requests over its workers;
    kept-alive connections would stay with the worker that accepted them and load one more than the other."""

    def __init__(self, port: int):
        self.port = port
        self.latencies: list[float] = []
        self.statuses: list[int] = []

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None) -> int:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers={**(headers or {}), "Connection": "close"})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        self.latencies.append(time.perf_counter() - started)
        self.statuses.append(response.status)
        return response.status


def run_clients(count: int, work) -> tuple[list[Client], float]:
    """Start ``count`` threads at once, each running ``work(index, client)``; return clients and wall time."""
    clients = [None] * count
    barrier = threading.Barrier(count + 1)

    def run(index):
        client = Client(PORT)
        clients[index] = client
        barrier.wait()
        work(index, client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return clients, time.perf_counter() - started


class Phase:
    """One measured phase: its clients run ``work`` at once; requests per second, median latency, statuses and
    the server's CPU while it ran."""

    def __init__(self, meter, count: int, work):
        before = meter.snapshot()
        clients, wall = run_clients(count, work)
        self.cpu = meter.used(before, meter.snapshot()) if before else {}
        latencies = [latency for client in clients for latency in client.latencies]
        self.count = len(latencies)
        self.rps = self.count / wall
        self.median = statistics.median(latencies)
        self.statuses = [status for client in clients for status in client.statuses]


class CpuMeter:
    """CPU time used by the server's processes: the gunicorn workers, and the PostgreSQL backends serving the
    bench's database. Read from /proc (Linux); elsewhere it measures nothing and the figures say so."""

    def __init__(self, server_pid: int, database: str, postgres: str):
        self.server_pid = server_pid
        self.database = database
        self.postgres = postgres
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = Path("/proc/self/stat").exists()

    @staticmethod
    def _stat(pid: int) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[1]), int(fields[11]) + int(fields[12])  # parent, user + system ticks

    def _workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = self._stat(int(entry.name))
                if stat and stat[0] == self.server_pid:
                    pids.append(int(entry.name))
        return [self.server_pid, *pids]

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.postgres + "/postgres", autocommit=True) as connection:
            rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
            return [pid for (pid,) in rows]

    def snapshot(self) -> dict[str, dict[int, float]]:
        if not self.available:
            return {}
        taken = {}
        for part, pids in (("web", self._workers()), ("postgres", self._backends())):
            taken[part] = {pid: stat[1] / self.tick for pid in pids if (stat := self._stat(pid))}
        return taken

    def used(self, before: dict, after: dict) -> dict[str, float]:
        """Seconds of CPU per part between two snapshots (a process started in between counts from zero)."""
        return {
            part: sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items()) for part in after
        }


def cpu_figure(used: dict[str, float], count: int) -> str:
    if not used:
        return "CPU not measured (no /proc)"
    web, database = used["web"] / count * 1000, used["postgres"] / count * 1000
    return f"{web + database:.1f} ms of CPU per request (web {web:.1f}, PostgreSQL {database:.1f})"


def setup_data(total_users: int, seats: int):
    """An event with room for everyone, one with ``seats`` seats left, one to warm the server up with, and a
    logged-in session per user."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    # The server's own session engine (cached_db with Redis), so a session is where a fresh log-in puts it.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    from events.models import EventStatus, TicketTier
    from tests.factories import UpcomingEventFactory  # registration is open until an event ends

    big = UpcomingEventFactory(
        capacity=100_000, venue__capacity=100_000, status=EventStatus.PUBLISHED, slug="big", tour__slug="bench"
    )
    big_tier = TicketTier.objects.create(event=big, name="普通票", quota=100_000)
    race = UpcomingEventFactory(
        tour=big.tour, capacity=1000, venue__capacity=1000, status=EventStatus.PUBLISHED, slug="race"
    )
    race_tier = TicketTier.objects.create(event=race, name="最后几张", quota=seats)
    warmup = UpcomingEventFactory(
        tour=big.tour, capacity=1000, venue__capacity=1000, status=EventStatus.PUBLISHED, slug="warm"
    )
    warmup_tier = TicketTier.objects.create(event=warmup, name="普通票", quota=1000)
    bare = UpcomingEventFactory(
        tour=big.tour, capacity=100_000, venue__capacity=100_000, status=EventStatus.PUBLISHED, slug="bare"
    )
    bare_tier = TicketTier.objects.create(event=bare, name="普通票", quota=100_000)
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench{i}@example.org", email=f"bench{i}@example.org", first_name=f"压测{i}")
        for i in range(total_users)
    )
    sessions = []
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_update(users, ["password"])
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return (big, big_tier), (race, race_tier), (warmup, warmup_tier), bare_tier, sessions


def already_registered(tier, count: int) -> None:
    """``count`` people registered for the tier's event, as a list imported or a rush already under way leaves
    them (the database vacuumed and analysed afterwards, as its autovacuum would)."""
    from django.db import connection
    from django.utils import timezone

    from events.models import Registration

    now = timezone.now()
    Registration.objects.bulk_create(
        (
            Registration(
                event_id=tier.event_id,
                tier=tier,
                email=f"earlier{i}@example.org",
                name=f"早到{i}",
                phone="13800000000",
                privacy_accepted_at=now,
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def registration_post(tier, session: str, index: int) -> tuple[str, dict]:
    token = secrets.token_hex(16)  # a CSRF secret of our own: cookie and form field must match
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "tier": tier.pk,
            "name": f"压测{index}",
            "phone": "13800000000",
            "privacy": "on",
        }
    )
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={token}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Host": "127.0.0.1",
    }
    return body, headers


PORT = 8765
SIGNED_IN_PATH = "/bench/signed-in/"
BARE_PATH = "/bench/bare-write/"


def main():
    global PORT
    args = parse_args()
    PORT = args.port
    if not reachable(args.postgres, 5432):
        sys.exit(f"PostgreSQL is not reachable at {args.postgres}")
    name = f"citytour_bench_{os.getpid()}"
    database_url = recreate_database(args.postgres, name)
    static_root = tempfile.mkdtemp(prefix="citytour-bench-static-")
    use_redis = reachable(args.redis, 6379)
    queue = f"citytour-bench-{os.getpid()}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_BEHIND_PROXY": "0",
        "CITYTOUR_STATIC_ROOT": static_root,
        "CITYTOUR_MEDIA_ROOT": tempfile.mkdtemp(prefix="citytour-bench-media-"),
        "CITYTOUR_PRIVATE_MEDIA_ROOT": tempfile.mkdtemp(prefix="citytour-bench-private-"),
        "CITYTOUR_CELERY_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
    }
    if use_redis:
        environment["REDIS_URL"] = args.redis
    else:
        environment.pop("REDIS_URL", None)
    os.environ.update(environment)
    if not use_redis:
        os.environ.pop("REDIS_URL", None)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citytour.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    server = None
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        warm_per_client = 4
        total = max(args.requests, args.bare_requests) + args.race + args.clients * warm_per_client
        (big, big_tier), (race, race_tier), (warmup, warmup_tier), bare_tier, sessions = setup_data(total, args.seats)
        already_registered(big_tier, args.registered)
        connections.close_all()

        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "citytour.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread" if args.threads > 1 else "sync",
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            # The product's settings and URLs, and the signed-in floor's view.
            env={**environment, "DJANGO_SETTINGS_MODULE": "bench.server_settings"},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if Client(PORT).request("GET", "/healthz", headers={"Host": "127.0.0.1"}) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)

        per_client = args.requests // args.clients

        warm_path = f"/tours/{warmup.tour.slug}/{warmup.slug}/register/"

        def warm(index, client):
            # Every path through every worker (imports, translations, connections, prepared statements)
            # before anything is measured, so that neither phase pays for the server's start.
            for _ in range(20):
                client.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            for _ in range(warm_per_client):
                body, headers = registration_post(warmup_tier, sessions[index], index)
                client.request("POST", SIGNED_IN_PATH, body=body, headers=headers)
            for k in range(warm_per_client):
                n = total - args.clients * warm_per_client + index * warm_per_client + k
                body, headers = registration_post(warmup_tier, sessions[n], n)
                client.request("POST", warm_path, body=body, headers=headers)
                body, headers = registration_post(bare_tier, sessions[n], n)
                client.request("POST", BARE_PATH, body=body, headers=headers)

        run_clients(args.clients, warm)
        meter = CpuMeter(server.pid, name, args.postgres)

        def floor(index, client):
            for _ in range(args.floor_requests // args.clients):
                client.request("GET", "/healthz", headers={"Host": "127.0.0.1"})

        floor_phase = Phase(meter, args.clients, floor)

        def signed_in(index, client):
            per_signed_in = args.signed_in_requests // args.clients
            for k in range(per_signed_in):
                n = (index * per_signed_in + k) % len(sessions)
                body, headers = registration_post(big_tier, sessions[n], n)
                client.request("POST", SIGNED_IN_PATH, body=body, headers=headers)

        signed_phase = Phase(meter, args.clients, signed_in)

        def bare_write(index, client):
            per_bare = args.bare_requests // args.clients
            for k in range(per_bare):
                n = index * per_bare + k
                body, headers = registration_post(bare_tier, sessions[n], n)
                client.request("POST", BARE_PATH, body=body, headers=headers)

        bare_phase = Phase(meter, args.clients, bare_write)

        register_path = f"/tours/{big.tour.slug}/{big.slug}/register/"

        def register(index, client):
            for k in range(per_client):
                n = index * per_client + k
                body, headers = registration_post(big_tier, sessions[n], n)
                client.request("POST", register_path, body=body, headers=headers)

        reg_phase = Phase(meter, args.clients, register)

        race_path = f"/tours/{race.tour.slug}/{race.slug}/register/"

        def race_for_seats(index, client):
            n = max(args.requests, args.bare_requests) + index
            body, headers = registration_post(race_tier, sessions[n], n)
            client.request("POST", race_path, body=body, headers=headers)

        run_clients(args.race, race_for_seats)
        from events.models import Registration

        sold = Registration.objects.filter(tier=race_tier, status="confirmed").count()
        registered_big = Registration.objects.filter(tier=big_tier, status="confirmed").count() - args.registered
        connections.close_all()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if use_redis:
            import redis

            redis.Redis.from_url(args.redis).delete(queue)
        drop_database(args.postgres, name)

    floor, signed, bare, reg = floor_phase, signed_phase, bare_phase, reg_phase
    signed_ok, bare_ok, ok = signed.statuses.count(302), bare.statuses.count(302), reg.statuses.count(302)
    if signed_ok != signed.count:
        sys.exit(f"the signed-in floor refused requests: {signed_ok} of {signed.count} redirected")
    if bare_ok != bare.count:
        sys.exit(f"the bare write refused requests: {bare_ok} of {bare.count} redirected")
    if ok != reg.count or registered_big != reg.count or sold == 0:
        # Figures of refused requests would measure the wrong thing: say so, and fail.
        sys.exit(
            f"the registrations did not go through: {ok} of {reg.count} redirected, {registered_big} rows, "
            f"{sold} sold in the race"
        )
    tasks = f"tasks queued on Redis ({queue})" if use_redis else "tasks run in the web process (no Redis)"
    layout = f"{args.workers} sync workers" if args.threads == 1 else f"{args.workers} workers × {args.threads} threads"
    print(f"server: gunicorn, {layout}, PostgreSQL; {tasks}")
    print(
        f"floor (GET /healthz): {floor.count} requests, {args.clients} clients, {floor.rps:.0f} req/s, "
        f"median {floor.median * 1000:.2f} ms; {cpu_figure(floor.cpu, floor.count)}"
    )
    print(
        f"signed-in floor (POST {SIGNED_IN_PATH}: session, account, CSRF, message, redirect): {signed.count} "
        f"requests, {args.clients} clients, {signed.rps:.0f} req/s, median {signed.median * 1000:.2f} ms "
        f"({signed.median / floor.median:.1f}× floor); {cpu_figure(signed.cpu, signed.count)}"
    )
    print(
        f"bare write (POST {BARE_PATH}: the signed-in floor, one row written and its ticket queued, nothing "
        f"checked): {bare.count} requests, {args.clients} clients, {bare.rps:.0f} req/s, median "
        f"{bare.median * 1000:.2f} ms ({bare.median / floor.median:.1f}× floor); {cpu_figure(bare.cpu, bare.count)}"
    )
    print(
        f"registration (POST register): {reg.count} requests, {args.clients} clients, {reg.rps:.0f} req/s, "
        f"median {reg.median * 1000:.2f} ms, {ok} redirected to the tickets page, {registered_big} rows"
        f"{f' after {args.registered} registered' if args.registered else ''}; "
        f"{cpu_figure(reg.cpu, reg.count)}; {reg.median / signed.median:.1f}× the signed-in floor"
    )
    print(f"race: {args.race} clients for the last {args.seats} seats, {sold} sold")
    print(
        f"registration: {reg.rps:.0f} req/s, {reg.median / floor.median:.1f}× floor latency, "
        f"oversold={max(0, sold - args.seats)}"
    )


if __name__ == "__main__":
    main()
