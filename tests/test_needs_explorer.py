"""Vetted providers and the Secretariat explore the needs Parties made visible to them: who may, what each
sees (the Party's visibility choice; submitted content only), the filters, the heat map with open offers,
the downloads, and a number of queries that does not grow with the Parties."""
import csv
import io
import json
import re
from collections import Counter
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from tests.conftest import INLINE_SCRIPT, IsolatedClient, login, make_organisation, make_user, party, post
from tracker import create_app
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT
from tracker.assessments import services
from tracker.assessments.content import NeedInput, assessment_content
from tracker.assessments.models import DRAFT, SUBMITTED, Assessment, AssessmentCycle, AssessmentVersion, Need
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.needs import permissions, queries
from tracker.needs.queries import NeedFilters
from tracker.needs.views import bp as needs_bp
from tracker.offers.models import Offer
from tracker.parties.models import REGIONAL_GROUPS, Party

# --- the app: the session app once tracker/__init__.py registers the blueprint; until then our own ----------

TEST_CONFIG_KEYS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME", "PASSWORD_HASH_METHOD")


@pytest.fixture(scope="module")
def needs_app(app):
    """The session app if it serves the needs pages; otherwise an app made the same way, on the same (migrated
    and seeded) database, with the blueprint registered here. Depending on `app` keeps conftest's cleaning."""
    if "needs" in app.blueprints:
        yield app
        return
    own = create_app({key: app.config[key] for key in TEST_CONFIG_KEYS})
    own.test_client_class = IsolatedClient
    own.register_blueprint(needs_bp)
    yield own
    with own.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(needs_app):
    with needs_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(needs_app, ctx):
    return needs_app.test_client()


# --- factories ------------------------------------------------------------------------------------------

def make_cycle(name="Mid-term 2026", opens_on=None, days=60) -> AssessmentCycle:
    opens_on = opens_on or today() - timedelta(days=10)
    cycle = AssessmentCycle(name=name, opens_on=opens_on, closes_on=opens_on + timedelta(days=days),
                            reference_date=opens_on, created_at=utcnow())
    db.session.add(cycle)
    db.session.commit()
    return cycle


def area(code: str) -> KeyArea:
    return db.session.scalar(db.select(KeyArea).where(KeyArea.code == code))


def make_assessment(iso3: str, cycle, needs: dict, *, status=SUBMITTED, visibility="providers",
                    submitted: dict | None = None) -> Assessment:
    """An assessment with `needs` ({key area code: level or (level, priority) or a dict of Need fields}) as its
    current content. Submitted: version 1 holds the same content. A draft with `submitted` ({code: …} as for
    needs) was reopened after submitting that content as version 1, and is now version 2."""
    now = utcnow()
    assessment = Assessment(party=party(iso3), cycle=cycle, status=status, visibility=visibility,
                            version=2 if submitted is not None else 1, created_at=now, updated_at=now)
    db.session.add(assessment)

    def need_rows(spec):
        rows = []
        for code, values in spec.items():
            if isinstance(values, str):
                values = {"level": values}
            elif isinstance(values, tuple):
                values = {"level": values[0], "priority": values[1]}
            rows.append(Need(key_area=area(code), **values))
        return rows

    if submitted is not None:
        assessment.needs = need_rows(submitted)
        db.session.flush()
        assessment.versions.append(AssessmentVersion(version=1, submitted_at=now,
                                                     content=assessment_content(assessment)))
        assessment.needs = []
        db.session.flush()
    assessment.needs = need_rows(needs)
    if status == SUBMITTED:
        assessment.submitted_at = now
        db.session.flush()
        assessment.versions.append(AssessmentVersion(version=assessment.version, submitted_at=now,
                                                     content=assessment_content(assessment)))
    db.session.commit()
    return assessment


def vetted_provider():
    return make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Vetted Lab Network", vetted=True))


def secretariat():
    return make_user(SECRETARIAT, party_iso3=None)


