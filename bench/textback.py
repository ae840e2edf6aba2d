"""Text-back benchmark: signed missed-call webhooks at a fixed rate, through gunicorn,
PostgreSQL, Redis and a Celery worker, to a recording Twilio stand-in.

Every call is a distinct caller and CallSid, played as Twilio plays a forwarded call that
nobody answers: POST voice/incoming/, then POST voice/dial-complete/ with
DialCallStatus=no-answer (the "missed-call webhook"). Calls start on a fixed schedule
(open loop): a slow server does not slow the arrivals down.

Printed: webhook latency p50/p99, missed-call-webhook-to-Twilio-request latency p50/p99
(the stand-in records each request's arrival; matched by To number), sends, duplicates
(callers texted more than once), lost (callers never texted), CPU per call by process, and
the requests per second of signed webhooks beside a bare view on the same gunicorn (the
web tier alone, the worker stopped for that phase and its backlog checked afterwards; and,
for information, with the worker recording and texting on the same cores); each against its
target (bench/README.md). Exit 0: every target met; 1: one missed; 2: the
bench could not start (one line says why).

Everything it needs it creates and removes: a `lasso_bench_<pid>` database, a private
Redis, the Twilio stand-in, gunicorn, a Celery worker and beat. From the repository root:

    .venv/bin/python bench/textback.py            # 50 calls/s for 60 s
    .venv/bin/python bench/textback.py --rate 20 --duration 10
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import phonenumbers
import psycopg
import redis
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.seeding import HISTORY_AREA  # noqa: E402 - needs the repository on the path
from tests.waiting import free_port, wait_until  # noqa: E402

VENV_BIN = Path(sys.executable).parent
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
BUSINESS_NUMBER = "+14155550100"
FORWARD_TO = "+13125550100"
VOICE = "/webhooks/twilio/voice/"

# Sync workers, as every figure in bench/README.md was taken. Production's gthread
# (docker-compose.yml: --threads 4) doubles the signed webhooks' closed-loop throughput but
# costs more CPU per call (a connection per thread): both in bench/README.md.
GUNICORN_WORKERS = 3
GUNICORN_THREADS = 1
CELERY_POOL = "prefork"
CELERY_CONCURRENCY = 2
# A business that has been running a while, as production's are (bench/seeding.py): a
# month and a half of missed calls at 500 a day.
HISTORY_CALLERS = 20_000

# What a missed call may cost, and how fast its text must leave.
TARGET_TO_TWILIO = 0.250  # s, p99, missed-call webhook -> the Messages request
TARGET_WEBHOOK = 0.100  # s, p99, every webhook's answer
TARGET_CPU_MS = 15.0  # CPU ms per missed call, Lasso's own processes together
TARGET_THROUGHPUT_RATIO = 0.5  # signed webhooks per second / bare views per second
# The processes that are Lasso (not the load driver, not the Twilio stand-in).
LASSO_PARTS = {"gunicorn", "celery-worker", "celery-beat", "postgres", "redis"}


# --- processes --------------------------------------------------------------------------
class BenchFailed(Exception):
    """The bench could not start (or a part of it died): one line for a person, exit 2."""


class Processes:
    """Every subprocess the bench starts, each in its own process group; stopped in reverse."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        try:
            proc = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise BenchFailed(f"could not start {name} ({argv[0]}): {exc.strerror or exc}") from exc
        self.started.append((name, proc))
        return proc

    def check_alive(self) -> None:
        for name, proc in self.started:
            if proc.poll() is not None:
                raise BenchFailed(
                    f"{name} exited with {proc.returncode}; see {self.log_dir}/{name}.log"
                )

    def stop_all(self) -> None:
        for _name, proc in reversed(self.started):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in reversed(self.started):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.started.clear()


def database_urls(base_url: str, name: str) -> tuple[str, dict[str, object]]:
    parts = urlsplit(base_url)
    bench_url = parts._replace(path=f"/{name}").geturl()
    admin = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "",
        "password": parts.password or "",
        "dbname": "postgres",
        "autocommit": True,
    }
    return bench_url, admin


def recreate_database(admin: dict[str, object], name: str, *, drop_only: bool = False) -> None:
    try:
        with psycopg.connect(connect_timeout=10, **admin) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BenchFailed(
            f"PostgreSQL at {admin['host']}:{admin['port']} (user {admin['user']!r}) "
            f"cannot create the bench database: {first}"
        ) from exc


