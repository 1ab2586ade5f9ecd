"""The scheduler: jobs run on their own, once at a time whatever the number of scheduler processes, each run
recorded and all-or-nothing; the Secretariat sees the jobs, runs one now, pauses one."""
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select

from tests.conftest import csrf_token, login, make_organisation, make_user, post
from tests.test_offers import make_offer
from tracker.accounts.models import PARTY_EDITOR, SECRETARIAT
from tracker.audit.models import AuditEntry
from tracker.clock import today
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.matching.models import RUN_FAILED, MatchRun
from tracker.offers.models import EXPIRED, OPEN, Offer
from tracker.scheduler import jobs as scheduler_jobs
from tracker.scheduler.commands import EXIT_SKIPPED
from tracker.scheduler.jobs import JOBS, run_job
from tracker.scheduler.locks import job_lock, lock_held
from tracker.scheduler.models import (
    COMMAND, FAILED, INTERRUPTED, MANUAL, RUNNING, SCHEDULED, SKIPPED, SUCCEEDED, JobLock, JobRun, JobSetting,
)
from tracker.scheduler.services import overdue_jobs, run_history, set_paused

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {"deliver_mail", "cycle_reminders", "suggestion_digest", "digests", "stalled_matches",
            "expiring_offers", "close_offers", "nightly_matching", "refresh_indicators"}


# --- helpers -------------------------------------------------------------------------------------

def ended_offers(count=3) -> list[int]:
    organisation = make_organisation()
    return [make_offer(organisation, title=f"Ended offer {n}", closes_on=today() - timedelta(days=1)).id
            for n in range(count)]


def fresh(query):
    """Rows read in a transaction of their own: none stays open while another process writes (SQLite would
    make that process wait)."""
    db.session.rollback()
    try:
        return db.session.execute(query).all()
    finally:
        db.session.rollback()


def offer_statuses(ids) -> list[str]:
    return [status for status, in fresh(select(Offer.status).where(Offer.id.in_(ids)).order_by(Offer.id))]


def outcomes(job="close_offers") -> list[str]:
    return [outcome for outcome, in fresh(select(JobRun.outcome).where(JobRun.job == job).order_by(JobRun.id))]


def audit_actions(action) -> int:
    return fresh(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))[0][0]


def lock_free(name) -> bool:
    db.session.rollback()
    try:
        return not lock_held(name)
    finally:
        db.session.rollback()


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def wait_until(condition, seconds=60.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def processes(database_url_for_tests, tmp_path):
    """Start `flask --app tests.scheduler_app …` in processes of their own, on the test database; the
    fixture kills whatever is still running at the end."""
    started = []

    def start(*args, **env):
        log_path = tmp_path / f"process-{len(started)}.log"
        environment = {**os.environ, "DATABASE_URL": database_url_for_tests, "SECRET_KEY": "scheduler-test",
                       "SCHEDULER_TEST_HALFWAY": str(tmp_path / "halfway"),
                       "SCHEDULER_TEST_RELEASE": str(tmp_path / "release"), **env}
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "tests.scheduler_app", *args],
                                       cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def output(process) -> str:
    return process.log_path.read_text()


def halfway_files(tmp_path) -> list[Path]:
    return list(tmp_path.glob("halfway.*"))


def start_together(tmp_path, count=2, content="") -> None:
    """Let the processes waiting at the start go, once all are ready."""
    assert wait_until(lambda: len(list(tmp_path.glob("start.ready.*"))) == count), "the processes did not start"
    ready = tmp_path / "start.tmp"
    ready.write_text(content)
    ready.rename(tmp_path / "start")


