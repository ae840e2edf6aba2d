"""Twilio's reasons for refusing a registration, each with what to change in plain words.

A code Lasso's own checks know (consent.registration.lint) is answered by that check, run on
the business as it is now: its fix when it still fails, or that it passes now and the
registration can be resubmitted. Other codes get the fix below, or Twilio's own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.models import Business

# Codes Twilio gives for registrations that Lasso's checks do not cover.
FIXES = {
    "21452": "Add the business's number in Settings, then resubmit.",
    "22214": "Complete the brand facts (legal name, EIN, address and contact), then resubmit.",
    "30897": (
        "Describe customer care only, with no promotional or disallowed content, in the "
        "samples and message flow, then resubmit."
    ),
}
GENERIC = "Correct what Twilio names above in the brand facts or Settings, then resubmit."


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    fix: str


def explain(
    *, business: Business, problems: list[dict[str, str]], checks: list | None = None
) -> list[Reason]:
    if not problems:
        return []
    if checks is None:
        checks = _checks(business, problems)
    checks = checks or []
    explained = []
    for problem in problems:
        code, text = str(problem.get("code", "")), str(problem.get("text", ""))
        matching = [c for c in checks if c.code and c.code == code]
        failing = [c for c in matching if not c.passed]
        if failing:
            fix = " ".join(c.fix for c in failing)
        elif matching:
            fix = f"Lasso's check “{matching[0].title}” passes now: resubmit."
        else:
            fix = FIXES.get(code, GENERIC)
        explained.append(Reason(code=code, text=text, fix=fix))
    return explained


def _checks(business: Business, problems: list[dict[str, str]]) -> list:
    from consent.registration import selectors

    if not any(str(p.get("code", "")).startswith("30") for p in problems):
        return []  # not a campaign review code: no check of Lasso's can speak to it
    return selectors.review(business=business).checks
