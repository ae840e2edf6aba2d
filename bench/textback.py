"""Text-back benchmark: signed missed-call webhooks at a fixed rate, through gunicorn,
PostgreSQL, Redis and a Celery worker, to a recording Twilio stand-in.

Every call is a distinct caller and CallSid, played as Twilio plays a forwarded call that
nobody answers: POST voice/incoming/, then POST voice/dial-complete/ with
DialCallStatus=no-answer (the "missed-call webhook"). Calls start on a fixed schedule
(open loop): a slow server does not slow the arrivals down.

Printed: webhook latency p50/p99, missed-call-webhook-to-Twilio-request latency p50/p99
(the stand-in records each request's arrival; matched by To number), sends, duplicates
(callers texted more than once) and lost (callers never texted).

Everything it needs it creates and removes: a `lasso_bench_<pid>` database, a private
Redis, the Twilio stand-in, gunicorn, a Celery worker and beat. From the repository root:

    .venv/bin/python bench/textback.py            # 50 calls/s for 60 s
    .venv/bin/python bench/textback.py --rate 20 --duration 10
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
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
from tests.waiting import free_port, wait_until  # noqa: E402 - needs the repository on the path

VENV_BIN = Path(sys.executable).parent
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
BUSINESS_NUMBER = "+14155550100"
FORWARD_TO = "+13125550100"
VOICE = "/webhooks/twilio/voice/"


# --- processes --------------------------------------------------------------------------
class Processes:
    """Every subprocess the bench starts, each in its own process group; stopped in reverse."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.started.append((name, proc))
        return proc

    def check_alive(self) -> None:
        for name, proc in self.started:
            if proc.poll() is not None:
                raise SystemExit(
                    f"bench: {name} exited with {proc.returncode}; see {self.log_dir}/{name}.log"
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
    with psycopg.connect(**admin) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench: manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


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


def callers(count: int) -> list[str]:
    """`count` distinct, valid US mobile-style numbers (none the business's own)."""
    numbers = []
    for i in range(count):
        exchange, line = 201 + i // 10000, i % 10000
        number = f"+1212{exchange:03d}{line:04d}"
        parsed = phonenumbers.parse(number)
        if not phonenumbers.is_valid_number(parsed):
            raise SystemExit(f"bench: generated caller {number} is not a valid number")
        numbers.append(number)
    return numbers


def run_load(driver: Driver, *, rate: float, duration: float, threads: int) -> list[CallResult]:
    total = int(rate * duration)
    results = [CallResult(caller=c, scheduled_at=0.0) for c in callers(total)]
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
    with psycopg.connect(bench_db_url) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM messaging_message WHERE kind = 'textback' GROUP BY status"
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
        f"({total} calls, {2 * total} webhooks); gunicorn {args.gunicorn_workers} sync workers, "
        f"celery prefork {args.celery_concurrency}, {os.cpu_count()} CPUs"
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
    ours = sum(components.values())
    busy, capacity = cpu.machine()
    per_call = "  ".join(
        f"{name} {seconds / total * 1000:.1f}"
        for name, seconds in sorted(components.items(), key=lambda kv: -kv[1])
    )
    print(f"CPU ms per call: {per_call}  = {ours / total * 1000:.1f} ms")
    # Backends that live under a second escape the sampler: count connections instead.
    print(
        f"PostgreSQL connections opened during the run: {cpu.sessions} "
        f"({cpu.sessions / total:.2f} per call; postgres CPU above misses backends that "
        "lived under a second)"
    )
    print(
        f"machine CPU during the run: {busy / capacity:.0%} busy; this bench "
        f"{ours / capacity:.0%}, everything else on the machine {max(0.0, busy - ours) / capacity:.0%}"
    )
    met = (
        percentile(to_twilio, 99) <= 1.0
        and duplicates == 0
        and lost == 0
        and webhook_errors == 0
        and len(to_twilio) == total
    )
    print(
        "target (webhook -> Twilio p99 <= 1 s, 0 duplicates, 0 lost): "
        + ("MET" if met else "MISSED")
    )
    return met


# --- main ---------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="missed calls per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=200, help="driver threads (max calls in flight)"
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=60.0, help="seconds to wait for the last texts"
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

    log_dir = Path(tempfile.mkdtemp(prefix="lasso-bench-"))
    bench_db_url, admin = database_urls(args.database_url, args.db_name)
    procs = Processes(log_dir)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
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
            except redis.exceptions.ConnectionError:
                return False

        wait_until(redis_up, timeout=10, message="private redis did not start")

        procs.start(
            "twilio-stub",
            [str(VENV_BIN / "python"), "-u", "-m", "tests.twilio_stub", "--auth-token", AUTH_TOKEN],
            dict(os.environ),
        )
        stub_log = log_dir / "twilio-stub.log"
        first_line = wait_until(
            lambda: (procs.check_alive(), stub_log.read_text().strip())[1],
            timeout=15,
            message="the Twilio stand-in did not start",
        )
        stub_url = first_line.splitlines()[0].removeprefix("listening on ").strip()

        env = {
            **os.environ,
            "SECRET_KEY": "bench-only-secret-key",
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
        }
        print("bench: migrating and creating the business", flush=True)
        manage(env, "migrate", "--noinput")
        manage(
            env,
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

        procs.start(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "lasso.wsgi:application",
                "--workers",
                str(args.gunicorn_workers),
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
                "prefork",
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
            return http_get(f"{public_base_url}/healthz")[0] == 200

        wait_until(web_up, timeout=60, message="gunicorn did not answer /healthz")

        def worker_consuming() -> bool:
            # A worker waiting for tasks is blocked in BRPOP on the queue.
            procs.check_alive()
            return any(client.get("cmd") == "brpop" for client in broker.client_list())

        wait_until(
            worker_consuming, timeout=60, message="the celery worker did not start consuming"
        )

        print(
            f"bench: {args.rate:g} calls/s for {args.duration:g} s against {public_base_url}",
            flush=True,
        )
        driver = Driver(host="127.0.0.1", port=web_port, public_base_url=public_base_url)
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
        status, body = http_get(f"{stub_url}/_stub/requests", timeout=10)
        records = json.loads(body) if status == 200 else []
        met = report(args, results, records, message_statuses(bench_db_url), cpu)
        return 0 if met else 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
        if not args.keep:
            with contextlib.suppress(psycopg.Error):
                recreate_database(admin, args.db_name, drop_only=True)
            for path in sorted(log_dir.glob("*"), reverse=True):
                path.unlink()
            log_dir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
