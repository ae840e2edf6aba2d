"""Benchmark: the inbox page and the conversation messages API on a large business.

Builds its own database with one business holding 100,000 messages across 5,000
conversations, serves it with gunicorn, and times 200 requests of each over HTTP:

    .venv/bin/python bench/dashboard.py [--conversations 5000] [--messages 100000]
                                        [--requests 200] [--workers 2]

Needs PostgreSQL on 127.0.0.1:5432 with the `lasso` role (scripts/test sets it up).
Target: p95 under 100 ms for both.
"""

from __future__ import annotations

import argparse
import os
import random
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

DB_NAME = "lasso_bench_dashboard"
PG = "postgres://lasso:lasso@127.0.0.1:5432"
PASSWORD = "bench-password-1234"


def environment(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LASSO_SMS_BACKEND": "console",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "lasso.settings",
    }


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def seed(conversations: int, messages: int) -> tuple[str, str, str]:
    """Create the business and its data; returns (slug, owner email, a conversation id)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from messaging.models import Contact, Conversation, Message
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
            )
            for i, c in enumerate(contacts)
        ],
        batch_size=2000,
    )
    per = messages // conversations
    batch: list[Message] = []
    for n, conv in enumerate(convs):
        for j in range(per):
            inbound = j % 2 == 0
            batch.append(
                Message(
                    business=business,
                    conversation=conv,
                    direction="in" if inbound else "out",
                    kind="inbound" if inbound else "reply",
                    body=f"Message {j} about the job at {n} Main St.",
                    from_number=conv.contact.phone_number if inbound else our_number,
                    to_number=our_number if inbound else conv.contact.phone_number,
                    status="received" if inbound else "delivered",
                    twilio_sid=f"SM{n:010d}{j:022d}",
                    created_at=now - timezone.timedelta(minutes=n, seconds=per - j),
                )
            )
        if len(batch) >= 10_000:
            Message.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Message.objects.bulk_create(batch, batch_size=5000)
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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return business.slug, "owner@bench.test", str(convs[len(convs) // 2].public_id)


def cookie_value(response: requests.Response, name: str) -> str:
    for header in response.raw.headers.getlist("Set-Cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    raise SystemExit(f"no {name} cookie in the answer to {response.url} ({response.status_code})")


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
            raise SystemExit(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    port = free_port()
    env = environment(port)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    recreate_database()
    started = time.perf_counter()
    slug, email, _ = seed(args.conversations, args.messages)
    print(
        f"seeded {args.messages:,} messages in {args.conversations:,} conversations "
        f"in {time.perf_counter() - started:.1f}s"
    )

    from messaging.models import Conversation

    conversation_ids = [str(c) for c in Conversation.objects.values_list("public_id", flat=True)]

    log_path = Path(tempfile.gettempdir()) / f"bench-dashboard-gunicorn-{port}.log"
    log = log_path.open("w")
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
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        session = requests.Session()
        login = session.get(base + "/accounts/login/", timeout=10)
        # Cookies are marked Secure (DEBUG is off), so requests will not keep them over
        # plain HTTP: read them from the headers and send them by hand.
        csrf = cookie_value(login, "csrftoken")
        response = session.post(
            base + "/accounts/login/",
            data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={"Referer": base + "/accounts/login/", "Cookie": f"csrftoken={csrf}"},
            allow_redirects=False,
            timeout=10,
        )
        cookie = f"sessionid={cookie_value(response, 'sessionid')}"
        token = session.post(
            base + "/api/v1/auth/token/", json={"email": email, "password": PASSWORD}, timeout=10
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
            base
            + f"/api/v1/businesses/{slug}/conversations/{rng.choice(conversation_ids)}/messages/"
            for _ in range(args.requests)
        ]
        api = time_requests(session, api_urls, {"Authorization": f"Bearer {token}"})
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()

    for name, timings in [("inbox page", inbox), ("conversation messages API", api)]:
        print(
            f"{name}: {len(timings)} requests, p50 {statistics.median(timings):.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms"
        )
    worst = max(percentile(inbox, 95), percentile(api, 95))
    print(f"target p95 < 100 ms: {'met' if worst < 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
