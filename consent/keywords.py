"""What an inbound text means: opt-out, opt-in, help, or an ordinary reply.

The phrase lists live here and nowhere else. An opt-out keyword counts when it stands
alone or leads a short message made only of filler ("Stop please", "STOP!!", "stop texting
me"); plain-language revocations count anywhere in a short message. Near misses that merely
contain the word ("Don't stop by until 5", "Stopped by earlier?", "Cancel my appointment")
are ordinary replies.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    MESSAGE = "message"
    # Neither clearly "stop" nor clearly not ("cancel that", "who gave you this number?"):
    # stored as a customer message and flagged for a person to read before replying.
    POSSIBLE_OPT_OUT = "possible_opt_out"


# Keywords carriers and Twilio's Advanced Opt-Out recognise.
STANDARD_OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
STANDARD_OPT_IN = {"start", "yes", "unstop"}
STANDARD_HELP = {"help", "info"}
OPT_OUT_PHRASES_AS_KEYWORD = {"opt out", "opt-out"}

# Said in plain words, these mean "stop" to a reasonable person.
REVOCATION_PHRASES = (
    "stop texting",
    "stop messaging",
    "stop sending",
    "stop contacting",
    "don't text",
    "dont text",
    "do not text",
    "don't message",
    "do not message",
    "don't contact",
    "do not contact",
    "no more texts",
    "no more messages",
    "remove me",
    "take me off",
    "unsubscribe me",
    "wrong number",
    "leave me alone",
)

# Words that may follow a leading keyword without changing its meaning.
FILLER = {
    "please",
    "pls",
    "plz",
    "now",
    "thanks",
    "thank",
    "you",
    "thx",
    "ty",
    "me",
    "it",
    "all",
    "this",
    "these",
    "texting",
    "texts",
    "text",
    "messages",
    "messaging",
    "sending",
    "already",
    "asap",
    "immediately",
    "right",
    "away",
    "ok",
    "okay",
}
SHORT_MESSAGE_WORDS = 12

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_WORD = re.compile(r"[a-z0-9']+(?:-[a-z0-9']+)*")


def _normalize(body: str) -> str:
    return " ".join(body.translate(_APOSTROPHES).lower().split())


def words_of(body: str) -> list[str]:
    return _WORD.findall(_normalize(body))


def is_bare_keyword(body: str) -> bool:
    """The whole message is one standard keyword (punctuation aside): the kind Twilio's own
    opt-out handling answers by itself."""
    words = words_of(body)
    return len(words) == 1 and words[0] in STANDARD_OPT_OUT | STANDARD_OPT_IN | STANDARD_HELP


def classify(body: str) -> Intent:
    words = words_of(body)
    if not words:
        return Intent.MESSAGE
    text = " ".join(words)
    head, rest = words[0], words[1:]
    if text in OPT_OUT_PHRASES_AS_KEYWORD or (
        len(words) >= 2 and " ".join(words[:2]) == "opt out" and all(w in FILLER for w in words[2:])
    ):
        return Intent.OPT_OUT
    if head in STANDARD_OPT_OUT and all(w in FILLER for w in rest):
        return Intent.OPT_OUT
    if len(words) <= SHORT_MESSAGE_WORDS and any(p in text for p in REVOCATION_PHRASES):
        return Intent.OPT_OUT
    if head in STANDARD_OPT_IN and all(w in FILLER for w in rest):
        return Intent.OPT_IN
    if head in STANDARD_HELP and all(w in FILLER for w in rest):
        return Intent.HELP
    return Intent.MESSAGE
