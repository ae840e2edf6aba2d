"""Celery beat with production's schedule, every entry on a shorter interval, for the
recovery tests: ``python -m tests.recovery.beat --every 1 --schedule-file PATH``.

Only the intervals change: the task names are production's, so a scheduled name that no
task answers to is sent to the worker as it would be in production, and recovers nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tests.integration.processes import Process
from tests.waiting import wait_until


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, required=True)
    parser.add_argument("--schedule-file", required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lasso.settings")
    import django

    django.setup()
    from lasso.celery import app

    app.conf.beat_schedule = {
        name: {**entry, "schedule": args.every} for name, entry in app.conf.beat_schedule.items()
    }
    app.Beat(schedule=args.schedule_file, loglevel="INFO", max_interval=args.every).run()


class CeleryBeat(Process):
    """This module as a subprocess, next to a CeleryWorker on the same broker."""

    def __init__(self, log_path: Path, env: dict[str, str], *, every: float) -> None:
        super().__init__("celery beat", log_path)
        self.env = env
        self.every = every
        self.schedule_file = log_path.with_suffix(".schedule")

    def start(self) -> None:
        self.spawn(
            [
                sys.executable,
                "-m",
                "tests.recovery.beat",
                "--every",
                str(self.every),
                "--schedule-file",
                str(self.schedule_file),
            ],
            env=self.env,
        )

        def started() -> bool:
            self.fail_if_exited()
            return "beat: Starting..." in self.log_since_start()

        wait_until(started, timeout=60, message="celery beat did not start", interval=0.1)

    def sent(self, entry: str) -> int:
        """How often beat has sent the schedule entry `entry` since it started."""
        return self.log_since_start().count(f"Sending due task {entry} ")


if __name__ == "__main__":
    main()
