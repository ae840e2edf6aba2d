"""Every message Lasso sends, in one place. Only the qualifying question is the business's."""

from __future__ import annotations

import re
from datetime import datetime

from tenants.models import Business

TEXTBACK = "Sorry we missed your call — this is {business}. {question} Reply STOP to opt out."
TEXTBACK_PLAIN = "Sorry we missed your call - this is {business}. {question} Reply STOP to opt out."
OPT_OUT_CONFIRMATION = (
    "You're unsubscribed from {business} texts. No more messages will be sent. "
    "Reply START to resubscribe."
)
OPT_IN_CONFIRMATION = (
    "You're resubscribed to {business} texts about your requests. "
    "Msg frequency varies. Reply HELP for help, STOP to opt out."
)
HELP_REPLY = (
    "{business}: texts about your calls and service requests (customer care, scheduling) "
    "via Lasso. Msg frequency varies. Msg & data rates may apply. Help: {support}. "
    "Reply STOP to opt out."
)
# Never quotes what the visitor typed: anyone can fill in the form with anyone's number, so
# a name field would let a stranger put their words (a link, an insult) in our text.
CALLBACK_CONFIRMATION = (
    "Thanks — {business} got your callback request and will call you soon. Reply STOP to opt out."
)
TEAM_ALERT = "Lasso for {business}: {summary} {url}"
STOP_LINE = "Reply STOP to opt out."

QUESTION_MAX = 120
_LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|net|org|io|co|us|biz|info|ly)\b)", re.I)


def question_problems(question: str) -> list[str]:
    """Why a qualifying question is not acceptable; empty when it is."""
    problems = []
    q = question.strip()
    if not q:
        problems.append("Write one question, e.g. “What can we help with today?”.")
        return problems
    if len(q) > QUESTION_MAX:
        problems.append(f"Keep it to {QUESTION_MAX} characters (this is {len(q)}).")
    if not q.endswith("?"):
        problems.append("End the question with a question mark.")
    if q.count("?") > 1:
        problems.append("Ask one question only.")
    if _LINK.search(q):
        problems.append("Links are not allowed in the text-back.")
    if "\n" in q:
        problems.append("Keep the question on one line.")
    return problems


def textback(
    business: Business,
    *,
    question: str | None = None,
    plain: bool | None = None,
    at: datetime | None = None,
) -> str:
    """The registered sentence with the business's question. Given the call's time `at`,
    the owner's after-hours question stands in for it outside business hours, but only
    when the owner turned that on (messaging.after_hours); otherwise nothing changes."""
    if question is None and at is not None:
        from messaging.after_hours.selectors import after_hours_question

        question = after_hours_question(business=business, at=at)
    template = (
        TEXTBACK_PLAIN if (business.textback_plain_hyphen if plain is None else plain) else TEXTBACK
    )
    return template.format(
        business=business.name, question=(question or business.qualifying_question).strip()
    )


def opt_out_confirmation(business: Business) -> str:
    return OPT_OUT_CONFIRMATION.format(business=business.name)


def opt_in_confirmation(business: Business) -> str:
    return OPT_IN_CONFIRMATION.format(business=business.name)


def help_reply(business: Business) -> str:
    support = business.support_contact or "reply to this text"
    return HELP_REPLY.format(business=business.name, support=support)


def team_alert(business: Business, *, summary: str, url: str) -> str:
    short = summary if len(summary) <= 100 else summary[:99].rstrip() + "…"
    return TEAM_ALERT.format(business=business.name, summary=short, url=url)


def callback_confirmation(business: Business) -> str:
    return CALLBACK_CONFIRMATION.format(business=business.name)
