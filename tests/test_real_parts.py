"""The suite refuses to run on stand-ins: without PostgreSQL or Redis it stops at start and
names the missing service, instead of passing on a SQLite file and a local-memory cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.waiting import free_port

ROOT = Path(__file__).resolve().parents[1]


def pytest_with(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    for name, value in env.items():
        if value:
            environment[name] = value
        else:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "tests/consent/test_keywords.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": ""}, "PostgreSQL: DATABASE_URL is not a postgres:// URL"),
        ({"DATABASE_URL": "sqlite:////tmp/lasso-test.sqlite3"}, "PostgreSQL: DATABASE_URL"),
        ({"REDIS_URL": ""}, "Redis: REDIS_URL is not set"),
        (
            {"REDIS_URL": "redis://127.0.0.1:{port}/0"},
            "Redis: redis://127.0.0.1:{port}/0 does not answer",
        ),
        (
            {"DATABASE_URL": "postgres://lasso:lasso@127.0.0.1:{port}/lasso"},
            "PostgreSQL: 127.0.0.1:{port} does not answer",
        ),
    ],
    ids=["no-database-url", "sqlite", "no-redis-url", "redis-down", "postgres-down"],
)
def test_it_refuses_to_run_without_the_real_services(env, named):
    port = str(free_port())
    result = pytest_with(**{k: v.replace("{port}", port) for k, v in env.items()})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert named.replace("{port}", port) in output, output[-2000:]
    assert " passed" not in output
