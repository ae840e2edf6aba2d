"""Twilio's carrier registration side (US A2P 10DLC, the ISV flow): a sibling of the send
gateway, and like it one of the only modules that talk to Twilio's REST API.

Everything is asked of the business's own account (its subaccount, or the platform account
for a business made by create_business), through the real SDK, with the request parameters
Twilio's specs declare (trusthub_v1, messaging_v1, api_v2010 Addresses):

- Trust Hub: the secondary customer profile (CustomerProfiles, its EndUsers, the Address and
  its SupportingDocument, entity assignments, evaluation, submission) and the A2P trust
  product (TrustProducts, the same shape);
- Messaging: the brand (a2p/BrandRegistrations), the Messaging Service with the business's
  number (Services, Services/{sid}/PhoneNumbers) and the campaign
  (Services/{sid}/Compliance/Usa2p).

Each create has a `find_*` that looks for it in Twilio's records by what Lasso named it, so a
request whose answer was lost is settled there and never simply asked again. Every failure
is a RegistrationError: permanent (Twilio refused: its code and words, for the owner),
retryable (5xx, 429, no connection made) or unknown (the request may have been acted on).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TypeVar

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from messaging.gateway import AMBIGUOUS_HTTP_STATUSES, _RebasedHttpClient, _sent_before_failure

T = TypeVar("T")

# Twilio's policies for the ISV flow: the secondary customer profile and the A2P messaging
# profile (Twilio's A2P 10DLC ISV onboarding guide).
SECONDARY_PROFILE_POLICY = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
A2P_PROFILE_POLICY = "RNb0d4771c2c98518d916a3d4cd70a8f8b"
LIST_LIMIT = 50


@dataclass(frozen=True)
class Credentials:
    sid: str
    auth_token: str


@dataclass(frozen=True)
class Problem:
    """One reason Twilio gave: its error code (may be empty) and its words."""

    code: str
    text: str


@dataclass(frozen=True)
class Review:
    """What Twilio says of a reviewed resource now."""

    status: str
    problems: tuple[Problem, ...] = ()


class RegistrationError(Exception):
    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        retryable: bool = False,
        unknown: bool = False,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.unknown = unknown
        self.problems = problems or (Problem(code, message),)


_local = threading.local()


def _client(account: Credentials) -> Client:
    # One client per thread, account and base URLs: requests sessions are not thread-safe.
    clients = getattr(_local, "clients", None)
    if clients is None or len(clients) > 64:
        clients = _local.clients = {}
    overrides = tuple(sorted(getattr(settings, "TWILIO_API_BASE_URLS", {}).items()))
    key = (settings.TWILIO_API_BASE_URL, overrides, account.sid, account.auth_token)
    if key not in clients:
        clients[key] = Client(
            account.sid,
            account.auth_token,
            http_client=_RebasedHttpClient(
                settings.TWILIO_API_BASE_URL,
                settings.TWILIO_REQUEST_TIMEOUT_SECONDS,
                dict(overrides),
            ),
        )
    return clients[key]


def _ask(what: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except TwilioRestException as exc:
        code = str(exc.code or "")
        if exc.status in AMBIGUOUS_HTTP_STATUSES:
            raise RegistrationError(f"{what}: Twilio answered {exc.status}", unknown=True) from exc
        retryable = exc.status >= 500 or exc.status == 429
        words = exc.msg or str(exc)
        raise RegistrationError(
            f"{what}: {words}", code=code or str(exc.status), retryable=retryable
        ) from exc
    except requests.exceptions.RequestException as exc:
        if _sent_before_failure(exc):
            raise RegistrationError(f"{what}: no answer from Twilio ({exc})", unknown=True) from exc
        raise RegistrationError(f"{what}: Twilio unreachable ({exc})", retryable=True) from exc


def problems_of(items: object) -> tuple[Problem, ...]:
    """Twilio's error lists, in the shapes its resources use: a campaign's
    ``{"error_code", "description", "fields"}``, a bundle's ``{"code", "message"}``, an
    evaluation result's ``{"error_code", "failure_reason", "invalid": [...]}``."""
    found: list[Problem] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("passed") is True:
            continue
        code = str(item.get("error_code") or item.get("code") or "")
        text = str(
            item.get("description")
            or item.get("failure_reason")
            or item.get("message")
            or item.get("friendly_name")
            or ""
        )
        fields = item.get("fields")
        if isinstance(fields, list) and fields:
            text = f"{text} ({', '.join(str(f) for f in fields)})".strip()
        found.append(Problem(code, text))
        found.extend(problems_of(item.get("invalid")))
    return tuple(p for p in found if p.code or p.text)


