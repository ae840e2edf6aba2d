"""Under the Content-Security-Policy, the browser refuses inline code, and every feature that
used to be inline (the business switcher, the token-revoke confirmation, the API docs) still
works from its static file. The page fixture fails any test the browser reports a violation
in; these tests also say so where it matters.
"""

from __future__ import annotations

import pytest

from tenants.models import ApiToken
from tests.conftest import CALLER, PASSWORD, TwilioClient, make_tenant, new_message_sid
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, *, then: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={then}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


@pytest.mark.parametrize(
    "inject",
    [
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.appendChild(s); }",
        "() => { const b = document.createElement('button'); b.setAttribute('onclick',"
        " 'window.ran = true'); document.body.appendChild(b); b.click(); }",
        "() => { document.body.setAttribute('style', 'background: red'); }",
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { background: red }'; document.head.appendChild(s); }",
    ],
    ids=["inline-script", "inline-handler", "style-attribute", "style-element"],
)
def test_it_refuses_inline_code_and_reports_it(page, live_server, csp_violations, inject, db):
    page.goto(f"{live_server.url}/accounts/login/")

    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(inject)

    assert page.evaluate("() => window.ran === undefined")
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    )
    assert csp_violations
    csp_violations.clear()  # seen and expected: not a failure of this test


def test_the_business_switcher_switches_businesses(page, live_server, tenant, csp_violations):
    rival = make_tenant(name="Rival Heating", slug="rival-heating")
    MembershipFactory(user=tenant.owner, business=rival.business)
    sign_in(page, live_server, tenant.owner, then="/app/")
    name = page.locator("header .business-name")
    before = name.inner_text()
    assert before in {"Acme Plumbing", "Rival Heating"}
    after = "Rival Heating" if before == "Acme Plumbing" else "Acme Plumbing"

    page.click("header button[data-menu-toggle]")  # on a phone the switcher is in the menu
    page.select_option("#business-switch", label=after)

    page.wait_for_selector(f"header .business-name >> text={after}")
    assert page.locator("#business-switch option:checked").inner_text() == after
    assert csp_violations == []


def test_the_token_page_selects_a_new_key_and_asks_before_revoking(
    page, live_server, tenant, csp_violations
):
    sign_in(page, live_server, tenant.owner, then="/app/tokens/")
    page.fill("#token-name", "Zapier's sync")
    page.click("text=Create token")
    key = page.locator("#new-token-key")
    key.wait_for()

    key.click()
    assert page.evaluate(
        "() => { const i = document.getElementById('new-token-key');"
        " return i.selectionStart === 0 && i.selectionEnd === i.value.length; }"
    )

    page.goto(f"{live_server.url}/app/tokens/")
    asked: list[str] = []
    answers = iter(["dismiss", "accept"])

    def answer(dialog) -> None:
        asked.append(dialog.message)
        getattr(dialog, next(answers))()

    page.on("dialog", answer)
    revokes: list[str] = []
    page.on("request", lambda r: revokes.append(r.url) if "/revoke/" in r.url else None)

    page.click("text=Revoke")  # asked, and told no
    assert asked == ["Revoke “Zapier's sync”? Anything using it stops working."]
    page.click("text=Revoke")  # asked again, and told yes
    page.wait_for_selector("text=Revoked “Zapier's sync”: requests with it are now refused.")

    assert len(asked) == 2
    assert len(revokes) == 1  # the first, refused, was never sent
    assert ApiToken.objects.get(user=tenant.owner).revoked_at is not None
    assert csp_violations == []


def test_the_api_docs_load_and_list_the_operations(page, live_server, tenant, csp_violations):
    sign_in(page, live_server, tenant.owner, then="/app/tokens/")
    page.click("text=Lasso API")
    page.wait_for_url("**/api/schema/docs/")

    page.locator(".opblock").first.wait_for()

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/businesses/{slug}/settings/" in p.replace("\u200b", "") for p in paths)
    assert len(paths) > 5
    assert csp_violations == []


def test_the_consent_evidence_prints_from_its_button(page, live_server, tenant, csp_violations):
    TwilioClient().post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": str(tenant.number.phone_number),
            "Body": "Can you come tomorrow?",
            "NumMedia": "0",
        },
    )
    sign_in(page, live_server, tenant.owner, then="/app/consent/")
    page.goto(f"{live_server.url}/app/consent/{CALLER}/")
    page.wait_for_selector("text=Can you come tomorrow?")
    # The browser's print dialog cannot be driven; what the button calls can be watched.
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")

    page.click("text=Print")

    assert page.evaluate("() => window.printed === true")
    assert csp_violations == []
