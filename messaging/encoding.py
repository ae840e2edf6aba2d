"""How many SMS segments a body costs, and in which encoding.

GSM-7 carries 160 characters in one segment (153 per segment when split); a single
character outside it switches the whole message to UCS-2 at 70 (67). Some characters
force UCS-2 invisibly (a non-breaking space pasted from a word processor); `clean_body`
replaces those, and only those, so the words a person chose are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

# Invisible or look-alike characters that would silently force UCS-2.
_SILENT_UCS2 = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u202f": " ",  # narrow no-break space
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",  # byte-order mark
    "\u2060": "",  # word joiner
}

GSM7 = "GSM-7"
UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str
    units: int
    segments: int


def clean_body(body: str) -> str:
    for bad, good in _SILENT_UCS2.items():
        body = body.replace(bad, good)
    return body


def segment_info(body: str) -> SegmentInfo:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in body)
        segments = 1 if units <= 160 else math.ceil(units / 153)
        return SegmentInfo(GSM7, units, segments)
    units = len(body.encode("utf-16-le")) // 2
    segments = 1 if units <= 70 else math.ceil(units / 67)
    return SegmentInfo(UCS2, units, segments)
