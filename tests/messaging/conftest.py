from __future__ import annotations

import pytest

from calls.models import Call
from calls.services import decide, record_incoming
from tests.conftest import CALLER, new_call_sid


@pytest.fixture
def missed_call(tenant, django_capture_on_commit_callbacks):
    """Make a missed call from `caller`; with send=False its text-back stays queued."""

    def make(caller: str = CALLER, *, send: bool = True) -> Call:
        with django_capture_on_commit_callbacks(execute=send):
            call = record_incoming(
                number=tenant.number, call_sid=new_call_sid(), from_raw=caller
            ).call
            Call.objects.filter(pk=call.pk).update(dial_status="no-answer")
            call.refresh_from_db()
            call = decide(business=tenant.business, call=call)
        if not send:
            from messaging.services import handle_missed_call

            handle_missed_call(business=tenant.business, call_id=call.pk)
        return call

    return make