def manage(env: dict[str, str], log_dir: Path, *args: str) -> str:
    log = log_dir / "manage.log"
    try:
        result = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchFailed(f"manage.py {args[0]} took over 10 minutes") from exc
    with log.open("a") as out:
        out.write(f"$ manage.py {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchFailed(f"manage.py {args[0]} failed: {last[:300]} (whole output: {log})")
    return result.stdout


def ready(check: object, *, timeout: float, what: str, log: Path | None = None) -> object:
    """wait_until, with a deadline turned into one line naming what did not come up."""
    try:
        return wait_until(check, timeout=timeout, message=what, interval=0.2)  # type: ignore[arg-type]
    except TimeoutError as exc:
        where = f"; see {log}" if log else ""
        raise BenchFailed(f"{what} within {timeout:g} s{where}") from exc


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except OSError:
        return 0, b""


# --- where the CPU goes --------------------------------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rpartition(")")[2].split()  # fields from "state" on; comm may hold spaces


def process_cpu(pid: int) -> float | None:
    fields = _stat_fields(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_group(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[2]) == pgid:
                pids.append(int(entry))
    return pids


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


class CpuMeter:
    """Samples the CPU time of every process the bench started (by process group) and of
    the PostgreSQL backends serving the bench database, once a second, so a process that
    exits mid-run (a connection recycled after CONN_MAX_AGE) still counts."""

    def __init__(self, procs: Processes, admin: dict[str, object], db_name: str) -> None:
        self.procs = procs
        self.admin = admin
        self.db_name = db_name
        self.baseline: dict[int, float] = {}
        self.latest: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _postgres_pids(self) -> list[int]:
        with psycopg.connect(**self.admin) as conn:  # type: ignore[arg-type]
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.db_name,)
            ).fetchall()
        return [pid for (pid,) in rows]

    def _sample(self) -> dict[int, tuple[str, float]]:
        seen: dict[int, tuple[str, float]] = {}
        for name, proc in self.procs.started:
            for pid in process_group(proc.pid):
                cpu = process_cpu(pid)
                if cpu is not None:
                    seen[pid] = (name, cpu)
        for pid in self._postgres_pids():
            cpu = process_cpu(pid)
            if cpu is not None:
                seen[pid] = ("postgres", cpu)
        return seen

    def _sessions(self) -> int:
        """Connections ever opened to the bench database (PostgreSQL 14+)."""
        with psycopg.connect(**self.admin) as conn:  # type: ignore[arg-type]
            row = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", (self.db_name,)
            ).fetchone()
        return int(row[0]) if row else 0

    def start(self) -> None:
        self.sessions_start = self._sessions()
        self.baseline = {pid: cpu for pid, (_, cpu) in self._sample().items()}
        self.machine_start = machine_cpu()
        self.driver_start = time.process_time()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.latest.update(self._sample())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.latest.update(self._sample())
        self.machine_end = machine_cpu()
        self.sessions = self._sessions() - self.sessions_start
        self.driver_cpu = time.process_time() - self.driver_start

    def by_component(self) -> dict[str, float]:
        totals: Counter[str] = Counter()
        for pid, (name, cpu) in self.latest.items():
            totals[name] += cpu - self.baseline.get(pid, 0.0)
        totals["bench driver"] = self.driver_cpu
        return dict(totals)

    def machine(self) -> tuple[float, float]:
        """(busy CPU seconds, wall seconds x CPUs) over the run, for the whole machine."""
        return (
            self.machine_end[0] - self.machine_start[0],
            self.machine_end[1] - self.machine_start[1],
        )


# --- the load -----------------------------------------------------------------------------
@dataclass
class CallResult:
    caller: str
    scheduled_at: float
    started_at: float = 0.0
    incoming_seconds: float = math.nan
    incoming_status: int = 0
    missed_sent_at: float = 0.0  # wall clock, comparable with the stand-in's arrival times
    missed_seconds: float = math.nan
    missed_status: int = 0
    error: str = ""


