"""Inputs a stranger (or a misbehaving proxy) can send: any text, with the characters that
break things over-represented (NUL, other controls, line breaks, lookalikes, long runs)."""

from __future__ import annotations

from hypothesis import strategies as st

NASTY = [
    "\x00",
    "\r\n",
    "\n",
    "\t",
    "\x0b",
    "\u2028",
    "\ufeff",
    "\u200d",
    "/",
    "..",
    "%00",
    "<script>",
    "javascript:",
    "=cmd|",
    "'",
    '"',
    "\\",
    "😀",
    "+1",
    "+19005550100",
    "AB/CD",
    "https://evil.example",
]

text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from([*NASTY, *"abc+0123456789 "]), max_size=12).map("".join),
    st.sampled_from(NASTY),
    st.text(max_size=2000),
)


def params_for(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """A parameter set: some of the names a form or webhook expects, plus a few unknown
    ones, each with arbitrary text."""
    known = st.dictionaries(st.sampled_from(names), text, max_size=len(names))
    extra = st.dictionaries(st.text(min_size=1, max_size=20), text, max_size=3)
    return st.builds(lambda a, b: {**b, **a}, known, extra)
