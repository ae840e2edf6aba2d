"""An outage as an operator would see it, with every part real and private to this module:
a PostgreSQL of its own (stopped mid-run), a Redis of its own (stopped too, its data kept
on disk as production keeps it), gunicorn serving Lasso, a Celery worker, and the real
`twilio` SDK talking to the recording stub. This test plays Twilio: it posts signed
webhooks to gunicorn over HTTP, gives up on an answer after 2 s, and turns to the number's
VoiceFallbackUrl (as Lasso configured it at "Twilio") when the voice URL fails.

What a caller and a business would notice:
- with PostgreSQL down, every call still gets a <Dial> to the business within 2 s;
- with Redis down as well, the fallback URL still rings the business;
- once both are back, every call of the outage is recorded once, and each missed one is
  texted once (fresh) or queued for a callback (stale, or answered by who knows whom).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import new_call_sid, twilio_signature
from tests.integration.processes import (
    REPO,
    PostgresServer,
    Process,
    RedisServer,
    port_open,
)
from tests.integration.test_real_worker import point_celery_at
from tests.twilio_stub import TwilioStub
from tests.waiting import free_port, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.real_worker,
    pytest.mark.xdist_group("outage"),
]

LINE = "+14155550100"  # the Lasso number
BUSINESS_PHONE = "+13125550100"  # where Lasso rings the business
DIAL_WITHIN = 2.0  # seconds: what this test, playing Twilio, waits for an answer
CALLERS = {
    "no-answer": "+12125550121",
    "accepted": "+12125550122",
    "voicemail box": "+12125550123",
    "fallback": "+12125550124",
    "stale": "+12125550125",
}


class PersistentRedis(RedisServer):
    """A private Redis that keeps its data on disk (append-only file), as production's does,
    so a restart loses nothing."""

    def __init__(self, log_path: Path, data: Path) -> None:
        super().__init__(log_path)
        self.data = data

    def start(self) -> None:
        self.spawn(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.data),
            ]
        )
        wait_until(self._answers, timeout=10, message="private redis-server did not start")

    def _answers(self) -> bool:
        self.fail_if_exited()
        try:
            return bool(self.client().ping())
        except Exception:
            return False


class Gunicorn(Process):
    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        super().__init__("gunicorn", log_path)
        self.env = env
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.spawn(
            [
                str(gunicorn),
                "lasso.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "30",
            ],
            env=self.env,
        )

        def listening() -> bool:
            self.fail_if_exited()
            return port_open(self.port)

        wait_until(listening, timeout=30, message="gunicorn did not start", interval=0.1)


@pytest.fixture(scope="module")
def outage_env(tmp_path_factory, twilio_stub_server: TwilioStub):
    """Private PostgreSQL (migrated) and Redis, gunicorn and a worker on them."""
    logs = tmp_path_factory.mktemp("outage")
    pg = PostgresServer(logs / "postgres.log")
    redis_server = PersistentRedis(logs / "redis.log", tmp_path_factory.mktemp("redis-data"))
    started: list[Process] = []
    try:
        pg.start()
        started.append(pg)
        redis_server.start()
        started.append(redis_server)
        env = {
            **os.environ,
            "DATABASE_URL": pg.url,
            "REDIS_URL": redis_server.url,
            "LASSO_SMS_BACKEND": "twilio",
            "TWILIO_API_BASE_URL": twilio_stub_server.url,
            "ALLOWED_HOSTS": "127.0.0.1,testserver,localhost",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True
        )
        web = Gunicorn(logs / "gunicorn.log", env)
        web.start()
        started.append(web)
        from tests.integration.processes import CeleryWorker

        worker = CeleryWorker(logs / "worker.log", env, hostname=f"outage-{os.getpid()}")
        worker.start()
        started.append(worker)
        from lasso.celery import app

        previous = app.conf.broker_url
        point_celery_at(redis_server.url)
        yield {"pg": pg, "redis": redis_server, "web": web, "worker": worker, "env": env}
        point_celery_at(previous)
    finally:
        for process in reversed(started):
            process.stop()
        pg.remove()


class Twilio:
    """Plays Twilio against gunicorn: signed POSTs, a 2 s patience, the fallback on error."""

    def __init__(self, web: Gunicorn, fallback: str) -> None:
        self.web = web
        self.fallback = fallback  # path and query of the number's VoiceFallbackUrl
        self.dial_seconds: list[float] = []

    def post(self, path: str, params: dict[str, str]) -> requests.Response:
        return requests.post(
            self.web.url + path,
            data=params,
            headers={"X-Twilio-Signature": twilio_signature(path, params)},
            timeout=DIAL_WITHIN,
        )

    def call(self, caller: str) -> tuple[str, ET.Element]:
        """A call arrives: the voice URL, or the fallback URL when that fails. Returns the
        CallSid and the TwiML the caller got."""
        sid = new_call_sid()
        params = {"CallSid": sid, "From": caller, "To": LINE, "CallStatus": "ringing"}
        started = time.monotonic()
        response = self.post("/webhooks/twilio/voice/incoming/", params)
        if response.status_code != 200:
            response = self.post(self.fallback, {**params, "ErrorCode": "11200"})
        self.dial_seconds.append(time.monotonic() - started)
        assert response.status_code == 200, response.text
        return sid, ET.fromstring(response.content)

    def follow(self, url: str, params: dict[str, str]) -> requests.Response:
        """A follow-up URL from TwiML (its overrides fragment never leaves Twilio)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.post(path, params)