def _attributes(values: dict[str, object]) -> str:
    return json.dumps(values, separators=(",", ":"))


# --- Trust Hub: bundles (customer profile, A2P trust product) ------------------------------
# The two Trust Hub bundles, by the `kind` the rest of this module takes: what Twilio calls
# each, its policy, and its collection.
BUNDLES = {
    "profile": ("the customer profile", SECONDARY_PROFILE_POLICY, "customer_profiles"),
    "trust": ("the A2P trust product", A2P_PROFILE_POLICY, "trust_products"),
}


def _named(found: object, friendly_name: str) -> str:
    """The SID of the listed resource with this friendly name, or ""."""
    return next((str(r.sid) for r in found if r.friendly_name == friendly_name), "")  # type: ignore[attr-defined]


def create_bundle(*, account: Credentials, kind: str, friendly_name: str, email: str) -> str:
    what, policy, collection = BUNDLES[kind]
    bundle = _ask(
        f"creating {what}",
        lambda: getattr(_client(account).trusthub.v1, collection).create(
            friendly_name=friendly_name, email=email, policy_sid=policy
        ),
    )
    return str(bundle.sid)


def find_bundle(*, account: Credentials, kind: str, friendly_name: str) -> str:
    what, _, collection = BUNDLES[kind]
    found = _ask(
        f"looking up {what}",
        lambda: getattr(_client(account).trusthub.v1, collection).list(
            friendly_name=friendly_name, limit=LIST_LIMIT
        ),
    )
    return _named(found, friendly_name)


def create_end_user(
    *, account: Credentials, friendly_name: str, type: str, attributes: dict[str, object]
) -> str:
    user = _ask(
        f"creating the {type} end user",
        lambda: _client(account).trusthub.v1.end_users.create(
            friendly_name=friendly_name, type=type, attributes=_attributes(attributes)
        ),
    )
    return str(user.sid)


def find_end_user(*, account: Credentials, friendly_name: str) -> str:
    found = _ask(
        "looking up an end user",
        lambda: _client(account).trusthub.v1.end_users.list(limit=LIST_LIMIT),
    )
    return _named(found, friendly_name)


def update_end_user(*, account: Credentials, sid: str, attributes: dict[str, object]) -> None:
    _ask(
        "updating an end user",
        lambda: (
            _client(account).trusthub.v1.end_users(sid).update(attributes=_attributes(attributes))
        ),
    )


def create_address(*, account: Credentials, friendly_name: str, address: dict[str, str]) -> str:
    created = _ask(
        "creating the address",
        lambda: _client(account).addresses.create(
            friendly_name=friendly_name, iso_country="US", **address
        ),
    )
    return str(created.sid)


def find_address(*, account: Credentials, friendly_name: str) -> str:
    found = _ask(
        "looking up the address",
        lambda: _client(account).addresses.list(friendly_name=friendly_name, limit=LIST_LIMIT),
    )
    return _named(found, friendly_name)


def update_address(*, account: Credentials, sid: str, address: dict[str, str]) -> None:
    _ask("updating the address", lambda: _client(account).addresses(sid).update(**address))


def create_address_document(*, account: Credentials, friendly_name: str, address_sid: str) -> str:
    document = _ask(
        "creating the address document",
        lambda: _client(account).trusthub.v1.supporting_documents.create(
            friendly_name=friendly_name,
            type="customer_profile_address",
            attributes=_attributes({"address_sids": address_sid}),
        ),
    )
    return str(document.sid)


def find_supporting_document(*, account: Credentials, friendly_name: str) -> str:
    found = _ask(
        "looking up the address document",
        lambda: _client(account).trusthub.v1.supporting_documents.list(limit=LIST_LIMIT),
    )
    return _named(found, friendly_name)


def _bundle(account: Credentials, kind: str, sid: str):  # type: ignore[no-untyped-def]
    return getattr(_client(account).trusthub.v1, BUNDLES[kind][2])(sid)