@dataclass
class Driver:
    host: str
    port: int
    public_base_url: str
    validator: RequestValidator = field(default_factory=lambda: RequestValidator(AUTH_TOKEN))

    def post(self, path: str, params: dict[str, str]) -> tuple[int, float, float]:
        """(status, seconds, wall-clock start) of one signed webhook."""
        body = urlencode(params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(
                self.public_base_url + path, params
            ),
            "User-Agent": "TwilioProxy/1.1",
        }
        wall = time.time()
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        finally:
            conn.close()
        return status, time.perf_counter() - start, wall

    def post_raw(self, path: str, body: str) -> int:
        """Status of one unsigned form POST (the bare view)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def play_missed_call(self, result: CallResult) -> CallResult:
        result.started_at = time.monotonic()
        # A driver thread that starts late (all busy waiting on a slow server) must not hide
        # that wait: Twilio would have sent the webhook on schedule.
        lag = max(0.0, result.started_at - result.scheduled_at)
        sid = "CA" + uuid.uuid4().hex
        try:
            result.incoming_status, incoming_seconds, _ = self.post(
                VOICE + "incoming/",
                {
                    "AccountSid": ACCOUNT_SID,
                    "CallSid": sid,
                    "From": result.caller,
                    "To": BUSINESS_NUMBER,
                    "CallStatus": "ringing",
                    "Direction": "inbound",
                },
            )
            result.incoming_seconds = lag + incoming_seconds
            result.missed_status, result.missed_seconds, result.missed_sent_at = self.post(
                VOICE + "dial-complete/",
                {
                    "AccountSid": ACCOUNT_SID,
                    "CallSid": sid,
                    "From": result.caller,
                    "To": BUSINESS_NUMBER,
                    "CallStatus": "in-progress",
                    "DialCallStatus": "no-answer",
                    "DialCallDuration": "0",
                    "DialCallSid": "CA" + uuid.uuid4().hex,
                },
            )
        except OSError as exc:
            result.error = repr(exc)
        return result


@dataclass
class Throughput:
    per_second: float
    errors: int
    requests: int
    cpu: dict[str, float]  # CPU seconds by component over the phase

    def ms_per_request(self, component: str) -> float:
        return self.cpu.get(component, 0.0) * 1000 / self.requests if self.requests else 0.0


def measured_throughput(
    driver: Driver,
    meter: CpuMeter,
    *,
    bare: bool,
    seconds: float,
    clients: int,
    first_caller: int = 0,
    callers: list[str] | None = None,
) -> Throughput:
    """`throughput`, with the CPU each of Lasso's processes spent meanwhile."""
    meter.start()
    per_second, errors, requests = throughput(
        driver,
        bare=bare,
        seconds=seconds,
        clients=clients,
        first_caller=first_caller,
        callers=callers,
    )
    meter.stop()
    return Throughput(per_second, errors, requests, meter.by_component())


def throughput(
    driver: Driver,
    *,
    bare: bool,
    seconds: float,
    clients: int,
    first_caller: int,
    callers: list[str] | None = None,
) -> tuple[float, int, int]:
    """(answered requests per second, errors, answered requests), closed loop: `clients`
    threads each send their
    next request as soon as the last is answered. bare: POST the bench's empty view with a
    webhook's body; else play signed missed calls (incoming, then dial-complete), each from
    a new caller numbered from `first_caller`, whose text-backs the worker sends meanwhile."""
    deadline = time.monotonic() + seconds
    counter = itertools.count(first_caller)
    answered: list[int] = [0] * clients
    errors: list[int] = [0] * clients
    body = urlencode(
        {
            "AccountSid": ACCOUNT_SID,
            "CallSid": "CA" + "0" * 32,
            "From": "+13122010000",
            "To": BUSINESS_NUMBER,
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
    )

    def client(index: int) -> None:
        while time.monotonic() < deadline:
            try:
                if bare:
                    status = driver.post_raw("/_bench/bare/", body)
                    ok = status == 200
                    done = 1
                else:
                    n = next(counter)
                    caller = f"+1718{201 + n // 10000:03d}{n % 10000:04d}"
                    if callers is not None:
                        callers.append(caller)  # list.append is atomic
                    result = driver.play_missed_call(
                        CallResult(caller=caller, scheduled_at=time.monotonic())
                    )
                    ok = not result.error and result.incoming_status == result.missed_status == 200
                    done = 2
            except OSError:
                ok, done = False, 1
            if ok:
                answered[index] += done
            else:
                errors[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return sum(answered) / elapsed, sum(errors), sum(answered)


def callers(count: int, area: str = "212") -> list[str]:
    """`count` distinct, valid US mobile-style numbers (none the business's own); each area
    code is its own set of callers (the load, the warm-up, the throughput comparison)."""
    numbers = []
    for i in range(count):
        exchange, line = 201 + i // 10000, i % 10000
        number = f"+1{area}{exchange:03d}{line:04d}"
        parsed = phonenumbers.parse(number)
        if not phonenumbers.is_valid_number(parsed):
            raise SystemExit(f"bench: generated caller {number} is not a valid number")
        numbers.append(number)
    return numbers


def run_load(
    driver: Driver, *, rate: float, duration: float, threads: int, area: str = "212"
) -> list[CallResult]:
    total = int(rate * duration)
    results = [CallResult(caller=c, scheduled_at=0.0) for c in callers(total, area)]
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="call")
    futures = []
    t0 = time.monotonic() + 0.5
    for i, result in enumerate(results):
        result.scheduled_at = t0 + i / rate
        delay = result.scheduled_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(driver.play_missed_call, result))
    for future in futures:
        future.result()
    pool.shutdown()
    return results


