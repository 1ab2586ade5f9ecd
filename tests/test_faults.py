"""Faults a running tracker meets: the database restarts under load, and a worker process dies in the middle
of a save.

Both tests run on a throwaway PostgreSQL cluster that this module makes itself (initdb in a temporary
directory, served on a free port of 127.0.0.1, stopped with `pg_ctl stop -m immediate` and deleted at the end),
never on the machine's shared server. Since they bring their own PostgreSQL they run once, in the SQLite pass
of tests/run_all.py, and are skipped when TEST_DATABASE_URL is set. initdb refuses to run as root: as root, the
cluster belongs to the `postgres` account (or `nobody`) and initdb and pg_ctl run through runuser. With CI=true
a cluster that cannot be started, or a missing gunicorn, fails the tests; elsewhere they are skipped with the
reason.

The scheduler killed during a job is tested in tests/test_scheduler.py.
"""
import glob
import http.client
import importlib.util
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_user
from tests.test_activities import valid_form
from tracker import ROOT, create_app
from tracker.activities.models import Activity
from tracker.assessments.seed import load_declared_questions
from tracker.extensions import db
from tracker.framework.seed import load_framework
from tracker.parties.seed import load_parties

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the fault tests start their own PostgreSQL: they run in the SQLite pass only")

TIMEOUT = 10  # seconds any request may take, outage or not
CHEAP_HASHES = "pbkdf2:sha256:1000"
READS = ["/offers", "/indicators", "/healthz"]
WORKER_PREFIX = "tracker-worker-"
# Each gunicorn worker names its database connections after its process id, so that the test can tell which
# worker runs the statement it is looking at.
GUNICORN_CONFIG = f"""
import os


def post_fork(server, worker):
    os.environ["PGAPPNAME"] = f"{WORKER_PREFIX}{{os.getpid()}}"
"""


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def postgres_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    installed = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    return max(installed, key=lambda path: [int(n) for n in re.findall(r"\d+", path)], default=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cluster_owner() -> str | None:
    """The account the cluster runs as: ours, or a system account's when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            continue
    return None


class Cluster:
    """A PostgreSQL cluster of the test's own, in a temporary directory."""

    def __init__(self, directory: Path, owner: str | None):
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "server.log"
        self.port = free_port()
        self.as_owner = ["runuser", "-u", owner, "--"] if owner else []
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/tracker"

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self.as_owner, program, *args], check=check, capture_output=True, text=True, timeout=60)

    def create(self) -> None:
        self._run(postgres_program("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(postgres_program("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "30", "start")

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self._run(postgres_program("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=check)

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-10:])
        except OSError:
            return ""


def app_config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "fault-tests", "PASSWORD_HASH_METHOD": CHEAP_HASHES}


@pytest.fixture(scope="module")
def cluster():
    if not (postgres_program("initdb") and postgres_program("pg_ctl")):
        unavailable("initdb and pg_ctl were not found: install the PostgreSQL server package")
    owner = cluster_owner()
    if os.geteuid() == 0 and not (owner and shutil.which("runuser")):
        unavailable("running as root, but there is no `postgres` or `nobody` account and runuser to run initdb")
    # In /tmp when it runs as another account, which must reach the directory.
    directory = Path(tempfile.mkdtemp(prefix="tracker-faults-", dir="/tmp" if owner else None))
    if owner:
        shutil.chown(directory, user=owner)
    cluster = Cluster(directory, owner)
    try:
        cluster.create()
        cluster.start()
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", None) or str(error)
        log = cluster.log_tail()
        shutil.rmtree(directory, ignore_errors=True)
        unavailable(f"could not start a throwaway PostgreSQL cluster: {detail.strip()} {log}".strip())
    try:
        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE tracker"))
        admin.dispose()
        yield cluster
    finally:
        cluster.stop("immediate", check=False)  # a test may have left it stopped
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster_app(cluster):
    """The tracker on the cluster, migrated and seeded with the reference data, to arrange and inspect rows."""
    app = create_app(app_config(cluster.url))
    with app.app_context():
        upgrade()
        load_framework()
        load_parties()
        load_declared_questions()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def served_app(cluster):
    """A fresh instance of the tracker on the cluster (its own connection pool), for `serving`."""
    app = create_app(app_config(cluster.url))
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def serving(app):
    """The app served over HTTP in this process (threaded, as a development server), on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_for(condition, seconds: float = 30, message: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {message}")


@contextmanager
def gunicorn(cluster, directory: Path):
    """The app served by gunicorn with two worker processes, on the cluster."""
    if importlib.util.find_spec("gunicorn") is None:
        unavailable("gunicorn is not installed: pip install -e '.[test]'")
    port = free_port()
    config = directory / "gunicorn.conf.py"
    config.write_text(GUNICORN_CONFIG)
    env = {**os.environ, "DATABASE_URL": cluster.url, "SECRET_KEY": "fault-tests",
           "PASSWORD_HASH_METHOD": CHEAP_HASHES}
    with open(directory / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(config), "--workers", "2", "--timeout", "120",
             "--bind", f"127.0.0.1:{port}", "tracker:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            def answers():
                assert server.poll() is None, (directory / "gunicorn.log").read_text()
                try:
                    return Visitor(port).request("GET", "/healthz").status == 200
                except OSError:
                    return False

            wait_for(answers, message="gunicorn to answer")
            yield server, port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- a browser of sorts -------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    body: str
    location: str | None


class Visitor:
    """One person's browser: keeps its cookies, gives every request TIMEOUT seconds."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            headers = {}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode(form, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.read().decode(), response.getheader("Location"))
            for cookie in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(cookie)
            return answer
        finally:
            connection.close()

    def csrf_token(self, path: str) -> str:
        html = self.request("GET", path).body
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    def log_in(self, email: str) -> None:
        form = {"email": email, "password": PASSWORD, "csrf_token": self.csrf_token("/login")}
        assert self.request("POST", "/login", form).status == 302


