from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.browser
def test_it_photographs_the_live_form_at_phone_width(tmp_path):
    output = tmp_path / "callback-form.png"

    # A separate process: the command starts its own Playwright, which cannot share this
    # thread with the browser fixture's.
    result = subprocess.run(
        [sys.executable, "manage.py", "capture_callback_form_screenshot", "--output", str(output)],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr
    header = output.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width == 960  # 480 CSS pixels at 2x
    assert height > width