# --- figures ------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def broker_idle(client: redis.Redis) -> bool:
    waiting = sum(
        client.llen(key) for key in client.scan_iter("celery*") if client.type(key) == b"list"
    )
    return waiting == 0 and client.hlen("unacked") == 0


def message_statuses(bench_db_url: str) -> Counter[str]:
    """The statuses of the text-backs the bench's callers got (not the earlier callers')."""
    with psycopg.connect(bench_db_url) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM messaging_message WHERE kind = 'textback'"
            " AND to_number NOT LIKE %s GROUP BY status",
            [f"+1{HISTORY_AREA}%"],
        ).fetchall()
    return Counter(dict(rows))


def report(
    args: argparse.Namespace,
    results: list[CallResult],
    records: list[dict[str, object]],
    statuses: Counter[str],
    cpu: CpuMeter,
) -> bool:
    total = len(results)
    webhook = [r.incoming_seconds for r in results] + [r.missed_seconds for r in results]
    webhook = [s for s in webhook if not math.isnan(s)]
    webhook_errors = sum(
        1 for r in results if r.error or r.incoming_status != 200 or r.missed_status != 200
    )
    start_lag = max((r.started_at - r.scheduled_at for r in results), default=0.0)

    sent_to_callers = {r.caller for r in results}
    arrivals: dict[str, list[float]] = {}
    sends = 0
    for record in records:
        form = record["form"]
        assert isinstance(form, dict)
        to = str(form.get("To", ""))
        if record["status"] == 201 and to in sent_to_callers:
            sends += 1
            arrivals.setdefault(to, []).append(float(record["arrived_at"]))  # type: ignore[arg-type]
    duplicates = sum(len(times) - 1 for times in arrivals.values())
    lost = sum(1 for r in results if r.caller not in arrivals)
    to_twilio = [
        min(arrivals[r.caller]) - r.missed_sent_at
        for r in results
        if r.caller in arrivals and r.missed_sent_at
    ]

    print()
    print(
        f"Lasso text-back benchmark: {args.rate:g} missed calls/s for {args.duration:g} s "
        f"({total} calls, {2 * total} webhooks); gunicorn {' '.join(gunicorn_options(args))}, "
        f"celery {args.celery_pool} {args.celery_concurrency}, {os.cpu_count()} CPUs; "
        f"{args.history} earlier callers"
    )
    print(
        f"webhook latency:                      p50 {ms(percentile(webhook, 50))}   "
        f"p99 {ms(percentile(webhook, 99))}   max {ms(max(webhook, default=math.nan))}"
    )
    incoming = [r.incoming_seconds for r in results if not math.isnan(r.incoming_seconds)]
    missed = [r.missed_seconds for r in results if not math.isnan(r.missed_seconds)]
    print(
        f"  voice/incoming:                     p50 {ms(percentile(incoming, 50))}   "
        f"p99 {ms(percentile(incoming, 99))}"
    )
    print(
        f"  voice/dial-complete (missed):       p50 {ms(percentile(missed, 50))}   "
        f"p99 {ms(percentile(missed, 99))}"
    )
    print(
        f"missed-call webhook -> Twilio request: p50 {ms(percentile(to_twilio, 50))}   "
        f"p99 {ms(percentile(to_twilio, 99))}   max {ms(max(to_twilio, default=math.nan))}"
    )
    print(f"sends: {sends}   duplicates: {duplicates}   lost: {lost}")
    print(
        f"webhook errors: {webhook_errors}   driver start lag max: {ms(start_lag)}   "
        f"text-back statuses: {dict(sorted(statuses.items()))}"
    )
    components = cpu.by_component()
    busy, capacity = cpu.machine()
    per_call = "  ".join(
        f"{name} {seconds / total * 1000:.1f}"
        for name, seconds in sorted(components.items(), key=lambda kv: -kv[1])
    )
    everything = sum(components.values())
    lasso = sum(seconds for name, seconds in components.items() if name in LASSO_PARTS)
    lasso_ms = lasso / total * 1000
    print(f"CPU ms per call: {per_call}")
    print(
        f"CPU ms per call, Lasso ({' + '.join(sorted(LASSO_PARTS))}): {lasso_ms:.1f} ms   "
        f"(with the stand-in and the driver: {everything / total * 1000:.1f} ms)"
    )
    # Backends that live under a second escape the sampler: count connections instead.
    print(
        f"PostgreSQL connections opened during the run: {cpu.sessions} "
        f"({cpu.sessions / total:.2f} per call; postgres CPU above misses backends that "
        "lived under a second)"
    )
    print(
        f"machine CPU during the run: {busy / capacity:.0%} busy; this bench "
        f"{everything / capacity:.0%}, everything else on the machine "
        f"{max(0.0, busy - everything) / capacity:.0%}"
    )
    checks = {
        f"webhook -> Twilio p99 <= {TARGET_TO_TWILIO * 1000:.0f} ms": percentile(to_twilio, 99)
        <= TARGET_TO_TWILIO,
        f"webhook p99 < {TARGET_WEBHOOK * 1000:.0f} ms": percentile(webhook, 99) < TARGET_WEBHOOK,
        "0 duplicates": duplicates == 0,
        "0 lost": lost == 0 and len(to_twilio) == total,
        "0 webhook errors": webhook_errors == 0,
        f"Lasso CPU <= {TARGET_CPU_MS:g} ms per call": lasso_ms <= TARGET_CPU_MS,
    }
    for name, ok in checks.items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")
    return all(checks.values())


