"""The send gateway: the only module that talks to Twilio's REST API.

Backends, chosen by LASSO_SMS_BACKEND:
- ``twilio``: the real SDK, pointed at TWILIO_API_BASE_URL, with a timeout on every request;
- ``console``: prints the message (local development);
- ``memory``: keeps messages in a list (tests), and can be told to fail.

Every error is classified: retryable (Twilio 500/503, 429/20429, no connection made),
permanent (any other Twilio error code), or unknown outcome (the request went out and no
answer came back, or a gateway in front of Twilio answered 502/504, so the message may
exist). Callers never resend an unknown outcome blindly: they look it up in Twilio's own
records first (`find_sent`).

Every Twilio domain the SDK calls (api., messaging., trusthub., lookups.) is sent to
TWILIO_API_BASE_URL instead, or to that domain's own entry in TWILIO_API_BASE_URLS; with
neither set the SDK reaches Twilio itself. A number in a business's Messaging Service sends
with that service's SID and its own number as From (`messaging_service_for`).

It also fetches a voicemail's audio (`open_recording`) from an address it builds itself
from the account and recording SIDs: never from a URL a request or a stored row supplies.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import certifi
import requests
import urllib3
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

logger = logging.getLogger(__name__)
# The SDK's own request log (INFO; quiet unless settings.LOGGING asks for it).
_twilio_logger = logging.getLogger("twilio.http_client")

TWILIO_DEFAULT_BASE = "https://api.twilio.com"
CARRIER_OPT_OUT = "21610"
# Carriers refuse texts from a US 10DLC number until its campaign is registered (Twilio
# 30034). Permanent for this message, but not a fault of the message: the text-back is still
# attempted until the campaign is approved, and this code is recorded as it is, never as a
# generic failure, so the overview can say why (consent.registration).
UNREGISTERED_NUMBER = "30034"
RETRYABLE_CODES = {"20429", "20500", "20503"}
# A proxy or load balancer in front of Twilio gave up waiting: the API may have created
# the message before that.
AMBIGUOUS_HTTP_STATUSES = {502, 504}


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class SendError(Exception):
    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        # Seconds Twilio asked us to wait (a 429's Retry-After), when it said.
        self.retry_after = retry_after


class OutcomeUnknown(Exception):
    """The request reached Twilio (or may have) and no answer came back: do not resend."""


class LookupFailed(Exception):
    """Twilio's records could not be read just now; try the lookup again later."""


@dataclass(frozen=True)
class FoundMessage:
    sid: str
    status: str
    created_at: datetime


class Backend(Protocol):
    def send(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        status_callback: str,
        messaging_service_sid: str = "",
    ) -> SendResult: ...

    def find_sent(
        self, *, to: str, from_: str, body: str, created_since: datetime
    ) -> list[FoundMessage]: ...


# Twilio stamps date_created to the second, and its clock and ours differ a little.
CLOCK_SKEW = timedelta(seconds=5)
LOOKUP_PAGE = 50


TWILIO_HOST = re.compile(r"^https://(?P<domain>[a-z0-9-]+)\.twilio\.com(?=/|$)")