def make_offer(codes, *, status="open", closes_on=None, title="Offer") -> Offer:
    organisation = make_organisation(f"Provider of {title}", vetted=True)
    now = utcnow()
    offer = Offer(organisation=organisation, title=title, capacity=3, status=status, closes_on=closes_on,
                  created_at=now, updated_at=now, key_areas=[area(code) for code in codes])
    db.session.add(offer)
    db.session.commit()
    return offer


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def shown(client, **args) -> set[tuple[str, str, str]]:
    """(Party, key area, level) of every need the CSV download shows."""
    rows = csv_rows(client.get("/needs/export", query_string={"format": "csv", **args}))
    return {(row["party"], row["key_area"], row["level"]) for row in rows}


def count_text(html: str) -> int:
    return int(re.search(r'<p class="count" role="status">(\d+) needs?</p>', html).group(1))


# --- who may explore ---------------------------------------------------------------------------------------

URLS = ["/needs", "/needs/heatmap", "/needs/export?format=csv", "/needs/heatmap/export?format=csv"]


def _user(kind):
    if kind == "anonymous":
        return None
    if kind == "vetted provider":
        return vetted_provider()
    if kind == "unvetted provider":
        return make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Not Yet Vetted", vetted=False))
    if kind == "provider without organisation":
        return make_user(PROVIDER, party_iso3=None)
    if kind == "party editor":
        return make_user(PARTY_EDITOR, party_iso3="KEN")
    if kind == "party focal point":
        return make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    return secretariat()


@pytest.mark.parametrize("kind, expected", [
    ("anonymous", 302), ("vetted provider", 200), ("unvetted provider", 403), ("provider without organisation", 403),
    ("party editor", 403), ("party focal point", 403), ("secretariat", 200),
])
def test_who_may_explore_the_needs(client, kind, expected):
    make_cycle()
    user = _user(kind)
    if user:
        login(client, user)
    for url in URLS:
        response = client.get(url)
        assert response.status_code == expected, (kind, url)
        if expected == 302:
            assert "/login" in response.headers["Location"]
    if kind == "unvetted provider":
        html = client.get("/needs").get_data(as_text=True)
        assert "The Secretariat must vet Not Yet Vetted first" in html


@pytest.mark.parametrize("kind, explore, visibilities, drafts", [
    ("anonymous", False, (), False),
    ("vetted provider", True, ("providers", "public"), False),
    ("unvetted provider", False, (), False),
    ("provider without organisation", False, (), False),
    ("party editor", False, (), False),
    ("party focal point", False, (), False),
    ("secretariat", True, ("secretariat", "providers", "public"), True),
])
def test_permission_functions(ctx, kind, explore, visibilities, drafts):
    from flask_login import AnonymousUserMixin

    user = _user(kind) or AnonymousUserMixin()
    assert permissions.can_explore_needs(user) is explore
    assert permissions.visible_visibilities(user) == visibilities
    assert permissions.can_include_drafts(user) is drafts
    assert permissions.awaits_vetting(user) is (kind == "unvetted provider")


# --- what each sees ----------------------------------------------------------------------------------------

def test_a_partys_visibility_choice_decides_who_sees_its_needs(client):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.8(3)": "high"}, visibility="providers")
    make_assessment("PER", cycle, {"A.8(3)": "high"}, visibility="public")
    make_assessment("IND", cycle, {"A.8(3)": "high", "A.5(1)": "medium"}, visibility="secretariat")

    login(client, vetted_provider())
    assert shown(client) == {("KEN", "A.8(3)", "high"), ("PER", "A.8(3)", "high")}
    html = client.get("/needs").get_data(as_text=True)
    assert "Kenya" in html and "Peru" in html and "India" not in html
    heat = {row["key_area"]: row for row in csv_rows(client.get("/needs/heatmap/export?format=csv"))}
    assert heat["A.8(3)"]["all_parties"] == "2" and heat["A.8(3)"]["asia_pacific"] == "0"
    assert {row["party"] for row in json.loads(client.get("/needs/export?format=json").get_data())} == {"KEN", "PER"}

    staff = client.application.test_client()
    login(staff, secretariat())
    assert shown(staff) == {("KEN", "A.8(3)", "high"), ("PER", "A.8(3)", "high"), ("IND", "A.8(3)", "high"),
                            ("IND", "A.5(1)", "medium")}


