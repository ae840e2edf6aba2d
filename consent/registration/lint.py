"""Every rule a carrier reviewer applies to a 10DLC campaign, checked before submission.

Each rule takes the evidence (the registration, the packet built from live configuration,
and the public pages as an anonymous visitor gets them) and answers pass or fail, with
Twilio's rejection code where Twilio has one and the fix in plain words. A rule judges only
what a reviewer would see: the fetched HTML, never our templates.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import reverse

from consent.registration import evidence as ev
from consent.registration.models import CarrierRegistration
from consent.registration.packet import Packet, contains_link, contains_phone

DESCRIPTION_LIMITS = (40, 4096)
MESSAGE_FLOW_LIMITS = (40, 2048)
SAMPLE_LIMITS = (20, 1024)
SAMPLE_COUNT = (2, 5)
REPLY_LIMITS = (20, 320)  # opt-in, opt-out and HELP answers

PURPOSE = re.compile(
    r"related to (my|your) (request|call|appointment|service)|about (my|your) "
    r"(request|call|appointment|service)|customer care|appointment|service request",
    re.I,
)
FREQUENCY = re.compile(r"(message|msg) frequency varies|\d+\s*(messages|msgs)\s*(per|/)", re.I)
RATES = re.compile(r"(message|msg) (and|&) data rates may apply", re.I)
STOP = re.compile(r"\bSTOP\b")
HELP = re.compile(r"\bHELP\b")
MARKETING = re.compile(
    r"\b(sale|discount|promo(tion)?s?|coupon|% off|deal of|limited time|free gift|buy now)\b",
    re.I,
)
NO_SHARING = re.compile(
    r"mobile (numbers?|information)[^.]{0,120}\b(not|never)\b[^.]{0,120}\bshar[^.]{0,160}"
    r"marketing",
    re.I,
)
EIN = re.compile(r"^\d{2}-?\d{7}$")
US_PHONE = re.compile(r"^\+1\d{10}$")
LEGAL_SUFFIX = re.compile(
    r"\b(llc|l\.l\.c|inc|incorporated|co|corp|corporation|ltd|pllc|lp|llp|company)\b\.?", re.I
)
BUNDLED_TERMS = re.compile(r"\b(agree|accept)\w* (to )?(the |our )?(terms|conditions)\b", re.I)
PRIVATE_HOSTS = {"localhost", "testserver"}


@dataclass(frozen=True)
class Evidence:
    registration: CarrierRegistration
    packet: Packet
    pages: dict[str, ev.Page]


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    code: str
    passed: bool
    fix: str = ""


Rule = Callable[[Evidence], Check]
RULES: list[Rule] = []


def rule(func: Rule) -> Rule:
    RULES.append(func)
    return func


def _check(key: str, title: str, code: str, problems: list[str]) -> Check:
    return Check(key=key, title=title, code=code, passed=not problems, fix=" ".join(problems))


def _sms_box(e: Evidence) -> ev.Checkbox | None:
    page = e.pages[ev.FORM]
    for box in ev.checkboxes(page.html):
        if "text message" in box.label_text.lower() or "sms" in box.name.lower():
            return box
    return None


def _normalise_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", LEGAL_SUFFIX.sub(" ", name.lower())).strip()


def _is_public(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host in PRIVATE_HOSTS or "." not in host:
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return not host.endswith((".local", ".internal", ".test", ".localhost"))


# --- the brand --------------------------------------------------------------------------------
@rule
def brand_complete(e: Evidence) -> Check:
    r = e.registration
    problems = []
    missing = [
        label
        for label, value in [
            ("legal name", r.legal_name),
            ("street", r.street),
            ("city", r.city),
            ("state", r.region),
            ("ZIP code", r.postal_code),
            ("website", r.website),
            ("vertical", r.vertical),
            ("contact's first name", r.contact_first_name),
            ("contact's last name", r.contact_last_name),
            ("contact's email", r.contact_email),
            ("contact's phone", r.contact_phone),
            ("contact's title", r.contact_title),
            ("contact's position", r.contact_position),
        ]
        if not value.strip()
    ]
    if missing:
        problems.append("Fill in the " + ", ".join(missing) + ".")
    if r.entity_type == CarrierRegistration.EntityType.COMPANY and not EIN.match(r.ein.strip()):
        problems.append(
            "Enter the EIN as nine digits (12-3456789), exactly as on the IRS letter, or choose "
            "sole proprietor if the business has none."
        )
    if r.entity_type == CarrierRegistration.EntityType.COMPANY and not r.business_type:
        problems.append(
            "Choose the business type (corporation, LLC, partnership…) as registered with "
            "the state: the brand is checked against the state's records."
        )
    if r.region and not re.fullmatch(r"[A-Z]{2}", r.region.strip()):
        problems.append("Write the state as two capital letters, e.g. NY.")
    if r.contact_phone and not US_PHONE.match(r.contact_phone.strip()):
        problems.append("Write the contact's phone as +1 and ten digits.")
    if r.website and not r.website.startswith("https://"):
        problems.append("Give the website's https:// address: reviewers open it.")
    return _check("brand_complete", "Brand facts complete", "", problems)


@rule
def brand_name_matches(e: Evidence) -> Check:
    r = e.registration
    texted = _normalise_name(e.packet.business_name)
    registered = {_normalise_name(n) for n in (r.legal_name, r.dba_name) if n.strip()}
    problems = []
    if texted not in registered:
        problems.append(
            f"Your texts say “{e.packet.business_name}” but the brand is registered as "
            f"“{r.legal_name or '(no legal name)'}”. Enter “{e.packet.business_name}” as the "
            "DBA name, or rename the business in Settings to the registered name."
        )
    return _check(
        "brand_name_matches", "Business name in the texts matches the brand", "", problems
    )


# --- the call to action (the public form) ----------------------------------------------------
@rule
def opt_in_public(e: Evidence) -> Check:
    page = e.pages[ev.FORM]
    problems = []
    if not _is_public(page.url):
        problems.append(
            f"The callback form is at {page.url}, which a reviewer cannot open: set "
            "PUBLIC_BASE_URL to Lasso's public https:// address."
        )
    if page.status != 200:
        problems.append(
            f"The callback form answers {page.status} to a visitor who is not signed in; it "
            "must open for anyone."
        )
    return _check("opt_in_public", "The opt-in page is public", "30842", problems)


@rule
def opt_in_checkbox(e: Evidence) -> Check:
    box = _sms_box(e)
    problems = []
    if box is None:
        problems.append(
            "The callback form shows no SMS consent checkbox: add a separate box for texts."
        )
    else:
        if box.checked:
            problems.append("The SMS box is ticked in advance: it must start unchecked.")
        if box.required:
            problems.append("The SMS box is required: the form must submit without it.")
        if box.label_text != e.packet.disclosure:
            problems.append(
                "The words beside the SMS box are not the disclosure in the message flow: "
                "show exactly the disclosure, beside the box."
            )
        if BUNDLED_TERMS.search(box.label_text):
            problems.append(
                "The box also accepts terms or other agreements: keep it about texts only."
            )
    return _check(
        "opt_in_checkbox", "A separate, unchecked, SMS-only consent box", "30841", problems
    )


@rule
def cta_purpose(e: Evidence) -> Check:
    box = _sms_box(e)
    text = box.label_text if box else ""
    problems = []
    if not PURPOSE.search(text):
        problems.append(
            "Say what the texts are about beside the box, e.g. “text messages related to my "
            "request”."
        )
    return _check(
        "cta_purpose", "The call to action states the messages' purpose", "30544", problems
    )


@rule
def cta_elements(e: Evidence) -> Check:
    box = _sms_box(e)
    text = box.label_text if box else ""
    links = box.label_links if box else ()
    problems = []
    if not FREQUENCY.search(text):
        problems.append("Add the frequency (“Message frequency varies.”).")
    if not RATES.search(text):
        problems.append("Add “Message and data rates may apply.”.")
    if not STOP.search(text):
        problems.append("Say how to stop (“Reply STOP to opt out.”).")
    if not HELP.search(text):
        problems.append("Say how to get help (“Reply HELP for assistance.”).")
    if reverse("public:privacy") not in [urlsplit(link).path for link in links]:
        problems.append("Link the privacy policy from the words beside the box.")
    return _check(
        "cta_elements",
        "Frequency, rates, STOP, HELP and privacy link beside the box",
        "30924",
        problems,
    )


@rule
def message_flow(e: Evidence) -> Check:
    p = e.packet
    problems = []
    if p.form_url not in p.message_flow:
        problems.append("Name the callback form's address in the message flow.")
    if f'"{p.disclosure}"' not in p.message_flow:
        problems.append("Quote the disclosure beside the box, word for word, in the message flow.")
    if "calls first" not in p.message_flow:
        problems.append("Describe the first way in: the customer calls the business first.")
    low, high = MESSAGE_FLOW_LIMITS
    if not low <= len(p.message_flow) <= high:
        problems.append(f"Keep the message flow between {low} and {high} characters.")
    return _check(
        "message_flow", "The message flow lists every way consent is given", "30896", problems
    )


# --- the campaign -----------------------------------------------------------------------------
@rule
def description(e: Evidence) -> Check:
    p = e.packet
    low, high = DESCRIPTION_LIMITS
    problems = []
    if not low <= len(p.description) <= high:
        problems.append(f"Keep the description between {low} and {high} characters.")
    if p.business_name not in p.description:
        problems.append("Name the business in the description.")
    if MARKETING.search(p.description):
        problems.append("Describe customer care only: no promotions in a customer-care campaign.")
    return _check("description", "Campaign description", "30886", problems)


@rule
def samples(e: Evidence) -> Check:
    p = e.packet
    low, high = SAMPLE_COUNT
    problems = []
    if not low <= len(p.samples) <= high:
        problems.append(f"Give between {low} and {high} sample messages.")
    if not any(p.business_name in s.body and STOP.search(s.body) for s in p.samples):
        problems.append(
            "At least one sample must name the business and carry the opt-out line "
            "(“Reply STOP to opt out.”)."
        )
    for s in p.samples:
        if MARKETING.search(s.body):
            problems.append(f"“{s.label}” reads as marketing; a customer-care campaign cannot.")
    return _check("samples", "Samples consistent with the use case", "30893", problems)


@rule
def lengths(e: Evidence) -> Check:
    p = e.packet
    problems = []
    low, high = SAMPLE_LIMITS
    for s in p.samples:
        if not low <= len(s.body) <= high:
            problems.append(f"“{s.label}” is {len(s.body)} characters; keep it {low}–{high}.")
    low, high = REPLY_LIMITS
    for label, text in [
        ("The answer to START", p.opt_in_message),
        ("The answer to STOP", p.opt_out_message),
        ("The answer to HELP", p.help_message),
    ]:
        if not low <= len(text) <= high:
            problems.append(
                f"{label} is {len(text)} characters; Twilio accepts {low}–{high}. Shorten the "
                "business name or the support contact."
            )
    return _check("lengths", "Samples and keyword answers within Twilio's limits", "", problems)


@rule
def embedded_phone(e: Evidence) -> Check:
    p = e.packet
    found = any(contains_phone(s.body) for s in p.samples)
    problems = []
    if found and not p.has_embedded_phone:
        problems.append(
            "A sample contains a phone number: tick “Texts will contain phone numbers”."
        )
    if p.has_embedded_phone and not found:
        problems.append(
            "“Texts will contain phone numbers” is ticked but no sample has one: untick it."
        )
    return _check("embedded_phone", "Embedded phone numbers declared as sent", "30889", problems)


@rule
def embedded_links(e: Evidence) -> Check:
    p = e.packet
    found = any(contains_link(s.body) for s in p.samples)
    problems = []
    if found and not p.has_embedded_links:
        problems.append("A sample contains a link: tick “Texts will contain links”.")
    if p.has_embedded_links and not found:
        problems.append("“Texts will contain links” is ticked but no sample has one: untick it.")
    return _check("embedded_links", "Embedded links declared as sent", "", problems)


# --- keywords and their answers ---------------------------------------------------------------
@rule
def opt_out(e: Evidence) -> Check:
    p = e.packet
    text = p.opt_out_message.lower()
    problems = []
    if "STOP" not in p.opt_out_keywords:
        problems.append("STOP must be an opt-out keyword.")
    if p.business_name.lower() not in text:
        problems.append("Name the business in the answer to STOP.")
    if not re.search(r"unsubscribed|opted out|opt-out", text):
        problems.append("Acknowledge the opt-out in the answer to STOP.")
    if not re.search(r"no (more|further) messages", text):
        problems.append("Confirm in the answer to STOP that no further messages will be sent.")
    return _check("opt_out", "Opt-out keywords and answer", "30887", problems)


@rule
def help_answer(e: Evidence) -> Check:
    p = e.packet
    problems = []
    if "HELP" not in p.help_keywords:
        problems.append("HELP must be a help keyword.")
    if p.business_name not in p.help_message:
        problems.append("Name the business in the answer to HELP.")
    if not e.registration.business.support_contact.strip():
        problems.append(
            "Add a support phone or email in Settings: the answer to HELP must say how to reach "
            "the business."
        )
    return _check("help_answer", "HELP answer names the business and a contact", "", problems)


@rule
def opt_in_answer(e: Evidence) -> Check:
    p = e.packet
    problems = []
    if p.business_name not in p.opt_in_message:
        problems.append("Name the business in the answer to START.")
    if not (HELP.search(p.opt_in_message) and STOP.search(p.opt_in_message)):
        problems.append("Say how to get help and how to opt out in the answer to START.")
    if not FREQUENCY.search(p.opt_in_message):
        problems.append("Give the message frequency in the answer to START.")
    return _check("opt_in_answer", "Opt-in keywords and answer", "", problems)


# --- the policies -----------------------------------------------------------------------------
@rule
def privacy_policy(e: Evidence) -> Check:
    page = e.pages[ev.PRIVACY]
    problems = []
    if page.status != 200 or not _is_public(page.url):
        problems.append(f"The privacy policy at {page.url} must open for anyone, over https.")
    elif not NO_SHARING.search(ev.page_text(page.html)):
        problems.append(
            "State in the privacy policy that mobile numbers are not shared with third parties "
            "for marketing."
        )
    return _check(
        "privacy_policy",
        "Privacy policy: mobile numbers not shared for marketing",
        "30896",
        problems,
    )


@rule
def terms(e: Evidence) -> Check:
    page = e.pages[ev.TERMS]
    problems = []
    if page.status != 200 or not _is_public(page.url):
        problems.append(f"The terms at {page.url} must open for anyone, over https.")
    return _check("terms", "Terms and conditions are public", "30896", problems)


def run(e: Evidence) -> list[Check]:
    return [check(e) for check in RULES]