class _RebasedHttpClient(HttpClient):
    """The SDK's HTTP client. Sends the requests for every Twilio domain (api.twilio.com,
    messaging., trusthub., lookups.) to that domain's entry in TWILIO_API_BASE_URLS, else to
    TWILIO_API_BASE_URL; a base left at Twilio's own address rewrites nothing.

    It sends through urllib3's connection pool itself instead of the SDK's requests session,
    whose per-request machinery (merging settings, preparing, hooks, guessing the answer's
    encoding) was most of the SDK's CPU per text (bench/README.md). It encodes what requests
    would, and fails as requests would: with requests' own exceptions (ConnectionError
    when no connection could be made, ConnectTimeout, ReadTimeout, ...), which is what the
    gateway classifies as sent or not.
    """

    def __init__(
        self, base_url: str, timeout: float, overrides: dict[str, str] | None = None
    ) -> None:
        super().__init__(_twilio_logger, False, timeout)
        self.base_url = base_url.rstrip("/")
        if overrides is None:
            overrides = getattr(settings, "TWILIO_API_BASE_URLS", {})
        self.overrides = {domain: url.rstrip("/") for domain, url in overrides.items()}
        self.retry_after: float | None = None
        # The proxy and CA-bundle variables do not change while the process runs: read once.
        self.proxies = requests.utils.get_environ_proxies(self.base_url) or {}
        self.ca_certs = (
            os.environ.get("REQUESTS_CA_BUNDLE")
            or os.environ.get("CURL_CA_BUNDLE")
            or certifi.where()
        )
        self._pools: dict[str, urllib3.PoolManager] = {}

    def rebase(self, url: str) -> str:
        found = TWILIO_HOST.match(url)
        if found is None:
            return url
        domain = found["domain"]
        base = self.overrides.get(domain)
        if base is None:
            if self.base_url == TWILIO_DEFAULT_BASE:
                return url
            base = self.base_url
        return base + url[found.end() :]

    def _pool(self, url: str) -> urllib3.PoolManager:
        """The connection pool for the URL's scheme: through its proxy when one is set."""
        scheme = url.partition(":")[0].lower()
        proxy = self.proxies.get(scheme) or self.proxies.get("all") or ""
        pool = self._pools.get(proxy)
        if pool is None:
            options = {"cert_reqs": "CERT_REQUIRED", "ca_certs": self.ca_certs}
            if proxy:
                pool = urllib3.ProxyManager(proxy, **options)
            else:
                pool = urllib3.PoolManager(**options)
            self._pools[proxy] = pool
        return pool

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if timeout is None:
            timeout = self.timeout
        elif timeout <= 0:
            raise ValueError(timeout)
        method = method.upper()
        url = self.rebase(url)
        self.log_request({"method": method, "url": url, "params": params, "headers": headers})
        headers = dict(headers or {})
        if params:
            url += ("&" if urlsplit(url).query else "?") + _form(params)
        body: bytes | None = None
        if data:
            if headers.get("Content-Type") in {"application/json", "application/scim+json"}:
                body = json.dumps(data).encode()
            else:
                body = _form(data).encode()
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if auth is not None:
            headers.update(urllib3.util.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        try:
            answer = self._pool(url).request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                retries=False,
                redirect=allow_redirects,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise _as_requests_error(exc) from exc
        except OSError as exc:
            raise requests.exceptions.ConnectionError(exc) from exc
        # The SDK's exception drops the headers: keep the one a refusal may carry.
        self.retry_after = _seconds(answer.headers.get("Retry-After", ""))
        response = Response(answer.status, _text(answer), answer.headers)
        self.log_response(answer.status, response)  # type: ignore[arg-type]
        return response


def _form(values: dict[str, object]) -> str:
    """A form or query string as requests encodes it: a list is one pair per item, and a
    None leaves its key out."""
    pairs = []
    for key, value in values.items():
        items = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, item) for item in items if item is not None)
    return urlencode(pairs)


def _text(answer: urllib3.BaseHTTPResponse) -> str:
    """The answer's body as text, in the charset it names (as requests reads it: a text/*
    answer without one is Latin-1, anything else UTF-8)."""
    content_type = answer.headers.get("Content-Type", "")
    found = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    charset = found[1] if found else ("iso-8859-1" if "text" in content_type else "utf-8")
    try:
        return answer.data.decode(charset, errors="replace")
    except LookupError:
        return answer.data.decode("utf-8", errors="replace")