# --- the registry --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, after, next_run", [
    ("deliver_mail", datetime(2030, 3, 1, 10, 0, 30), datetime(2030, 3, 1, 10, 1)),
    ("refresh_indicators", datetime(2030, 3, 1, 10, 1), datetime(2030, 3, 1, 10, 10)),
    ("close_offers", datetime(2030, 3, 1, 10, 0), datetime(2030, 3, 2, 0, 10)),
    ("nightly_matching", datetime(2030, 3, 1, 1, 0), datetime(2030, 3, 1, 2, 0)),
    ("suggestion_digest", datetime(2030, 3, 1, 5, 0), datetime(2030, 3, 1, 6, 0)),
    ("stalled_matches", datetime(2030, 3, 1, 6, 0, 1), datetime(2030, 3, 1, 6, 15)),
    ("expiring_offers", datetime(2030, 3, 1, 6, 15, 1), datetime(2030, 3, 1, 6, 20)),
    ("digests", datetime(2030, 3, 1, 6, 20, 1), datetime(2030, 3, 1, 6, 30)),
    ("cycle_reminders", datetime(2030, 3, 1, 7, 0, 1), datetime(2030, 3, 2, 7, 0)),
])
def test_each_job_of_the_contract_runs_on_its_schedule_in_utc(name, after, next_run):
    assert set(JOBS) == CONTRACT
    assert JOBS[name].next_run(after) == next_run


def test_a_one_off_schedule_is_due_once_its_time_passed():
    once = replace(JOBS["close_offers"], trigger=DateTrigger(run_date=datetime(2030, 3, 1, 9, 0, tzinfo=UTC)))
    assert once.last_due(datetime(2030, 3, 1, 8, 59)) is None
    assert once.last_due(datetime(2030, 3, 1, 10, 0)) == datetime(2030, 3, 1, 9, 0)


def test_a_scheduler_starting_after_a_scheduled_time_passed_unrun_runs_that_job_at_once(ctx):
    now = datetime(2030, 3, 1, 10, 0, 30)
    assert set(overdue_jobs(now)) == CONTRACT  # never run

    for name in CONTRACT - {"close_offers"}:
        db.session.add(JobRun(job=name, started_at=datetime(2030, 3, 1, 10, 0), outcome=SUCCEEDED, trigger=SCHEDULED))
    db.session.add(JobRun(job="close_offers", started_at=datetime(2030, 2, 28, 0, 10), outcome=SUCCEEDED,
                          trigger=SCHEDULED))
    db.session.add(JobRun(job="close_offers", started_at=datetime(2030, 3, 1, 0, 10), outcome=SKIPPED,
                          trigger=SCHEDULED))
    db.session.commit()
    assert overdue_jobs(now) == ["close_offers"]  # its 00:10 run today did not happen (the skip was not a run)
    assert overdue_jobs(datetime(2030, 3, 1, 10, 1, 0)) == ["deliver_mail", "close_offers"]

    set_paused("close_offers", True, actor=make_user(SECRETARIAT, party_iso3=None))
    db.session.commit()
    assert overdue_jobs(now) == []


# --- the runner ----------------------------------------------------------------------------------

def test_a_run_is_recorded_with_the_items_it_processed_and_a_second_run_finds_nothing_left(ctx):
    ids = ended_offers(2)

    run = run_job("close_offers", trigger=COMMAND)

    assert (run.outcome, run.items, run.trigger, run.error) == (SUCCEEDED, 2, COMMAND, "")
    assert run.finished_at >= run.started_at
    assert offer_statuses(ids) == [EXPIRED, EXPIRED]
    assert audit_actions("offer.expire") == 2
    again = run_job("close_offers", trigger=COMMAND)
    assert (again.outcome, again.items) == (SUCCEEDED, 0)
    assert outcomes() == [SUCCEEDED, SUCCEEDED]
    assert audit_actions("offer.expire") == 2


def test_jobs_take_the_time_of_the_run_from_the_clock(ctx, monkeypatch):
    organisation = make_organisation()
    offer_id = make_offer(organisation, closes_on=date(2031, 6, 30)).id
    monkeypatch.setattr("tracker.clock.utcnow", lambda: datetime(2031, 7, 1, 0, 10))

    run = run_job("close_offers", trigger=SCHEDULED)

    assert (run.started_at, run.items) == (datetime(2031, 7, 1, 0, 10), 1)
    assert offer_statuses([offer_id]) == [EXPIRED]