@dataclass
class Outcome:
    kind: str
    path: str
    started: float
    finished: float
    status: int | None = None
    error: str | None = None
    title: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (200, 302)


def timed(visitor: Visitor, kind: str, method: str, path: str, form: dict | None = None) -> tuple[Outcome, Answer]:
    started = time.monotonic()
    answer = None
    try:
        answer = visitor.request(method, path, form)
        outcome = Outcome(kind, path, started, time.monotonic(), status=answer.status)
    except (OSError, http.client.HTTPException) as error:  # timeouts, refused, reset or cut-off answers
        outcome = Outcome(kind, path, started, time.monotonic(), error=f"{type(error).__name__}: {error}")
    return outcome, answer


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


# --- the database restarts under load -----------------------------------------------------------------

def test_the_app_rides_out_a_database_restart_under_load_and_loses_no_saved_write(cluster, cluster_app, served_app):
    with cluster_app.app_context():
        editor = make_user(party_iso3="KEN").email
    outcomes: list[Outcome] = []
    stop = threading.Event()

    with serving(served_app) as port:
        writer = Visitor(port)
        writer.log_in(editor)
        token = writer.csrf_token("/activities/new")

        def read():
            reader = Visitor(port)
            while not stop.is_set():
                for path in READS:
                    outcomes.append(timed(reader, "read", "GET", path)[0])

        def write():
            for number in itertools.count(1):
                if stop.is_set():
                    return
                title = f"Recorded under load {number}"
                outcome, answer = timed(writer, "write", "POST", "/activities/new",
                                        valid_form(title=title, csrf_token=token))
                outcome.title = title
                outcomes.append(outcome)
                if outcome.status == 302:  # the page the browser goes to next (it shows the flash message)
                    outcomes.append(timed(writer, "read", "GET", answer.location)[0])

        threads = [threading.Thread(target=read), threading.Thread(target=read), threading.Thread(target=write)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(2)
            down = time.monotonic()
            cluster.stop("fast")
            stopped = time.monotonic()
            time.sleep(1.5)
            starting = time.monotonic()
            cluster.start()
            up = time.monotonic()
            time.sleep(3)
        finally:
            stop.set()
            for thread in threads:
                thread.join(2 * TIMEOUT)

    before = [o for o in outcomes if o.finished < down]
    failed = [o for o in outcomes if not o.ok]
    after = [o for o in outcomes if o.started > up]
    assert before and all(o.ok for o in before), [o for o in before if not o.ok][:5]
    # During the outage the app answers at once, with an error page; the health check says 503 ...
    assert [o for o in outcomes if o.error or o.finished - o.started >= TIMEOUT] == []
    assert failed, "no request saw the outage"
    assert {o.status for o in failed} <= {500, 503}
    assert {o.status for o in outcomes if o.path == "/healthz" and stopped < o.started < o.finished < starting} == {503}
    assert all(down <= o.finished and o.started <= up for o in failed)
    # ... and once the database is back, every request succeeds again, without restarting the app.
    assert Counter(o.kind for o in after)["read"] >= 20 and Counter(o.kind for o in after)["write"] >= 3
    assert [o for o in after if not o.ok] == []

    attempted = {o.title for o in outcomes if o.kind == "write"}
    saved = {o.title for o in outcomes if o.kind == "write" and o.status == 302}
    with cluster_app.app_context():
        stored = Counter(db.session.scalars(select(Activity.title).where(Activity.title.like("Recorded under load %"))))
    assert saved <= set(stored)  # nothing that was confirmed is lost
    assert set(stored) <= attempted and max(stored.values()) == 1  # nothing is written twice


def test_the_first_requests_after_a_database_restart_at_a_quiet_moment_succeed(cluster, cluster_app, served_app):
    with cluster_app.app_context():
        editor = make_user(party_iso3="KEN").email
    with serving(served_app) as port:
        visitor = Visitor(port)
        visitor.log_in(editor)
        assert [visitor.request("GET", path).status for path in READS] == [200, 200, 200]
        with served_app.app_context():
            assert db.engine.pool.checkedin() >= 1  # idle connections, which the restart is about to break

        cluster.stop("fast")
        cluster.start()
        # Each pooled connection is tested before use and replaced (pool_pre_ping): nobody sees an error page.
        assert [visitor.request("GET", path).status for path in [*READS, "/activities"]] == [200, 200, 200, 200]


# --- a worker dies in the middle of a save ------------------------------------------------------------

@dataclass
class Backend:
    pid: int
    worker: int
    query: str
    written: set[str]


def blocked_backend() -> Backend | None:
    """The tracker's database session that waits for a lock, with the tables it has written to."""
    row = db.session.execute(text(
        "SELECT pid, application_name, query FROM pg_stat_activity "
        "WHERE application_name LIKE :prefix AND wait_event_type = 'Lock'"), {"prefix": f"{WORKER_PREFIX}%"}).first()
    db.session.rollback()
    if row is None:
        return None
    written = set(db.session.scalars(text(
        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = :pid AND l.granted AND l.mode = 'RowExclusiveLock'"), {"pid": row.pid}))
    db.session.rollback()
    return Backend(row.pid, int(row.application_name.removeprefix(WORKER_PREFIX)), row.query, written)


def backend_gone(pid: int) -> bool:
    gone = not db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
    db.session.rollback()
    return gone


def test_a_worker_killed_in_the_middle_of_a_save_leaves_nothing_half_written(cluster, cluster_app, tmp_path):
    title = "Recorded while its worker was killed"
    with cluster_app.app_context():
        editor = make_user(party_iso3="KEN").email
    with gunicorn(cluster, tmp_path) as (server, port), cluster_app.app_context():
        visitor = Visitor(port)
        visitor.log_in(editor)
        form = valid_form(title=title, csrf_token=visitor.csrf_token("/activities/new"))
        counts = row_counts()
        db.session.remove()

        # The save inserts the activity, then its links to key areas; a lock held on one key area stops it there.
        blocker = db.engine.connect()
        try:
            transaction = blocker.begin()
            blocker.execute(text("SELECT id FROM key_area WHERE code = 'A.8(3)' FOR UPDATE"))
            answer: list[Outcome] = []
            save = threading.Thread(target=lambda: answer.append(
                timed(visitor, "write", "POST", "/activities/new", form)[0]))
            save.start()
            backend = wait_for(blocked_backend, message="the save to wait for the key area")
            assert backend.query.startswith("INSERT INTO activity_key_area")
            assert {"activity", "activity_key_area"} <= backend.written  # half way: the activity row is written
            assert backend.worker in children(server.pid)
            os.kill(backend.worker, signal.SIGKILL)
            save.join(TIMEOUT)
            transaction.rollback()
        finally:
            blocker.close()
        wait_for(lambda: backend_gone(backend.pid), message="the killed worker's session to end")

        assert answer and answer[0].error and not answer[0].ok  # the person is not told it was saved ...
        assert row_counts() == counts  # ... and it was not: not one row of it
        db.session.remove()

        # A new worker takes the dead one's place; the app keeps serving, and the same save now goes through.
        wait_for(lambda: len(children(server.pid) - {backend.worker}) == 2, message="gunicorn to replace the worker")
        assert all(visitor.request("GET", path).status == 200 for path in READS * 2)
        saved = visitor.request("POST", "/activities/new", form)
        assert saved.status == 302, saved.body
        activity = db.session.scalar(select(Activity).where(Activity.title == title))
        assert [area.code for area in activity.key_areas] == ["A.1(1)", "A.8(3)"]
        after = row_counts()
        assert (after["activity"], after["activity_key_area"], after["audit_entry"]) == (
            counts["activity"] + 1, counts["activity_key_area"] + 2, counts["audit_entry"] + 1)