def _as_requests_error(exc: urllib3.exceptions.HTTPError) -> requests.exceptions.RequestException:
    """The requests exception the SDK's own client raises for this urllib3 failure."""
    errors = urllib3.exceptions
    if isinstance(exc, errors.NewConnectionError):  # refused, unreachable, no such name
        return requests.exceptions.ConnectionError(exc)
    if isinstance(exc, errors.ConnectTimeoutError):
        return requests.exceptions.ConnectTimeout(exc)
    if isinstance(exc, errors.ReadTimeoutError):
        return requests.exceptions.ReadTimeout(exc)
    if isinstance(exc, errors.ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(exc, errors.SSLError):
        return requests.exceptions.SSLError(exc)
    if isinstance(exc, errors.LocationValueError):
        return requests.exceptions.InvalidURL(exc)
    return requests.exceptions.ConnectionError(exc)


def _seconds(value: str) -> float | None:
    """A Retry-After given in seconds (Twilio's form); None for anything else."""
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 24 * 3600 else None


def _sent_before_failure(exc: requests.exceptions.RequestException) -> bool:
    """False only when we know the request never left: no connection was made."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        return not any(
            marker in text
            for marker in ("NewConnectionError", "Connection refused", "Name or service")
        )
    return True


class TwilioBackend:
    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def client(self) -> Client:
        # One client (and connection pool) per thread: each thread keeps its own connection.
        client = getattr(self._local, "client", None)
        if client is None:
            client = Client(
                settings.TWILIO_ACCOUNT_SID,
                settings.TWILIO_AUTH_TOKEN,
                http_client=_RebasedHttpClient(
                    settings.TWILIO_API_BASE_URL, settings.TWILIO_REQUEST_TIMEOUT_SECONDS
                ),
            )
            self._local.client = client
        return client

    def client_for(self, from_: str) -> Client:
        """The client of the Twilio account that owns the number: a business's subaccount
        for its own numbers (tenants.onboarding.credentials), else the platform's."""
        from tenants.onboarding import credentials

        account = credentials.account_for_number(from_)
        if account.is_parent:
            return self.client
        clients = getattr(self._local, "subaccounts", None)
        if clients is None:
            clients = self._local.subaccounts = {}
        key = (account.sid, account.auth_token)
        if key not in clients:
            clients[key] = Client(
                account.sid,
                account.auth_token,
                http_client=_RebasedHttpClient(
                    settings.TWILIO_API_BASE_URL, settings.TWILIO_REQUEST_TIMEOUT_SECONDS
                ),
            )
        return clients[key]

    def send(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        status_callback: str,
        messaging_service_sid: str = "",
    ) -> SendResult:
        client = self.client_for(from_)
        # With a Messaging Service the number still sends as itself (From), and the
        # service's campaign registration covers the text.
        extra = {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {}
        try:
            message = client.messages.create(
                to=to, from_=from_, body=body, status_callback=status_callback, **extra
            )
        except TwilioRestException as exc:
            code = str(exc.code or "")
            if exc.status in AMBIGUOUS_HTTP_STATUSES:
                raise OutcomeUnknown(f"Twilio answered {exc.status}: {exc.msg or exc}") from exc
            retryable = exc.status >= 500 or exc.status == 429 or code in RETRYABLE_CODES
            raise SendError(
                exc.msg or str(exc),
                code=code or str(exc.status),
                retryable=retryable,
                retry_after=getattr(client.http_client, "retry_after", None),
            ) from exc
        except requests.exceptions.RequestException as exc:
            if _sent_before_failure(exc):
                raise OutcomeUnknown(f"No answer from Twilio: {exc}") from exc
            raise SendError(f"Could not reach Twilio: {exc}", retryable=True) from exc
        return SendResult(sid=message.sid, status=message.status or "queued")

    def find_sent(
        self, *, to: str, from_: str, body: str, created_since: datetime
    ) -> list[FoundMessage]:
        """The messages Twilio holds that Lasso may have asked for: listed by To and From
        (newest first), matched on the body and a creation time at or after the claim,
        oldest first. No date filter is sent: Twilio filters by send date, by day, and a
        queued message has no send date yet."""
        try:
            messages = self.client_for(from_).messages.list(to=to, from_=from_, limit=LOOKUP_PAGE)
        except (TwilioRestException, requests.exceptions.RequestException, ValueError) as exc:
            raise LookupFailed(f"Could not list Twilio's messages: {exc}") from exc
        found = [
            FoundMessage(sid=m.sid, status=str(m.status or "queued"), created_at=m.date_created)
            for m in messages
            if m.date_created is not None
            and m.date_created >= created_since - CLOCK_SKEW
            and (m.body or "") == body
        ]
        return sorted(found, key=lambda m: m.created_at)


class ConsoleBackend:
    def send(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        status_callback: str,
        messaging_service_sid: str = "",
    ) -> SendResult:
        sid = "SM" + uuid.uuid4().hex
        via = f" via {messaging_service_sid}" if messaging_service_sid else ""
        print(f"[sms] {from_}{via} → {to}: {body}", flush=True)  # noqa: T201
        return SendResult(sid=sid, status="sent")

    def find_sent(
        self, *, to: str, from_: str, body: str, created_since: datetime
    ) -> list[FoundMessage]:
        return []  # the console keeps no records: nothing was ever sent


@dataclass
class Sent:
    to: str
    from_: str
    body: str
    status_callback: str
    sid: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    messaging_service_sid: str = ""


@dataclass
class MemoryBackend:
    """Test double: records sends. `fail_with` makes the next sends raise before anything
    is recorded; `lose_answers` records the next sends and then raises OutcomeUnknown (the
    message exists at "Twilio" but the answer never came); `lookup_fails` makes find_sent
    raise LookupFailed."""

    outbox: list[Sent] = field(default_factory=list)
    fail_with: list[Exception] = field(default_factory=list)
    lose_answers: int = 0
    lookup_fails: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self,
        *,
        to: str,
        from_: str,
        body: str,
        status_callback: str,
        messaging_service_sid: str = "",
    ) -> SendResult:
        with self.lock:
            if self.fail_with:
                raise self.fail_with.pop(0)
            sid = "SM" + uuid.uuid4().hex
            self.outbox.append(
                Sent(
                    to,
                    from_,
                    body,
                    status_callback,
                    sid,
                    messaging_service_sid=messaging_service_sid,
                )
            )
            if self.lose_answers:
                self.lose_answers -= 1
                raise OutcomeUnknown("read timed out after sending")
        return SendResult(sid=sid, status="queued")

    def find_sent(
        self, *, to: str, from_: str, body: str, created_since: datetime
    ) -> list[FoundMessage]:
        if self.lookup_fails:
            raise LookupFailed("Twilio unreachable")
        with self.lock:
            return [
                FoundMessage(sid=sent.sid, status="queued", created_at=sent.created_at)
                for sent in self.outbox
                if (sent.to, sent.from_, sent.body) == (to, from_, body)
                and sent.created_at >= created_since - CLOCK_SKEW
            ]

    def reset(self) -> None:
        with self.lock:
            self.outbox.clear()
            self.fail_with.clear()
            self.lose_answers = 0
            self.lookup_fails = False


memory_backend = MemoryBackend()
_backends: dict[str, Backend] = {}


def get_backend() -> Backend:
    name = settings.LASSO_SMS_BACKEND
    if name == "memory":
        return memory_backend
    if name not in _backends:
        _backends[name] = TwilioBackend() if name == "twilio" else ConsoleBackend()
    return _backends[name]


def messaging_service_for(from_: str) -> str:
    """The SID of the Messaging Service that holds this sending number, or "" (none yet):
    read from the carrier registration, held in this process for a minute because every
    send asks (consent.registration.routing)."""
    from consent.registration import routing

    return routing.messaging_service_for(from_)


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + "/webhooks/twilio/sms/status/"


def open_recording(*, account_sid: str, recording_sid: str) -> requests.Response | None:
    """A recording's MP3 from Twilio, fetched with Lasso's credentials (which may read its
    subaccounts' recordings too): the open, streaming response, which the caller must
    close; or None (logged) when Twilio did not hand it over."""
    if not (
        re.fullmatch(r"AC[0-9a-fA-F]{32}", account_sid)
        and re.fullmatch(r"RE[0-9a-fA-F]{32}", recording_sid)
    ):
        raise ValueError("not an account SID and a recording SID")
    url = (
        f"{settings.TWILIO_API_BASE_URL}/2010-04-01/Accounts/{account_sid}"
        f"/Recordings/{recording_sid}.mp3"
    )
    try:
        # requests drops the credentials if Twilio redirects to another host (its CDN).
        response = requests.get(
            url,
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
            stream=True,
            timeout=settings.TWILIO_REQUEST_TIMEOUT_SECONDS,
        )
    except requests.exceptions.RequestException as exc:
        logger.warning("recording %s: could not reach Twilio: %s", recording_sid, exc)
        return None
    if response.status_code != 200:
        # Twilio's error answers are a few hundred bytes: read them (for the log, and so the
        # connection goes back to the pool instead of being reset).
        logger.warning(
            "recording %s: Twilio answered %s %s",
            recording_sid,
            response.status_code,
            response.text[:300],
        )
        response.close()
        return None
    return response
