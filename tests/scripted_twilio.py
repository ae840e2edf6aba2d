"""A stand-in for Twilio's Messages API that answers exactly as a test scripts it: the next
replies in order, then as Twilio does (201 and a message resource; a listing is empty).
It records every request (method, path, query, form pairs in order, headers lower-cased,
the client's address: one per TCP connection) and the status of every answer it gave.

HTTP/1.1 with keep-alive, as Twilio serves it. For the failures a whole stand-in cannot
script (a body in any charset, a gateway's HTML page) where tests/twilio_stub.py answers
only as Twilio would.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

from tests.twilio_stub import message_resource


@dataclass(frozen=True)
class Reply:
    status: int
    body: str | bytes = ""  # a str goes out as UTF-8
    headers: dict[str, str] = field(default_factory=dict)


def twilio_error(status: int, code: int, message: str) -> str:
    return json.dumps({"code": code, "message": message, "status": status, "more_info": ""})


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]
    client: tuple[str, int]


class ScriptedTwilio:
    # The SID of every message it creates.
    sid = "SM" + "0" * 32

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.answered: list[int] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                split = urlsplit(self.path)
                form = parse_qsl(raw, keep_blank_values=True)
                with owner.lock:
                    owner.requests.append(
                        Request(
                            method=self.command,
                            path=split.path,
                            query=parse_qs(split.query),
                            form=form,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            client=self.client_address,
                        )
                    )
                    reply = owner.script.popleft() if owner.script else None
                if reply is None:
                    reply = owner.as_twilio(self.command, split.path, dict(form))
                with owner.lock:
                    owner.answered.append(reply.status)
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = answer  # noqa: N815
            do_GET = answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def as_twilio(self, method: str, path: str, form: dict[str, str]) -> Reply:
        if method == "GET":
            body = json.dumps({"messages": [], "next_page_uri": None})
            return Reply(200, body, {"Content-Type": "application/json"})
        account = path.split("/")[3]
        body = json.dumps(message_resource(account_sid=account, sid=self.sid, form=form))
        return Reply(201, body, {"Content-Type": "application/json"})

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.answered.clear()
            self.requests.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
