"""Load on the app as it is served: gunicorn with several workers on PostgreSQL holding the large data, with
Parties, providers, the Secretariat and anonymous visitors working at the same time, for a bounded time.

    python -m benchmarks.load [--seconds 60] [--clients 16] [--workers 2] [--think-time 0] [--reuse]

Builds the large data of benchmarks/large_data.py on BENCH_DATABASE_URL (default the local tracker_bench
database, which it empties; --reuse keeps what an earlier run built), adds an open cycle with a draft for the
Parties of the clients, their accounts and the Secretariat's allocation, then serves it with
`gunicorn -w WORKERS wsgi:app` on a free loopback port. Each client is a process logged in as its own user
through the login form, doing its role's mix of pages and forms back to back (or with --think-time seconds of
pause on average after each action). Afterwards it
prints, overall and per route, the requests, throughput, p50/p95/p99 and the answers by kind; then checks every
write against the database: each saved activity is there exactly once, each refused one is not, each
assessment holds what its last accepted save sent, each accepted proposal happened once. Exits non-zero when a
target is missed: a 5xx, a lost or duplicated write, or p95 at or above 200 ms.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import lxml.html
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.demo_database import reference_app, scratch_url
from benchmarks.large_data import build
from tracker import create_app
from tracker.accounts.models import ACTIVE, PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT, User
from tracker.activities.models import Activity
from tracker.assessments.models import Assessment, AssessmentCycle, Need
from tracker.assessments.services import copy_previous_answers, open_cycle, start_assessment
from tracker.audit.models import AuditEntry
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea
from tracker.indicators.rules import rules
from tracker.indicators.services import compute_cycle
from tracker.matching.models import Match, MatchRun
from tracker.matching.services import run_allocation
from tracker.offers.models import Offer
from tracker.organisations.models import Organisation
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.vocabularies import LANGUAGES, MODALITIES, SUPPORT_TYPES

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tracker_bench"
# Logins are not what is measured: the served app and the accounts use the same cheap hash.
CHEAP_HASH = "pbkdf2:sha256:1000"
PASSWORD = "load-password"
LOAD_CYCLE = "Benchmark review 2027"
P95_TARGET_MS = 200
# Who the clients are, in turn: with 8 clients 3 Party users, 2 providers, 1 Secretariat and 2 visitors; with
# 16 twice that. Party users come in pairs on the same Party (an editor and the focal point, on one draft) and
# providers in pairs in the same organisation, so that stale edits happen as they do in real use.
ROLE_ORDER = ("party", "anonymous", "provider", "party", "secretariat", "party", "provider", "anonymous")

# --- the data ------------------------------------------------------------------------------------------------


@dataclass
class Account:
    email: str
    role: str
    assessment_id: int | None = None
    offer_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    """What the clients need to know of the data: ids to visit, codes to search with, their accounts."""

    accounts: dict[str, list[Account]]
    offer_ids: list[int]
    iso3s: list[str]
    indicator_codes: list[str]
    goal_codes: list[str]
    key_area_codes: list[str]
    key_area_ids: list[int]
    previous_cycle_id: int
    load_cycle_id: int


def role_counts(clients: int) -> Counter:
    return Counter(ROLE_ORDER[i % len(ROLE_ORDER)] for i in range(clients))


def ensure_database(url: str) -> None:
    """Create the benchmark database if the server does not have it yet."""
    parsed = make_url(url)
    if "test" in (parsed.database or ""):
        sys.exit(f"Refusing to empty {parsed.database}: give a benchmark database in BENCH_DATABASE_URL.")
    engine = create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}):
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    engine.dispose()


def prepare(url: str, reuse: bool, counts: Counter):
    """The app on the large data with the load's cycle, accounts and drafts; returns it and the World."""
    ensure_database(url)
    config = {"PASSWORD_HASH_METHOD": CHEAP_HASH}
    if reuse:
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, **config})
        with app.app_context():
            upgrade()
            built = db.session.scalar(select(func.count()).select_from(Offer)) >= 5000
    else:
        built = False
    if not built:
        started = time.perf_counter()
        os.environ["BENCH_DATABASE_URL"] = url
        app = reference_app(scratch_url(), **config)
        with app.app_context():
            sizes = build()
            _advance_sequences()
            for cycle in db.session.scalars(select(AssessmentCycle)):
                compute_cycle(cycle)
            db.session.commit()
        print(json.dumps({"built": sizes, "seconds": round(time.perf_counter() - started, 1)}), flush=True)
    with app.app_context():
        world = _load_setup(counts)
        db.session.commit()
        # Fresh planner statistics, as autovacuum would have made them by now on a live database (a server may run
        # without it): the large data was written a moment ago in bulk.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    return app, world


