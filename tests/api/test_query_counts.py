"""Each list endpoint costs the same few queries at 10 rows as at 1,000."""

from __future__ import annotations

import pytest

from tests.api.conftest import bulk_rows, business_url

pytestmark = pytest.mark.django_db

# token, membership, count, page (+ the conversation, for its messages)
MAX_QUERIES = 5


@pytest.mark.parametrize(
    "path",
    [
        "calls/",
        "calls/?outcome=missed",
        "conversations/",
        "conversations/?show=needs-reply",
        "conversations/?show=opted-out",
        "conversations/{busy}/messages/",
        "callback-requests/",
        "consent-events/",
        "consent-events/?phone_number=%2B16460000000",
    ],
)
def test_it_uses_the_same_bounded_queries_at_10_and_at_1000_rows(
    tenant, owner_api, django_assert_max_num_queries, path
):
    busy = bulk_rows(tenant.business, 10)
    url = business_url(tenant.business, path.format(busy=busy.public_id))
    owner_api.get(url)  # the token's first use records it; later uses in a minute do not

    with django_assert_max_num_queries(MAX_QUERIES) as at_10:
        small = owner_api.get(url)
    bulk_rows(tenant.business, 990, start=10, busy=busy)
    with django_assert_max_num_queries(MAX_QUERIES) as at_1000:
        large = owner_api.get(url)

    assert small.status_code == large.status_code == 200
    assert large.json()["count"] > small.json()["count"] or "phone_number" in path
    assert len(large.json()["results"]) == min(50, large.json()["count"])
    assert len(at_10.captured_queries) == len(at_1000.captured_queries)


def test_it_bounds_the_businesses_list_queries_too(
    tenant, owner_api, django_assert_max_num_queries
):
    from tenants.models import Business, Membership

    for size in (10, 1000):
        have = Membership.objects.filter(user=tenant.owner).count()
        businesses = Business.objects.bulk_create(
            Business(name=f"Shop {size}-{i}", slug=f"shop-{size}-{i}") for i in range(size - have)
        )
        Membership.objects.bulk_create(
            Membership(user=tenant.owner, business=b, role="owner") for b in businesses
        )
        with django_assert_max_num_queries(4):
            response = owner_api.get("/api/v1/businesses/")
        assert response.json()["count"] == size
