"""Every model in the admin, opened by a Lasso admin: its list (plain and searched), its add
page where adding is allowed, and the change page of a real row. The rows come from what
happens in the product (a missed call, a reply, a callback form, a token, a failed
sign-in), so a page that breaks on real data breaks here; a newly registered model with no
row here fails the test by name instead of being skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tenants.models import BlockedNumber
from tenants.tokens import create_token
from tests.calls.helpers import CallFlow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_row_of_everything(tenant, twilio, text_in, client, django_capture_on_commit_callbacks):
    """What a few minutes of real use leaves behind."""
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    with django_capture_on_commit_callbacks(execute=True):
        flow.incoming()
        flow.dial_complete("no-answer")
    text_in("Kitchen sink is overflowing, can you come today?")  # a reply, and its alert
    with django_capture_on_commit_callbacks(execute=True):
        form = client.post(
            f"/b/{tenant.business.slug}/request-callback/",
            {"name": "Dana Scully", "phone_number": "(415) 555-0132", "website": ""},
        )
    assert form.status_code == 302
    create_token(user=tenant.owner, name="Zapier")
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550100")
    Group.objects.create(name="Support")
    # A mistyped password: the lockout's records of it.
    login = Client().post(reverse("login"), {"username": tenant.owner.email, "password": "not-it"})
    assert login.status_code == 200
    # The lockout keeps no access log or failure log (settings: AXES_DISABLE_ACCESS_LOG),
    # but the admin lists them: one row each, as django-axes would write them.
    from axes.models import AccessFailureLog, AccessLog

    seen = {"ip_address": "127.0.0.1", "user_agent": "Mozilla/5.0", "attempt_time": timezone.now()}
    AccessLog.objects.create(username=tenant.owner.email, **seen)
    AccessFailureLog.objects.create(username=tenant.owner.email, locked_out=False, **seen)
    # An outage found afterwards, and what Lasso last told Twilio about the number.
    from calls.models import NumberSetup, Outage

    now = timezone.now()
    Outage.objects.create(
        started_at=now - timedelta(minutes=12),
        ended_at=now - timedelta(minutes=3),
        detected_by=Outage.DetectedBy.WEBHOOKS,
        degraded_answers=4,
    )
    # A business that has started its carrier (A2P 10DLC) registration.
    from consent.registration.models import CarrierRegistration, RegistrationStep

    registration, _ = CarrierRegistration.objects.get_or_create(
        business=tenant.business, defaults={"legal_name": "Acme Plumbing LLC"}
    )
    # …and has sent it to Twilio: a brand in review.
    RegistrationStep.objects.create(
        registration=registration,
        business=tenant.business,
        key="brand",
        state=RegistrationStep.State.DONE,
        sid="BN" + "0" * 32,
        twilio_status="IN_REVIEW",
    )
    NumberSetup.objects.get_or_create(
        number=tenant.number,
        defaults={"twilio_sid": "PN" + "0" * 32, "configured": "v1", "configured_at": now},
    )


def test_it_opens_every_admin_page_of_every_model(a_row_of_everything):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    request = type("Request", (), {"user": superuser})()

    empty = [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]
    assert empty == [], "add a row of these to a_row_of_everything"
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        listing = client.get(reverse(f"{base}_changelist"))
        assert listing.status_code == 200, opts.label
        assert "0 " + str(opts.verbose_name_plural) not in listing.content.decode(), opts.label
        assert client.get(reverse(f"{base}_changelist") + "?q=555").status_code == 200, opts.label
        if model_admin.has_add_permission(request):
            assert client.get(reverse(f"{base}_add")).status_code == 200, opts.label
        for obj in model._default_manager.all()[:3]:
            change = client.get(reverse(f"{base}_change", args=[obj.pk]))
            assert change.status_code == 200, (opts.label, obj.pk)