def report_throughput(bare: Throughput, signed: Throughput) -> bool:
    """The whole of Lasso on the same cores: information beside the web tier's target."""
    ratio = signed.per_second / bare.per_second if bare.per_second else 0.0
    print(
        f"  with the worker recording and texting them on the same cores meanwhile: "
        f"{signed.per_second:.0f} req/s ({signed.errors} errors), {ratio:.0%} of the bare "
        "view (information)"
    )
    parts = ("gunicorn", "celery-worker", "postgres", "redis")
    print(
        "    CPU ms per request: " + " ".join(f"{p} {signed.ms_per_request(p):.2f}" for p in parts)
    )
    return signed.errors == 0


# --- profiles -----------------------------------------------------------------------------
def start_profiles(
    procs: Processes,
    out_dir: Path,
    seconds: float,
    tag: str,
    raw: bool = False,
    gil: bool = False,
) -> list[subprocess.Popen[bytes]]:
    """py-spy flame graphs (on-CPU samples) of gunicorn and the celery worker, each with its
    child processes, for the load's duration. `gil`: only threads holding the GIL, i.e.
    running Python, not waiting on a socket."""
    py_spy = VENV_BIN / "py-spy"
    if not py_spy.exists():
        raise BenchFailed(
            f"--profile needs py-spy in the virtualenv ({py_spy}): pip install py-spy"
        )
    spies = []
    for name, proc in procs.started:
        if name in {"gunicorn", "celery-worker"}:
            out = out_dir / f"flame-{name}{tag}.{'txt' if raw else 'svg'}"
            spies.append(
                subprocess.Popen(
                    [
                        str(py_spy),
                        "record",
                        "--pid",
                        str(proc.pid),
                        "--subprocesses",
                        "--rate",
                        "200",
                        "--duration",
                        str(int(seconds)),
                        "--nonblocking",
                        *(["--gil"] if gil else []),
                        "--format",
                        "raw" if raw else "flamegraph",
                        "--output",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=(procs.log_dir / f"py-spy-{name}.log").open("ab"),
                )
            )
    return spies


# --- main ---------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="missed calls per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--gunicorn-workers", type=int, default=GUNICORN_WORKERS)
    parser.add_argument(
        "--gunicorn-threads", type=int, default=GUNICORN_THREADS, help="1: sync workers"
    )
    parser.add_argument("--celery-concurrency", type=int, default=CELERY_CONCURRENCY)
    parser.add_argument(
        "--celery-pool", default=CELERY_POOL, choices=["prefork", "threads", "solo"]
    )
    parser.add_argument(
        "--threads", type=int, default=200, help="driver threads (max calls in flight)"
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="seconds to wait for the last texts"
    )
    parser.add_argument(
        "--history",
        type=int,
        default=HISTORY_CALLERS,
        help="earlier missed callers the business has (calls, texts, contacts, ledger) before "
        "the bench starts, with the tables' statistics taken as autovacuum would (0: start "
        "from empty tables)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of calls (at most 20/s, other callers) before the measured load",
    )
    parser.add_argument(
        "--startup-timeout",
        type=float,
        default=180.0,
        help="seconds each part may take to come up (generous: the machine may be busy)",
    )
    parser.add_argument(
        "--throughput-seconds",
        type=float,
        default=10.0,
        help="seconds of each side of the bare-view / signed-webhook throughput comparison "
        "(0: skip it)",
    )
    parser.add_argument("--throughput-clients", type=int, default=16)
    parser.add_argument(
        "--profile",
        metavar="TAG",
        default=None,
        help="record py-spy flame graphs of gunicorn and the worker during the load into "
        "bench/flame-<process><TAG>.svg (the profiler slows them: figures from such a run "
        "are not the benchmark's)",
    )
    parser.add_argument(
        "--profile-raw",
        action="store_true",
        help="with --profile: collapsed stacks (.txt, one line a stack) instead of SVG",
    )
    parser.add_argument(
        "--profile-gil",
        action="store_true",
        help="with --profile: sample only threads holding the GIL (running Python), so a "
        "thread waiting on PostgreSQL or Twilio does not show as busy",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://lasso:lasso@127.0.0.1:5432/lasso"),
        help="any database on the PostgreSQL server; the bench creates its own beside it",
    )
    parser.add_argument(
        "--db-name",
        default=f"lasso_bench_{os.getpid()}",
        help="the database the bench creates and drops (default: one per run, so two runs "
        "never share one)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and logs afterwards")
    args = parser.parse_args()

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    log_dir = Path(tempfile.mkdtemp(prefix="lasso-bench-"))
    procs = Processes(log_dir)
    bench_db_url, admin = database_urls(args.database_url, args.db_name)
    failed = False
    try:
        return run(args, log_dir, procs, bench_db_url, admin)
    except BenchFailed as exc:
        print(f"bench: {exc}", file=sys.stderr)
        failed = True
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # anything unforeseen: still one line, not a traceback
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(f"bench: failed: {type(exc).__name__}: {first}", file=sys.stderr)
        failed = True
        return 2
    finally:
        procs.stop_all()
        if not args.keep:
            with contextlib.suppress(BenchFailed):
                recreate_database(admin, args.db_name, drop_only=True)
        if args.keep:
            print(f"bench: logs kept in {log_dir}", file=sys.stderr)
        elif not (failed and any(log_dir.iterdir())):
            # A failure's message names the log that tells why; nothing else is kept.
            shutil.rmtree(log_dir, ignore_errors=True)


def run(
    args: argparse.Namespace,
    log_dir: Path,
    procs: Processes,
    bench_db_url: str,
    admin: dict[str, object],
) -> int:
    deadline = args.startup_timeout
    redis_port, web_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    public_base_url = f"http://127.0.0.1:{web_port}"

    print(f"bench: logs in {log_dir}", flush=True)
    recreate_database(admin, args.db_name)
    procs.start(
        "redis",
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        dict(os.environ),
    )
    broker = redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=5)

    def redis_up() -> bool:
        procs.check_alive()
        try:
            return bool(broker.ping())
        except redis.exceptions.RedisError:
            return False

    ready(
        redis_up,
        timeout=deadline,
        what="the private redis-server did not answer PING",
        log=log_dir / "redis.log",
    )

    procs.start(
        "twilio-stub",
        [str(VENV_BIN / "python"), "-u", "-m", "tests.twilio_stub", "--auth-token", AUTH_TOKEN],
        dict(os.environ),
    )
    stub_log = log_dir / "twilio-stub.log"

    def stub_listening() -> str:
        procs.check_alive()
        text = stub_log.read_text() if stub_log.exists() else ""
        return text if text.startswith("listening on ") and "\n" in text else ""

    first_line = str(
        ready(
            stub_listening,
            timeout=deadline,
            what="the Twilio stand-in did not start listening",
            log=stub_log,
        )
    )
    stub_url = first_line.splitlines()[0].removeprefix("listening on ").strip()

    env = {
        **os.environ,
        "SECRET_KEY": "bench-only-secret-key",
        # A fixed Fernet key: the bench stores no real Twilio tokens.
        "FIELD_ENCRYPTION_KEY": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": bench_db_url,
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": public_base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": stub_url,
        "LASSO_SMS_BACKEND": "twilio",
        "DJANGO_SETTINGS_MODULE": "lasso.settings",
        # Serves bench/urls.py: Lasso's URLs and the bare view of the throughput comparison.
        "LASSO_BENCH_BARE_VIEW": "true",
    }
    print("bench: migrating and creating the business", flush=True)
    manage(env, log_dir, "migrate", "--noinput")
    manage(
        env,
        log_dir,
        "create_business",
        "--name",
        "Bench Plumbing",
        "--number",
        BUSINESS_NUMBER,
        "--forward-to",
        FORWARD_TO,
        "--owner-email",
        "owner@bench.example.com",
        "--password",
        uuid.uuid4().hex,
    )
    if args.history > 0:
        print(f"bench: writing {args.history} earlier missed callers", flush=True)
        manage(
            env,
            log_dir,
            "shell",
            "-c",
            "from bench.seeding import seed_missed_callers; "
            f"seed_missed_callers(our_number={BUSINESS_NUMBER!r}, callers={args.history})",
        )

    procs.start(
        "gunicorn",
        [
            str(VENV_BIN / "gunicorn"),
            "lasso.wsgi:application",
            *gunicorn_options(args),
            "--bind",
            f"127.0.0.1:{web_port}",
            "--backlog",
            "2048",
        ],
        env,
    )
    procs.start(
        "celery-worker",
        [
            str(VENV_BIN / "celery"),
            "-A",
            "lasso",
            "worker",
            "--pool",
            args.celery_pool,
            "--concurrency",
            str(args.celery_concurrency),
            "-Q",
            "celery",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"bench-{os.getpid()}@%h",
        ],
        env,
    )
    procs.start(
        "celery-beat",
        [
            str(VENV_BIN / "celery"),
            "-A",
            "lasso",
            "beat",
            "--schedule",
            str(log_dir / "celerybeat-schedule"),
        ],
        env,
    )

    def web_up() -> bool:
        procs.check_alive()
        return http_get(f"{public_base_url}/healthz", timeout=5)[0] == 200

    ready(
        web_up,
        timeout=deadline,
        what="gunicorn did not answer /healthz with 200",
        log=log_dir / "gunicorn.log",
    )

    def worker_consuming() -> bool:
        # A worker waiting for tasks is blocked in BRPOP on the queue.
        procs.check_alive()
        try:
            return any(client.get("cmd") == "brpop" for client in broker.client_list())
        except redis.exceptions.RedisError:
            return False

    ready(
        worker_consuming,
        timeout=deadline,
        what="the celery worker did not start consuming",
        log=log_dir / "celery-worker.log",
    )

    driver = Driver(host="127.0.0.1", port=web_port, public_base_url=public_base_url)
    if args.warmup > 0:
        # Every process imports its code and opens its connections on its first requests
        # and tasks: a one-off per process, not a cost per call, so it is paid before the
        # figures start (its callers are not the measured ones).
        print(f"bench: warming up for {args.warmup:g} s", flush=True)
        run_load(driver, rate=min(args.rate, 20.0), duration=args.warmup, threads=50, area="646")
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: broker_idle(broker), timeout=60, message="warm-up", interval=0.2)
    print(
        f"bench: {args.rate:g} calls/s for {args.duration:g} s against {public_base_url}",
        flush=True,
    )
    spies = (
        start_profiles(
            procs,
            REPO / "bench",
            args.duration + 1,
            args.profile,
            raw=args.profile_raw,
            gil=args.profile_gil,
        )
        if args.profile is not None
        else []
    )
    cpu = CpuMeter(procs, admin, args.db_name)
    cpu.start()
    results = run_load(driver, rate=args.rate, duration=args.duration, threads=args.threads)

    expected = {r.caller for r in results}

    def texted_everyone() -> bool:
        procs.check_alive()
        status, body = http_get(f"{stub_url}/_stub/requests", timeout=10)
        if status != 200:
            return False
        got = {r["form"].get("To") for r in json.loads(body) if r["status"] == 201}
        return expected <= got

    with contextlib.suppress(TimeoutError):
        wait_until(texted_everyone, timeout=args.drain_timeout, message="drain", interval=0.5)
    # Let anything still queued or running finish, so a late duplicate would be counted.
    with contextlib.suppress(TimeoutError):
        wait_until(
            lambda: broker_idle(broker), timeout=30, message="queue did not drain", interval=0.2
        )
    cpu.stop()
    for spy in spies:
        spy.wait(60)
    status, body = http_get(f"{stub_url}/_stub/requests", timeout=10)
    records = json.loads(body) if status == 200 else []
    met = report(args, results, records, message_statuses(bench_db_url), cpu)
    if args.throughput_seconds > 0:
        web_tier_met, bare = report_web_tier(
            driver, procs, admin, args, stub_url, first_caller=WEB_TIER_FIRST_CALLER
        )
        met = web_tier_met and met
        signed = measured_throughput(
            driver,
            CpuMeter(procs, admin, args.db_name),
            bare=False,
            seconds=args.throughput_seconds,
            clients=args.throughput_clients,
        )
        met = report_throughput(bare, signed) and met
    print("all targets met" if met else "some targets MISSED")
    return 0 if met else 1


