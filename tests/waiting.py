"""Small helpers for starting local servers, shared by the integration tests and bench/."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    check: Callable[[], T], *, timeout: float, message: str, interval: float = 0.05
) -> T:
    """Poll `check` until it returns something truthy; raise TimeoutError with `message`
    at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} (waited {timeout}s)")
        time.sleep(interval)
