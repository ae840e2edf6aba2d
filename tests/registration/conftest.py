from __future__ import annotations

import pytest

from calls.models import Call
from calls.services import decide, record_incoming
from consent.registration.models import CarrierRegistration
from tests.conftest import CALLER, new_call_sid

PUBLIC = "https://lassocalls.com"


@pytest.fixture
def public_site(settings):
    """Lasso at a public https address, as in production (reviewers open these links)."""
    settings.PUBLIC_BASE_URL = PUBLIC
    return settings


def complete_brand(business, **overrides) -> CarrierRegistration:
    facts = {
        "legal_name": f"{business.name} LLC",
        "entity_type": CarrierRegistration.EntityType.COMPANY,
        "ein": "12-3456789",
        "business_type": CarrierRegistration.BusinessType.LLC,
        "street": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "website": "https://acmeplumbing.example.com",
        "vertical": CarrierRegistration.Vertical.CONSTRUCTION,
        "contact_first_name": "Ada",
        "contact_last_name": "Lovelace",
        "contact_title": "Owner",
        "contact_position": CarrierRegistration.Position.OTHER,
        "contact_email": "ada@acmeplumbing.example.com",
        "contact_phone": "+12175550100",
        # The default business answers HELP with a phone number.
        "has_embedded_phone": True,
        **overrides,
    }
    registration, _ = CarrierRegistration.objects.update_or_create(
        business=business, defaults=facts
    )
    return registration


@pytest.fixture
def registered_brand(tenant):
    return complete_brand(tenant.business)


@pytest.fixture
def missed_call(tenant, django_capture_on_commit_callbacks):
    def make(caller: str = CALLER) -> Call:
        with django_capture_on_commit_callbacks(execute=True):
            call = record_incoming(
                number=tenant.number, call_sid=new_call_sid(), from_raw=caller
            ).call
            Call.objects.filter(pk=call.pk).update(dial_status="no-answer")
            call.refresh_from_db()
            return decide(business=tenant.business, call=call)

    return make


@pytest.fixture(autouse=True)
def _fresh_service_routing():
    """Each test starts with no Messaging Service held in this process's memory."""
    from consent.registration import routing

    routing.forget_all()
    yield
    routing.forget_all()


@pytest.fixture(scope="module")
def registration_stub_server():
    from tests.registration.registration_stub import RegistrationStub

    stub = RegistrationStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def twilio_at_stub(settings, registration_stub_server, tenant):
    """The real SDK, every Twilio domain pointed at a fresh recording stub that owns the
    business's number (the platform account's, as create_business leaves it)."""
    from messaging import gateway

    stub = registration_stub_server
    stub.reset()
    stub.add_number(str(tenant.number.phone_number))
    settings.LASSO_SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = stub.url
    settings.TWILIO_API_BASE_URLS = {}
    gateway._backends.clear()
    yield stub
    gateway._backends.clear()
