"""When two email addresses reach the same mailbox, for "does this person already have an
account?": compared without case and without a +tag (alice+shop@… is alice@…), and, for
Gmail, without dots in the local part and with googlemail.com as gmail.com, which is how
Gmail delivers. Used only to recognise an existing account, never to send mail: mail goes
to the address exactly as the account holds it."""

from __future__ import annotations

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def mailbox_key(email: str) -> str:
    local, at, domain = (email or "").strip().lower().rpartition("@")
    if not at or not local or not domain:
        return (email or "").strip().lower()
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
