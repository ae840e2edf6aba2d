"""API fixtures: token-authenticated clients for the owner, staff and outsider, and ways to
make the rows the endpoints show — through the signed webhooks where the flow matters,
with bulk_create where only the numbers do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from callback_form.models import CallbackRequest
from calls.models import Call
from consent.models import ConsentEvent
from messaging.models import Contact, Conversation, Message
from tenants.models import Business, User
from tenants.tokens import create_token
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER, Tenant, new_call_sid

SMS_INCOMING = "/webhooks/twilio/sms/incoming/"


def business_url(business: Business, rest: str = "") -> str:
    return f"/api/v1/businesses/{business.slug}/{rest}"


def api_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(user=user, name='tests').key}")
    return client


@pytest.fixture
def owner_api(tenant: Tenant) -> APIClient:
    return api_client(tenant.owner)


@pytest.fixture
def staff_api(tenant: Tenant) -> APIClient:
    return api_client(tenant.staff)


@pytest.fixture
def outsider_api(outsider: User) -> APIClient:
    return api_client(outsider)


@pytest.fixture
def text_in(tenant, text_in) -> Callable[..., Conversation]:
    """The shared text_in, returning the conversation the text lands in."""

    def send(body: str, *, caller: str = CALLER, to: Tenant | None = None) -> Conversation:
        target = to or tenant
        text_in(body, caller=caller, to=str(target.number.phone_number))
        return Conversation.objects.get(business=target.business, contact__phone_number=caller)

    return send


@pytest.fixture
def missed_call(tenant, twilio, django_capture_on_commit_callbacks) -> Callable[..., Call]:
    """A call that rings out unanswered, through the signed voice webhooks (so it is texted
    back, as in production)."""

    def call(*, caller: str = CALLER, to: Tenant | None = None) -> Call:
        flow = CallFlow(twilio=twilio, to=str((to or tenant).number.phone_number), caller=caller)
        flow.incoming()
        with django_capture_on_commit_callbacks(execute=True):
            flow.dial_complete("no-answer")
        with django_capture_on_commit_callbacks(execute=True):
            flow.status("completed")
        return Call.objects.get(call_sid=flow.sid)

    return call


@pytest.fixture
def callback_request(tenant) -> Callable[..., CallbackRequest]:
    def make(*, business: Business | None = None, **fields: object) -> CallbackRequest:
        return CallbackRequest.objects.create(
            business=business or tenant.business,
            **{"name": "Dana Scully", "phone_number": "+14155550132", **fields},
        )

    return make


# --- many rows, fast ----------------------------------------------------------------------------
def bulk_rows(
    business: Business, count: int, *, start: int = 0, busy: Conversation | None = None
) -> Conversation:
    """`count` each of calls (half texted back), conversations, consent events, callback
    requests, and messages in one conversation (`busy`, or the first new one); returns
    that conversation."""
    now = timezone.now()
    number = str(business.numbers.first().phone_number)
    callers = [f"+1646{start + i:07d}" for i in range(count)]
    contacts = Contact.objects.bulk_create(
        Contact(business=business, phone_number=caller) for caller in callers
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(
            business=business,
            contact=contact,
            business_number=number,
            last_activity_at=now - timedelta(minutes=i),
            needs_reply=i % 2 == 0,
            # The copy of the opt-outs written to the ledger below (rows made here bypass
            # consent.services.record_event, which keeps it).
            consent_state=ConsentEvent.Kind.OPT_OUT if i % 3 == 0 else None,
        )
        for i, contact in enumerate(contacts)
    )
    calls = Call.objects.bulk_create(
        Call(
            business=business,
            call_sid=new_call_sid(),
            from_raw=caller,
            from_number=caller,
            to_number=number,
            mode="forward",
            started_at=now - timedelta(minutes=i),
            outcome=Call.Outcome.MISSED,
        )
        for i, caller in enumerate(callers)
    )
    Message.objects.bulk_create(
        Message(
            business=business,
            conversation=conversation,
            call=call,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.TEXTBACK,
            body="Sorry we missed your call",
            from_number=number,
            to_number=call.from_number,
            status=Message.Status.DELIVERED,
            created_at=call.started_at,
        )
        for conversation, call in list(zip(conversations, calls, strict=True))[::2]
    )
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            business=business,
            phone_number=caller,
            kind=ConsentEvent.Kind.OPT_OUT if i % 3 == 0 else ConsentEvent.Kind.INBOUND_CALL,
            channel=ConsentEvent.Channel.VOICE,
            occurred_at=now - timedelta(minutes=i),
        )
        for i, caller in enumerate(callers)
    )
    CallbackRequest.objects.bulk_create(
        CallbackRequest(business=business, name=f"Caller {i}", phone_number=caller)
        for i, caller in enumerate(callers)
    )
    busy = busy or conversations[0]
    Message.objects.bulk_create(
        Message(
            business=business,
            conversation=busy,
            direction=Message.Direction.INBOUND if i % 2 else Message.Direction.OUTBOUND,
            kind=Message.Kind.INBOUND if i % 2 else Message.Kind.REPLY,
            body=f"message {i}",
            from_number=number,
            to_number=busy.contact.phone_number,
            status=Message.Status.RECEIVED if i % 2 else Message.Status.DELIVERED,
            created_at=now - timedelta(seconds=count - i),
        )
        for i in range(count)
    )
    return busy
