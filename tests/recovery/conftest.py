"""The real parts the recovery tests start: a Redis of the module's own (the broker), the
recording Twilio stand-in, and the environment a real worker or beat runs with."""

from __future__ import annotations

import os

import pytest

from lasso.celery import app
from tests.integration.processes import RedisServer
from tests.integration.test_real_worker import point_celery_at, worker_database_url
from tests.twilio_stub import TwilioStub


@pytest.fixture(scope="module")
def stub():
    server = TwilioStub().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis") / "redis.log")
    server.start()
    previous = app.conf.broker_url
    point_celery_at(server.url)
    yield server
    point_celery_at(previous)
    server.stop()


@pytest.fixture(scope="module")
def worker_env(django_db_setup, private_redis, stub) -> dict[str, str]:
    """The test database, the private Redis, and the real SDK pointed at the stub."""
    return {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": private_redis.url,
        "LASSO_SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": stub.url,
    }
