"""The public callback form's per-address limit and the API's login throttles, counted where
production counts them: in Redis, with production's cache options. When Redis is down both
stay open (callback_form/ratelimit.py documents why for the form: losing a real request is
worse than a burst of spam), and neither answers an error.
"""

from __future__ import annotations

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from callback_form.models import CallbackRequest
from callback_form.ratelimit import SUBMISSIONS_PER_WINDOW
from tests.conftest import PASSWORD, PRODUCTION_CACHES
from tests.waiting import free_port

pytestmark = pytest.mark.django_db

FORM_KEY = "callback-form:submissions:127.0.0.1"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def form_path(tenant) -> str:
    return f"/b/{tenant.business.slug}/request-callback/"


def submit(client, path: str, n: int):
    return client.post(
        path,
        {
            "name": f"Caller {n}",
            "phone_number": f"(415) 555-01{n:02d}",
            "details": "The boiler is leaking",
            "preferred_time": "",
            "website": "",
        },
    )


@pytest.fixture
def redis_down(settings):
    """Production's cache options, pointed at a Redis that is not there."""
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}


def test_it_runs_on_production_s_cache_options():
    ours = django_settings.CACHES["default"]
    production = PRODUCTION_CACHES["default"]
    assert ours["BACKEND"] == production["BACKEND"] == "django_redis.cache.RedisCache"
    assert ours["OPTIONS"] == production["OPTIONS"]
    assert ours["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_it_counts_form_submissions_in_redis_and_refuses_the_sixth(client, form_path):
    codes = [submit(client, form_path, n).status_code for n in range(SUBMISSIONS_PER_WINDOW + 1)]

    assert codes == [302] * SUBMISSIONS_PER_WINDOW + [429]
    assert CallbackRequest.objects.count() == SUBMISSIONS_PER_WINDOW
    raw = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    assert raw.get(cache.make_key(FORM_KEY)) == str(SUBMISSIONS_PER_WINDOW + 1).encode()
    assert 0 < raw.ttl(cache.make_key(FORM_KEY)) <= 600


def test_it_keeps_the_form_open_when_redis_is_down(client, form_path, redis_down):
    codes = [submit(client, form_path, n).status_code for n in range(SUBMISSIONS_PER_WINDOW + 2)]
    assert codes == [302] * (SUBMISSIONS_PER_WINDOW + 2)
    assert CallbackRequest.objects.count() == SUBMISSIONS_PER_WINDOW + 2


def test_it_never_counts_another_suite_s_submissions(client, form_path, settings):
    # Another suite on this machine, same Redis database, its own key prefix, at its limit.
    other = {**settings.CACHES["default"], "KEY_PREFIX": "lasso-test-another-run"}
    settings.CACHES = {"default": settings.CACHES["default"], "other": other}
    from django.core.cache import caches

    caches["other"].set(FORM_KEY, 100, timeout=60)
    try:
        assert submit(client, form_path, 1).status_code == 302
    finally:
        caches["other"].delete(FORM_KEY)


def guesses(client, count: int) -> list[int]:
    """One address trying `count` accounts: the address throttle's business, not a lockout
    of any one account."""
    return [
        client.post(
            TOKEN_URL, {"email": f"guess{i}@example.com", "password": "x"}, format="json"
        ).status_code
        for i in range(count)
    ]


def test_it_throttles_one_address_guessing_in_redis():
    assert guesses(APIClient(), 11) == [400] * 10 + [429]
    raw = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    [key] = raw.scan_iter(cache.make_key("throttle_api_token_login_ip_*"))
    assert raw.ttl(key) > 0


def test_it_lets_the_api_login_through_when_redis_is_down(tenant, redis_down):
    client = APIClient()
    assert guesses(client, 12) == [400] * 12
    right = {"email": tenant.owner.email, "password": PASSWORD, "name": "Zapier"}
    assert client.post(TOKEN_URL, right, format="json").status_code == 201
