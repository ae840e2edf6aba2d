from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core import mail
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_200_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def healthz_in_subprocess(**env: str) -> tuple[int, dict]:
    probe = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code); print(r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stdout.strip().splitlines()
    return int(lines[-2]), json.loads(lines[-1])


def test_healthz_answers_503_naming_the_broker_when_redis_is_down(django_db_setup):
    # The subprocess reads this run's own test database (a suite may run with a
    # TEST_DATABASE_URL whose main database was never created).
    from tests.integration.test_real_worker import worker_database_url

    status, body = healthz_in_subprocess(
        REDIS_URL="redis://127.0.0.1:1/0", DATABASE_URL=worker_database_url()
    )
    assert status == 503
    assert body["broker"] == "down"
    assert body["database"] == "ok"


def test_healthz_answers_503_naming_the_database_when_postgres_is_down():
    status, body = healthz_in_subprocess(DATABASE_URL="postgres://lasso:lasso@127.0.0.1:1/lasso")
    assert status == 503
    assert body["database"] == "down"
    assert body["broker"] == "ok"


def test_the_dashboard_requires_login(client, db):
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_can_log_in_and_see_their_business(client, tenant):
    response = client.post(
        reverse("login"),
        {"username": tenant.owner.email, "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Acme Plumbing" in response.content


def test_a_wrong_password_is_refused(client, tenant):
    response = client.post(reverse("login"), {"username": tenant.owner.email, "password": "x"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_logout_ends_the_session(owner_client):
    owner_client.post(reverse("logout"))
    assert owner_client.get("/app/").status_code == 302


def test_password_reset_emails_a_working_link(client, tenant):
    client.post(reverse("password_reset"), {"email": tenant.owner.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/reset/") :].strip()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-brand-new-pass-42", "new_password2": "a-brand-new-pass-42"}
    )
    assert response.status_code == 302
    tenant.owner.refresh_from_db()
    assert tenant.owner.check_password("a-brand-new-pass-42")


def test_a_user_in_two_businesses_can_switch_between_them(tenant, other_tenant):
    from tenants.models import Membership
    from tests.conftest import client_for

    Membership.objects.create(user=tenant.owner, business=other_tenant.business, role="staff")
    client = client_for(tenant.owner)
    assert b"Acme Plumbing" in client.get("/app/").content
    client.post(reverse("dashboard:switch"), {"business": other_tenant.business.slug})
    page = client.get("/app/").content.decode()
    assert "<h1>Rival Heating</h1>" in page


def test_switching_to_a_business_you_are_not_in_is_a_404(owner_client, other_tenant):
    response = owner_client.post(
        reverse("dashboard:switch"), {"business": other_tenant.business.slug}
    )
    assert response.status_code == 404
