"""The app the scheduler tests start in processes of their own (`flask --app tests.scheduler_app …`): the real
`scheduler` commands, with `close_offers` made to wait half way, after its changes are written to the
database and before the runner commits them.

Environment:
- SCHEDULER_TEST_HALFWAY: half way, the job creates the file `<this>.<pid>`, then waits until the file
  SCHEDULER_TEST_RELEASE exists (at most a minute);
- SCHEDULER_TEST_START: the process says it is ready by creating `<this>.ready.<pid>`, then waits for this
  file before it runs the command, so that two processes take the lock at the same moment;
- SCHEDULER_TEST_FIRE_AT_START: for `scheduler run`: close_offers is the only job, scheduled once, at the
  time written in the start file.
"""
import os
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from apscheduler.triggers.date import DateTrigger

import tracker
from tracker.extensions import db
from tracker.scheduler.jobs import JOBS


def _wait_for(path: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _close_offers_waiting_half_way(now: datetime) -> int:
    items = CLOSE_OFFERS(now)
    db.session.flush()
    Path(f"{os.environ['SCHEDULER_TEST_HALFWAY']}.{os.getpid()}").touch()
    _wait_for(os.environ["SCHEDULER_TEST_RELEASE"])
    return items


CLOSE_OFFERS = JOBS["close_offers"].function
JOBS["close_offers"] = replace(JOBS["close_offers"], function=_close_offers_waiting_half_way)


def create_app():
    app = tracker.create_app()
    start = os.environ.get("SCHEDULER_TEST_START")
    if start:
        Path(f"{start}.ready.{os.getpid()}").touch()
        _wait_for(start)
        if os.environ.get("SCHEDULER_TEST_FIRE_AT_START"):
            fire_at = datetime.fromisoformat(Path(start).read_text())
            only = replace(JOBS["close_offers"], trigger=DateTrigger(run_date=fire_at))
            JOBS.clear()
            JOBS["close_offers"] = only
    return app