def _advance_sequences() -> None:
    """The large data is written with explicit ids: move each table's id sequence past them, so that the rows
    the load adds get fresh ones."""
    for table in db.metadata.sorted_tables:
        column = table.c.get("id")
        if column is not None and column.autoincrement is not False and column.primary_key:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table.name}\"), false)"))


def _user(email: str, name: str, role: str, **links) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, status=ACTIVE, created_at=utcnow(), approved_at=utcnow(),
                    locale="en", **links)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
    return user


def _load_setup(counts: Counter) -> World:
    """Accounts for every client (made once, kept with --reuse), the open cycle with the Parties' drafts started
    from their previous answers, and an allocation run so that both sides have suggestions."""
    secretariat = [_user(f"load.secretariat.{n}@example.org", f"Secretariat {n}", SECRETARIAT)
                   for n in range(max(counts["secretariat"], 1))]
    cycle = db.session.scalar(select(AssessmentCycle).where(AssessmentCycle.name == LOAD_CYCLE))
    if cycle is None:
        opens_on = today() - timedelta(days=20)
        cycle = open_cycle(name=LOAD_CYCLE, opens_on=opens_on, closes_on=today() + timedelta(days=60),
                           reference_date=opens_on, baseline=False, actor=secretariat[0])
    if not db.session.scalar(select(func.count()).select_from(MatchRun)):
        run_allocation(actor=secretariat[0])

    parties = db.session.scalars(select(Party).where(Party.cartagena_party.is_(True)).order_by(Party.iso3)).all()
    # Parties to both protocols: the large data answers every declared question, the supplementary ones too.
    both = [party for party in parties if party.supplementary_protocol_party]
    party_accounts = []
    for n in range(counts["party"]):
        party = both[n // 2 * 7 % len(both)]  # spread over the alphabet and the regional groups
        role = PARTY_EDITOR if n % 2 == 0 else PARTY_FOCAL_POINT
        user = _user(f"load.{party.iso3.lower()}.{n % 2}@example.org", f"{party.iso3} {role}", role, party=party)
        assessment = start_assessment(party, cycle, actor=user)
        if assessment.lock_version == 1 and not assessment.needs:
            copy_previous_answers(assessment, actor=user)
        party_accounts.append(Account(user.email, "party", assessment_id=assessment.id))

    organisations = db.session.scalars(
        select(Organisation).where(Organisation.vetted.is_(True), Organisation.id.in_(select(Offer.organisation_id)))
        .order_by(Organisation.id)).all()
    provider_accounts = []
    for n in range(counts["provider"]):
        organisation = organisations[n // 2 * 11 % len(organisations)]
        user = _user(f"load.provider.{organisation.id}.{n % 2}@example.org", f"Provider {n}", PROVIDER,
                     organisation=organisation)
        offer_ids = list(db.session.scalars(select(Offer.id).where(Offer.organisation_id == organisation.id)))
        provider_accounts.append(Account(user.email, "provider", offer_ids=offer_ids))

    cycles = db.session.scalars(select(AssessmentCycle).order_by(AssessmentCycle.opens_on)).all()
    goals = db.session.scalars(select(Goal).order_by(Goal.position)).all()
    areas = db.session.scalars(select(KeyArea).order_by(KeyArea.id)).all()
    return World(
        accounts={"party": party_accounts, "provider": provider_accounts,
                  "secretariat": [Account(user.email, "secretariat") for user in secretariat],
                  "anonymous": [Account("", "anonymous")]},
        offer_ids=list(db.session.scalars(select(Offer.id).where(Offer.status == "open"))),
        iso3s=[party.iso3 for party in parties],
        indicator_codes=list(rules()),
        goal_codes=[goal.code for goal in goals],
        key_area_codes=[area.code for area in areas],
        key_area_ids=[area.id for area in areas],
        previous_cycle_id=[c.id for c in cycles if c.name != LOAD_CYCLE][-1],
        load_cycle_id=cycle.id,
    )


# --- the clients ---------------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')
PROPOSE = re.compile(r'action="/matches/(\d+)/propose".*?name="lock_version" value="(\d+)"', re.S)
FLASH_ERROR = 'class="flash flash-error"'
FLASH_SUCCESS = 'class="flash flash-success"'
SEARCHES = ("", "", "offer", "offer 42", "offer 1234", "training", "detection", "risk assessment", "检测")


def form_values(form) -> list[tuple[str, str]]:
    """What a browser sends for the form as it stands (lxml's own form_values sends "on" for a radio button whose
    value is empty, where a browser sends "")."""
    values = []
    for element in form.iter("input", "select", "textarea"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if element.tag == "input":
            kind = (element.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("radio", "checkbox"):
                if element.get("checked") is not None:
                    values.append((name, element.get("value", "on")))
            else:
                values.append((name, element.get("value", "")))
        elif element.tag == "select":
            options = element.findall(".//option")
            chosen = [option for option in options if option.get("selected") is not None]
            if not chosen and options and element.get("multiple") is None:
                chosen = options[:1]
            values += [(name, option.get("value", option.text_content())) for option in chosen]
        else:
            values.append((name, element.text or ""))
    return values


class RequestFailed(Exception):
    """The server did not answer (connection refused or reset): counted, and the action is abandoned."""


class Browser:
    """One user's browser: a session cookie, one connection per request (gunicorn's sync workers close it),
    every request timed from connecting to the last byte of the body."""

    def __init__(self, port: int, log: list):
        self.port, self.log, self.cookies = port, log, {}

    def request(self, method: str, path: str, data=None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.time()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            connection.close()
        except (OSError, http.client.HTTPException) as error:
            self.log.append([method, path, 0, started, (time.time() - started) * 1000, type(error).__name__])
            raise RequestFailed from error
        self.log.append([method, path, response.status, started, (time.time() - started) * 1000, ""])
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content, response.headers.get("Location", "")

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request("GET", path)

    def submit(self, path: str, data) -> tuple[int, str, str]:
        """POST a form; a redirect is followed as a browser does (the page after it is a request of its own)."""
        status, content, location = self.request("POST", path, data)
        if status in (302, 303) and location:
            target = urlsplit(location)
            self.get(target.path + (f"?{target.query}" if target.query else ""))
        return status, content, location

    def mark(self, outcome: str) -> None:
        """Say how the last write request ended when its status does not: a save refused with a message."""
        for entry in reversed(self.log):
            if entry[0] == "POST":
                entry[5] = outcome
                return

    def login(self, email: str) -> None:
        __, page, __ = self.get("/login")
        status, __, __ = self.request("POST", "/login", {"csrf_token": CSRF.search(page).group(1), "email": email,
                                                         "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{email} could not log in ({status})")
        self.log.clear()  # the login is not part of what is measured


class Client:
    """One user working back to back: its role's actions drawn by weight, each a few requests."""

    def __init__(self, number: int, account: Account, world: World, port: int, run: str, think: float):
        self.number, self.account, self.world, self.run, self.think = number, account, world, run, think
        self.rng = random.Random(number)
        self.log: list = []
        self.browser = Browser(port, self.log)
        self.writes: list[dict] = []
        self.unexpected: list[str] = []
        self.sequence = 0
        self.actions = {
            "anonymous": [(30, self.search_offers), (20, self.offer), (10, self.indicators), (10, self.indicator),
                          (5, self.public_dashboard), (15, self.party_page), (10, self.gaps)],
            "party": [(35, self.edit_assessment), (20, self.party_activity), (20, self.matches),
                      (10, self.home), (10, self.activities), (5, self.search_offers)],
            "provider": [(20, self.my_offers), (20, self.provider_activity), (25, self.needs), (5, self.heatmap),
                         (15, self.matches), (10, self.propose)],
            "secretariat": [(20, self.dashboard), (20, self.cycle_overview), (20, self.audit), (10, self.runs),
                            (15, self.matches), (15, self.needs)],
        }[account.role]

    def marker(self) -> str:
        self.sequence += 1
        return f"load-{self.run}-{self.number}-{self.sequence}"

    def work(self, start: float, stop: float) -> dict:
        if self.account.email:
            self.browser.login(self.account.email)
        time.sleep(max(0.0, start - time.time()))
        weights, actions = zip(*self.actions)
        while time.time() < stop:
            action = self.rng.choices(actions, weights)[0]
            try:
                action()
            except RequestFailed:
                pass
            except Exception as error:  # a page not as expected: said after the run, the others go on
                self.unexpected.append(f"{action.__name__}: {error!r}")
            if self.think:
                time.sleep(self.rng.expovariate(1 / self.think))
        return {"client": self.number, "role": self.account.role, "log": self.log, "writes": self.writes,
                "unexpected": self.unexpected}

    # anyone
    def search_offers(self):
        args = {"q": self.rng.choice(SEARCHES)}
        facets = (("goal", self.world.goal_codes), ("area", self.world.key_area_codes),
                  ("support", list(SUPPORT_TYPES)), ("group", list(REGIONAL_GROUPS)), ("language", list(LANGUAGES)),
                  ("modality", list(MODALITIES)))
        for name, values in self.rng.sample(facets, self.rng.randint(0, 2)):
            args[name] = self.rng.choice(values)
        if self.rng.random() < 0.2:
            args["sort"] = "closing"
        if self.rng.random() < 0.2:
            args["page"] = self.rng.randint(2, 5)
        self.browser.get("/offers?" + urlencode(args))

    def offer(self):
        self.browser.get(f"/offers/{self.rng.choice(self.world.offer_ids)}")

    def indicators(self):
        self.browser.get("/indicators")

    def indicator(self):
        self.browser.get(f"/indicators/{self.rng.choice(self.world.indicator_codes)}")

    def public_dashboard(self):
        self.browser.get("/dashboard/public")

    def party_page(self):
        self.browser.get(f"/parties/{self.rng.choice(self.world.iso3s)}")

    def gaps(self):
        self.browser.get("/gaps")

    # Party users
    def home(self):
        self.browser.get("/")

    def activities(self):
        self.browser.get("/activities" + self.rng.choice(("", "", "?status=completed", "?year=2025")))

    def matches(self):
        self.browser.get("/matches")

    def edit_assessment(self):
        """Open the assessment, change one to three key areas (level, priority, support wanted, a comment
        carrying the marker) and save the whole form as the browser sends it, with the version it was read at."""
        path = f"/assessments/{self.account.assessment_id}"
        status, page, __ = self.browser.get(path)
        if status != 200:
            return
        form = next(f for f in lxml.html.fromstring(page).forms if "assessment-form" in (f.get("class") or ""))
        values = form_values(form)
        marker = self.marker()
        changed = self.rng.sample(self.world.key_area_ids, self.rng.randint(1, 3))
        for area_id in changed:
            prefix = f"need-{area_id}-"
            values = [(name, value) for name, value in values
                      if name not in (prefix + "level", prefix + "priority", prefix + "comment",
                                      prefix + "support_types")]
            values += [(prefix + "level", self.rng.choice(("low", "medium", "high"))),
                       (prefix + "priority", str(self.rng.randint(1, 3))), (prefix + "comment", f"{marker} {area_id}")]
            values += [(prefix + "support_types", s) for s in self.rng.sample(list(SUPPORT_TYPES), 2)]
        goal = self.rng.choice(self.world.goal_codes)
        comments = {int(name.split("-")[1]): value.strip() for name, value in values
                    if name.startswith("need-") and name.endswith("-comment")}
        write = {"kind": "assessment", "assessment_id": self.account.assessment_id, "marker": marker,
                 "lock_version": int(dict(values)["lock_version"]), "comments": comments, "outcome": "sent"}
        self.writes.append(write)
        status, page, __ = self.browser.submit(path, values + [("goal", goal)])
        if status == 302:
            write["outcome"] = "saved"
        elif status == 200 and FLASH_ERROR in page:
            write["outcome"] = "refused"
            self.browser.mark("refused")
        else:
            write["outcome"] = "failed"

    def _new_activity(self, fields: dict):
        status, page, __ = self.browser.get("/activities/new")
        if status != 200:
            return
        title = self.marker()
        start = today() - timedelta(days=self.rng.randint(10, 300))
        data = {"csrf_token": CSRF.search(page).group(1), "title": title, "description": "Workshop",
                "status": self.rng.choice(("completed", "completed", "ongoing")), "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=3)).isoformat(),
                "key_areas": self.rng.sample(self.world.key_area_codes, self.rng.randint(1, 2)),
                "support_type": self.rng.choice(list(SUPPORT_TYPES)), "languages": ["en"],
                "participants_women": self.rng.randint(0, 20), "participants_men": self.rng.randint(0, 20), **fields}
        write = {"kind": "activity", "title": title, "outcome": "sent"}
        self.writes.append(write)
        status, __, location = self.browser.submit("/activities/new", data)
        write["outcome"] = "saved" if status == 302 and "/activities/" in location else "failed"

    def party_activity(self):
        self._new_activity({"party_role": self.rng.choice(("organised", "took_part"))})

    # providers
    def my_offers(self):
        self.browser.get("/my-offers")

    def provider_activity(self):
        # Some activities come from one of the organisation's offers (and use its capacity), most do not.
        offer = self.rng.choice(self.account.offer_ids) if self.rng.random() < 0.3 else ""
        self._new_activity({"offer": offer, "beneficiaries": self.rng.sample(self.world.iso3s, self.rng.randint(1, 3))})

    def needs(self):
        args = {"cycle": self.world.previous_cycle_id}
        if self.rng.random() < 0.5:
            args["goal"] = self.rng.choice(self.world.goal_codes)
        if self.rng.random() < 0.3:
            args["group"] = self.rng.choice(REGIONAL_GROUPS)
        if self.rng.random() < 0.5:
            args["level"] = "high"
        self.browser.get("/needs?" + urlencode(args))

    def heatmap(self):
        self.browser.get(f"/needs/heatmap?cycle={self.world.previous_cycle_id}")

    def propose(self):
        """Propose one of the organisation's suggestions from the matches page, as the button there does."""
        status, page, __ = self.browser.get("/matches")
        suggestions = PROPOSE.findall(page) if status == 200 else []
        if not suggestions:
            return
        match_id, lock_version = self.rng.choice(suggestions)
        write = {"kind": "proposal", "match_id": int(match_id), "outcome": "sent"}
        self.writes.append(write)
        status, __, location = self.browser.request(
            "POST", f"/matches/{match_id}/propose", {"csrf_token": CSRF.search(page).group(1),
                                                     "lock_version": lock_version})
        if status != 302:
            write["outcome"] = "failed"
            return
        # The step always leads back to the match; its message says whether it was taken.
        status, page, __ = self.browser.get(urlsplit(location).path)
        if FLASH_SUCCESS in page:
            write["outcome"] = "saved"
        else:
            write["outcome"] = "refused"
            self.browser.mark("refused")

    # the Secretariat
    def dashboard(self):
        self.browser.get("/dashboard")

    def cycle_overview(self):
        cycle = self.rng.choice((self.world.load_cycle_id, self.world.previous_cycle_id))
        self.browser.get(f"/cycles/{cycle}" + self.rng.choice(("", "?group=african", "?status=draft")))

    def audit(self):
        self.browser.get("/admin/audit" + self.rng.choice(("", "?action=activity.create", "?page=2")))

    def runs(self):
        self.browser.get("/matching/runs")


def run_client(args) -> dict:
    number, account, world, port, run, think, start, stop = args
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return Client(number, account, world, port, run, think).work(start, stop)


def accounts_for(world: World, clients: int) -> list[Account]:
    taken, accounts = Counter(), []
    for n in range(clients):
        role = ROLE_ORDER[n % len(ROLE_ORDER)]
        pool = world.accounts[role]
        accounts.append(pool[taken[role] % len(pool)])
        taken[role] += 1
    return accounts


# --- the server ----------------------------------------------------------------------------------------------

# Each request as the worker saw it: the time spent in the app, without the wait for a free worker.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, workers: int, port: int, log_path: Path, access_path: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "TRACKER_ENV"}
    env.update(DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32), PASSWORD_HASH_METHOD=CHEAP_HASH)
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level",
         "warning", "--access-logfile", str(access_path), "--access-logformat", ACCESS_FORMAT, "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped at start-up:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(server)
    sys.exit(f"gunicorn did not answer /healthz within 60 s:\n{log_path.read_text()[-3000:]}")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- the figures ---------------------------------------------------------------------------------------------

def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]


def summarise(entries: list, seconds: float) -> dict:
    latencies = sorted(entry[4] for entry in entries)
    kinds = Counter()
    for entry in entries:
        status, outcome = entry[2], entry[5]
        if outcome == "refused":
            kinds["refused"] += 1
        elif status == 0:
            kinds["no_answer"] += 1
        else:
            kinds[f"{status // 100}xx"] += 1
    return {"requests": len(entries), "per_s": round(len(entries) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.50), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(latencies[-1], 1), **kinds}


def route_of(adapter, method: str, path: str) -> str:
    try:
        rule, __ = adapter.match(urlsplit(path).path, method=method, return_rule=True)
        return f"{method} {rule.rule}"
    except Exception:  # an address the app does not know: shown as it is
        return f"{method} {urlsplit(path).path}"


def server_times(adapter, access_path: Path) -> dict[str, list[float]]:
    """Milliseconds each request spent in a worker, by route, from gunicorn's access log (warm-up included)."""
    times = defaultdict(list)
    for line in access_path.read_text().splitlines():
        method, path, __, microseconds = line.split(" ")
        if path != "/healthz":
            times[route_of(adapter, method, path)].append(int(microseconds) / 1000)
    return times


def report(app, results: list[dict], start: float, seconds: float, access_path: Path) -> dict:
    """Latency as the clients saw it (the wait for a free worker included) by route, with the mean time the
    request spent in the worker and that route's share of all the workers' time."""
    adapter = app.url_map.bind("localhost")
    entries = [entry for result in results for entry in result["log"] if entry[3] >= start]
    by_route = defaultdict(list)
    for entry in entries:
        by_route[route_of(adapter, entry[0], entry[1])].append(entry)
    overall = summarise(entries, seconds)
    served = server_times(adapter, access_path)
    busy = sum(sum(times) for times in served.values()) or 1
    overall["server_ms"] = round(busy / max(sum(len(t) for t in served.values()), 1), 1)
    overall["share"] = 100
    columns = ("requests", "per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "server_ms", "share", "2xx", "3xx",
               "refused", "4xx", "5xx", "no_answer")
    print(f"\n{'route':46}" + "".join(f" {name:>9}" for name in columns))
    rows = sorted(((route, summarise(route_entries, seconds)) for route, route_entries in by_route.items()),
                  key=lambda row: -row[1]["p95_ms"])
    for route, figures in rows:
        times = served.get(route, [])
        figures["server_ms"] = round(sum(times) / len(times), 1) if times else 0
        figures["share"] = round(100 * sum(times) / busy)
    for route, figures in rows + [("overall", overall)]:
        print(f"{route[:46]:46}" + "".join(f" {figures.get(name, 0):>9}" for name in columns))
    slowest = sorted(entries, key=lambda entry: -entry[4])[:5]
    print("\nslowest requests: " + "; ".join(f"{e[0]} {e[1]} {e[4]:.0f} ms" for e in slowest))
    for route, figures in rows + [("overall", overall)]:
        print(json.dumps({"route": route, **figures}))
    return overall


# --- the write check -----------------------------------------------------------------------------------------

def check_writes(app, results: list[dict], run: str, initial_versions: dict[int, int]) -> dict:
    """Compare what the database holds with what the clients were told. Lost: a write answered as saved that is
    not there (or was overwritten by a save based on the same version). Duplicated: a write there more than once,
    or a row of this run that no client was told was saved (a refused or failed write that happened anyway)."""
    writes = [write for result in results for write in result["writes"]]
    problems = Counter()
    examples = []

    def problem(kind: str, detail: str) -> None:
        problems[kind] += 1
        if len(examples) < 10:
            examples.append(f"{kind}: {detail}")

    with app.app_context():
        # Activities: by the title each client gave.
        stored = dict(db.session.execute(select(Activity.title, func.count()).where(
            Activity.title.like(f"load-{run}-%")).group_by(Activity.title)).all())
        activities = [w for w in writes if w["kind"] == "activity"]
        for write in activities:
            count = stored.pop(write["title"], 0)
            if write["outcome"] == "saved" and count == 0:
                problem("lost", f"activity {write['title']} answered as saved, not stored")
            elif count > 1 or (count == 1 and write["outcome"] != "saved"):
                problem("duplicated", f"activity {write['title']} ({write['outcome']}) stored {count} times")
        for title, count in stored.items():
            problem("duplicated", f"activity {title} stored {count} times, never sent")

        # Assessments: accepted saves are one per version; the last one's values are what is stored.
        saves = defaultdict(list)
        for write in (w for w in writes if w["kind"] == "assessment"):
            saves[write["assessment_id"]].append(write)
        needs_checked = 0
        for assessment_id, attempts in saves.items():
            accepted = sorted((w for w in attempts if w["outcome"] == "saved"), key=lambda w: w["lock_version"])
            versions = Counter(w["lock_version"] for w in accepted)
            for version, count in versions.items():
                if count > 1:
                    problem("lost", f"assessment {assessment_id}: {count} saves accepted on version {version}")
            assessment = db.session.get(Assessment, assessment_id)
            expected_version = initial_versions[assessment_id] + len(accepted)
            if assessment.lock_version < expected_version:
                problem("lost", f"assessment {assessment_id} at version {assessment.lock_version}, "
                                f"{len(accepted)} saves accepted from {initial_versions[assessment_id]}")
            elif assessment.lock_version > expected_version:
                problem("duplicated", f"assessment {assessment_id} at version {assessment.lock_version}: a save "
                                      f"answered as refused or failed was kept")
            comments = dict(db.session.execute(select(Need.key_area_id, Need.comment).where(
                Need.assessment_id == assessment_id)).all())
            if accepted:
                for area_id, comment in accepted[-1]["comments"].items():
                    needs_checked += 1
                    if comments.get(area_id, "") != comment:
                        problem("lost", f"assessment {assessment_id} area {area_id}: {comments.get(area_id)!r}, "
                                        f"last accepted save sent {comment!r}")
            refused = {w["marker"] for w in attempts if w["outcome"] != "saved"}
            for area_id, comment in comments.items():
                if comment.split(" ")[0] in refused:
                    problem("duplicated", f"assessment {assessment_id} area {area_id} holds refused {comment!r}")

        # Proposals: one accepted proposal per match, and the match is proposed by its provider.
        proposals = [w for w in writes if w["kind"] == "proposal"]
        accepted = Counter(w["match_id"] for w in proposals if w["outcome"] == "saved")
        ids = {w["match_id"] for w in proposals}
        steps = dict(db.session.execute(select(AuditEntry.object_id, func.count()).where(
            AuditEntry.action == "match.propose", AuditEntry.object_type == "Match",
            AuditEntry.object_id.in_(ids)).group_by(AuditEntry.object_id)).all()) if ids else {}
        for match_id in ids:
            match = db.session.get(Match, match_id)
            if accepted[match_id] and (match.status != "proposed" or match.proposed_by != "provider"):
                problem("lost", f"match {match_id} answered as proposed, is {match.status}")
            if steps.get(match_id, 0) != accepted[match_id]:
                problem("duplicated" if steps.get(match_id, 0) > accepted[match_id] else "lost",
                        f"match {match_id}: {steps.get(match_id, 0)} proposals stored, {accepted[match_id]} accepted")

    outcomes = Counter(f"{w['kind']} {w['outcome']}" for w in writes)
    return {"writes": dict(sorted(outcomes.items())), "assessment_values_checked": needs_checked,
            "lost": problems["lost"], "duplicated": problems["duplicated"], "examples": examples}


# --- the run -------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-up", type=float, default=5, help="seconds of load before the measuring starts")
    parser.add_argument("--think-time", type=float, default=0,
                        help="mean seconds a user pauses after each action (default 0: back to back)")
    parser.add_argument("--reuse", action="store_true", help="keep the data an earlier run built")
    options = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        sys.exit("The load runs against PostgreSQL: set BENCH_DATABASE_URL=postgresql://…")
    counts = role_counts(options.clients)
    app, world = prepare(url, options.reuse, counts)
    accounts = accounts_for(world, options.clients)
    with app.app_context():
        ids = [a.assessment_id for a in accounts if a.assessment_id]
        initial_versions = dict(db.session.execute(
            select(Assessment.id, Assessment.lock_version).where(Assessment.id.in_(ids))).all())
        sizes = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("needs", Need), ("offers", Offer), ("activities", Activity), ("matches", Match))}
        db.engine.dispose()

    run = secrets.token_hex(3)
    port = free_port()
    logs = Path(tempfile.mkdtemp())
    log_path, access_path = logs / "gunicorn.log", logs / "access.log"
    server = start_gunicorn(url, options.workers, port, log_path, access_path)
    print(json.dumps({"run": run, "workers": options.workers, "clients": options.clients, "roles": dict(counts),
                      "think_time": options.think_time,
                      "seconds": options.seconds, "warm_up": options.warm_up, "cpus": os.cpu_count(),
                      "data": sizes, "load_average_before": os.getloadavg()[0], "port": port}), flush=True)
    try:
        start = time.time() + 3 + options.clients * 0.05  # every client logged in before the clock starts
        measured_from = start + options.warm_up
        stop = measured_from + options.seconds
        jobs = [(n, account, world, port, run, options.think_time, start, stop)
                for n, account in enumerate(accounts)]
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            results = pool.map(run_client, jobs, chunksize=1)
        ended = max(entry[3] + entry[4] / 1000 for result in results for entry in result["log"])
    finally:
        stop_gunicorn(server)
    print(json.dumps({"load_average_after": os.getloadavg()[0]}))
    overall = report(app, results, measured_from, ended - measured_from, access_path)
    server_errors = overall.get("5xx", 0) + overall.get("no_answer", 0)
    if server_errors:
        print(f"\ngunicorn's log ({log_path}):\n" + log_path.read_text()[-5000:])
    unexpected = [f"client {result['client']} ({result['role']}) {problem}"
                  for result in results for problem in result["unexpected"]]
    if unexpected:
        print(f"\n{len(unexpected)} actions found a page they did not expect:\n" + "\n".join(unexpected[:20]))
    check = check_writes(app, results, run, initial_versions)
    print(json.dumps({"write_check": check}))
    failures = {
        "5xx": (server_errors, "0"),
        "lost writes": (check["lost"], "0"),
        "duplicated writes": (check["duplicated"], "0"),
        "p95 ms": (overall["p95_ms"], f"< {P95_TARGET_MS}"),
    }
    print(", ".join(f"{name}: {value} (target {target})" for name, (value, target) in failures.items()))
    missed = server_errors or check["lost"] or check["duplicated"] or overall["p95_ms"] >= P95_TARGET_MS
    print("targets missed" if missed else "all targets met")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