def test_a_failing_job_is_recorded_with_its_error_and_keeps_none_of_its_changes(ctx, monkeypatch):
    ids = ended_offers(2)

    def closes_then_fails(now):
        scheduler_jobs.close_offers(now)
        db.session.flush()
        raise RuntimeError("the mail server is on fire")

    monkeypatch.setitem(JOBS, "close_offers", replace(JOBS["close_offers"], function=closes_then_fails))

    run = run_job("close_offers", trigger=COMMAND)

    assert run.outcome == FAILED and run.error == "RuntimeError: the mail server is on fire"
    assert run.finished_at is not None and run.items == 0
    assert offer_statuses(ids) == [OPEN, OPEN]
    assert audit_actions("offer.expire") == 0


def test_a_failed_allocation_is_kept_in_the_matching_history_and_the_run_is_failed(ctx, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("solver unavailable")

    monkeypatch.setattr("tracker.matching.allocation.allocate", broken)

    run = run_job("nightly_matching", trigger=SCHEDULED)

    assert run.outcome == FAILED and "solver unavailable" in run.error
    match_runs = fresh(select(MatchRun.status, MatchRun.error))
    assert [status for status, _ in match_runs] == [RUN_FAILED] and "solver unavailable" in match_runs[0][1]


def test_the_nightly_matching_runs_the_allocation_as_the_secretariat_button_does(ctx):
    run = run_job("nightly_matching", trigger=SCHEDULED)

    assert run.outcome == SUCCEEDED, run.error
    assert [status for status, in fresh(select(MatchRun.status))] == ["succeeded"]
    assert audit_actions("match.run") == 1


def test_the_schedule_skips_a_paused_job_but_run_now_and_the_command_run_it(ctx):
    ids = ended_offers(1)
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    set_paused("close_offers", True, actor=secretariat)
    db.session.commit()

    assert run_job("close_offers", trigger=SCHEDULED) is None
    assert outcomes() == [] and offer_statuses(ids) == [OPEN]

    run = run_job("close_offers", trigger=MANUAL, actor=secretariat)
    assert (run.outcome, run.items, run.started_by_id) == (SUCCEEDED, 1, secretariat.id)
    assert run_job("close_offers", trigger=COMMAND).outcome == SUCCEEDED


def test_while_another_holds_the_lock_a_run_is_skipped_and_changes_nothing(ctx):
    ids = ended_offers(2)

    with job_lock("close_offers") as acquired:
        assert acquired
        assert lock_held("close_offers")
        with job_lock("close_offers") as again:
            assert not again
        run = run_job("close_offers", trigger=SCHEDULED)
        assert run.outcome == SKIPPED
        assert offer_statuses(ids) == [OPEN, OPEN]
        assert run_job("nightly_matching", trigger=SCHEDULED).outcome == SUCCEEDED  # another job's lock is free

    assert not lock_held("close_offers")
    assert outcomes() == [SKIPPED]
    assert run_job("close_offers", trigger=SCHEDULED).outcome == SUCCEEDED
    assert outcomes() == [SKIPPED, SUCCEEDED] and offer_statuses(ids) == [EXPIRED, EXPIRED]


def test_on_sqlite_a_lock_row_is_taken_over_only_when_its_holder_is_gone_or_it_is_too_old(ctx, app):
    if postgresql():
        pytest.skip("PostgreSQL's advisory locks go with the session that held them: there is no row")
    ended_offers(1)
    now = datetime.now(UTC).replace(tzinfo=None)
    db.session.add(JobLock(name="close_offers", holder="another-host:4242", acquired_at=now))
    db.session.commit()
    assert run_job("close_offers", trigger=SCHEDULED).outcome == SKIPPED  # a live holder elsewhere, perhaps

    timeout = app.config["SCHEDULER_LOCK_TIMEOUT_MINUTES"]
    db.session.execute(JobLock.__table__.update().values(acquired_at=now - timedelta(minutes=timeout + 1)))
    db.session.commit()
    assert run_job("close_offers", trigger=SCHEDULED).outcome == SUCCEEDED

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    db.session.add(JobLock(name="close_offers", holder=f"{os.uname().nodename}:{gone.stdout.strip()}",
                           acquired_at=now))
    db.session.commit()
    assert run_job("close_offers", trigger=SCHEDULED).outcome == SUCCEEDED  # its process no longer exists
    assert fresh(select(JobLock)) == []


def test_runs_older_than_the_kept_days_are_deleted_when_the_job_runs(ctx, app):
    kept = app.config["SCHEDULER_KEEP_RUNS_DAYS"]
    now = datetime.now(UTC).replace(tzinfo=None)
    for days in (kept + 1, kept - 1):
        db.session.add(JobRun(job="close_offers", started_at=now - timedelta(days=days),
                              finished_at=now - timedelta(days=days), outcome=SUCCEEDED, trigger=SCHEDULED))
        db.session.add(JobRun(job="deliver_mail", started_at=now - timedelta(days=days),
                              finished_at=now - timedelta(days=days), outcome=SUCCEEDED, trigger=SCHEDULED))
    db.session.commit()

    run_job("close_offers", trigger=SCHEDULED)

    assert len(outcomes("close_offers")) == 2 and len(outcomes("deliver_mail")) == 2


# --- processes of their own ----------------------------------------------------------------------

def test_two_processes_running_the_same_job_together_run_it_once(ctx, processes, tmp_path):
    ids = ended_offers(3)
    db.session.close()
    start = {"SCHEDULER_TEST_START": str(tmp_path / "start")}
    first = processes("scheduler", "run-job", "close_offers", **start)
    second = processes("scheduler", "run-job", "close_offers", **start)
    start_together(tmp_path)

    # The process that did not get the lock ends at once; the other waits half way until released.
    one_ended = wait_until(lambda: first.poll() is not None or second.poll() is not None, seconds=30)
    (tmp_path / "release").touch()
    codes = sorted(process.wait(timeout=60) for process in (first, second))

    assert one_ended, "both processes were inside the job at once"
    assert codes == [0, EXIT_SKIPPED], output(first) + output(second)
    assert len(halfway_files(tmp_path)) == 1
    assert outcomes().count(SUCCEEDED) == 1
    if postgresql():  # SQLite may be too busy with the other's write to record the skip: the log says it
        assert outcomes().count(SKIPPED) == 1
    assert "skipped: another process is running it" in output(first) + output(second)
    assert offer_statuses(ids) == [EXPIRED] * 3
    assert audit_actions("offer.expire") == 3


def test_two_schedulers_started_together_run_a_job_once(ctx, processes, tmp_path):
    ids = ended_offers(2)
    db.session.close()
    env = {"SCHEDULER_TEST_START": str(tmp_path / "start"), "SCHEDULER_TEST_FIRE_AT_START": "1"}
    schedulers = [processes("scheduler", "run", **env) for _ in range(2)]
    start_together(tmp_path, content=(datetime.now(UTC) + timedelta(seconds=1)).isoformat())

    logs = lambda: "".join(output(scheduler) for scheduler in schedulers)  # noqa: E731
    skipped = wait_until(lambda: "close_offers skipped: another process runs it" in logs(), seconds=30)
    (tmp_path / "release").touch()
    assert skipped, logs()
    assert wait_until(lambda: SUCCEEDED in outcomes(), seconds=30), logs()
    for scheduler in schedulers:
        scheduler.send_signal(signal.SIGTERM)
    assert [scheduler.wait(timeout=30) for scheduler in schedulers] == [0, 0], logs()

    assert logs().count("Scheduler stopped") == 2
    assert outcomes().count(SUCCEEDED) == 1
    assert len(halfway_files(tmp_path)) == 1
    assert offer_statuses(ids) == [EXPIRED] * 2


def test_a_run_killed_half_way_leaves_nothing_and_the_next_run_does_the_work(ctx, client, processes, tmp_path):
    ids = ended_offers(3)
    db.session.close()
    process = processes("scheduler", "run-job", "close_offers")
    assert wait_until(lambda: halfway_files(tmp_path), seconds=60), output(process)

    process.send_signal(signal.SIGKILL)  # half way: the offers are closed in its open transaction
    process.wait()

    assert offer_statuses(ids) == [OPEN] * 3
    assert audit_actions("offer.expire") == 0
    assert outcomes() == [RUNNING]
    # The server ends the dead process's session and its lock with it; on SQLite its row stays, of a process gone.
    assert wait_until(lambda: lock_free("close_offers"), seconds=10)
    page, shown = run_history("close_offers", 1)
    assert list(shown.values()) == [INTERRUPTED]
    login(client, make_user(SECRETARIAT, party_iso3=None))
    assert "Interrupted" in client.get("/admin/jobs/close_offers").get_data(as_text=True)

    run = run_job("close_offers", trigger=SCHEDULED)

    assert (run.outcome, run.items) == (SUCCEEDED, 3)
    assert offer_statuses(ids) == [EXPIRED] * 3
    assert audit_actions("offer.expire") == 3
    assert outcomes() == [RUNNING, SUCCEEDED]
    assert list(run_history("close_offers", 1)[1].values()) == [SUCCEEDED, INTERRUPTED]


# --- the commands --------------------------------------------------------------------------------

def test_the_jobs_command_lists_every_job_with_its_next_and_last_run(ctx, runner):
    ended_offers(1)
    run_job("close_offers", trigger=COMMAND)
    set_paused("digests", True, actor=make_user(SECRETARIAT, party_iso3=None))
    db.session.commit()

    result = runner.invoke(args=["scheduler", "jobs"])

    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert set(lines) == CONTRACT
    assert "Daily at 00:10 UTC" in lines["close_offers"] and "succeeded" in lines["close_offers"]
    assert lines["close_offers"].split()[-1] == "1"  # items
    assert "paused" in lines["digests"] and "Every minute" in lines["deliver_mail"]


def test_run_job_prints_the_outcome_and_fails_with_the_job(ctx, runner, monkeypatch):
    ended_offers(2)
    result = runner.invoke(args=["scheduler", "run-job", "close_offers"])
    assert result.exit_code == 0, result.output
    assert "succeeded: 2 offers and proposals" in result.output
    assert fresh(select(JobRun.trigger)) == [(COMMAND,)]

    monkeypatch.setitem(JOBS, "close_offers", replace(JOBS["close_offers"], function=lambda now: 1 / 0))
    failed = runner.invoke(args=["scheduler", "run-job", "close_offers"])
    assert failed.exit_code == 1 and "failed: ZeroDivisionError" in failed.output

    unknown = runner.invoke(args=["scheduler", "run-job", "close_everything"])
    assert unknown.exit_code == 2 and "No job is named 'close_everything'" in unknown.output
    assert "close_offers" in unknown.output and "nightly_matching" in unknown.output


# --- the jobs page -------------------------------------------------------------------------------

def test_the_secretariat_sees_each_job_with_its_next_and_last_run(ctx, client):
    ended_offers(2)
    run_job("close_offers", trigger=SCHEDULED)
    login(client, make_user(SECRETARIAT, party_iso3=None))

    html = client.get("/admin/jobs").get_data(as_text=True)

    for name in CONTRACT:
        assert f'id="job-{name}"' in html
    row = html.split('id="job-close_offers"')[1].split("</tr>")[0]
    assert "Daily at 00:10 UTC" in row and "Succeeded" in row and "offers and proposals" in row
    assert JOBS["close_offers"].next_run(datetime.now(UTC).replace(tzinfo=None)).strftime("%Y") in row
    assert "Never run" in html.split('id="job-digests"')[1].split("</tr>")[0]
    assert 'href="/admin/jobs"' in client.get("/").get_data(as_text=True)  # in the Secretariat's menu


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/jobs"), ("get", "/admin/jobs/close_offers"), ("post", "/admin/jobs/close_offers/run"),
    ("post", "/admin/jobs/close_offers/pause"), ("post", "/admin/jobs/close_offers/resume"),
])
def test_only_the_secretariat_may_see_or_steer_the_jobs(ctx, client, method, url):
    ids = ended_offers(1)
    anonymous = getattr(client, method)(url, data={"csrf_token": csrf_token(client)})
    assert anonymous.status_code == 302 and "/login" in anonymous.location

    login(client, make_user(PARTY_EDITOR))
    assert getattr(client, method)(url, data={"csrf_token": csrf_token(client)}).status_code == 403
    assert outcomes() == [] and offer_statuses(ids) == [OPEN] and fresh(select(JobSetting)) == []


