"""The text-back's country rule and the callback form's share one list: the countries a
business texts (empty: its Lasso number's country, by calling code)."""

from __future__ import annotations

import pytest

from calls.models import Call
from tests.calls.helpers import CallFlow

pytestmark = pytest.mark.django_db


def missed(twilio, tenant, caller: str, django_capture_on_commit_callbacks) -> Call:
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
    with django_capture_on_commit_callbacks(execute=True):
        flow.incoming()
        flow.dial_complete("no-answer")
    return Call.objects.get(call_sid=flow.sid)


@pytest.mark.parametrize(
    ("countries", "caller", "texted"),
    [
        ([], "+12125550123", True),  # the number's country
        ([], "+16135550123", True),  # Canada shares +1 with the US: one calling code
        ([], "+447400123456", False),
        (["US", "GB"], "+447400123456", True),
        (["US"], "+16135550123", False),  # listed by country, Canada is not the US
    ],
)
def test_a_caller_is_texted_only_from_the_countries_the_business_texts(
    tenant, twilio, outbox, django_capture_on_commit_callbacks, countries, caller, texted
):
    tenant.business.texted_countries = countries
    tenant.business.save(update_fields=["texted_countries"])
    call = missed(twilio, tenant, caller, django_capture_on_commit_callbacks)
    assert (call.outcome == Call.Outcome.MISSED) is texted
    assert bool(outbox) is texted
    if not texted:
        assert call.skip_reason == Call.SkipReason.OTHER_COUNTRY