def test_a_draft_never_submitted_never_reaches_a_provider(client):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.8(3)": "high"}, status=DRAFT, visibility="public")
    make_assessment("PER", cycle, {"A.1(1)": "high"})

    login(client, vetted_provider())
    for args in ({}, {"drafts": "1"}):  # the drafts toggle is the Secretariat's only
        assert shown(client, **args) == {("PER", "A.1(1)", "high")}
        assert "Kenya" not in client.get("/needs", query_string=args).get_data(as_text=True)
    heat = {row["key_area"]: row for row in csv_rows(client.get("/needs/heatmap/export?format=csv&drafts=1"))}
    assert heat["A.8(3)"]["all_parties"] == "0"

    staff = client.application.test_client()
    login(staff, secretariat())
    assert shown(staff) == {("PER", "A.1(1)", "high")}
    assert shown(staff, drafts="1") == {("PER", "A.1(1)", "high"), ("KEN", "A.8(3)", "high")}
    assert "Include drafts" in staff.get("/needs").get_data(as_text=True)
    assert "Include drafts" not in client.get("/needs").get_data(as_text=True)


def test_a_reopened_draft_shows_providers_what_the_party_last_submitted(client):
    cycle = make_cycle()
    editor = make_user(PARTY_EDITOR, party_iso3="KEN")
    focal_point = make_user(PARTY_FOCAL_POINT, party_iso3="KEN")
    assessment = services.start_assessment(party("KEN"), cycle, actor=editor)
    services.save_assessment(assessment, needs={"A.8(3)": NeedInput(level="high", priority=1, comment="submitted")},
                             answers={}, lock_version=assessment.lock_version, actor=editor)
    services.submit_assessment(assessment, actor=focal_point)
    services.reopen_assessment(assessment, actor=focal_point)
    services.save_assessment(assessment, needs={"A.8(3)": NeedInput(level="low", comment="being revised"),
                                                "A.5(1)": NeedInput(level="high", priority=2)},
                             answers={}, lock_version=assessment.lock_version, actor=editor)
    db.session.commit()
    assert assessment.status == DRAFT and assessment.version == 2

    login(client, vetted_provider())
    rows = csv_rows(client.get("/needs/export?format=csv&level=low&level=medium&level=high"))
    assert [(row["key_area"], row["level"], row["comment"], row["version"], row["shown_from"]) for row in rows] == [
        ("A.8(3)", "high", "submitted", "1", "last_version")]
    html = client.get("/needs").get_data(as_text=True)
    assert "As submitted in version 1; the Party is revising it." in html and "being revised" not in html
    heat = {row["key_area"]: row for row in csv_rows(client.get("/needs/heatmap/export?format=csv"))}
    assert heat["A.8(3)"]["african"] == "1" and heat["A.5(1)"]["african"] == "0"

    staff = client.application.test_client()
    login(staff, secretariat())
    assert shown(staff, level=["low", "high"]) == {("KEN", "A.8(3)", "high")}
    assert shown(staff, level=["low", "high"], drafts="1") == {("KEN", "A.8(3)", "low"), ("KEN", "A.5(1)", "high")}


def test_a_party_that_narrows_its_visibility_hides_even_its_submitted_version(ctx):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.1(1)": "low"}, status=DRAFT, visibility="secretariat",
                    submitted={"A.8(3)": "high"})
    filters = NeedFilters(cycle_id=cycle.id, levels=("high",))
    assert queries.visible_needs(filters) == []
    staff = NeedFilters(cycle_id=cycle.id, levels=("high",), visibilities=("secretariat", "providers", "public"))
    assert [(row.party_iso3, row.source) for row in queries.visible_needs(staff)] == [("KEN", "last_version")]


def test_default_cycle_is_the_latest_that_has_opened_and_another_can_be_chosen(client):
    old = make_cycle("Baseline 2024", opens_on=today() - timedelta(days=700))
    current = make_cycle("Mid-term 2026", opens_on=today() - timedelta(days=5))
    make_cycle("Next cycle", opens_on=today() + timedelta(days=30))
    make_assessment("KEN", old, {"A.1(1)": "high"})
    make_assessment("KEN", current, {"A.8(3)": "high"})

    login(client, vetted_provider())
    assert shown(client) == {("KEN", "A.8(3)", "high")}
    assert shown(client, cycle=old.id) == {("KEN", "A.1(1)", "high")}
    html = client.get("/needs").get_data(as_text=True)
    assert f'<option value="{current.id}" selected>Mid-term 2026</option>' in html
    assert shown(client, cycle="nonsense") == {("KEN", "A.8(3)", "high")}


