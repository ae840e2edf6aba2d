"""Fixtures every test may use: three users (owner, staff, outsider), a business with a
Twilio number, signed Twilio webhooks, and a guard that fails any test reaching the network.

The suite runs on the real parts or not at all: it stops at start, naming the service, when
PostgreSQL or Redis is not configured or does not answer (a SQLite file and a local-memory
cache would let the tests pass for the wrong reason).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from tenants.models import Business, Membership, TwilioNumber, User
from tests.factories import BusinessFactory, MembershipFactory, TwilioNumberFactory, UserFactory

PASSWORD = "correct-horse-battery"


# --- no network beyond this machine --------------------------------------------------------
_real_connect = socket.socket.connect


def _local_only_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str):
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if host not in {"localhost"} and (ip is None or not ip.is_loopback):
            raise RuntimeError(f"Tests must not reach the network: connect to {address!r}")
    return _real_connect(self, address)


socket.socket.connect = _local_only_connect  # type: ignore[method-assign]


# --- the real parts, or no run -----------------------------------------------------------------
def _missing_services() -> list[str]:
    """What is wrong with the configured PostgreSQL and Redis, one line per service."""
    import psycopg
    import redis

    problems = []
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        problems.append(
            f"PostgreSQL: DATABASE_URL is not a postgres:// URL (the database engine is "
            f"{db['ENGINE']})"
        )
    else:
        try:
            psycopg.connect(
                host=db["HOST"] or "127.0.0.1",
                port=int(db["PORT"] or 5432),
                user=db["USER"],
                password=db["PASSWORD"],
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as exc:
            problems.append(f"PostgreSQL: {db['HOST']}:{db['PORT']} does not answer ({exc})")
    if not settings.REDIS_URL:
        problems.append("Redis: REDIS_URL is not set")
    else:
        try:
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            ).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis: {settings.REDIS_URL} does not answer ({exc})")
    return problems


def pytest_configure(config: pytest.Config) -> None:
    problems = _missing_services()
    if problems:
        raise pytest.UsageError(
            "The tests run only against real PostgreSQL and Redis; missing:\n  "
            + "\n  ".join(problems)
            + "\nRun them with scripts/test, which starts both and sets DATABASE_URL and REDIS_URL."
        )
    # One key prefix per run, handed to the xdist workers through their environment: two
    # suites on one machine never share a counter even when they share a Redis database.
    os.environ.setdefault("LASSO_TEST_RUN_ID", uuid.uuid4().hex[:12])


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """The test database's connections may TRUNCATE the consent ledger: Django flushes
    every table between transactional tests. Production connections never set this."""
    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        options["options"] = (
            options.get("options", "") + " -c lasso.ledger_truncate=allow"
        ).strip()


def xdist_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def _redis_db_base() -> int:
    return int(os.environ.get("LASSO_TEST_REDIS_DB", "1"))


def cache_settings_for_tests(production: dict) -> dict:
    """Production's cache (its backend and OPTIONS, IGNORE_EXCEPTIONS included), in this xdist
    worker's own Redis database (counted from LASSO_TEST_REDIS_DB, default 1) and under this
    run's own key prefix."""
    default = production["default"]
    base = default["LOCATION"].rsplit("/", 1)[0]
    return {
        "default": {
            **default,
            "LOCATION": f"{base}/{_redis_db_base() + xdist_index()}",
            "KEY_PREFIX": f"lasso-test-{os.environ.get('LASSO_TEST_RUN_ID', 'run')}",
            "OPTIONS": dict(default.get("OPTIONS", {})),
        }
    }


PRODUCTION_CACHES = settings.CACHES


@pytest.fixture(autouse=True)
def _isolated_services(settings, request):
    """The cache is production's, kept apart per worker and per run (cache_settings_for_tests),
    and emptied of this run's keys only; tasks run eagerly unless a test starts a real
    worker."""
    from lasso.celery import app

    settings.CACHES = cache_settings_for_tests(PRODUCTION_CACHES)
    from django.core.cache import cache

    cache.delete_pattern("*")
    # Full-strength hashing costs seconds per user; tests check behaviour, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests never run collectstatic: serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from messaging.gateway import memory_backend

    memory_backend.reset()
    # The voice webhooks record each call themselves unless a test is about their queue.
    settings.VOICE_WEBHOOKS_QUEUED = "voice_queue" in request.keywords
    eager = "real_worker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = previous


# --- people and businesses -----------------------------------------------------------------
@dataclass
class Tenant:
    business: Business
    number: TwilioNumber
    owner: User
    staff: User


def make_tenant(**business_fields: object) -> Tenant:
    business = BusinessFactory(**business_fields)
    number = TwilioNumberFactory(business=business)
    owner = UserFactory()
    staff = UserFactory()
    MembershipFactory(user=owner, business=business, role=Membership.Role.OWNER)
    MembershipFactory(user=staff, business=business, role=Membership.Role.STAFF)
    return Tenant(business=business, number=number, owner=owner, staff=staff)


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant(name="Acme Plumbing")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant(name="Rival Heating")


@pytest.fixture
def outsider(other_tenant: Tenant) -> User:
    """A user of another business: every page and endpoint of `tenant` is a 404 to them."""
    return other_tenant.owner


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(tenant: Tenant) -> Client:
    return client_for(tenant.owner)


@pytest.fixture
def staff_client(tenant: Tenant) -> Client:
    return client_for(tenant.staff)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return client_for(outsider)


# --- Twilio webhooks, signed as Twilio signs them ----------------------------------------------
def twilio_signature(path: str, params: dict[str, str]) -> str:
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.compute_signature(settings.PUBLIC_BASE_URL + path, params)


class TwilioClient:
    """Posts form-encoded webhooks with a valid X-Twilio-Signature."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()

    def post(self, path: str, params: dict[str, str], *, signature: str | None = None):
        sig = twilio_signature(path, params) if signature is None else signature
        return self.client.post(
            path,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=sig,
        )


@pytest.fixture
def twilio() -> TwilioClient:
    return TwilioClient()


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def new_message_sid() -> str:
    return "SM" + uuid.uuid4().hex


CALLER = "+12125550199"


@pytest.fixture
def outbox():
    """What the memory SMS backend was asked to send."""
    from messaging.gateway import memory_backend

    return memory_backend.outbox


@pytest.fixture
def text_in(tenant, twilio, django_capture_on_commit_callbacks):
    """A customer texts a business through the signed SMS webhook, with on-commit work
    (sends, alerts) run as a committed request would. Returns the webhook's response."""

    def send(
        body: str, *, sid: str | None = None, caller: str = CALLER, to: str | None = None, **extra
    ):
        params = {
            "MessageSid": sid or new_message_sid(),
            "From": caller,
            "To": to or str(tenant.number.phone_number),
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = twilio.post("/webhooks/twilio/sms/incoming/", params)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/xml")
        return response

    return send
