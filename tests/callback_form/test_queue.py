from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from callback_form.models import CallbackRequest
from tests.conftest import client_for


def make_request(business, name: str = "Dana Scully", **fields) -> CallbackRequest:
    return CallbackRequest.objects.create(
        business=business, name=name, phone_number="+14155550132", **fields
    )


def mark_url(callback_request: CallbackRequest) -> str:
    return reverse("callback_form:mark_called_back", args=[callback_request.public_id])


def test_it_lists_the_businesss_requests_newest_first(owner_client, tenant):
    make_request(tenant.business, name="First Caller", details="Boiler")
    make_request(tenant.business, name="Second Caller", sms_consent=True)

    page = owner_client.get("/app/callbacks/").content.decode()

    assert page.index("Second Caller") < page.index("First Caller")
    assert "Boiler" in page
    assert "Agreed to texts" in page and "No texts: call only" in page
    assert 'href="tel:+14155550132"' in page


def test_it_lists_with_the_same_number_of_queries_however_many_requests(owner_client, tenant):
    make_request(
        tenant.business, status=CallbackRequest.Status.CALLED_BACK, called_back_by=tenant.staff
    )
    owner_client.get("/app/callbacks/")  # the first visit also saves the active business
    with CaptureQueriesContext(connection) as one:
        owner_client.get("/app/callbacks/")
    for index in range(10):
        make_request(
            tenant.business,
            name=f"Caller {index}",
            status=CallbackRequest.Status.CALLED_BACK,
            called_back_by=tenant.owner,
        )

    with CaptureQueriesContext(connection) as many:
        page = owner_client.get("/app/callbacks/").content.decode()

    assert "Caller 9" in page
    assert len(many) == len(one)


def test_it_links_the_queue_from_the_dashboard_nav(owner_client):
    assert 'href="/app/callbacks/"' in owner_client.get("/app/").content.decode()


def test_staff_can_mark_a_request_called_back(staff_client, tenant):
    callback_request = make_request(tenant.business)

    response = staff_client.post(mark_url(callback_request), follow=True)

    callback_request.refresh_from_db()
    assert callback_request.status == CallbackRequest.Status.CALLED_BACK
    assert callback_request.called_back_by == tenant.staff
    assert callback_request.called_back_at is not None
    page = response.content.decode()
    assert "Marked Dana Scully as called back." in page
    assert "Called back" in page and tenant.staff.email in page


def test_the_owner_can_mark_a_request_called_back_but_not_take_over_staffs(
    owner_client, staff_client, tenant
):
    mine = make_request(tenant.business, name="Owner Call")
    theirs = make_request(tenant.business, name="Staff Call")
    staff_client.post(mark_url(theirs))

    owner_client.post(mark_url(mine))
    response = owner_client.post(mark_url(theirs), follow=True)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.called_back_by == tenant.owner
    assert theirs.called_back_by == tenant.staff
    assert "Staff Call was already marked as called back." in response.content.decode()


def test_an_outsider_sees_none_of_the_businesss_requests(outsider_client, tenant, other_tenant):
    make_request(tenant.business, name="Acme Customer")
    make_request(other_tenant.business, name="Rival Customer")

    page = outsider_client.get("/app/callbacks/").content.decode()

    assert "Rival Customer" in page
    assert "Acme Customer" not in page


def test_an_outsider_gets_404_marking_another_businesss_request(outsider_client, tenant):
    callback_request = make_request(tenant.business)

    response = outsider_client.post(mark_url(callback_request))

    assert response.status_code == 404
    callback_request.refresh_from_db()
    assert callback_request.status == CallbackRequest.Status.NEW


def test_a_member_of_both_businesses_marks_only_in_the_active_one(tenant, other_tenant):
    from tenants.models import Membership

    Membership.objects.create(user=tenant.owner, business=other_tenant.business, role="staff")
    rival = make_request(other_tenant.business)
    client = client_for(tenant.owner)
    client.get("/app/")  # the first business (Acme Plumbing) becomes active

    assert client.post(mark_url(rival)).status_code == 404


def test_signing_in_is_required(client, tenant):
    callback_request = make_request(tenant.business)

    assert client.get("/app/callbacks/").status_code == 302
    assert client.post(mark_url(callback_request)).status_code == 302
    callback_request.refresh_from_db()
    assert callback_request.status == CallbackRequest.Status.NEW


def test_marking_needs_a_post(owner_client, tenant):
    callback_request = make_request(tenant.business)

    assert owner_client.get(mark_url(callback_request)).status_code == 405
