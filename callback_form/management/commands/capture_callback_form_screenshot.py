"""Photograph the live Request-a-Callback form for the /sms-consent/ page.

Carriers' reviewers want to see the real form, so this starts the real site (runserver on a
free port, a throwaway SQLite database, no Twilio) and drives Debian's Chromium to it with
Playwright, the same browser the browser tests use.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A phone-width viewport: most people who fill the form in are on a phone.
VIEWPORT = {"width": 480, "height": 900}
DEFAULT_OUTPUT = Path(settings.BASE_DIR) / "static" / "public" / "callback-form.png"
STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_environment(database: Path, base_url: str) -> dict[str, str]:
    """The process environment for a throwaway copy of the site: nothing it does can reach
    the real database, broker or Twilio."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "REDIS_", "DATABASE_", "LASSO_"))
    }
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL="",
        LASSO_SMS_BACKEND="console",
        PUBLIC_BASE_URL=base_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"The site exited before answering (code {process.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"The site did not answer {url} within {STARTUP_TIMEOUT_SECONDS} s.")


class Command(BaseCommand):
    help = "Screenshot the live /request-callback/ form into static/public/callback-form.png."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)

    def handle(self, *args: object, output: Path, **options: object) -> None:
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            raise CommandError(f"{CHROMIUM} is missing: apt-get install chromium")
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory(prefix="lasso-screenshot-") as tmp:
            env = site_environment(Path(tmp) / "site.sqlite3", base_url)
            subprocess.run(
                [sys.executable, manage, "migrate", "--noinput", "-v", "0"],
                env=env,
                check=True,
            )
            server = subprocess.Popen(
                [sys.executable, manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                form_url = f"{base_url}/request-callback/"
                wait_until_up(form_url, server)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS
                    )
                    try:
                        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=2)
                        page.goto(form_url)
                        if page.is_checked("#id_sms_consent"):
                            raise CommandError("The SMS-consent box rendered ticked: not saved.")
                        output.parent.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(output), full_page=True)
                    finally:
                        browser.close()
            finally:
                server.terminate()
                server.wait(timeout=10)
        self.stdout.write(f"Saved {output}")
