"""The voice webhooks read a number's E.164 without re-validating it: the same text str()
gives for every number Lasso stores, and "" for a number that has no forward-to."""

from __future__ import annotations

import pytest

from tenants.models import TwilioNumber

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "stored",
    ["+14155550100", "+15005550006", "+442071838750", "+61291234567"],
)
def test_it_reads_a_stored_number_as_str_would(tenant, stored):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(
        phone_number=stored, forward_to="+13125550100"
    )
    number = TwilioNumber.objects.get(pk=tenant.number.pk)
    assert number.e164 == str(number.phone_number) == stored
    assert number.forward_to_e164 == "+13125550100"


def test_a_number_with_no_forward_to_reads_as_empty(tenant):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(forward_to="")
    number = TwilioNumber.objects.get(pk=tenant.number.pk)
    assert number.forward_to_e164 == ""
    assert TwilioNumber(phone_number="+14155550100").forward_to_e164 == ""
