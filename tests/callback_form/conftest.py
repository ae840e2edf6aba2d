from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client

from tenants.models import Business

# The exact sentence on the public SMS-consent page (../shared/seed), typed out here so a
# change to the product's copy cannot silently change what the tests expect.
SEED_DISCLOSURE = (
    "I agree to receive text messages related to my request from Lasso and service "
    "providers using the Lasso Messaging Service. Message frequency varies. Message and "
    "data rates may apply. Reply STOP to opt out at any time. Reply HELP for assistance. "
    "See Privacy Policy and Mobile Terms."
)
BROWSER_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
CUSTOMER_INPUT = "(415) 555-0132"
CUSTOMER_E164 = "+14155550132"


def disclosure_for(sender: str) -> str:
    return SEED_DISCLOSURE.replace("from Lasso and", f"from {sender} and")


@pytest.fixture
def house(db) -> Business:
    """Lasso's own business. A migration creates it, but a transactional test elsewhere may
    have flushed it, so tests ask for it explicitly."""
    business, _ = Business.objects.get_or_create(slug="lasso", defaults={"name": "Lasso"})
    return business


@pytest.fixture
def submit(client: Client, django_capture_on_commit_callbacks) -> Callable[..., HttpResponse]:
    """POST the form as a person would (name and number filled in, box unticked unless
    sms_consent="on" is passed), running what is queued on commit, as a worker would."""

    def post(path: str, **fields: str | None) -> HttpResponse:
        data = {
            "name": "Dana Scully",
            "phone_number": CUSTOMER_INPUT,
            "details": "The boiler is leaking",
            "preferred_time": "Weekday mornings",
            "website": "",
            **fields,
        }
        data = {key: value for key, value in data.items() if value is not None}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, HTTP_USER_AGENT=BROWSER_UA)

    return post
