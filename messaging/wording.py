"""What a business may put into the texts Lasso sends in its name — its name, its
qualifying question and its after-hours question — under one rule, asked by the dashboard's
settings form, the settings API, the settings service, the after-hours page, sign-up and
`create_business`.

- Nothing that sends a caller elsewhere. No links, web or email addresses however they are
  written ("https://…", "www.x.com", "bit.ly/x", bare "x.co", "evil . example",
  "evil dot com", "pay@evil"), no IP addresses, and no phone numbers (seven digits or
  more): the text-back comes from the number the caller just dialled, so a link or another
  number in it can only point them somewhere else. That is the shape of a phishing text,
  and carriers filter it.
- Printable, on one line: no control characters (NUL, tab, line breaks) and no invisible
  format characters (right-to-left overrides and the like).
- Characters that would silently switch the text to UCS-2 are fixed, not refused: odd
  spaces (no-break, figure, ideographic…) become plain spaces, zero-width characters go
  (messaging.encoding.clean_body), and accents typed as a letter plus a combining mark are
  composed (NFC), so "é" stays the GSM-7 character it looks like.
- A name is at most NAME_MAX (50) characters, although the column holds 80. The plain-hyphen
  text-back around the name and the question is 61 characters; an 80-character name with
  the default question (28) is 169, two segments for every missed call. With 50, the
  text-back fits one GSM-7 segment (160) with any question of up to 49 characters.
"""

from __future__ import annotations

import re
import unicodedata

from messaging import texts
from messaging.encoding import clean_body

NAME_MAX = 50
QUESTION_MAX = texts.QUESTION_MAX

LINKS_NOT_ALLOWED = "Links are not allowed in the text-back."

# Top-level domains common enough in scams to catch even when written with spaces or as a
# word ("evil dot com"); with no space, any run of two letters or more after a dot counts.
_WORD_TLDS = (
    "com|net|org|io|co|us|biz|info|ly|me|app|xyz|site|online|shop|link|click|top|live|"
    "store|ru|cn|uk|de|ca|tk|gg|to|cc|ws"
)
# After a sentence's full stop ("…today. Com…") only those that are not English words.
_SPACED_TLDS = "com|net|org|io|ly|xyz|biz|ru|cn|tk"

_LINK_PATTERNS = [
    re.compile(r"\b[a-z][a-z0-9+.-]*:/+\S*", re.I),  # any scheme: http://, https:/…
    re.compile(r"\bwww\d{0,3}\s*\.\S*", re.I),
    re.compile(r"[\w.+-]+@[\w-]+\S*", re.I),  # an email address, or the start of one
    re.compile(r"\b\d{1,3}(?:\s*\.\s*\d{1,3}){3}\b"),  # an IP address
    re.compile(r"[^\W_][\w-]*\.[^\W\d_]{2,}\b\S*"),  # x.co, bit.ly/x, evil.example
    re.compile(r"[^\W_][\w-]*\s+\.\s+[^\W\d_]{2,}\b"),  # evil . example
    re.compile(rf"[^\W_][\w-]*\s*\.\s*(?:{_SPACED_TLDS})\b", re.I),  # evil. com, evil .com
    re.compile(rf"[^\W_][\w-]*\s*\bdot\s+(?:{_WORD_TLDS})\b", re.I),  # evil dot com
]
# Obfuscated dots: "evil[.]com", "evil(dot)com", "evil{.}com".
_BRACKETED_DOT = re.compile(r"\s*[\[({<]\s*(?:\.|dot)\s*[\])}>]\s*", re.I)
# Seven digits or more, with the separators people write numbers with.
_PHONE = re.compile(r"\+?\d(?:[\s().\-/]*\d){6,}")
_LINE_BREAKS = set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_UNPRINTABLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def clean_text(raw: str) -> str:
    """The text as we store it: invisible UCS-2 forcers fixed, composed, one space between
    words, no spaces at either end. Every character a person can see is kept."""
    text = unicodedata.normalize("NFC", clean_body(raw or ""))
    text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
    return re.sub(" {2,}", " ", text).strip()


def _for_matching(text: str) -> str:
    """Look-alikes folded (full-width letters, the ideographic full stop) so they cannot
    disguise a link."""
    folded = unicodedata.normalize("NFKC", text).replace("。", ".")
    return _BRACKETED_DOT.sub(".", folded)


def link_problems(text: str) -> list[str]:
    folded = _for_matching(text)
    for pattern in _LINK_PATTERNS:
        found = pattern.search(folded)
        if found:
            return [
                f"{LINKS_NOT_ALLOWED[:-1]}: “{found.group(0).strip()}” looks like a web or "
                "email address."
            ]
    return []


def phone_problems(text: str) -> list[str]:
    found = _PHONE.search(_for_matching(text))
    if not found:
        return []
    return [
        f"Phone numbers are not allowed in the text-back: “{found.group(0).strip()}” looks "
        "like one. The text comes from the number the caller dialled, so they already have it."
    ]


def character_problems(text: str, *, line_breaks: bool = True) -> list[str]:
    problems = []
    if line_breaks and any(ch in _LINE_BREAKS for ch in text):
        problems.append("Keep it on one line.")
    hidden = sorted(
        {ch for ch in text if unicodedata.category(ch) in _UNPRINTABLE and ch not in _LINE_BREAKS}
    )
    if hidden:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in hidden)
        problems.append(
            f"Remove the invisible control characters ({codes}): phones show them as boxes, "
            "or hide text behind them."
        )
    return problems


def name_problems(name: str) -> list[str]:
    """Why a business name (as clean_text returns it) cannot go into the text-back; empty
    when it can."""
    if not name:
        return ["Give the business a name."]
    problems = []
    if len(name) > NAME_MAX:
        problems.append(
            f"Keep the name to {NAME_MAX} characters (this is {len(name)}): it goes into every "
            "text-back, and a longer one makes each cost two texts."
        )
    if not any(ch.isalnum() for ch in name):
        problems.append("Write the business's name as callers know it, not only punctuation.")
    problems += character_problems(name)
    problems += link_problems(name)
    problems += phone_problems(name)
    return problems


def question_problems(question: str) -> list[str]:
    """Why a qualifying question (as clean_text returns it, line breaks kept) cannot go into
    the text-back: messaging's own rules for a question, then the ones it shares with the
    business name."""
    problems = texts.question_problems(question)
    if not question.strip():
        return problems
    # messaging already says "Keep the question on one line."
    problems += character_problems(question, line_breaks=False)
    if not any(p.startswith(LINKS_NOT_ALLOWED[:-1]) for p in problems):
        problems += link_problems(question)
    problems += phone_problems(question)
    return problems
