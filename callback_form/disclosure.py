"""The SMS-consent disclosure shown beside the callback form's checkbox.

One wording, kept here only: the form, the /sms-consent/ page and the consent ledger all
build from it, so what a person saw and what the ledger says they saw cannot drift apart.
The sender is "Lasso" on Lasso's own form (exactly the wording on the public SMS-consent
page) and the business's name on a business's form, because that business is who texts.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

DISCLOSURE_TEMPLATE = (
    "I agree to receive text messages related to my request from {sender} and service "
    "providers using the Lasso Messaging Service. Message frequency varies. Message and data "
    "rates may apply. Reply STOP to opt out at any time. Reply HELP for assistance. "
    "See {privacy_policy} and {mobile_terms}."
)
PRIVACY_POLICY_LABEL = "Privacy Policy"
MOBILE_TERMS_LABEL = "Mobile Terms"
HOUSE_SENDER = "Lasso"


def disclosure_text(*, sender: str) -> str:
    """The disclosure as plain text: what the ledger stores and hashes."""
    return DISCLOSURE_TEMPLATE.format(
        sender=sender, privacy_policy=PRIVACY_POLICY_LABEL, mobile_terms=MOBILE_TERMS_LABEL
    )


def disclosure_html(*, sender: str) -> SafeString:
    """The same words with the two policies linked; its text content is disclosure_text().

    The links open in a new tab so reading a policy does not throw away a half-filled form.
    """
    return format_html(
        DISCLOSURE_TEMPLATE,
        sender=sender,
        privacy_policy=_link(reverse("public:privacy"), PRIVACY_POLICY_LABEL),
        mobile_terms=_link(reverse("public:mobile_terms"), MOBILE_TERMS_LABEL),
    )


def _link(href: str, label: str) -> SafeString:
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', href, label)
