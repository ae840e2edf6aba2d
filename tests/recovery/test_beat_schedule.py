"""The beat schedule is what turns every sweep from code into recovery: a scheduled name
that no registered task answers to is a sweep that silently never runs. These tests check
the names, then run production's schedule (on one-second intervals) in a real `celery beat`
next to a real worker, after a Redis outage that lost work of every kind, and count what
reached the customers and the team.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.test import Client

from callback_form.models import CallbackRequest
from calls.models import Call
from lasso.celery import app
from messaging.models import Alert, Message
from tests.calls.helpers import CallFlow
from tests.conftest import TwilioClient, new_message_sid
from tests.integration.processes import CeleryWorker
from tests.integration.test_real_worker import wait_for_idle_queue
from tests.recovery.beat import CeleryBeat
from tests.waiting import wait_until


def unregistered(schedule: dict[str, dict]) -> list[str]:
    """The schedule entries whose task name no registered task answers to."""
    app.loader.import_default_modules()
    return [name for name, entry in schedule.items() if entry["task"] not in app.tasks]


def test_it_schedules_only_registered_tasks():
    assert settings.CELERY_BEAT_SCHEDULE
    assert unregistered(settings.CELERY_BEAT_SCHEDULE) == []


def test_it_notices_a_renamed_task():
    renamed = {
        **settings.CELERY_BEAT_SCHEDULE,
        "sweep-calls": {"task": "calls.tasks.sweep_undecided_calls", "schedule": 60.0},
    }
    assert unregistered(renamed) == ["sweep-calls"]


def test_it_schedules_every_sweep():
    app.loader.import_default_modules()
    sweeps = {name for name in app.tasks if name.rsplit(".", 1)[-1].startswith("sweep_")}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert sweeps and sweeps <= scheduled


# --- production's schedule in a real beat, after an outage ------------------------------------
CALLER = "+12125550177"
FORM_CALLER = "+14155550132"
REPLIER = "+13105550166"


@pytest.fixture
def parts(worker_env, private_redis, tmp_path):
    """The worker and beat, not yet started, on the private Redis and the test database."""
    env = worker_env
    worker = CeleryWorker(tmp_path / "worker.log", env, hostname=f"recovery-{os.getpid()}")
    beat = CeleryBeat(tmp_path / "beat.log", env, every=1.0)
    yield worker, beat
    beat.stop()
    worker.stop()
    if not private_redis.running:
        private_redis.start()


def lose_work_of_every_kind(tenant) -> dict[str, object]:
    """While Redis is down: a call whose <Dial> result never comes, a missed call, a
    customer's reply, and a callback form with the SMS box ticked. Every publish fails, so
    only the sweeps can finish the work."""
    to = str(tenant.number.phone_number)
    twilio = TwilioClient()
    hung_up = CallFlow(twilio=twilio, to=to, caller=CALLER)
    assert hung_up.incoming().status_code == 200
    assert hung_up.status("completed").status_code == 204

    missed = CallFlow(twilio=twilio, to=to, caller=REPLIER)
    missed.incoming()
    assert missed.dial_complete("no-answer").status_code == 200
    reply = twilio.post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": REPLIER,
            "To": to,
            "Body": "Kitchen sink is overflowing, can you come today?",
            "NumMedia": "0",
        },
    )
    assert reply.status_code == 200

    form = Client().post(
        f"/b/{tenant.business.slug}/request-callback/",
        {
            "name": "Dana Scully",
            "phone_number": FORM_CALLER,
            "details": "The boiler is leaking",
            "preferred_time": "",
            "website": "",
            "sms_consent": "on",
        },
    )
    assert form.status_code == 302

    # The outage lasted longer than every sweep's grace period.
    ago = timedelta(minutes=1)
    Call.objects.update(started_at=F("started_at") - ago, ended_at=F("ended_at") - ago)
    Message.objects.update(created_at=F("created_at") - ago)
    Alert.objects.update(created_at=F("created_at") - ago)
    CallbackRequest.objects.update(created_at=F("created_at") - ago)
    return {"hung_up": hung_up.sid}


@pytest.mark.slow
@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_it_finishes_the_work_an_outage_lost_once_each(tenant, parts, private_redis, stub):
    worker, beat = parts
    tenant.business.screening_enabled = False
    tenant.business.save(update_fields=["screening_enabled"])
    private_redis.stop()
    lost = lose_work_of_every_kind(tenant)
    assert Call.objects.get(call_sid=lost["hung_up"]).outcome == Call.Outcome.PENDING
    assert Message.objects.filter(kind=Message.Kind.TEXTBACK, enqueued_at__isnull=True).count() == 1
    assert Alert.objects.filter(notified_at__isnull=True).exists()
    assert CallbackRequest.objects.filter(processed_at__isnull=True).count() == 1

    private_redis.start()
    worker.start()
    beat.start()

    def recovered() -> bool:
        worker.fail_if_exited()
        beat.fail_if_exited()
        return (
            {r.to for r in stub.requests if r.succeeded} >= {CALLER, REPLIER, FORM_CALLER}
            and not Alert.objects.filter(notified_at__isnull=True).exists()
            and not CallbackRequest.objects.filter(processed_at__isnull=True).exists()
        )

    wait_until(recovered, timeout=60, message="beat's sweeps did not recover the lost work")
    # Two more rounds of every sweep: nothing is done twice.
    rounds = {name: beat.sent(name) for name in settings.CELERY_BEAT_SCHEDULE}
    wait_until(
        lambda: all(beat.sent(name) >= seen + 2 for name, seen in rounds.items()),
        timeout=30,
        message="beat stopped sending its schedule",
    )
    wait_for_idle_queue(private_redis)

    texts = {to: [r.body for r in stub.sent_to(to)] for to in (CALLER, REPLIER, FORM_CALLER)}
    assert [body[:25] for body in texts[CALLER]] == ["Sorry we missed your call"]
    assert [body[:25] for body in texts[REPLIER]] == ["Sorry we missed your call"]
    [confirmation] = texts[FORM_CALLER]
    assert confirmation.startswith("Thanks") and "Acme Plumbing" in confirmation
    call = Call.objects.get(call_sid=lost["hung_up"])
    assert (call.outcome, call.handed_off_at is not None) == (Call.Outcome.MISSED, True)
    assert "Unregistered task" not in worker.log_since_start()