def _of_bundle(account: Credentials, kind: str, sid: str, what: str):  # type: ignore[no-untyped-def]
    """The bundle's sub-collection `what` ("entity_assignments", "evaluations"): the SDK
    names it after the bundle's own collection."""
    return getattr(_bundle(account, kind, sid), f"{BUNDLES[kind][2]}_{what}")


def assign(*, account: Credentials, kind: str, bundle_sid: str, object_sid: str) -> str:
    """Attach an end user, document or bundle to the customer profile ("profile") or the
    trust product ("trust")."""
    attached = _ask(
        f"attaching {object_sid}",
        lambda: _of_bundle(account, kind, bundle_sid, "entity_assignments").create(
            object_sid=object_sid
        ),
    )
    return str(attached.sid)


def find_assignment(*, account: Credentials, kind: str, bundle_sid: str, object_sid: str) -> str:
    found = _ask(
        f"looking up the attachment of {object_sid}",
        lambda: _of_bundle(account, kind, bundle_sid, "entity_assignments").list(limit=LIST_LIMIT),
    )
    return next((str(a.sid) for a in found if a.object_sid == object_sid), "")


def evaluate(*, account: Credentials, kind: str, bundle_sid: str) -> tuple[str, Review]:
    """Ask Twilio whether the bundle is complete: (the evaluation's SID, its verdict with
    every requirement that failed)."""
    policy = BUNDLES[kind][1]
    evaluation = _ask(
        "evaluating the bundle",
        lambda: _of_bundle(account, kind, bundle_sid, "evaluations").create(policy_sid=policy),
    )
    return str(evaluation.sid), Review(
        str(evaluation.status or ""), problems_of(evaluation.results)
    )


def submit_bundle(*, account: Credentials, kind: str, bundle_sid: str) -> str:
    """Send the bundle to Twilio's review; its status after."""
    updated = _ask(
        "submitting the bundle for review",
        lambda: _bundle(account, kind, bundle_sid).update(status="pending-review"),
    )
    return str(updated.status or "pending-review")


def fetch_bundle(*, account: Credentials, kind: str, bundle_sid: str) -> Review:
    found = _ask("reading the bundle", lambda: _bundle(account, kind, bundle_sid).fetch())
    return Review(str(found.status or ""), problems_of(found.errors))


# --- Messaging: brand, service, campaign ------------------------------------------------
def register_brand(
    *, account: Credentials, profile_sid: str, trust_product_sid: str
) -> tuple[str, str]:
    brand = _ask(
        "registering the brand",
        lambda: _client(account).messaging.v1.brand_registrations.create(
            customer_profile_bundle_sid=profile_sid,
            a2p_profile_bundle_sid=trust_product_sid,
            brand_type="STANDARD",
        ),
    )
    return str(brand.sid), str(brand.status or "")


def find_brand(*, account: Credentials, profile_sid: str) -> str:
    found = _ask(
        "looking up the brand",
        lambda: _client(account).messaging.v1.brand_registrations.list(limit=LIST_LIMIT),
    )
    return next((str(b.sid) for b in found if b.customer_profile_bundle_sid == profile_sid), "")


def resubmit_brand(*, account: Credentials, brand_sid: str) -> str:
    """Ask for the brand's review again, after its bundles were corrected."""
    brand = _ask(
        "resubmitting the brand",
        lambda: _client(account).messaging.v1.brand_registrations(brand_sid).update(),
    )
    return str(brand.status or "")


def fetch_brand(*, account: Credentials, brand_sid: str) -> Review:
    brand = _ask(
        "reading the brand",
        lambda: _client(account).messaging.v1.brand_registrations(brand_sid).fetch(),
    )
    problems = problems_of(brand.errors)
    if not problems and brand.failure_reason and str(brand.status) == "FAILED":
        problems = (Problem("", str(brand.failure_reason)),)
    return Review(str(brand.status or ""), problems)


def create_service(*, account: Credentials, friendly_name: str, inbound_url: str) -> str:
    """A Messaging Service whose numbers keep their own webhooks (texts and STOP keep
    reaching Lasso's SMS webhook, signed by the number's account)."""
    service = _ask(
        "creating the Messaging Service",
        lambda: _client(account).messaging.v1.services.create(
            friendly_name=friendly_name,
            inbound_request_url=inbound_url,
            inbound_method="POST",
            use_inbound_webhook_on_number=True,
            usecase="notifications",
        ),
    )
    return str(service.sid)