def test_the_table_shows_each_needs_details_from_rows_and_from_versions(client):
    cycle = make_cycle()
    details = {"level": "high", "priority": 1, "audiences": ["laboratory_staff", "customs_border"],
               "support_types": ["reference_materials"], "modality": "hybrid", "languages": ["fr"],
               "wanted_by": today() + timedelta(days=200)}
    make_assessment("KEN", cycle, {"A.8(3)": details})
    make_assessment("PER", cycle, {"A.1(1)": "low"}, status=DRAFT,
                    submitted={"A.5(1)": {**details, "audiences": ["academia"], "languages": ["es"]}})
    login(client, vetted_provider())
    html = client.get("/needs").get_data(as_text=True)
    assert count_text(html) == 2
    kenya = re.search(r"<tr>\s*<td>Kenya.*?</tr>", html, re.S).group(0)
    for text in ("A.8(3)", "High", "1 — highest", "Laboratory staff, Customs and border officials",
                 "Certified reference materials", "Hybrid", "French", details["wanted_by"].isoformat()):
        assert text in kenya, text
    peru = re.search(r"<tr>\s*<td>Peru.*?</tr>", html, re.S).group(0)
    for text in ("A.5(1)", "Academia and researchers", "Spanish", "As submitted in version 1"):
        assert text in peru, text


# --- filters, order, pages -------------------------------------------------------------------------------

@pytest.fixture
def spread(ctx):
    """Needs of Parties in every group: LDCs (ETH, SEN, BGD), SIDS (FJI, JAM), the EU in no group."""
    cycle = make_cycle()
    data = {
        "KEN": {"A.8(3)": ("high", 1), "A.5(1)": ("medium", 2), "A.1(1)": ("low", 3)},
        "ETH": {"A.8(3)": ("high", 2), "A.8(2)": ("high", 1)},
        "SEN": {"A.8(3)": ("medium", 1)},
        "BGD": {"A.8(3)": ("high", 3), "B.1(1)": ("high", 1)},
        "FJI": {"A.5(1)": ("high", 1)},
        "JAM": {"A.8(3)": ("none", None)},
        "PER": {"A.5(1)": ("high", 2), "A.8(2)": ("medium", 3)},
        "POL": {"A.8(3)": ("medium", 2)},
        "DEU": {"B.1(1)": ("low", 2)},
        "EUU": {"A.8(3)": ("high", 1)},
    }
    for iso3, needs in data.items():
        make_assessment(iso3, cycle, needs, visibility="public" if iso3 in ("PER", "EUU") else "providers")
    return {"cycle": cycle, "data": data}