def test_only_the_secretariat_may_pause_a_job(ctx):
    with pytest.raises(PermissionDenied):
        set_paused("digests", True, actor=make_user(PARTY_EDITOR))
    assert set_paused("digests", True, actor=make_user(SECRETARIAT, party_iso3=None)).paused


def test_an_unknown_job_is_not_found(ctx, client):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    assert client.get("/admin/jobs/close_everything").status_code == 404
    assert post(client, "/admin/jobs/close_everything/run").status_code == 404


def test_run_now_runs_the_job_and_says_how_it_went(ctx, client):
    ids = ended_offers(2)
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    login(client, secretariat)

    response = post(client, "/admin/jobs/close_offers/run", follow_redirects=True)

    assert "Done: 2 items processed." in response.get_data(as_text=True)
    assert fresh(select(JobRun.outcome, JobRun.trigger, JobRun.started_by_id)) == [
        (SUCCEEDED, MANUAL, secretariat.id)]
    assert offer_statuses(ids) == [EXPIRED, EXPIRED]
    history = client.get("/admin/jobs/close_offers").get_data(as_text=True)
    assert secretariat.name in history and "Succeeded" in history


def test_run_now_says_so_when_another_process_is_running_the_job(ctx, client):
    ids = ended_offers(1)
    login(client, make_user(SECRETARIAT, party_iso3=None))

    with job_lock("close_offers"):
        response = post(client, "/admin/jobs/close_offers/run", data={"back": "job"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Another process is running this job now" in html and "Skipped: another process" in html
    assert offer_statuses(ids) == [OPEN]
    row = client.get("/admin/jobs").get_data(as_text=True).split('id="job-close_offers"')[1].split("</tr>")[0]
    assert f"by {os.uname().nodename}:{os.getpid()}: another process was running it" in row


def test_run_now_and_pause_need_the_pages_csrf_token(ctx, client):
    ids = ended_offers(1)
    login(client, make_user(SECRETARIAT, party_iso3=None))

    assert client.post("/admin/jobs/close_offers/run").status_code == 400
    assert client.post("/admin/jobs/close_offers/pause").status_code == 400
    assert outcomes() == [] and offer_statuses(ids) == [OPEN] and fresh(select(JobSetting)) == []


def test_pause_and_resume_are_shown_and_audited(ctx, client):
    secretariat = make_user(SECRETARIAT, party_iso3=None)
    login(client, secretariat)

    html = post(client, "/admin/jobs/nightly_matching/pause", follow_redirects=True).get_data(as_text=True)

    assert "Paused: the schedule skips this job" in html
    row = html.split('id="job-nightly_matching"')[1].split("</tr>")[0]
    assert "Paused" in row and f"by {secretariat.name}" in row and "Resume" in row
    assert run_job("nightly_matching", trigger=SCHEDULED) is None

    html = post(client, "/admin/jobs/nightly_matching/resume", data={"back": "job"},
                follow_redirects=True).get_data(as_text=True)
    assert "Resumed: the job runs on its schedule again." in html
    assert ">Pause</button>" in html and ">Resume</button>" not in html
    entries = fresh(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.object_label).order_by(AuditEntry.id))
    assert entries == [("job.pause", secretariat.id, "nightly_matching"),
                       ("job.resume", secretariat.id, "nightly_matching")]
    assert run_job("nightly_matching", trigger=SCHEDULED).outcome == SUCCEEDED


def test_the_run_history_is_paged(ctx, client):
    now = datetime.now(UTC).replace(tzinfo=None)
    for minutes in range(60):
        started = now - timedelta(minutes=minutes)
        db.session.add(JobRun(job="deliver_mail", started_at=started, finished_at=started, outcome=SUCCEEDED,
                              items=minutes, trigger=SCHEDULED))
    db.session.commit()
    login(client, make_user(SECRETARIAT, party_iso3=None))

    first = client.get("/admin/jobs/deliver_mail").get_data(as_text=True)
    second = client.get("/admin/jobs/deliver_mail?page=2").get_data(as_text=True)

    assert "60 runs" in first and "Page 1 of 2" in first and first.count('class="run-id"') == 50
    assert second.count('class="run-id"') == 10 and "/admin/jobs/deliver_mail?page=1" in second
