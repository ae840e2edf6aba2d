"""The campaign a carrier reviewer reads, built from live configuration only.

Every sample is the text Lasso really sends for this business (the same functions the send
path uses), the message flow quotes the exact disclosure beside the callback form's box, and
the keywords are the ones consent.keywords answers: nothing here is typed by hand, so an
approved campaign keeps describing what the business sends after its settings change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from callback_form.disclosure import disclosure_text
from consent.keywords import STANDARD_HELP, STANDARD_OPT_IN, STANDARD_OPT_OUT
from consent.registration.models import CarrierRegistration
from messaging import texts
from tenants.models import Business

USE_CASE = "CUSTOMER_CARE"
USE_CASE_LABEL = "Customer care"

# The one sample Lasso does not send from a template: a team member's reply. Bracketed
# fields mark what the team fills in, as reviewers ask.
FOLLOW_UP = (
    "{business}: thanks for the details. We can come out on [day] between [time window]. "
    "Does that work for you? Reply STOP to opt out."
)

_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
_LINK = re.compile(
    r"(https?://|www\.|\b[\w-]+\.(com|net|org|io|co|us|biz|info|ly|app|me|site)\b)", re.I
)


@dataclass(frozen=True)
class Sample:
    label: str
    body: str


@dataclass(frozen=True)
class Packet:
    business_name: str
    phone_number: str
    use_case: str
    use_case_label: str
    description: str
    message_flow: str
    samples: tuple[Sample, ...]
    disclosure: str
    form_url: str
    privacy_policy_url: str
    terms_url: str
    consent_page_url: str
    opt_in_keywords: tuple[str, ...]
    opt_out_keywords: tuple[str, ...]
    help_keywords: tuple[str, ...]
    opt_in_message: str
    opt_out_message: str
    help_message: str
    has_embedded_links: bool
    has_embedded_phone: bool
    # Why a sample the business might expect is not in the packet (e.g. after-hours off).
    notes: tuple[str, ...] = field(default=())


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def contains_phone(text: str) -> bool:
    return bool(_PHONE.search(text))


def contains_link(text: str) -> bool:
    # An email address is not a link to carriers; strip it before looking for domains.
    return bool(_LINK.search(_EMAIL.sub(" ", text)))


def _after_hours_sample(business: Business) -> tuple[Sample | None, str]:
    try:
        from messaging.after_hours.selectors import settings_for
    except ImportError:  # pragma: no cover - the after-hours text-back is optional
        return None, "The after-hours text-back is not available in this installation."
    saved = settings_for(business=business)
    if not saved.enabled or not business.business_hours:
        return None, (
            "No after-hours sample: the after-hours text-back is off, so every caller gets "
            "the same text-back."
        )
    return (
        Sample(
            "Missed-call text-back, outside business hours",
            texts.textback(business, question=saved.question),
        ),
        "",
    )


def samples_for(business: Business) -> tuple[tuple[Sample, ...], tuple[str, ...]]:
    """At most five (Twilio's limit): the text-back, its after-hours variant when on, the
    callback confirmation, a team follow-up and the HELP answer."""
    samples = [Sample("Missed-call text-back", texts.textback(business))]
    notes = []
    after_hours, note = _after_hours_sample(business)
    if after_hours is not None:
        samples.append(after_hours)
    if note:
        notes.append(note)
    samples += [
        Sample("Callback request confirmation", texts.callback_confirmation(business)),
        Sample("Follow-up from the team", FOLLOW_UP.format(business=business.name)),
        Sample("Answer to HELP", texts.help_reply(business)),
    ]
    return tuple(samples), tuple(notes)


def _keywords(words: set[str]) -> tuple[str, ...]:
    return tuple(sorted(w.upper() for w in words))


def build(*, business: Business, registration: CarrierRegistration) -> Packet:
    name = business.name
    number = business.numbers.order_by("created_at").first()
    phone = str(number.phone_number) if number else ""
    disclosure = disclosure_text(sender=name)
    form_url = public_url(
        reverse("callback_form:business_request", kwargs={"business_slug": business.slug})
    )
    privacy_url = public_url(reverse("public:privacy"))
    terms_url = public_url(reverse("public:terms"))
    consent_url = public_url(reverse("public:sms_consent"))
    vertical = registration.get_vertical_display().lower() if registration.vertical else "local"
    description = (
        f"{name} is a {vertical} service business that uses Lasso to answer missed calls. "
        f"When a customer calls {name} and nobody answers, one text is sent back to the "
        f"number that called, asking what the customer needs. If the customer replies, "
        f"{name}'s team carries on the customer-care conversation by text (questions, "
        f"service requests, scheduling). Customers who ask for a callback on {name}'s public "
        f"form and tick its optional SMS box get one confirmation text. Customer care only: "
        f"no advertising, no purchased or imported lists."
    )
    calls_first = f"customers call {name}" + (f" at {phone}" if phone else "")
    message_flow = (
        f"Customers give consent in one of two ways. (1) The customer calls first: "
        f"{calls_first}; when the call is missed, {name} sends one text to the calling number. "
        f"It names {name}, asks one question about the customer's request and ends with "
        f'"Reply STOP to opt out." Further texts are sent only if the customer replies. '
        f"(2) The public callback form at {form_url}: a separate SMS consent checkbox, "
        f"unchecked by default and not required to submit the form, with this text beside "
        f'it: "{disclosure}" Only customers who tick the box are texted. '
        f"Privacy policy: {privacy_url}. Terms: {terms_url}. "
        f"Program details and a screenshot of the form: {consent_url}."
    )
    samples, notes = samples_for(business)
    declared_links = registration.has_embedded_links
    declared_phone = registration.has_embedded_phone
    return Packet(
        business_name=name,
        phone_number=phone,
        use_case=USE_CASE,
        use_case_label=USE_CASE_LABEL,
        description=description,
        message_flow=message_flow,
        samples=samples,
        disclosure=disclosure,
        form_url=form_url,
        privacy_policy_url=privacy_url,
        terms_url=terms_url,
        consent_page_url=consent_url,
        opt_in_keywords=_keywords(STANDARD_OPT_IN),
        opt_out_keywords=_keywords(STANDARD_OPT_OUT),
        help_keywords=_keywords(STANDARD_HELP),
        opt_in_message=texts.opt_in_confirmation(business),
        opt_out_message=texts.opt_out_confirmation(business),
        help_message=texts.help_reply(business),
        has_embedded_links=declared_links,
        has_embedded_phone=declared_phone,
        notes=notes,
    )