@pytest.mark.parametrize("args, expected", [
    ({}, {("KEN", "A.8(3)"), ("KEN", "A.5(1)"), ("ETH", "A.8(3)"), ("ETH", "A.8(2)"), ("SEN", "A.8(3)"),
          ("BGD", "A.8(3)"), ("BGD", "B.1(1)"), ("FJI", "A.5(1)"), ("PER", "A.5(1)"), ("PER", "A.8(2)"),
          ("POL", "A.8(3)"), ("EUU", "A.8(3)")}),
    ({"group": "african"}, {("KEN", "A.8(3)"), ("KEN", "A.5(1)"), ("ETH", "A.8(3)"), ("ETH", "A.8(2)"),
                            ("SEN", "A.8(3)")}),
    ({"ldc": "1"}, {("ETH", "A.8(3)"), ("ETH", "A.8(2)"), ("SEN", "A.8(3)"), ("BGD", "A.8(3)"), ("BGD", "B.1(1)")}),
    ({"sids": "1", "level": ["none", "high"]}, {("FJI", "A.5(1)"), ("JAM", "A.8(3)")}),
    ({"level": "high"}, {("KEN", "A.8(3)"), ("ETH", "A.8(3)"), ("ETH", "A.8(2)"), ("BGD", "A.8(3)"),
                         ("BGD", "B.1(1)"), ("FJI", "A.5(1)"), ("PER", "A.5(1)"), ("EUU", "A.8(3)")}),
    ({"level": "low"}, {("KEN", "A.1(1)"), ("DEU", "B.1(1)")}),
    ({"key_area": "A.8(3)"}, {("KEN", "A.8(3)"), ("ETH", "A.8(3)"), ("SEN", "A.8(3)"), ("BGD", "A.8(3)"),
                              ("POL", "A.8(3)"), ("EUU", "A.8(3)")}),
    ({"key_area": "A.8(3)", "group": "african", "level": "high"}, {("KEN", "A.8(3)"), ("ETH", "A.8(3)")}),
    ({"goal": "A.8", "ldc": "1"}, {("ETH", "A.8(3)"), ("ETH", "A.8(2)"), ("SEN", "A.8(3)"), ("BGD", "A.8(3)")}),
    ({"goal": "B.1", "key_area": "A.8(3)"}, set()),  # a key area outside the goal: nothing
    ({"priority": "1"}, {("KEN", "A.8(3)"), ("ETH", "A.8(2)"), ("SEN", "A.8(3)"), ("BGD", "B.1(1)"),
                         ("FJI", "A.5(1)"), ("EUU", "A.8(3)")}),
    ({"group": "nowhere", "key_area": "Z.9(9)", "priority": "7"},  # unknown values are ignored
     {("KEN", "A.8(3)"), ("KEN", "A.5(1)"), ("ETH", "A.8(3)"), ("ETH", "A.8(2)"), ("SEN", "A.8(3)"),
      ("BGD", "A.8(3)"), ("BGD", "B.1(1)"), ("FJI", "A.5(1)"), ("PER", "A.5(1)"), ("PER", "A.8(2)"),
      ("POL", "A.8(3)"), ("EUU", "A.8(3)")}),
])
def test_filters_narrow_the_list_and_its_download(client, spread, args, expected):
    login(client, vetted_provider())
    assert {(iso3, code) for iso3, code, _level in shown(client, **args)} == expected
    assert count_text(client.get("/needs", query_string=args).get_data(as_text=True)) == len(expected)


def test_needs_are_sorted_by_priority_then_level(ctx, spread):
    rows = queries.visible_needs(NeedFilters(cycle_id=spread["cycle"].id, levels=("low", "medium", "high")))
    keys = [(row.priority or 9, -queries.LEVEL_RANK[row.level]) for row in rows]
    assert keys == sorted(keys)
    assert (rows[0].priority, rows[0].level) == (1, "high") and rows[-1].priority == 3


