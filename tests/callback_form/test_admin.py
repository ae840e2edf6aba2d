from __future__ import annotations

from django.urls import reverse

from callback_form.models import CallbackRequest
from tests.factories import UserFactory


def test_an_admin_can_find_a_request_by_number_and_read_its_evidence(client, tenant):
    callback_request = CallbackRequest.objects.create(
        business=tenant.business,
        name="Dana Scully",
        phone_number="+14155550132",
        sms_consent=True,
        disclosure_text="I agree to receive text messages …",
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    found = client.get(reverse("admin:callback_form_callbackrequest_changelist") + "?q=555013")
    change = client.get(
        reverse("admin:callback_form_callbackrequest_change", args=[callback_request.pk])
    )

    assert "Dana Scully" in found.content.decode()
    assert change.status_code == 200
    assert "I agree to receive text messages" in change.content.decode()
    assert 'name="disclosure_text"' not in change.content.decode()


def test_the_admin_cannot_invent_a_request(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:callback_form_callbackrequest_add"))

    assert response.status_code == 403
