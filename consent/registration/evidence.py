"""What the public sees: Lasso's own public pages, fetched through Django's test client
inside the process (no network, no login), so the lint judges the HTML a reviewer gets
rather than the templates we think we render."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host
from django.test import Client

from consent.registration.packet import Packet

FORM = "form"
PRIVACY = "privacy"
TERMS = "terms"
SMS_CONSENT = "sms_consent"


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    html: str


@dataclass(frozen=True)
class Checkbox:
    name: str
    checked: bool
    required: bool
    label_text: str
    label_links: tuple[str, ...]


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


class _FormReader(HTMLParser):
    """Checkboxes and the text (and links) of the label that names each one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes: list[dict[str, str | None]] = []
        self.labels: dict[str, list[str]] = {}
        self.label_links: dict[str, list[str]] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and (found.get("type") or "").lower() == "checkbox":
            self.boxes.append(found)
        elif tag == "label":
            self._label = found.get("for") or ""
            self.labels.setdefault(self._label, [])
            self.label_links.setdefault(self._label, [])
        elif tag == "a" and self._label is not None:
            self.label_links[self._label].append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label].append(data)


def checkboxes(page_html: str) -> list[Checkbox]:
    reader = _FormReader()
    reader.feed(page_html)
    found = []
    for box in reader.boxes:
        box_id = box.get("id") or ""
        found.append(
            Checkbox(
                name=box.get("name") or "",
                checked="checked" in box,
                required="required" in box,
                label_text=_space("".join(reader.labels.get(box_id, []))) if box_id else "",
                label_links=tuple(reader.label_links.get(box_id, [])) if box_id else (),
            )
        )
    return found


def page_text(page_html: str) -> str:
    """The visible words of a page, tags removed and whitespace collapsed."""
    return _space(re.sub(r"<[^>]+>", " ", page_html))


def _host_and_scheme() -> tuple[str, bool]:
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    host = parts.netloc or "localhost"
    if not validate_host(host.split(":")[0], settings.ALLOWED_HOSTS):
        # Behind a proxy the public host may be unknown to Django itself; ask as a host it
        # accepts, since the pages do not depend on the host.
        allowed = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and h[0] != "."]
        host = allowed[0] if allowed else "localhost"
    return host, parts.scheme == "https"


def fetch(path: str, url: str) -> Page:
    host, secure = _host_and_scheme()
    # Over https when the public arrives over https, or Lasso's own https redirect would
    # answer instead of the page.
    response = Client(HTTP_HOST=host).get(path, secure=secure)
    body = response.content.decode(response.charset or "utf-8", "replace")
    return Page(url=url, status=response.status_code, html=body)


def public_pages(packet: Packet) -> dict[str, Page]:
    pages = {
        FORM: packet.form_url,
        PRIVACY: packet.privacy_policy_url,
        TERMS: packet.terms_url,
        SMS_CONSENT: packet.consent_page_url,
    }
    return {key: fetch(urlsplit(url).path, url) for key, url in pages.items()}