def test_the_list_is_paginated_and_pages_keep_the_filters(client):
    cycle = make_cycle()
    codes = [code for (code,) in db.session.execute(db.select(KeyArea.code).order_by(KeyArea.id))]
    make_assessment("KEN", cycle, {code: "high" for code in codes})
    make_assessment("ETH", cycle, {code: "medium" for code in codes[:19]})
    login(client, vetted_provider())
    first = client.get("/needs").get_data(as_text=True)
    assert count_text(first) == len(codes) + 19 == 60
    assert "Page 1 of 2" in first and first.count("<tr>") == 1 + 50
    assert 'href="/needs?page=2&amp;cycle=' in first
    second = client.get("/needs?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 1 + 10 and "Ethiopia" in second and "Kenya" not in second
    assert client.get("/needs?page=99").status_code == 200


# --- the heat map ------------------------------------------------------------------------------------------

def test_heatmap_counts_equal_a_direct_count(client, spread):
    login(client, vetted_provider())
    for levels in (["high"], ["medium", "high"], ["none", "low", "medium", "high"]):
        expected: dict[str, Counter] = {}
        for iso3, needs in spread["data"].items():
            for code, (level, _priority) in needs.items():
                if level in levels:
                    expected.setdefault(code, Counter())[party(iso3).un_regional_group] += 1
        rows = {row["key_area"]: row for row in csv_rows(client.get("/needs/heatmap/export",
                                                                    query_string={"format": "csv", "level": levels}))}
        assert len(rows) == db.session.scalar(db.select(db.func.count(KeyArea.id)))
        for code, row in rows.items():
            counted = expected.get(code, Counter())
            assert {group: int(row[group]) for group in REGIONAL_GROUPS} == {g: counted[g] for g in REGIONAL_GROUPS}
            assert int(row["all_parties"]) == sum(counted.values())  # the EU (no group) counts here only

    html = client.get("/needs/heatmap").get_data(as_text=True)
    # A.8(3) at level high: KEN and ETH (African), BGD (Asia-Pacific), the EU: each count links to the list.
    row = re.search(r'<tr data-key-area="A\.8\(3\)"[^>]*>(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="number heat heat-(\d)">(.*?)</td>', row, re.S)
    assert [re.sub(r"<[^>]+>", "", text) for _shade, text in cells] == ["2", "1", "0", "0", "0"]
    assert cells[0][0] != "0" and cells[2][0] == "0"
    assert f'href="/needs?cycle={spread["cycle"].id}&amp;key_area=A.8(3)&amp;group=african&amp;level=high"' in row
    assert re.search(r'<td class="number total"><a [^>]*>4</a></td>', row)


def test_no_offer_marks_exactly_the_demand_that_no_open_offer_covers(client, spread):
    make_offer(["A.8(3)"], title="Open, no closing date")
    make_offer(["A.5(1)", "A.10(1)"], closes_on=today(), title="Open until today")
    make_offer(["A.8(2)"], closes_on=today() - timedelta(days=1), title="Past its closing date")
    make_offer(["B.1(1)"], status="closed", title="Closed")
    make_offer(["B.1(1)"], status="draft", title="Draft")
    login(client, vetted_provider())

    heat = {row["key_area"]: row for row in csv_rows(client.get("/needs/heatmap/export?format=csv"))}
    assert {code: int(row["open_offers"]) for code, row in heat.items() if int(row["open_offers"])} == {
        "A.8(3)": 1, "A.5(1)": 1, "A.10(1)": 1}
    # Demand at level high: A.8(3), A.8(2), A.5(1), B.1(1). A.10(1) has an offer but no demand.
    assert {code for code, row in heat.items() if row["no_offer"] == "True"} == {"A.8(2)", "B.1(1)"}

    html = client.get("/needs/heatmap").get_data(as_text=True)
    flagged = set(re.findall(r'<tr data-key-area="([^"]+)" class="no-offer">', html))
    assert flagged == {"A.8(2)", "B.1(1)"}
    assert html.count('class="no-offer-marker"') == 2 and ">no offer</strong>" in html
    assert "2 key areas have needs at these levels but no open offer" in html


def test_heat_shades_follow_quantiles_and_the_number_is_always_printed():
    assert queries.heat_breaks([0, 0]) == []
    assert queries.heat_class(0, []) == 0 and queries.heat_class(3, []) == 1
    breaks = queries.heat_breaks([0, 1, 2, 3, 4, 5, 0])
    assert [queries.heat_class(value, breaks) for value in range(6)] == [0, 1, 2, 3, 4, 5]
    same = queries.heat_breaks([7, 7, 7])
    assert {queries.heat_class(7, same)} == {1}
    skewed = queries.heat_breaks([1, 1, 1, 1, 40])
    assert queries.heat_class(1, skewed) == 1 and queries.heat_class(40, skewed) == 5
    assert queries.heat_legend([0, 1, 1, 1, 1, 40], skewed) == [(0, 0, 0), (1, 1, 1), (5, 40, 40)]


# --- downloads ---------------------------------------------------------------------------------------------

def test_downloads_escape_formulas_and_follow_the_filters(client):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.8(3)": {"level": "high", "comment": '=HYPERLINK("http://evil.example")'},
                                   "A.5(1)": {"level": "high", "comment": "+1 more"},
                                   "A.1(1)": {"level": "low", "comment": "@SUM(A1)"}})
    login(client, vetted_provider())

    rows = csv_rows(client.get("/needs/export?format=csv"))
    assert sorted(row["comment"] for row in rows) == ["'+1 more", "'=HYPERLINK(\"http://evil.example\")"]
    raw = client.get("/needs/export?format=csv").get_data().decode("utf-8-sig")
    assert "\n=" not in raw and ",=" not in raw and ",+" not in raw

    workbook = load_workbook(io.BytesIO(client.get("/needs/export?format=xlsx&level=low").get_data()), read_only=True)
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "'@SUM(A1)" in values and not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in values)
    workbook.close()

    data = json.loads(client.get("/needs/export?format=json&key_area=A.8(3)").get_data())
    assert [row["comment"] for row in data] == ['=HYPERLINK("http://evil.example")']  # data, not a spreadsheet
    assert data[0]["audiences"] == [] and data[0]["party"] == "KEN"
    assert client.get("/needs/export?format=exe").status_code == 404
    assert client.get("/needs/heatmap/export?format=exe").status_code == 404
    disposition = client.get("/needs/heatmap/export?format=xlsx").headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="needs-heatmap-Mid-term-2026-')


