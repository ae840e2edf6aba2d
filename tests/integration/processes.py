"""The real parts the integration tests start: a private Redis, a private PostgreSQL,
Celery workers, Prism.

Each is a subprocess in its own session, so stopping one never touches the shared services
(PostgreSQL on 5432, Redis on 6379) that other test processes use.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TypeVar

import psycopg
import redis
from django.conf import settings

from tests.waiting import free_port, wait_until

T = TypeVar("T")

REPO = Path(settings.BASE_DIR)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self, argv: list[str], *, env: dict[str, str] | None = None) -> None:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log_since_start(self) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def signal_group(self, sig: int) -> None:
        if self.running:
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self, *, timeout: float = 20.0) -> None:
        """Ask politely (SIGTERM), then SIGKILL the group."""
        if self.proc is None:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the whole group, as the OOM killer or a lost machine would."""
        if self.proc is None:
            return
        self.signal_group(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def fail_if_exited(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(
                f"{self.name} exited with {self.proc.returncode}:\n{self.log_since_start()[-4000:]}"
            )


class RedisServer(Process):
    """A Redis of the test module's own, on a free port, with nothing persisted."""

    def __init__(self, log_path: Path) -> None:
        super().__init__("redis-server", log_path)
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.spawn(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ]
        )

        def answers() -> bool:
            self.fail_if_exited()
            try:
                return bool(self.client().ping())
            except redis.exceptions.ConnectionError:
                return False

        wait_until(answers, timeout=10, message="private redis-server did not start")

    def queue_is_idle(self) -> bool:
        """No task waiting in a queue and none delivered but unacknowledged (running, or
        held by a worker for a countdown)."""
        client = self.client()
        waiting = sum(
            client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list"
        )
        return waiting == 0 and client.hlen("unacked") == 0


class CeleryWorker(Process):
    """`celery -A lasso worker --pool prefork --concurrency 2 -Q celery`, as production runs it."""

    def __init__(self, log_path: Path, env: dict[str, str], *, hostname: str) -> None:
        super().__init__("celery worker", log_path)
        self.env = env
        self.hostname = hostname

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        self.spawn(
            [
                str(celery),
                "-A",
                "lasso",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "-Q",
                "celery",
                "--loglevel",
                "INFO",
                # Only start-up speed: no other workers to sync with or gossip to.
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"{self.hostname}@%h",
            ],
            env=self.env,
        )

        def ready() -> bool:
            self.fail_if_exited()
            return " ready." in self.log_since_start()

        wait_until(ready, timeout=60, message="celery worker did not become ready", interval=0.1)


class Prism(Process):
    """Stoplight Prism mocking Twilio's own OpenAPI spec: it rejects requests the spec does
    not allow and answers valid ones with the spec's example resource."""

    def __init__(self, log_path: Path, *, executable: str, spec: Path) -> None:
        super().__init__("prism", log_path)
        self.executable = executable
        self.spec = spec
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.spawn(
            [self.executable, "mock", "-p", str(self.port), "-h", "127.0.0.1", str(self.spec)]
        )

        def listening() -> bool:
            self.fail_if_exited()
            return port_open(self.port)

        wait_until(listening, timeout=90, message="prism did not start listening", interval=0.1)


def postgres_bin(name: str) -> str:
    """A server binary of the newest PostgreSQL installed (as scripts/lib.sh finds them)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if not found:
        raise RuntimeError(f"no PostgreSQL {name} under /usr/lib/postgresql/*/bin")
    return str(found[-1])


class PostgresServer(Process):
    """A PostgreSQL of the test module's own: its own data directory (initdb), a free port,
    a socket directory of its own, run as the `postgres` OS user when we are root (the
    server refuses to run as root). It can be stopped and started again on the same data,
    as an outage would, without touching the shared server on 5432.

    Durability is traded for speed (fsync off): the data only has to outlive a clean stop.
    """

    USER = "lasso"
    PASSWORD = "lasso"
    DATABASE = "lasso"

    def __init__(self, log_path: Path) -> None:
        super().__init__("postgres", log_path)
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lasso-pg-"))
        self.data = self.root / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, user="postgres", group="postgres")

    @property
    def url(self) -> str:
        return f"postgres://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{self.DATABASE}"

    def connect(self, *, database: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.USER,
            password=self.PASSWORD,
            dbname=database,
            autocommit=True,
            connect_timeout=2,
        )

    def answers(self) -> bool:
        try:
            with self.connect(database="postgres") as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def init(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(self.PASSWORD)
        if self.as_user:
            shutil.chown(pwfile, user="postgres", group="postgres")
        subprocess.run(
            [
                *self.as_user,
                postgres_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                self.USER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        if not self.data.exists():
            self.init()
        self.spawn(
            [
                *self.as_user,
                postgres_bin("postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        )

        def up() -> bool:
            self.fail_if_exited()
            return self.answers()

        wait_until(up, timeout=30, message="private postgres did not start", interval=0.1)
        with self.connect(database="postgres") as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.DATABASE]
            ).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE {self.DATABASE}")

    def stop(self, *, timeout: float = 20.0) -> None:
        """A fast shutdown (SIGINT): connections are cut, as when a server goes away."""
        if self.proc is None:
            return
        self.signal_group(signal.SIGINT)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
