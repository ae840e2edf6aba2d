"""After an outage the overview says so: how many of the business's calls Lasso's
fallbacks answered, and what became of each once checked against Twilio's records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from callback_form.models import CallbackRequest
from calls.models import Call, Outage
from messaging.models import Message
from tests.conftest import new_call_sid

pytestmark = pytest.mark.django_db


def outage_call(tenant, *, outcome: str, ago: timedelta, recorded_from: str, caller: str):
    return Call.objects.create(
        business=tenant.business,
        twilio_number=tenant.number,
        call_sid=new_call_sid(),
        from_raw=caller,
        from_number=caller,
        to_number=str(tenant.number.phone_number),
        mode="forward",
        started_at=timezone.now() - ago,
        outcome=outcome,
        recorded_from=recorded_from,
    )


@pytest.fixture
def outage(tenant):
    now = timezone.now()
    return Outage.objects.create(
        started_at=now - timedelta(minutes=30),
        ended_at=now - timedelta(minutes=5),
        detected_by=Outage.DetectedBy.WEBHOOKS,
        degraded_answers=3,
        reconciled_at=now,
    )


def test_it_shows_what_the_fallback_handled_and_what_was_reconciled(
    owner_client, tenant, other_tenant, outage
):
    reconciled = Call.RecordedFrom.RECONCILED
    outage_call(
        tenant,
        outcome="answered",
        ago=timedelta(minutes=25),
        recorded_from=reconciled,
        caller="+12125550131",
    )
    texted = outage_call(
        tenant,
        outcome="missed",
        ago=timedelta(minutes=10),
        recorded_from=reconciled,
        caller="+12125550132",
    )
    queued = outage_call(
        tenant,
        outcome="missed",
        ago=timedelta(minutes=20),
        recorded_from=Call.RecordedFrom.CALLBACK,
        caller="+12125550133",
    )
    # Calls whose webhooks reached Lasso, and another business's call, do not count.
    outage_call(
        tenant,
        outcome="missed",
        ago=timedelta(minutes=15),
        recorded_from=Call.RecordedFrom.INCOMING,
        caller="+12125550134",
    )
    outage_call(
        other_tenant,
        outcome="missed",
        ago=timedelta(minutes=15),
        recorded_from=reconciled,
        caller="+12125550135",
    )
    from messaging.services import contact_and_conversation, new_outbound

    _, conversation = contact_and_conversation(
        business=tenant.business,
        phone_number=texted.from_number,
        business_number=texted.to_number,
        at=texted.started_at,
    )
    new_outbound(
        conversation=conversation,
        kind=Message.Kind.TEXTBACK,
        body="Sorry we missed your call",
        status=Message.Status.SENT,
        call=texted,
    )
    CallbackRequest.objects.create(
        business=tenant.business,
        call=queued,
        phone_number=queued.from_number,
        source=CallbackRequest.Source.OUTAGE_UNVERIFIED,
    )

    page = owner_client.get("/app/overview/").content.decode()
    assert "Lasso was unavailable" in page
    assert "Lasso's fallback answered 3 calls in that time" in page
    assert "1 answered, 1 texted back, 1 added to" in page


def test_it_shows_no_banner_for_an_outage_that_touched_none_of_its_calls(
    owner_client, tenant, other_tenant, outage
):
    outage_call(
        other_tenant,
        outcome="missed",
        ago=timedelta(minutes=15),
        recorded_from=Call.RecordedFrom.RECONCILED,
        caller="+12125550135",
    )
    assert "Lasso was unavailable" not in owner_client.get("/app/overview/").content.decode()


def test_it_forgets_an_outage_after_a_week(owner_client, tenant):
    long_ago = timezone.now() - timedelta(days=8)
    Outage.objects.create(
        started_at=long_ago,
        ended_at=long_ago + timedelta(minutes=20),
        detected_by=Outage.DetectedBy.HEARTBEAT,
        reconciled_at=long_ago,
    )
    outage_call(
        tenant,
        outcome="missed",
        ago=timedelta(days=8, minutes=-5),
        recorded_from=Call.RecordedFrom.RECONCILED,
        caller="+12125550136",
    )
    assert "Lasso was unavailable" not in owner_client.get("/app/overview/").content.decode()


def test_an_outsider_never_sees_the_business_s_outage_calls(outsider_client, tenant, outage):
    outage_call(
        tenant,
        outcome="missed",
        ago=timedelta(minutes=15),
        recorded_from=Call.RecordedFrom.RECONCILED,
        caller="+12125550137",
    )
    page = outsider_client.get("/app/overview/").content.decode()
    assert "Rival Heating" in page  # the outsider's own business
    assert "Lasso was unavailable" not in page