def rings_the_business(root: ET.Element) -> ET.Element:
    dial = root.find("Dial")
    assert dial is not None, ET.tostring(root)
    assert dial.find("Number").text == BUSINESS_PHONE
    return dial


def sql(pg: PostgresServer, query: str, *args: object) -> list[tuple]:
    with pg.connect() as conn:
        cursor = conn.execute(query, args)
        return cursor.fetchall() if cursor.description else []


def publish(task_name: str) -> None:
    from lasso.celery import app

    app.send_task(task_name)


def redis_has_routing(redis_server: RedisServer) -> bool:
    return any(redis_server.client().scan_iter(f"*lasso:routing:{LINE}"))


def record_twilio_call(stub, *, sid: str, caller: str, start: datetime, leg: str) -> None:
    """What Twilio's Calls list holds for a forwarded call: the caller's leg and the one
    that rang the business."""
    stub.add_call(sid=sid, to=LINE, from_=caller, status="completed", start_time=start, duration=45)
    stub.add_call(
        sid=new_call_sid(),
        parent_sid=sid,
        to=BUSINESS_PHONE,
        from_=caller,
        status=leg,
        direction="outbound-dial",
        start_time=start,
        duration=30 if leg == "completed" else 0,
    )


def test_calls_ring_through_the_outage_and_none_is_lost_after_it(outage_env, stub):
    pg, redis_server, web = outage_env["pg"], outage_env["redis"], outage_env["web"]
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create_business",
            "--name",
            "Acme Plumbing",
            "--number",
            LINE,
            "--forward-to",
            BUSINESS_PHONE,
            "--owner-email",
            "owner@acme.example",
        ],
        cwd=REPO,
        env=outage_env["env"],
        check=True,
        capture_output=True,
    )
    stub.add_number(LINE)
    # The scheduler's minute: the routing into Redis, the number configured at "Twilio".
    publish("calls.tasks.sync_numbers")
    wait_until(lambda: redis_has_routing(redis_server), timeout=20, message="no cached routing")
    config = wait_until(
        lambda: stub.number_config(LINE).get("VoiceFallbackUrl"),
        timeout=20,
        message="the number was never configured",
    )
    fallback = urlsplit(config)
    twilio = Twilio(web, f"{fallback.path}?{fallback.query}")

    # All is well: the call is answered from the routing cache, recorded by the queue's
    # drain in the worker just after, and, missed, texted once from the drain's threads.
    sid, root = twilio.call("+12125550120")
    dial = rings_the_business(root)
    wait_until(
        lambda: sql(pg, "SELECT count(*) FROM calls_call WHERE call_sid = %s", sid) == [(1,)],
        timeout=20,
        message="the call was never recorded",
        interval=0.05,
    )
    missed = twilio.follow(
        dial.get("action"),
        {"CallSid": sid, "From": "+12125550120", "To": LINE, "DialCallStatus": "no-answer"},
    )
    assert "Sorry we missed your call" in missed.text
    stub.wait_for(1, to="+12125550120", timeout=20)
    assert sql(pg, "SELECT outcome FROM calls_call WHERE call_sid = %s", sid) == [("missed",)]
    up_seconds = twilio.dial_seconds.pop()
    # The scheduler last reached the database twenty minutes ago: the outage began then.
    sql(
        pg,
        "INSERT INTO calls_checkpoint (name, at) VALUES ('scheduler', %s)",
        datetime.now(UTC) - timedelta(minutes=20),
    )

    # --- PostgreSQL goes away ----------------------------------------------------------------
    pg.stop()
    health = requests.get(web.url + "/healthz", timeout=5)
    assert (health.status_code, health.json()["database"]) == (503, "down")
    sids: dict[str, str] = {}
    for name in ("no-answer", "accepted", "voicemail box"):
        sids[name], root = twilio.call(CALLERS[name])
        dial = rings_the_business(root)
        screen_url = dial.find("Number").get("url")
        leg = {"CallSid": new_call_sid(), "ParentCallSid": sids[name], "CallStatus": "in-progress"}
        whisper = ET.fromstring(twilio.follow(screen_url, leg).content)
        assert "Acme Plumbing" in whisper.find("Gather").find("Say").text
        if name == "accepted":
            assert twilio.follow(screen_url, {**leg, "Digits": "1"}).status_code == 200
        dial_status = "no-answer" if name == "no-answer" else "completed"
        after = twilio.follow(
            dial.get("action"),
            {
                "CallSid": sids[name],
                "From": CALLERS[name],
                "To": LINE,
                "DialCallStatus": dial_status,
            },
        )
        assert after.status_code == 200
        status = twilio.post(
            "/webhooks/twilio/voice/status/",
            {"CallSid": sids[name], "From": CALLERS[name], "To": LINE, "CallStatus": "completed"},
        )
        assert status.status_code == 503  # Twilio retries; reconciliation covers the rest

    # --- Redis goes away too: the fallback URL still rings the business -----------------------
    redis_server.stop()
    sids["fallback"], root = twilio.call(CALLERS["fallback"])
    dial = rings_the_business(root)
    unanswered = twilio.follow(
        dial.get("action"),
        {"CallSid": sids["fallback"], "To": LINE, "DialCallStatus": "no-answer"},
    )
    assert "Sorry we missed your call" in unanswered.text
    outage_seconds = list(twilio.dial_seconds)

    # What Twilio's records hold for the outage, including a call from its first minutes.
    now = datetime.now(UTC)
    legs = {"no-answer": "no-answer", "accepted": "completed", "voicemail box": "completed"}
    legs["fallback"] = "no-answer"
    for name, leg in legs.items():
        record_twilio_call(stub, sid=sids[name], caller=CALLERS[name], start=now, leg=leg)
    sids["stale"] = new_call_sid()
    record_twilio_call(
        stub,
        sid=sids["stale"],
        caller=CALLERS["stale"],
        start=now - timedelta(minutes=18),
        leg="busy",
    )

    # --- both come back; the scheduler's minute reconciles ------------------------------------
    pg.start()
    redis_server.start()
    publish("calls.tasks.reconcile_outages")
    wait_until(
        lambda: sql(pg, "SELECT 1 FROM calls_outage WHERE reconciled_at IS NOT NULL"),
        timeout=30,
        message="the outage was never reconciled",
        interval=0.2,
    )
    for name in ("no-answer", "fallback"):
        stub.wait_for(1, to=CALLERS[name], timeout=20)
    publish("calls.tasks.reconcile_outages")  # a second run finds nothing more to do
    wait_until(redis_server.queue_is_idle, timeout=30, message="tasks left running", interval=0.1)

    rows = sql(
        pg,
        "SELECT call_sid, outcome, recorded_from FROM calls_call WHERE call_sid = ANY(%s)",
        list(sids.values()),
    )
    by_sid = {sid: (outcome, recorded_from) for sid, outcome, recorded_from in rows}
    assert len(rows) == len(sids)  # each recorded, once
    assert {name: by_sid[sid] for name, sid in sids.items()} == {
        "no-answer": ("missed", "reconciled"),
        "accepted": ("answered", "reconciled"),
        "voicemail box": ("missed", "reconciled"),
        "fallback": ("missed", "reconciled"),
        "stale": ("missed", "reconciled"),
    }
    texts = {name: len(stub.sent_to(caller)) for name, caller in CALLERS.items()}
    assert len(stub.sent_to("+12125550120")) == 1
    assert texts == {
        "no-answer": 1,
        "accepted": 0,
        "voicemail box": 0,
        "fallback": 1,
        "stale": 0,
    }
    queue = dict(sql(pg, "SELECT phone_number, source FROM callback_form_callbackrequest"))
    assert queue == {
        CALLERS["voicemail box"]: "outage_unverified",
        CALLERS["stale"]: "textback_expired",
    }
    print(  # noqa: T201 - the measurement, shown with -s
        f"\n<Dial> answered in {up_seconds * 1000:.0f} ms with PostgreSQL up; with it down: "
        + ", ".join(f"{s * 1000:.0f} ms" for s in outage_seconds[:-1])
        + f"; with Redis down too, through the fallback URL: {outage_seconds[-1] * 1000:.0f} ms"
    )
