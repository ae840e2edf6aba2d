"""A recording stand-in for the Twilio APIs a carrier registration uses (Trust Hub,
Messaging, API 2010 Addresses and IncomingPhoneNumbers), for the real `twilio` SDK.

Every create answers 201 with a new SID of the right kind and is remembered (so lists find
it, as Twilio's would); reviewed resources answer the status the test sets (`set_status`),
with Twilio's error lists (`set_errors`). `fail` scripts the next answers to a path: a
refusal with a Twilio code, a 500, or a 502 after the resource was created (an answer lost
on the way back). Nothing here checks a request against Twilio's spec: Prism does that
(test_submission_against_prism)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# (pattern of a collection, SID prefix, the status a new one starts in, its status field)
COLLECTIONS: list[tuple[re.Pattern[str], str, str, str]] = [
    (re.compile(r"^/v1/CustomerProfiles$"), "BU", "draft", "status"),
    (re.compile(r"^/v1/TrustProducts$"), "BU", "draft", "status"),
    (re.compile(r"^/v1/EndUsers$"), "IT", "", ""),
    (re.compile(r"^/v1/SupportingDocuments$"), "RD", "DRAFT", "status"),
    (re.compile(r"^/v1/(CustomerProfiles|TrustProducts)/BU\w+/EntityAssignments$"), "BV", "", ""),
    (re.compile(r"^/v1/(CustomerProfiles|TrustProducts)/BU\w+/Evaluations$"), "EL", "", "status"),
    (re.compile(r"^/v1/a2p/BrandRegistrations$"), "BN", "PENDING", "status"),
    (re.compile(r"^/v1/Services$"), "MG", "", ""),
    (re.compile(r"^/v1/Services/MG\w+/PhoneNumbers$"), "", "", ""),
    (re.compile(r"^/v1/Services/MG\w+/Compliance/Usa2p$"), "QE", "PENDING", "campaign_status"),
    (re.compile(r"^/2010-04-01/Accounts/AC\w+/Addresses\.json$"), "AD", "", ""),
]
RESOURCE = re.compile(
    r"^(?P<collection>.*)/(?P<sid>(BU|IT|RD|BN|MG|QE|PN|AD)[0-9a-f]{32})(\.json)?$"
)
NUMBERS = re.compile(r"^/2010-04-01/Accounts/AC\w+/IncomingPhoneNumbers\.json$")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    form: dict[str, list[str]]


@dataclass(frozen=True)
class Scripted:
    """An answer to script: `status` 0 lets the request through as usual."""

    status: int
    code: int = 0
    message: str = ""
    create_first: bool = False


class RegistrationStub:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.resources: dict[str, dict[str, object]] = {}  # sid → resource
        self.collection_of: dict[str, str] = {}  # sid → collection path
        self.numbers: dict[str, str] = {}  # phone number → PN sid
        self.evaluation = "compliant"
        self.evaluation_results: list[dict[str, object]] = []
        self.scripts: dict[str, deque[Scripted]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RegistrationStub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.resources.clear()
            self.collection_of.clear()
            self.numbers.clear()
            self.scripts.clear()
            self.evaluation = "compliant"
            self.evaluation_results = []

    # --- scripting and reading ----------------------------------------------------------
    def add_number(self, phone_number: str) -> str:
        sid = "PN" + uuid.uuid4().hex
        self.numbers[phone_number] = sid
        return sid

    def fail(self, path_pattern: str, *answers: Scripted) -> None:
        """The next POSTs to paths matching `path_pattern` get these answers, in order."""
        with self.lock:
            self.scripts.setdefault(path_pattern, deque()).extend(answers)

    def set_status(self, sid: str, status: str, errors: list[dict[str, object]] | None = None):
        with self.lock:
            resource = self.resources[sid]
            field = "campaign_status" if sid.startswith("QE") else "status"
            resource[field] = status
            resource["errors"] = errors or []
            if sid.startswith("BN") and errors:
                resource["failure_reason"] = str(errors[0].get("description", ""))

    def creates(self, pattern: str) -> list[Request]:
        """The create requests (POSTs to a collection) whose path matches."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and re.search(pattern, r.path) and not RESOURCE.match(r.path)
        ]

    def created(self, pattern: str) -> int:
        """How many resources Twilio holds in collections whose path matches."""
        with self.lock:
            return sum(1 for c in self.collection_of.values() if re.search(pattern, c))

    def posts_to(self, sid: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith(sid)]

    def sid_of(self, pattern: str) -> str:
        for sid, collection in self.collection_of.items():
            if re.search(pattern, collection):
                return sid
        raise KeyError(pattern)

    # --- answering ------------------------------------------------------------------------
    def answer(self, method: str, path: str, form: dict[str, list[str]], query: dict):  # noqa: C901
        with self.lock:
            self.requests.append(Request(method, path, form))
            scripted = None
            if method == "POST":
                for pattern, queue in self.scripts.items():
                    if queue and re.search(pattern, path):
                        scripted = queue.popleft()
                        break
            if scripted is not None and scripted.status == 0:
                scripted = None  # this one goes through
            if scripted is not None and not scripted.create_first:
                return scripted.status, _error(scripted)
            status, body = self._answer(method, path, form, query)
            if scripted is not None:
                return scripted.status, _error(scripted)
            return status, body

    def _answer(self, method: str, path: str, form: dict[str, list[str]], query: dict):
        values = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
        if NUMBERS.match(path):
            wanted = query.get("PhoneNumber", [""])[0]
            found = [
                {"sid": sid, "phone_number": number}
                for number, sid in self.numbers.items()
                if number == wanted
            ]
            return 200, {"incoming_phone_numbers": found}
        found = RESOURCE.match(path)
        if found and found["sid"] in self.resources:
            resource = self.resources[found["sid"]]
            if method == "POST":
                if "Status" in values:
                    resource["status"] = values["Status"]
                if path.startswith("/v1/a2p/BrandRegistrations/"):
                    resource["status"] = "PENDING"
                    resource["errors"] = []
            return 200, resource
        for pattern, prefix, initial, status_field in COLLECTIONS:
            if not pattern.match(path):
                continue
            if method == "GET":
                listed = [self.resources[sid] for sid, c in self.collection_of.items() if c == path]
                return 200, {"results": listed}
            # A number added to a service keeps its own SID.
            sid = prefix + uuid.uuid4().hex if prefix else str(values.get("PhoneNumberSid", ""))
            resource: dict[str, object] = {
                "sid": sid,
                "friendly_name": values.get("FriendlyName", ""),
                "object_sid": values.get("ObjectSid", ""),
                "customer_profile_bundle_sid": values.get("CustomerProfileBundleSid", ""),
                "errors": [],
            }
            if status_field:
                resource[status_field] = initial
            if prefix == "EL":
                resource["status"] = self.evaluation
                resource["results"] = self.evaluation_results
            self.resources[sid] = resource
            self.collection_of[sid] = path
            return 201, resource
        return 404, {"code": 20404, "message": f"not found: {path}", "status": 404}


def _error(scripted: Scripted) -> dict[str, object]:
    return {"code": scripted.code, "message": scripted.message, "status": scripted.status}


def _handler(stub: RegistrationStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            status, body = stub.answer(
                method, parts.path, parse_qs(raw, keep_blank_values=True), parse_qs(parts.query)
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, *args: object) -> None:
            pass

    return Handler
