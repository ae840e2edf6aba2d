"""A recording stand-in for Twilio's 2010-04-01 Messages API, for the real `twilio` SDK.

It answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` the way Twilio does
(201 and a message resource), records every request it receives with its arrival time, and
can be told how to answer the next requests: a 500, a 429 (20429), a 400 with a permanent
error code (21610 opted out, 21211 invalid To, 21614 not a mobile number), or a hang that
outlasts the client's timeout. It also serves recordings' audio
(``GET /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.mp3``) given to it with
``add_recording``; scripted answers apply to those requests too.

The voice side: the account's numbers (``add_number``), listed by PhoneNumber and updated
(``POST …/IncomingPhoneNumbers/{Sid}.json``, the last update kept per number), and the Calls
list (``GET …/Calls.json``, filtered by To, ParentCallSid and StartTime>) over calls given
to it with ``add_call``.

In tests: ``TwilioStub().start()`` (see tests/integration/conftest.py). From the benchmark,
as a process: ``python -m tests.twilio_stub --port 0`` prints ``listening on <url>`` and
serves ``GET /_stub/requests`` (every recorded request, as JSON) until SIGTERM.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import signal
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime, formatdate
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})/Messages\.json$")
NUMBERS_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})/IncomingPhoneNumbers\.json$"
)
NUMBER_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
    r"/IncomingPhoneNumbers/(?P<sid>PN[0-9a-fA-F]{32})\.json$"
)
CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})/Calls\.json$")
RECORDING_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
    r"/Recordings/(?P<sid>RE[0-9a-fA-F]{32})\.mp3$"
)


class Answer(StrEnum):
    """How the stub answers one request."""

    OK = "ok"
    SERVER_ERROR = "500"
    TOO_MANY_REQUESTS = "429"
    OPTED_OUT = "21610"
    INVALID_TO = "21211"
    NOT_MOBILE = "21614"
    HANG = "hang"
    # A gateway in front of Twilio gave up: the message may or may not exist.
    BAD_GATEWAY = "502"
    GATEWAY_TIMEOUT = "504"
    # Twilio creates the message, then the answer never arrives (the client times out).
    CREATED_THEN_HANG = "created-then-hang"


# Status, Twilio error code and message, as Twilio answers them.
ERRORS: dict[Answer, tuple[int, int, str]] = {
    Answer.SERVER_ERROR: (500, 20500, "Internal Server Error"),
    Answer.TOO_MANY_REQUESTS: (429, 20429, "Too Many Requests"),
    Answer.OPTED_OUT: (400, 21610, "Attempt to send to unsubscribed recipient"),
    Answer.INVALID_TO: (400, 21211, "The 'To' number is not a valid phone number."),
    Answer.NOT_MOBILE: (400, 21614, "'To' number is not a valid mobile number"),
    Answer.BAD_GATEWAY: (502, 0, "Bad Gateway"),
    Answer.GATEWAY_TIMEOUT: (504, 0, "Gateway Timeout"),
}


@dataclass(frozen=True)
class Recorded:
    """One request as the stub received it."""

    method: str
    path: str
    account_sid: str
    authorized: bool
    form: dict[str, str]
    arrived_at: float  # time.time(), comparable across processes on this machine
    answer: str
    status: int  # what was answered; 0 when the stub hung up without answering
    sid: str = ""

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def from_(self) -> str:
        return self.form.get("From", "")

    @property
    def body(self) -> str:
        return self.form.get("Body", "")

    @property
    def status_callback(self) -> str:
        return self.form.get("StatusCallback", "")

    @property
    def succeeded(self) -> bool:
        return self.status == 201


@dataclass
class _State:
    records: list[Recorded] = field(default_factory=list)
    queue: deque[Answer] = field(default_factory=deque)
    by_to: dict[str, deque[Answer]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    recordings: dict[str, bytes] = field(default_factory=dict)
    numbers: dict[str, dict[str, str]] = field(default_factory=dict)  # sid → config
    calls: list[dict[str, object]] = field(default_factory=list)


class TwilioStub:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        auth_token: str = "test-auth-token",
        hang_seconds: float = 30.0,
    ) -> None:
        self.auth_token = auth_token
        self.hang_seconds = hang_seconds
        self._lock = threading.Condition()
        self._state = _State()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TwilioStub:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="twilio-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_hangs()
        self._server.shutdown()
        self._server.server_close()

    # --- scripting ------------------------------------------------------------------------
    def script(self, *answers: Answer | str, to: str | None = None) -> None:
        """Answer the next requests (for `to` only, when given) in this order; then OK."""
        with self._lock:
            queue = self._state.queue if to is None else self._state.by_to.setdefault(to, deque())
            queue.extend(Answer(a) for a in answers)

    def add_recording(self, sid: str, audio: bytes) -> None:
        """Serve `audio` as recording `sid`'s MP3 (to any authorized account)."""
        with self._lock:
            self._state.recordings[sid] = audio

    def add_number(self, phone_number: str) -> str:
        """Give the account this number; returns its SID."""
        sid = "PN" + uuid.uuid4().hex
        with self._lock:
            self._state.numbers[sid] = {"PhoneNumber": phone_number}
        return sid

    def number_config(self, phone_number: str) -> dict[str, str]:
        """The number's configuration as updates left it (its last value per parameter)."""
        with self._lock:
            for config in self._state.numbers.values():
                if config["PhoneNumber"] == phone_number:
                    return dict(config)
        raise KeyError(phone_number)

    def add_call(
        self,
        *,
        sid: str,
        to: str,
        from_: str,
        status: str,
        start_time: datetime,
        parent_sid: str = "",
        direction: str = "inbound",
        duration: int = 0,
    ) -> None:
        """A call in Twilio's records (a forwarded leg: its parent's SID, outbound-dial)."""
        with self._lock:
            self._state.calls.append(
                {
                    "sid": sid,
                    "parent_call_sid": parent_sid or None,
                    "to": to,
                    "from": from_,
                    "status": status,
                    "direction": direction,
                    "start_time": start_time,
                    "end_time": start_time + timedelta(seconds=duration + 20),
                    "duration": str(duration),
                }
            )

    def _calls(self, query: dict[str, str]) -> list[dict[str, object]]:
        after = query.get("StartTime>", "")
        since = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
        with self._lock:
            calls = list(self._state.calls)
        return [
            c
            for c in calls
            if (not query.get("To") or c["to"] == query["To"])
            and (not query.get("ParentCallSid") or c["parent_call_sid"] == query["ParentCallSid"])
            and (since is None or c["start_time"] >= since)
        ]

    def _number(self, sid: str, form: dict[str, str] | None = None) -> dict[str, str] | None:
        with self._lock:
            config = self._state.numbers.get(sid)
            if config is not None and form:
                config.update(form)
            return dict(config) if config is not None else None

    def _numbers(self, phone_number: str) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            return [
                (sid, dict(c))
                for sid, c in self._state.numbers.items()
                if not phone_number or c["PhoneNumber"] == phone_number
            ]

    def _recording(self, sid: str) -> bytes | None:
        with self._lock:
            return self._state.recordings.get(sid)

    def release_hangs(self) -> None:
        with self._lock:
            self._state.release.set()

    def reset(self) -> None:
        """Forget every request and script; let any hanging request go."""
        with self._lock:
            self._state.release.set()
            self._state = _State()

    # --- what was received ----------------------------------------------------------------
    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._state.records)

    def sent_to(self, to: str) -> list[Recorded]:
        return [r for r in self.requests if r.to == to]

    def wait_for(
        self, count: int, *, timeout: float = 10.0, to: str | None = None
    ) -> list[Recorded]:
        """Wait until at least `count` requests (to `to`, when given) arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                matching = [r for r in self._state.records if to is None or r.to == to]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} request(s) at the Twilio stub within {timeout}s, "
                        f"got {len(matching)}: {matching}"
                    )
                self._lock.wait(remaining)

    # --- used by the handler --------------------------------------------------------------
    def _next_answer(self, to: str) -> tuple[Answer, threading.Event]:
        with self._lock:
            queue = self._state.by_to.get(to)
            if queue:
                return queue.popleft(), self._state.release
            if self._state.queue:
                return self._state.queue.popleft(), self._state.release
            return Answer.OK, self._state.release

    def _record(self, record: Recorded) -> None:
        with self._lock:
            self._state.records.append(record)
            self._lock.notify_all()


def message_resource(*, account_sid: str, sid: str, form: dict[str, str]) -> dict[str, object]:
    now = formatdate(usegmt=True)
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From", ""),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
        "to": form.get("To", ""),
        "uri": uri,
    }


def call_resource(*, account_sid: str, call: dict[str, object]) -> dict[str, object]:
    sid = call["sid"]
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "sid": sid,
        "parent_call_sid": call["parent_call_sid"],
        "to": call["to"],
        "from": call["from"],
        "status": call["status"],
        "direction": call["direction"],
        "start_time": format_datetime(call["start_time"], usegmt=True),
        "end_time": format_datetime(call["end_time"], usegmt=True),
        "duration": call["duration"],
        "uri": f"/2010-04-01/Accounts/{account_sid}/Calls/{sid}.json",
    }


def number_resource(*, account_sid: str, sid: str, config: dict[str, str]) -> dict[str, object]:
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "sid": sid,
        "phone_number": config["PhoneNumber"],
        "voice_url": config.get("VoiceUrl"),
        "voice_method": config.get("VoiceMethod", "POST"),
        "voice_fallback_url": config.get("VoiceFallbackUrl"),
        "voice_fallback_method": config.get("VoiceFallbackMethod", "POST"),
        "status_callback": config.get("StatusCallback"),
        "status_callback_method": config.get("StatusCallbackMethod", "POST"),
        "sms_url": config.get("SmsUrl"),
        "sms_method": config.get("SmsMethod", "POST"),
        "uri": f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json",
    }


def _page(key: str, path: str, items: list[dict[str, object]]) -> dict[str, object]:
    return {
        key: items,
        "uri": path,
        "first_page_uri": path,
        "next_page_uri": None,
        "previous_page_uri": None,
        "page": 0,
        "page_size": max(50, len(items)),
        "start": 0,
        "end": max(0, len(items) - 1),
    }


def _error(status: int, code: int, message: str) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _handler_for(stub: TwilioStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 so the SDK's session keeps its connection, as it does with Twilio.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm
        # holds the body until the client's delayed ACK (~40 ms), which Twilio never adds.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _send_json(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self, account_sid: str) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return user == account_sid and password == stub.auth_token

        def _send_recording(self, match: re.Match[str]) -> None:
            account_sid = match["account"]
            authorized = self._authorized(account_sid)
            answer, _ = stub._next_answer("") if authorized else (Answer.OK, None)
            audio = stub._recording(match["sid"])
            if not authorized:
                status = 401
            elif answer in ERRORS:
                status = ERRORS[answer][0]
            else:
                status = 200 if audio is not None else 404
            stub._record(
                Recorded(
                    method="GET",
                    path=self.path,
                    account_sid=account_sid,
                    authorized=authorized,
                    form={},
                    arrived_at=time.time(),
                    answer=str(answer),
                    status=status,
                    sid=match["sid"],
                )
            )
            if status == 401:
                self._send_json(401, _error(401, 20003, "Authenticate"))
            elif status == 404:
                self._send_json(404, _error(404, 20404, "The requested resource was not found"))
            elif status != 200:
                _, code, message = ERRORS[answer]
                self._send_json(status, _error(status, code, message))
            else:
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(audio)))
                self.end_headers()
                self.wfile.write(audio)

        def _send_message_list(self, match: re.Match[str], query: dict[str, str]) -> None:
            """Messages.json as Twilio lists it: the messages the stub created for this
            account, filtered by To and From, newest first."""
            account_sid = match["account"]
            if not self._authorized(account_sid):
                self._send_json(401, _error(401, 20003, "Authenticate"))
                return
            created = [
                r
                for r in stub.requests
                if r.method == "POST"
                and r.sid
                and r.account_sid == account_sid
                and (not query.get("To") or r.to == query["To"])
                and (not query.get("From") or r.from_ == query["From"])
            ]
            resources = []
            for r in reversed(created):
                resource = message_resource(account_sid=account_sid, sid=r.sid, form=r.form)
                resource["date_created"] = formatdate(r.arrived_at, usegmt=True)
                resources.append(resource)
            page_size = int(query.get("PageSize") or 50)
            self._send_json(
                200,
                {
                    "messages": resources[:page_size],
                    "end": min(len(resources), page_size) - 1,
                    "first_page_uri": self.path,
                    "next_page_uri": None,
                    "page": 0,
                    "page_size": page_size,
                    "previous_page_uri": None,
                    "start": 0,
                    "uri": self.path,
                },
            )

        def _record_api(self, account_sid: str, form: dict[str, str], status: int) -> bool:
            authorized = self._authorized(account_sid)
            stub._record(
                Recorded(
                    method=self.command,
                    path=self.path,
                    account_sid=account_sid,
                    authorized=authorized,
                    form=form,
                    arrived_at=time.time(),
                    answer="ok",
                    status=status if authorized else 401,
                )
            )
            if not authorized:
                self._send_json(401, _error(401, 20003, "Authenticate"))
            return authorized

        def _voice_get(self) -> bool:
            """The Calls list and the numbers list; False for any other path."""
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            calls, numbers = CALLS_PATH.match(parts.path), NUMBERS_PATH.match(parts.path)
            if calls is not None:
                account = calls["account"]
                if self._record_api(account, query, 200):
                    items = [call_resource(account_sid=account, call=c) for c in stub._calls(query)]
                    self._send_json(200, _page("calls", parts.path, items))
                return True
            if numbers is not None:
                account = numbers["account"]
                if self._record_api(account, query, 200):
                    items = [
                        number_resource(account_sid=account, sid=sid, config=config)
                        for sid, config in stub._numbers(query.get("PhoneNumber", ""))
                    ]
                    self._send_json(200, _page("incoming_phone_numbers", parts.path, items))
                return True
            return False

        def do_GET(self) -> None:  # noqa: N802
            if self._voice_get():
                return
            path, _, raw_query = self.path.partition("?")
            query = {k: v[-1] for k, v in parse_qs(raw_query).items()}
            listing = MESSAGES_PATH.match(path)
            recording = RECORDING_PATH.match(self.path)
            if listing is not None:
                self._send_message_list(listing, query)
            elif recording is not None:
                self._send_recording(recording)
            elif self.path == "/_stub/requests":
                self._send_json(200, [asdict(r) for r in stub.requests])
            elif self.path == "/_stub/health":
                self._send_json(200, {"ok": True})
            else:
                self._send_json(404, _error(404, 20404, "The requested resource was not found"))

        def do_POST(self) -> None:  # noqa: N802
            arrived_at = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            number = NUMBER_PATH.match(self.path)
            if number is not None:
                account = number["account"]
                config = stub._number(number["sid"])
                if self._record_api(account, form, 200 if config else 404):
                    if config is None:
                        self._send_json(
                            404, _error(404, 20404, "The requested resource was not found")
                        )
                    else:
                        config = stub._number(number["sid"], form)
                        self._send_json(
                            200,
                            number_resource(account_sid=account, sid=number["sid"], config=config),
                        )
                return
            match = MESSAGES_PATH.match(self.path)
            if match is None:
                self._send_json(404, _error(404, 20404, "The requested resource was not found"))
                return
            account_sid = match["account"]
            authorized = self._authorized(account_sid)
            answer, release = stub._next_answer(form.get("To", ""))

            def record(status: int, sid: str = "") -> None:
                stub._record(
                    Recorded(
                        method="POST",
                        path=self.path,
                        account_sid=account_sid,
                        authorized=authorized,
                        form=form,
                        arrived_at=arrived_at,
                        answer=str(answer),
                        status=status,
                        sid=sid,
                    )
                )

            if not authorized:
                record(401)
                self._send_json(401, _error(401, 20003, "Authenticate"))
                return
            if answer == Answer.CREATED_THEN_HANG:
                # Twilio has the message (it is listed from now on); the answer is lost.
                record(201, "SM" + uuid.uuid4().hex)
                release.wait(stub.hang_seconds)
                self.close_connection = True
                return
            if answer == Answer.HANG:
                # Recorded first: the request did arrive, which is what a test asserts.
                record(0)
                release.wait(stub.hang_seconds)
                self.close_connection = True
                return
            if answer in ERRORS:
                status, code, message = ERRORS[answer]
                record(status)
                self._send_json(status, _error(status, code, message))
                return
            if not form.get("To") or not (form.get("Body") or form.get("MediaUrl")):
                record(400)
                self._send_json(400, _error(400, 21602, "Message body is required."))
                return
            sid = "SM" + uuid.uuid4().hex
            record(201, sid)
            self._send_json(201, message_resource(account_sid=account_sid, sid=sid, form=form))

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--auth-token", default="test-auth-token")
    args = parser.parse_args()
    stub = TwilioStub(host=args.host, port=args.port, auth_token=args.auth_token)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stub.start()
    print(f"listening on {stub.url}", flush=True)  # noqa: T201
    stop.wait()
    stub.stop()


if __name__ == "__main__":
    main()
