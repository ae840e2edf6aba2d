"""Benchmark: the inbox page and the conversation messages API on a large business.

Builds its own database with one business holding 100,000 messages across 5,000
conversations, serves it with gunicorn, and times 200 requests of each over HTTP:

    .venv/bin/python bench/dashboard.py [--conversations 5000] [--messages 100000]
                                        [--requests 200] [--workers 2]

Needs PostgreSQL on 127.0.0.1:5432 with the `lasso` role (scripts/test sets it up).
Target: p95 at most 60 ms for both. Exits 0 when met, 1 when not, 2 when it could not start
(one line says why).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.waiting import free_port  # noqa: E402 - needs the repository on the path

# One database per run: two runs at once (another engineer, CI) never drop each other's.
DB_NAME = f"lasso_bench_dashboard_{os.getpid()}"
# The server of $DATABASE_URL (as bench/textback.py), its database name replaced per run.
PG = os.environ.get("DATABASE_URL", "postgres://lasso:lasso@127.0.0.1:5432/lasso").rsplit("/", 1)[0]
PASSWORD = "bench-password-1234"
TARGET_P95_MS = 60.0
STATIC_ROOT = Path(tempfile.gettempdir()) / f"lasso-bench-dashboard-static-{os.getpid()}"


def environment(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        # A fixed Fernet key: the bench stores no real Twilio tokens.
        "FIELD_ENCRYPTION_KEY": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LASSO_SMS_BACKEND": "console",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "lasso.settings",
        # Its own collected static files: collecting into the checkout's would pull files
        # from under a test suite or server running from it.
        "STATIC_ROOT": str(STATIC_ROOT),
    }


def recreate_database(*, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def seed(conversations: int, messages: int) -> tuple[str, str, str]:
    """Create the business and its data; returns (slug, owner email, a conversation id)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from messaging.models import Contact, Conversation
    from tenants.services import create_business

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    created = create_business(
        name="Bench Plumbing",
        number="+15005550006",
        forward_to="+14155550100",
        owner_email="owner@bench.test",
        password=PASSWORD,
    )
    business = created.business
    our_number = str(created.number.phone_number)
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(business=business, phone_number=f"+1212{i:07d}") for i in range(conversations)],
        batch_size=2000,
    )
    convs = Conversation.objects.bulk_create(
        [
            Conversation(
                business=business,
                contact=c,
                business_number=our_number,
                last_activity_at=now - timezone.timedelta(minutes=i),
                needs_reply=i % 3 == 0,
                unread_count=i % 4,
                # The conversation's copy of the ledger's state written below (rows made
                # here bypass consent.services.record_event, which keeps it in production).
                consent_state="opt_out" if i % 20 == 0 else None,
            )
            for i, c in enumerate(contacts)
        ],
        batch_size=2000,
    )
    insert_messages(business_id=business.pk, our_number=our_number, per=messages // conversations)
    # The ledger behind the inbox's opted-out filter: every contact texted in, 1 in 20 left.
    from consent.models import ConsentEvent

    events = [
        ConsentEvent(
            business=business,
            phone_number=c.phone_number,
            kind="inbound_text",
            channel="sms",
            occurred_at=now,
        )
        for c in contacts
    ] + [
        ConsentEvent(
            business=business,
            phone_number=c.phone_number,
            kind="opt_out",
            channel="sms",
            occurred_at=now,
            words="STOP",
        )
        for c in contacts[::20]
    ]
    ConsentEvent.objects.bulk_create(events, batch_size=5000)
    from bench.seeding import vacuum_analyze

    # Left to autovacuum, a million fresh rows are vacuumed a minute later, in the middle of
    # the timed requests (a core busy for tens of seconds, one page at ~1 s).
    vacuum_analyze()
    return business.slug, "owner@bench.test", str(convs[len(convs) // 2].public_id)


def insert_messages(*, business_id: int, our_number: str, per: int) -> None:
    """`per` messages in every conversation of the business (bench.seeding.insert_select)."""
    from bench.seeding import insert_select
    from messaging.models import Message

    insert_select(
        Message,
        {
            "business_id": "%(business)s",
            "conversation_id": "conv.id",
            "direction": "CASE WHEN mod(j, 2) = 0 THEN 'in' ELSE 'out' END",
            "kind": "CASE WHEN mod(j, 2) = 0 THEN 'inbound' ELSE 'reply' END",
            "body": "'Message ' || j || ' about the job at ' || conv.n || ' Main St.'",
            "from_number": "CASE WHEN mod(j, 2) = 0 THEN conv.phone ELSE %(ours)s END",
            "to_number": "CASE WHEN mod(j, 2) = 0 THEN %(ours)s ELSE conv.phone END",
            "status": "CASE WHEN mod(j, 2) = 0 THEN 'received' ELSE 'delivered' END",
            "twilio_sid": "'SM' || lpad(conv.n::text, 10, '0') || lpad(j::text, 22, '0')",
            "created_at": "now() - make_interval(mins => conv.n::int, secs => (%(per)s - j))",
        },
        """(
            SELECT c.id, ct.phone_number AS phone, row_number() OVER (ORDER BY c.id) - 1 AS n
            FROM messaging_conversation c JOIN messaging_contact ct ON ct.id = c.contact_id
            WHERE c.business_id = %(business)s
        ) AS conv
        CROSS JOIN generate_series(0, %(per)s - 1) AS j""",
        {"business": business_id, "ours": our_number, "per": per},
    )


def cookie_value(response: requests.Response, name: str) -> str:
    for header in response.raw.headers.getlist("Set-Cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    raise BenchFailed(f"no {name} cookie in the answer to {response.url} ({response.status_code})")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def time_requests(
    session: requests.Session, urls: list[str], headers: dict[str, str]
) -> list[float]:
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = session.get(url, headers=headers, timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise BenchFailed(f"GET {url} answered {response.status_code}: {response.text[:200]!r}")
    return timings


class BenchFailed(Exception):
    """The bench could not start or measure: one line for a person, exit 2."""


def wait_ready(base: str, server: subprocess.Popen[bytes], log_path: Path, deadline: float) -> None:
    """/healthz answering 200, however long gunicorn takes to load on a busy machine (each
    try may itself wait: a worker still importing answers late, not never)."""
    until = time.monotonic() + deadline
    last = "no answer"
    while time.monotonic() < until:
        if server.poll() is not None:
            raise BenchFailed(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            response = requests.get(base + "/healthz", timeout=10)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:100]}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.5)
    raise BenchFailed(
        f"gunicorn did not answer /healthz with 200 within {deadline:g} s (last: {last}); "
        f"see {log_path}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--startup-timeout",
        type=float,
        default=180.0,
        help="seconds gunicorn may take to answer /healthz (generous: the machine may be busy)",
    )
    args = parser.parse_args()
    if args.conversations < 1 or args.messages < args.conversations:
        parser.error("--messages must be at least --conversations, which must be at least 1")
    try:
        return run(args)
    except BenchFailed as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # anything unforeseen: still one line, not a traceback
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(f"bench: failed: {type(exc).__name__}: {first}", file=sys.stderr)
        return 2
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with contextlib.suppress(Exception):
            recreate_database(drop_only=True)
        shutil.rmtree(STATIC_ROOT, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    import psycopg

    port = free_port()
    env = environment(port)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        recreate_database()
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BenchFailed(f"PostgreSQL at {PG} cannot create {DB_NAME}: {first}") from exc
    started = time.perf_counter()
    try:
        slug, email, _ = seed(args.conversations, args.messages)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        raise BenchFailed(f"seeding failed: {type(exc).__name__}: {first[:300]}") from exc
    print(
        f"seeded {args.messages:,} messages in {args.conversations:,} conversations "
        f"in {time.perf_counter() - started:.1f}s",
        flush=True,
    )

    from messaging.models import Conversation

    conversation_ids = [str(c) for c in Conversation.objects.values_list("public_id", flat=True)]

    log_path = Path(tempfile.gettempdir()) / f"bench-dashboard-gunicorn-{port}.log"
    log = log_path.open("w")
    try:
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "lasso.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        raise BenchFailed(f"could not start gunicorn: {exc}") from exc
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server, log_path, args.startup_timeout)
        try:
            inbox, api = measure(args, base, email, slug, conversation_ids)
        except requests.RequestException as exc:
            raise BenchFailed(f"a request failed: {type(exc).__name__}: {exc}") from exc
        except (KeyError, ValueError) as exc:
            raise BenchFailed(f"an unexpected answer while signing in: {exc!r}") from exc
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    for name, timings in [("inbox page", inbox), ("conversation messages API", api)]:
        print(
            f"{name}: {len(timings)} requests, p50 {statistics.median(timings):.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms"
        )
    worst = max(percentile(inbox, 95), percentile(api, 95))
    print(f"target p95 <= {TARGET_P95_MS:g} ms: {'met' if worst <= TARGET_P95_MS else 'MISSED'}")
    return 0 if worst <= TARGET_P95_MS else 1


def measure(
    args: argparse.Namespace, base: str, email: str, slug: str, conversation_ids: list[str]
) -> tuple[list[float], list[float]]:
    session = requests.Session()
    login = session.get(base + "/accounts/login/", timeout=30)
    # Cookies are marked Secure (DEBUG is off), so requests will not keep them over
    # plain HTTP: read them from the headers and send them by hand.
    csrf = cookie_value(login, "csrftoken")
    response = session.post(
        base + "/accounts/login/",
        data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": base + "/accounts/login/", "Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=30,
    )
    cookie = f"sessionid={cookie_value(response, 'sessionid')}"
    token = session.post(
        base + "/api/v1/auth/token/", json={"email": email, "password": PASSWORD}, timeout=30
    ).json()["token"]

    rng = random.Random(7)
    shows = ["needs-reply", "all", "opted-out"]
    warm = [base + "/app/inbox/?show=all"] * 5
    time_requests(session, warm, {"Cookie": cookie})
    inbox = time_requests(
        session,
        [
            base + f"/app/inbox/?show={rng.choice(shows)}&page={rng.randint(1, 5)}"
            for _ in range(args.requests)
        ],
        {"Cookie": cookie},
    )
    api_urls = [
        base + f"/api/v1/businesses/{slug}/conversations/{rng.choice(conversation_ids)}/messages/"
        for _ in range(args.requests)
    ]
    api = time_requests(session, api_urls, {"Authorization": f"Bearer {token}"})
    return inbox, api


if __name__ == "__main__":
    sys.exit(main())
