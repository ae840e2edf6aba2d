from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tenants.models import Business, Membership, TwilioNumber, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_business", *args, stdout=out)
    return out.getvalue()


BASE = [
    "--name",
    "Acme Plumbing",
    "--number",
    "+15005550006",
    "--forward-to",
    "+13125550100",
    "--owner-email",
    "Owner@Example.com",
]


def test_it_creates_business_number_and_owner_and_prints_the_slug_last():
    output = run(*BASE, "--password", "s3cret-pass-word")
    assert output.strip().splitlines()[-1] == "acme-plumbing"
    business = Business.objects.get(slug="acme-plumbing")
    number = TwilioNumber.objects.get(business=business)
    assert str(number.phone_number) == "+15005550006"
    assert str(number.forward_to) == "+13125550100"
    assert number.mode == "forward"
    owner = User.objects.get(email="owner@example.com")
    assert owner.check_password("s3cret-pass-word")
    assert Membership.objects.get(user=owner, business=business).role == "owner"
    assert business.qualifying_question == "What can we help with today?"
    assert business.ring_timeout_seconds == 20
    assert business.screening_enabled is True
    assert business.textback_cooldown_hours == 24


def test_it_creates_a_missed_only_number():
    run(*BASE, "--mode", "missed-only")
    assert TwilioNumber.objects.get().mode == "missed-only"


def test_an_existing_user_can_own_a_second_business():
    run(*BASE)
    run(
        "--name",
        "Acme Heating",
        "--number",
        "+15005550007",
        "--forward-to",
        "+13125550101",
        "--owner-email",
        "owner@example.com",
    )
    owner = User.objects.get(email="owner@example.com")
    assert owner.memberships.count() == 2


def counts() -> tuple[int, int, int, int]:
    return (
        Business.objects.count(),
        TwilioNumber.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--number", "12345"], "is not a valid phone number"),
        (["--number", "not-a-number"], "is not a phone number"),
        (["--forward-to", "+1555"], "Forward-to number"),
        (["--owner-email", "nobody"], "is not an email address"),
    ],
)
def test_it_fails_clearly_on_bad_input_and_writes_nothing(args, message):
    argv = list(BASE)
    for flag, value in zip(args[::2], args[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    before = counts()
    with pytest.raises(CommandError, match=message):
        run(*argv)
    assert counts() == before


def test_it_refuses_a_number_already_taken_and_writes_nothing_new():
    run(*BASE)
    before = counts()
    with pytest.raises(CommandError, match="already belongs to a business"):
        run(
            "--name",
            "Other Co",
            "--number",
            "+15005550006",
            "--forward-to",
            "+13125550109",
            "--owner-email",
            "other@example.com",
        )
    assert counts() == before
    assert not User.objects.filter(email="other@example.com").exists()


def test_it_refuses_a_duplicate_slug_and_writes_nothing_new():
    run(*BASE)
    with pytest.raises(CommandError, match="slug 'acme-plumbing' already exists"):
        run(
            "--name",
            "ACME plumbing!",
            "--number",
            "+15005550007",
            "--forward-to",
            "+13125550109",
            "--owner-email",
            "other@example.com",
        )
    assert TwilioNumber.objects.count() == 1
    assert not User.objects.filter(email="other@example.com").exists()


def test_the_command_exits_non_zero_from_the_shell(tmp_path):
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create_business",
            "--name",
            "X",
            "--number",
            "123",
            "--forward-to",
            "+13125550100",
            "--owner-email",
            "a@b.co",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path}/x.db"),
        timeout=60,
    )
    assert result.returncode != 0
    assert "is not a valid phone number" in result.stderr
