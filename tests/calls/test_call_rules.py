"""Rules that must not drop a real caller nor mix businesses: what counts as a repeat call,
when a call with no <Dial> result is called missed, numbers with nothing to ring, callers
from number ranges the metadata does not know yet, the forwarding line, and a CallSid that
shows up for another line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call
from calls.services import _caller_facts, sweep_undecided_and_unhanded
from calls.tasks import settle_call
from messaging.models import Message
from tenants.models import BlockedNumber, TwilioNumber
from tests.api.conftest import api_client, business_url
from tests.calls.helpers import VOICE, CallFlow, Recording
from tests.conftest import CALLER
from tests.factories import TwilioNumberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.content
    return ET.fromstring(response.content)


def the_call(flow: CallFlow) -> Call:
    return Call.objects.get(call_sid=flow.sid)


def missed(tenant, twilio, run_on_commit, caller: str = CALLER) -> CallFlow:
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    return flow


# --- repeat calls: only after a text-back that was actually sent ----------------------------
@pytest.mark.parametrize(
    ("status", "repeat"),
    [
        ("pending", True),
        ("sending", True),
        ("queued", True),
        ("sent", True),
        ("delivered", True),
        ("undelivered", True),
        ("unknown", True),
        ("canceled", False),
        ("expired", False),
        ("failed", False),
    ],
)
def test_it_calls_a_call_a_repeat_only_after_a_text_back_that_went_out(
    tenant, twilio, run_on_commit, status, repeat
):
    first = missed(tenant, twilio, run_on_commit)
    Message.objects.filter(call=the_call(first), kind="textback").update(status=status)
    second = missed(tenant, twilio, run_on_commit)
    assert the_call(second).is_repeat is repeat


def test_it_does_not_call_a_repeat_after_a_refused_text_back(
    tenant, twilio, run_on_commit, text_in
):
    text_in("STOP")
    first = missed(tenant, twilio, run_on_commit)
    assert Message.objects.get(call=the_call(first), kind="textback").status == "canceled"
    second = missed(tenant, twilio, run_on_commit)
    assert the_call(second).is_repeat is False


def test_it_does_not_call_a_repeat_after_a_skipped_call(tenant, twilio, run_on_commit):
    blocked = BlockedNumber.objects.create(business=tenant.business, phone_number=CALLER)
    first = missed(tenant, twilio, run_on_commit)
    assert the_call(first).outcome == "skipped"
    blocked.delete()
    second = missed(tenant, twilio, run_on_commit)
    assert (the_call(second).outcome, the_call(second).is_repeat) == ("missed", False)


def test_it_does_not_call_a_repeat_after_another_business_text_back(
    tenant, other_tenant, twilio, run_on_commit
):
    missed(other_tenant, twilio, run_on_commit)
    second = missed(tenant, twilio, run_on_commit)
    assert the_call(second).is_repeat is False


def test_it_does_not_call_a_repeat_after_a_text_back_before_the_cooldown(
    tenant, twilio, run_on_commit
):
    first = missed(tenant, twilio, run_on_commit)
    Call.objects.filter(call_sid=first.sid).update(
        started_at=timezone.now() - timedelta(hours=tenant.business.textback_cooldown_hours + 1)
    )
    second = missed(tenant, twilio, run_on_commit)
    assert the_call(second).is_repeat is False


def test_it_keeps_the_caller_facts_one_query(
    tenant, twilio, run_on_commit, django_assert_num_queries
):
    missed(tenant, twilio, run_on_commit)
    second = missed(tenant, twilio, run_on_commit)
    call = the_call(second)
    with django_assert_num_queries(1):
        facts = _caller_facts(business=tenant.business, call=call)
    assert facts["is_repeat"] is True


# --- the grace period runs from the end of the call ----------------------------------------
@pytest.fixture
def unscreened(tenant):
    tenant.business.screening_enabled = False
    tenant.business.save()
    return tenant


def test_it_answers_a_long_call_whose_dial_result_comes_late(
    unscreened, twilio, outbox, run_on_commit
):
    flow = CallFlow(twilio=twilio, to=str(unscreened.number.phone_number))
    flow.incoming()
    Call.objects.filter(call_sid=flow.sid).update(started_at=timezone.now() - timedelta(hours=1))
    run_on_commit(flow.status, "completed")  # settles again right away (tasks run eagerly)
    assert the_call(flow).outcome == "pending"
    assert the_call(flow).ended_at is not None
    run_on_commit(flow.dial_complete, "completed", "3580")
    assert the_call(flow).outcome == "answered"
    assert outbox == []


def test_it_calls_missed_a_call_without_dial_result_once_the_grace_after_its_end_is_over(
    unscreened, twilio, outbox, run_on_commit
):
    flow = CallFlow(twilio=twilio, to=str(unscreened.number.phone_number))
    flow.incoming()
    run_on_commit(flow.status, "completed")
    ended = the_call(flow).ended_at
    run_on_commit(flow.status, "completed")  # a repeat does not move the end
    assert the_call(flow).ended_at == ended
    Call.objects.filter(call_sid=flow.sid).update(ended_at=timezone.now() - timedelta(minutes=1))
    run_on_commit(settle_call.delay, the_call(flow).pk)
    call = the_call(flow)
    assert (call.outcome, call.outcome_reason) == ("missed", "caller-hung-up-while-ringing")
    assert len(outbox) == 1


def test_it_sweeps_after_the_grace_from_the_end_not_the_start(
    unscreened, twilio, outbox, run_on_commit
):
    long_call = CallFlow(twilio=twilio, to=str(unscreened.number.phone_number))
    long_call.incoming()
    run_on_commit(long_call.status, "completed")
    ended_a_while_ago = CallFlow(twilio=twilio, to=str(unscreened.number.phone_number))
    ended_a_while_ago.caller = "+12125550123"
    ended_a_while_ago.incoming()
    run_on_commit(ended_a_while_ago.status, "completed")
    now = timezone.now()
    Call.objects.filter(call_sid=long_call.sid).update(started_at=now - timedelta(hours=1))
    Call.objects.filter(call_sid=ended_a_while_ago.sid).update(
        started_at=now - timedelta(minutes=2), ended_at=now - timedelta(minutes=1)
    )
    run_on_commit(sweep_undecided_and_unhanded)
    assert the_call(long_call).outcome == "pending"
    assert the_call(ended_a_while_ago).outcome == "missed"
    assert [m.to for m in outbox] == ["+12125550123"]


# --- a number with nothing to ring ---------------------------------------------------------
def test_it_decides_missed_at_once_on_a_number_without_a_forward_to(
    tenant, twilio, outbox, run_on_commit
):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(forward_to="")
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    root = xml(run_on_commit(flow.incoming))
    assert root.find("Dial") is None
    assert "Sorry we missed your call" in root.find("Say").text
    call = the_call(flow)
    assert (call.outcome, call.outcome_reason) == ("missed", "no-forward-number")
    assert [m.to for m in outbox] == [CALLER]
    run_on_commit(flow.incoming)  # Twilio retries
    run_on_commit(flow.status, "completed")
    assert the_call(flow).outcome_reason == "no-forward-number"
    assert len(outbox) == 1


# --- callers the phonenumbers metadata does not know yet ----------------------------------
def test_it_texts_a_possible_number_from_a_range_the_metadata_does_not_know(
    tenant, twilio, outbox, run_on_commit
):
    import phonenumbers

    caller = "+16215550143"  # area code 621: possible, not (yet) in the metadata
    assert not phonenumbers.is_valid_number(phonenumbers.parse(caller))
    flow = missed(tenant, twilio, run_on_commit, caller=caller)
    assert (the_call(flow).outcome, the_call(flow).from_number) == ("missed", caller)
    assert [m.to for m in outbox] == [caller]


@pytest.mark.parametrize(
    "caller",
    [
        "+11234567890",  # area codes never start with 1
        "+12115550143",  # N11 is a service code, not an area code
        "+12125550",  # too short
        "+1212555014399",  # too long
        "+4474001234",  # too short for the UK
        "+999123456789",  # no such country
        "+1 212 555 0199",  # not E.164 as Twilio sends it
        "12125550199",
    ],
)
def test_it_still_skips_nonsense_caller_ids(tenant, twilio, outbox, run_on_commit, caller):
    flow = missed(tenant, twilio, run_on_commit, caller=caller)
    assert (the_call(flow).outcome, the_call(flow).skip_reason) == ("skipped", "invalid_number")
    assert outbox == []


# --- the forwarding line ---------------------------------------------------------------------
def test_it_records_which_line_forwarded_the_call(tenant, twilio, owner_client):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode="missed-only")
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    flow.incoming(ForwardedFrom="+13125550111", CalledVia="+13125550111")
    call = the_call(flow)
    assert (call.forwarded_from, call.called_via) == ("+13125550111", "+13125550111")
    # Shown in national format: the business's own country.
    assert "forwarded from (312) 555-0111" in owner_client.get("/app/calls/").content.decode()
    rows = api_client(tenant.owner).get(business_url(tenant.business, "calls/")).json()
    assert rows["results"][0]["forwarded_from"] == "+13125550111"
    assert rows["results"][0]["called_via"] == "+13125550111"


@pytest.mark.parametrize("value", ["<script>", "1" * 40, "+1 312 555 0111", "sip:x@y", "12"])
def test_it_does_not_store_a_malformed_forwarding_line(tenant, twilio, value):
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    assert flow.incoming(ForwardedFrom=value, CalledVia=value).status_code == 200
    call = the_call(flow)
    assert (call.forwarded_from, call.called_via) == ("", "")


# --- one CallSid, one line ---------------------------------------------------------------------
def test_it_never_gives_a_call_sid_of_one_business_another_business_forwarding(
    tenant, other_tenant, twilio, outbox, run_on_commit, caplog
):
    ours = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    ours.incoming()
    theirs = CallFlow(twilio=twilio, to=str(other_tenant.number.phone_number), sid=ours.sid)
    response = run_on_commit(theirs.incoming)
    root = xml(response)
    assert root.find("Dial") is None and root.find("Record") is None
    assert root.find("Hangup") is not None
    assert "Rival Heating" not in response.content.decode()
    assert str(other_tenant.number.forward_to) not in response.content.decode()
    assert "refused" in caplog.text

    # Its callbacks naming the other number change nothing and give nothing away.
    root = xml(run_on_commit(theirs.dial_complete, "no-answer"))
    assert root.find("Record") is None and "Rival Heating" not in ET.tostring(root, "unicode")
    assert run_on_commit(theirs.status, "no-answer").status_code == 409
    assert xml(theirs.recorded(Recording())).find("Record") is None
    assert theirs.recording_status(Recording(), To=theirs.to).status_code == 409
    assert theirs.transcribed(Recording(), "hi").status_code == 409
    call = the_call(ours)
    assert (call.business, call.outcome, call.recording_sid) == (tenant.business, "pending", "")
    assert Call.objects.count() == 1
    assert outbox == []


def test_it_refuses_a_call_sid_arriving_for_another_number_of_the_same_business(tenant, twilio):
    second = TwilioNumberFactory(business=tenant.business)
    ours = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    ours.incoming()
    again = CallFlow(twilio=twilio, to=str(second.phone_number), sid=ours.sid)
    root = xml(again.incoming())
    assert root.find("Dial") is None
    assert the_call(ours).to_number == str(tenant.number.phone_number)


def test_it_refuses_a_call_sid_arriving_from_another_account(tenant, twilio, run_on_commit):
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    flow.incoming(AccountSid="AC" + "a" * 32)
    assert the_call(flow).account_sid == "AC" + "a" * 32
    # An account Lasso does not know is refused before anything is read or stored.
    other_account = {"AccountSid": "AC" + "b" * 32}
    assert flow.incoming(**other_account).status_code == 403
    response = twilio.post(
        VOICE + "status/",
        {"CallSid": flow.sid, "To": flow.to, "CallStatus": "no-answer", **other_account},
    )
    assert response.status_code == 403
    assert the_call(flow).outcome == "pending"
    assert the_call(flow).account_sid == "AC" + "a" * 32
    # The same account carries on as usual.
    run_on_commit(flow.dial_complete, "no-answer")
    assert the_call(flow).outcome == "missed"
