"""Schemathesis against Lasso's own OpenAPI schema, with an owner's token: whatever the
schema allows a client to send, the API answers without a 5xx, every response matches the
schema, and another business's slug or ids are always a 404.

Bounded by the same Hypothesis profile as the other fuzz tests (tests/fuzz/conftest.py).
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.tokens import create_token
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextmanager
def in_process():
    """Lasso's WSGI app, called in-process by Schemathesis. Like Django's test client, it
    must not close the test's database connection at the end of each request (and the
    test client turns that back on after each of its own requests, so this wraps only the
    Schemathesis calls)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema(owner) -> schemathesis.schemas.BaseSchema:
    document = api_client(owner).get("/api/schema/", {"format": "json"}).json()
    return schemathesis.openapi.from_dict(document)


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_lists_the_business_operations(tenant):
    labels = {op.label for op in _operations(_schema(tenant.owner))}
    assert "GET /api/v1/businesses/{slug}/conversations/" in labels
    assert "GET /api/v1/businesses/{slug}/calls/" in labels


def test_no_operation_answers_5xx_or_breaks_its_schema(tenant, other_tenant, text_in):
    text_in("The water heater is leaking")  # something to list, read and reply to
    schema = _schema(tenant.owner)
    token = create_token(user=tenant.owner, name="schemathesis").key
    headers = {"Authorization": f"Bearer {token}"}
    operations = [op for op in _operations(schema) if "{slug}" in op.path]
    assert operations

    @given(data=st.data())
    def run(data) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        case.path_parameters = {**(case.path_parameters or {}), "slug": tenant.business.slug}
        case.operation.app = app
        case.call_and_validate(headers=headers, checks=CHECKS)

    with in_process() as app:
        run()


def test_another_business_s_slug_is_always_a_404(tenant, other_tenant):
    schema = _schema(tenant.owner)
    token = create_token(user=tenant.owner, name="schemathesis").key
    operations = [op for op in _operations(schema) if "{slug}" in op.path]

    @given(data=st.data())
    def run(data) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        case.path_parameters = {
            **(case.path_parameters or {}),
            "slug": other_tenant.business.slug,
        }
        case.operation.app = app
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in {400, 404, 405}, (operation.label, response.status_code)
        if response.status_code == 400:
            # Refused for the shape of the input before the tenant was even looked up.
            assert operation.method.upper() != "GET", operation.label

    with in_process() as app:
        run()


def test_another_business_s_ids_under_your_own_slug_are_always_a_404(
    tenant, other_tenant, text_in
):
    """Every id-taking operation, given the id of an object that exists in another
    business, answers 404 as for an id that does not exist."""
    from callback_form.models import CallbackRequest
    from calls.models import Call
    from messaging.models import Conversation

    text_in("Their customer", to=str(other_tenant.number.phone_number))
    theirs = {
        "conversation_id": Conversation.objects.get(business=other_tenant.business).public_id,
        "call_id": Call.objects.create(
            business=other_tenant.business,
            call_sid="CA" + "1" * 32,
            from_raw="+12125550100",
            from_number="+12125550100",
            to_number=str(other_tenant.number.phone_number),
            mode="forward",
            started_at=other_tenant.business.created_at,
            recording_sid="RE" + "2" * 32,
        ).public_id,
        "request_id": CallbackRequest.objects.create(
            business=other_tenant.business, name="X", phone_number="+12125550100"
        ).public_id,
    }
    schema = _schema(tenant.owner)
    token = create_token(user=tenant.owner, name="schemathesis").key
    operations = [
        op
        for op in _operations(schema)
        if "{slug}" in op.path and any("{" + name + "}" in op.path for name in theirs)
    ]
    assert len(operations) >= 4

    @given(data=st.data())
    def run(data) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        case.path_parameters = {
            **(case.path_parameters or {}),
            "slug": tenant.business.slug,
            **{name: str(value) for name, value in theirs.items() if "{" + name + "}" in operation.path},
        }
        case.operation.app = app
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in {400, 404}, (operation.label, response.status_code)
        if response.status_code == 400:
            assert operation.method.upper() != "GET", operation.label

    with in_process() as app:
        run()