# --- pages: accessible, no inline script or style, translated ------------------------------------------------

def test_pages_have_captions_scoped_headers_and_no_inline_script_or_style(client, spread):
    make_assessment("IND", spread["cycle"], {"A.8(3)": "high"}, status=DRAFT, submitted={"A.8(3)": "high"})
    login(client, secretariat())
    for url in ("/needs", "/needs/heatmap", "/needs?drafts=1"):
        html = client.get(url).get_data(as_text=True)
        assert "<caption>" in html and 'scope="col"' in html and 'class="table-wrap"' in html
        assert not INLINE_SCRIPT.search(html) and " style=" not in html and "<style" not in html
        assert "css/app.css" in html  # the heat map's shading lives in the one stylesheet
    heatmap = client.get("/needs/heatmap").get_data(as_text=True)
    assert 'scope="rowgroup"' in heatmap and 'scope="row"' in heatmap


def test_pages_in_chinese(client, spread):
    login(client, vetted_provider())
    post(client, "/language", {"language": "zh"})
    html = client.get("/needs").get_data(as_text=True)
    assert 'lang="zh"' in html and "肯尼亚" in html  # Kenya, by its UN name in Chinese
    assert client.get("/needs/heatmap").status_code == 200


# --- queries per page ---------------------------------------------------------------------------------------

def _populate(cycle, isos):
    codes = ["A.8(3)", "A.5(1)", "A.1(1)", "B.1(1)"]
    for index, iso3 in enumerate(isos):
        needs = {code: ("high" if (index + position) % 2 else "medium", 1 + position % 3)
                 for position, code in enumerate(codes)}
        if index % 5 == 4:  # every fifth Party is revising what it submitted
            make_assessment(iso3, cycle, {"A.1(1)": "low"}, status=DRAFT, submitted=needs)
        else:
            make_assessment(iso3, cycle, needs, visibility="public" if index % 3 else "providers")


def _queries_per_page(needs_app, client, urls) -> dict[str, int]:
    counts = {}
    with needs_app.app_context():
        engine = db.engine
    for url in urls:
        statements = []

        def count(*_args):
            statements.append(1)
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200, url
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[url] = len(statements)
    return counts


def test_queries_per_page_do_not_grow_with_the_parties(needs_app, client):
    cycle = make_cycle()
    isos = list(db.session.scalars(db.select(Party.iso3).where(Party.cartagena_party.is_(True),
                                                               Party.un_regional_group.is_not(None))
                                   .order_by(Party.iso3).limit(40)))
    urls = ["/needs", "/needs?page=2", "/needs?group=african&level=high", "/needs/heatmap",
            "/needs/export?format=csv", "/needs/heatmap/export?format=csv"]
    login(client, vetted_provider())
    _populate(cycle, isos[:5])
    few = _queries_per_page(needs_app, client, urls)
    assert count_text(client.get("/needs").get_data(as_text=True)) == 5 * 4

    _populate(cycle, isos[5:])
    many = _queries_per_page(needs_app, client, urls)
    assert count_text(client.get("/needs").get_data(as_text=True)) == 40 * 4
    assert many == few, (few, many)
    assert max(many.values()) <= 9, many  # 9 with the bell's unread count