def find_service(*, account: Credentials, friendly_name: str) -> str:
    found = _ask(
        "looking up the Messaging Service",
        lambda: _client(account).messaging.v1.services.list(limit=LIST_LIMIT),
    )
    return _named(found, friendly_name)


def find_number_sid(*, account: Credentials, phone_number: str) -> str:
    """The IncomingPhoneNumber SID of one of the account's numbers, or ""."""
    found = _ask(
        f"looking up {phone_number}",
        lambda: _client(account).incoming_phone_numbers.list(phone_number=phone_number, limit=2),
    )
    return next((str(n.sid) for n in found if n.phone_number == phone_number), "")


def add_number(*, account: Credentials, service_sid: str, number_sid: str) -> str:
    added = _ask(
        "adding the number to the Messaging Service",
        lambda: (
            _client(account)
            .messaging.v1.services(service_sid)
            .phone_numbers.create(phone_number_sid=number_sid)
        ),
    )
    return str(added.sid)


def find_service_number(*, account: Credentials, service_sid: str, number_sid: str) -> str:
    found = _ask(
        "listing the Messaging Service's numbers",
        lambda: (
            _client(account).messaging.v1.services(service_sid).phone_numbers.list(limit=LIST_LIMIT)
        ),
    )
    return next((str(n.sid) for n in found if n.sid == number_sid), "")


@dataclass(frozen=True)
class Campaign:
    description: str
    message_flow: str
    message_samples: list[str]
    usecase: str
    has_embedded_links: bool
    has_embedded_phone: bool
    opt_in_message: str
    opt_out_message: str
    help_message: str
    opt_in_keywords: list[str] = field(default_factory=list)
    opt_out_keywords: list[str] = field(default_factory=list)
    help_keywords: list[str] = field(default_factory=list)
    privacy_policy_url: str = ""
    terms_url: str = ""


# The SDK's names for the two Campaign fields it calls otherwise.
_SDK_NAMES = {"usecase": "us_app_to_person_usecase", "terms_url": "terms_and_conditions_url"}


def _sdk_fields(campaign: Campaign) -> dict[str, object]:
    return {_SDK_NAMES.get(name, name): value for name, value in asdict(campaign).items()}


def create_campaign(
    *, account: Credentials, service_sid: str, brand_sid: str, campaign: Campaign
) -> tuple[str, str]:
    created = _ask(
        "registering the campaign",
        lambda: (
            _client(account)
            .messaging.v1.services(service_sid)
            .us_app_to_person.create(
                brand_registration_sid=brand_sid, subscriber_opt_in=True, **_sdk_fields(campaign)
            )
        ),
    )
    return str(created.sid), str(created.campaign_status or "")


def find_campaign(*, account: Credentials, service_sid: str) -> str:
    """A Messaging Service holds at most one US A2P campaign."""
    found = _ask(
        "looking up the campaign",
        lambda: (
            _client(account)
            .messaging.v1.services(service_sid)
            .us_app_to_person.list(limit=LIST_LIMIT)
        ),
    )
    return next((str(c.sid) for c in found), "")


def update_campaign(
    *, account: Credentials, service_sid: str, campaign_sid: str, campaign: Campaign
) -> None:
    _ask(
        "updating the campaign",
        lambda: (
            _client(account)
            .messaging.v1.services(service_sid)
            .us_app_to_person(campaign_sid)
            .update(
                has_embedded_links=campaign.has_embedded_links,
                has_embedded_phone=campaign.has_embedded_phone,
                message_samples=campaign.message_samples,
                message_flow=campaign.message_flow,
                description=campaign.description,
                age_gated=False,
                direct_lending=False,
                privacy_policy_url=campaign.privacy_policy_url,
                terms_and_conditions_url=campaign.terms_url,
            )
        ),
    )


def fetch_campaign(*, account: Credentials, service_sid: str, campaign_sid: str) -> Review:
    found = _ask(
        "reading the campaign",
        lambda: (
            _client(account)
            .messaging.v1.services(service_sid)
            .us_app_to_person(campaign_sid)
            .fetch()
        ),
    )
    return Review(str(found.campaign_status or ""), problems_of(found.errors))