# The web tier's own phase calls from callers of its own (+1718 3xx-xxxx and up).
WEB_TIER_FIRST_CALLER = 1_000_000
THROUGHPUT_SLICES = 5


def combined(slices: list[Throughput]) -> Throughput:
    """Several measurements of one side as one: requests over the time they took."""
    requests = sum(t.requests for t in slices)
    seconds = sum(t.requests / t.per_second for t in slices if t.per_second)
    cpu: Counter[str] = Counter()
    for t in slices:
        cpu.update(t.cpu)
    return Throughput(
        requests / seconds if seconds else 0.0,
        sum(t.errors for t in slices),
        requests,
        dict(cpu),
    )


def report_web_tier(
    driver: Driver,
    procs: Processes,
    admin: dict[str, object],
    args: argparse.Namespace,
    stub_url: str,
    *,
    first_caller: int,
) -> tuple[bool, Throughput]:
    """The throughput target: signed webhooks against the bare view, side by side in the
    same conditions, the web tier alone, as on a web host of its own: the worker is stopped
    (SIGSTOP) for both sides, then resumed to record and text the signed side's backlog,
    whose callers are then checked (each texted exactly once, none lost). Returns whether
    the targets are met, and the bare view's measurement."""
    workers = [proc for name, proc in procs.started if name == "celery-worker"]
    callers: list[str] = []
    bare_slices: list[Throughput] = []
    alone_slices: list[Throughput] = []
    slice_seconds = args.throughput_seconds / THROUGHPUT_SLICES
    for proc in workers:
        os.killpg(proc.pid, signal.SIGSTOP)
    try:
        # Bare, signed, bare, signed…: the machine's speed drifts by ±10 % over a minute,
        # and alternating short slices gives both sides the same share of it.
        for index in range(THROUGHPUT_SLICES):
            for side, slices in ((True, bare_slices), (False, alone_slices)):
                slices.append(
                    measured_throughput(
                        driver,
                        CpuMeter(procs, admin, args.db_name),
                        bare=side,
                        seconds=slice_seconds,
                        clients=args.throughput_clients,
                        first_caller=first_caller + index * 200_000,
                        callers=callers,
                    )
                )
    finally:
        for proc in workers:
            os.killpg(proc.pid, signal.SIGCONT)
    bare, alone = combined(bare_slices), combined(alone_slices)
    started = time.monotonic()

    def sent() -> Counter[str]:
        status, body = http_get(f"{stub_url}/_stub/requests", timeout=10)
        records = json.loads(body) if status == 200 else []
        wanted = set(callers)
        return Counter(
            r["form"].get("To")
            for r in records
            if r["status"] == 201 and r["form"].get("To") in wanted
        )

    with contextlib.suppress(TimeoutError):
        wait_until(
            lambda: len(sent()) >= len(set(callers)),
            timeout=max(args.drain_timeout, 120.0),
            message="backlog",
            interval=1.0,
        )
    drained = time.monotonic() - started
    texts = sent()
    ratio = alone.per_second / bare.per_second if bare.per_second else 0.0
    print(
        f"throughput, {args.throughput_clients} clients in a closed loop, same gunicorn: "
        f"bare view {bare.per_second:.0f} req/s ({bare.errors} errors); signed missed-call "
        f"webhooks, web tier alone (worker stopped; {THROUGHPUT_SLICES} alternating slices "
        f"a side) {alone.per_second:.0f} req/s "
        f"({alone.errors} errors), {ratio:.0%} of the bare view"
    )
    print(
        f"  gunicorn CPU ms per request: bare view {bare.ms_per_request('gunicorn'):.2f}; "
        f"signed webhook {alone.ms_per_request('gunicorn'):.2f}"
    )
    twice = sum(1 for count in texts.values() if count > 1)
    print(
        f"  then the worker texted the backlog in {drained:.0f} s: {len(texts)} of "
        f"{len(set(callers))} callers, {twice} texted twice"
    )
    checks = {
        f"signed webhooks >= {TARGET_THROUGHPUT_RATIO:.0%} of the bare view, web tier alone "
        f"({ratio:.0%})": ratio >= TARGET_THROUGHPUT_RATIO and alone.errors == 0,
        "its backlog texted, each caller once": len(texts) == len(set(callers))
        and not twice
        and bare.errors == 0,
    }
    for name, ok in checks.items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")
    return all(checks.values()), bare


def gunicorn_options(args: argparse.Namespace) -> list[str]:
    options = ["--workers", str(args.gunicorn_workers)]
    if args.gunicorn_threads > 1:
        options += ["--worker-class", "gthread", "--threads", str(args.gunicorn_threads)]
    return options


if __name__ == "__main__":
    sys.exit(main())
