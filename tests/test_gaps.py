"""The public donor gaps page: key areas ranked by the Parties whose high-priority need no agreed support
covers yet, in the latest cycle with submitted assessments — what counts, the regional groups, the open
offers with their link to the catalogue, no Party ever named, the download, and a number of queries that
does not grow with the data."""
import csv
import io
import itertools
import re
from datetime import timedelta

import pytest

from tests.conftest import INLINE_SCRIPT, IsolatedClient, counting_queries, login, make_user, party
from tests.test_needs_explorer import area, make_assessment, make_cycle, make_offer
from tracker import create_app
from tracker.accounts.models import SECRETARIAT
from tracker.assessments.models import DRAFT
from tracker.clock import today, utcnow
from tracker.extensions import db
from tracker.indicators.gaps_views import COLUMNS
from tracker.indicators.gaps_views import bp as gaps_bp
from tracker.matching.models import AGREED, CLOSED, DECLINED, DELIVERED, DELIVERING, PROPOSED, SUGGESTED, Match
from tracker.parties.models import REGIONAL_GROUPS

# --- the app: the session app once tracker/__init__.py registers the blueprint; until then our own ----------

TEST_CONFIG_KEYS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME", "PASSWORD_HASH_METHOD")


@pytest.fixture(scope="module")
def gaps_app(app):
    """The session app if it serves the gaps page; otherwise an app made the same way, on the same (migrated and
    seeded) database, with the blueprint registered here. Depending on `app` keeps conftest's cleaning."""
    if gaps_bp.name in app.blueprints:
        yield app
        return
    own = create_app({key: app.config[key] for key in TEST_CONFIG_KEYS})
    own.test_client_class = IsolatedClient
    own.register_blueprint(gaps_bp)
    yield own
    with own.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(gaps_app):
    with gaps_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(gaps_app, ctx):
    return gaps_app.test_client()


# --- factories ------------------------------------------------------------------------------------------

_titles = (f"Offer {n}" for n in itertools.count(1))


def offer(codes, **fields):
    return make_offer(codes, title=fields.pop("title", None) or next(_titles), **fields)


def match(iso3, code, on_offer, status):
    now = utcnow()
    db.session.add(Match(party=party(iso3), key_area=area(code), offer=on_offer, status=status, score=1.0,
                         components={}, created_at=now, step_at=now))
    db.session.commit()


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def table_rows(html: str) -> list[str]:
    """The key areas of the table, in the order shown."""
    return re.findall(r'<tr data-key-area="([^"]+)"', html)


# Party names that must never appear on the page or in the download.
NAMES = ("Kenya", "Uganda", "Tanzania", "Peru", "Brazil", "India", "France", "Poland", "European Union")


@pytest.fixture
def scenario(ctx):
    """Baseline (older, ignored), Mid-term (the latest with submitted assessments) and a newer cycle with only a
    draft (ignored). In Mid-term:

    A.1(1): high-priority KEN (high), UGA (medium, priority 1), PER (high, the Secretariat only sees it),
            IND (high, match delivered), FRA (high, match closed); not high-priority: TZA (medium, priority 2),
            BRA (low); POL (high) only in a draft.      → 5 Parties, 3 unmet (african 2, grulac 1)
    A.2(1): KEN (high, match agreed), UGA (high, priority 3), TZA (high, match only proposed),
            PER (high, match declined), BRA (high, match suggested).  → 5 Parties, 4 unmet (african 2, grulac 2)
    A.3(1): the European Union (high), in no regional group. → left out: counted alone, it would be named
    A.8(1): KEN (high, match delivering). → met, not listed
    """
    baseline = make_cycle("Baseline", opens_on=today() - timedelta(days=800))
    make_assessment("KEN", baseline, {"A.5(1)": "high"})
    current = make_cycle("Mid-term", opens_on=today() - timedelta(days=10))
    newer = make_cycle("Next", opens_on=today() + timedelta(days=30))
    make_assessment("UGA", newer, {"A.6(1)": "high"}, status=DRAFT)

    make_assessment("KEN", current, {"A.1(1)": "high", "A.2(1)": "high", "A.8(1)": "high"})
    make_assessment("UGA", current, {"A.1(1)": ("medium", 1), "A.2(1)": ("high", 3)})
    make_assessment("TZA", current, {"A.1(1)": ("medium", 2), "A.2(1)": "high"})
    make_assessment("PER", current, {"A.1(1)": "high", "A.2(1)": "high"}, visibility="secretariat")
    make_assessment("BRA", current, {"A.1(1)": "low", "A.2(1)": "high"})
    make_assessment("IND", current, {"A.1(1)": "high"})
    make_assessment("FRA", current, {"A.1(1)": "high"})
    make_assessment("POL", current, {"A.1(1)": "high"}, status=DRAFT)
    make_assessment("EUU", current, {"A.3(1)": "high"}, visibility="secretariat")

    # Offers for A.1(1): one open, one closed, one expired. For A.2(1): one whose only place is taken.
    open_a1 = offer(["A.1(1)"], title="Open course on A.1")
    offer(["A.1(1)"], title="Closed course", status="closed")
    offer(["A.1(1)"], title="Expired course", closes_on=today() - timedelta(days=1))
    full_a2 = offer(["A.2(1)"], title="Full course")
    full_a2.capacity = 1
    db.session.commit()

    match("IND", "A.1(1)", open_a1, DELIVERED)
    match("FRA", "A.1(1)", open_a1, CLOSED)
    match("KEN", "A.2(1)", full_a2, AGREED)  # takes the only place
    match("TZA", "A.2(1)", full_a2, PROPOSED)
    match("PER", "A.2(1)", full_a2, DECLINED)
    match("BRA", "A.2(1)", full_a2, SUGGESTED)
    match("KEN", "A.8(1)", open_a1, DELIVERING)
    match("UGA", "A.5(1)", open_a1, AGREED)  # another key area: does not meet UGA's needs here
    return current


def test_the_page_ranks_key_areas_by_unmet_high_priority_demand(client, scenario):
    response = client.get("/gaps")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert table_rows(html) == ["A.2(1)", "A.1(1)"]
    assert "Mid-term" in html and "Baseline" not in html and "Next" not in html
    # The definitions are on the page.
    assert "first priority (priority 1)" in html and "Suggested and proposed matches are not yet support" in html


def test_the_rows_count_parties_by_the_rule(ctx, scenario):
    from tracker.indicators.gaps_views import gap_rows, latest_cycle

    assert latest_cycle().id == scenario.id
    rows = {row.key_area.code: row for row in gap_rows(scenario)}
    assert set(rows) == {"A.1(1)", "A.2(1)"}

    a2, a1 = rows["A.2(1)"], rows["A.1(1)"]
    assert (a2.rank, a2.unmet, a2.demand, a2.open_offers) == (1, 4, 5, 0)
    assert a2.groups == {"african": 2, "asia_pacific": 0, "ceeg": 0, "grulac": 2, "weog": 0}
    assert (a1.rank, a1.unmet, a1.demand, a1.open_offers) == (2, 3, 5, 1)
    assert a1.groups == {"african": 2, "asia_pacific": 0, "ceeg": 0, "grulac": 1, "weog": 0}


def test_ties_share_a_rank_and_are_ordered_by_demand_then_the_plan(ctx):
    from tracker.indicators.gaps_views import gap_rows

    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.2(1)": "high", "A.1(1)": "high", "A.1(2)": "high"})
    make_assessment("UGA", cycle, {"A.1(2)": "high"})
    covering = offer(["A.1(2)"])
    match("UGA", "A.1(2)", covering, AGREED)
    rows = gap_rows(cycle)
    assert [(row.key_area.code, row.rank) for row in rows] == [("A.1(2)", 1), ("A.1(1)", 1), ("A.2(1)", 1)]


def test_the_offers_column_links_to_the_catalogue_filtered_by_key_area_and_agrees_with_it(client, scenario):
    html = client.get("/gaps").get_data(as_text=True)
    assert 'href="/offers?area=A.1(1)"' in html and "1 open offer" in html
    assert "no open offer" in html  # A.2(1): its only offer is full
    catalogue = client.get("/offers?area=A.1%281%29").get_data(as_text=True)
    assert catalogue.count('class="offer-card"') == 1 and "Open course on A.1" in catalogue
    catalogue = client.get("/offers?area=A.2%281%29").get_data(as_text=True)
    assert catalogue.count('class="offer-card"') == 0


def test_no_party_is_ever_named_though_every_party_counts(client, scenario):
    # Peru and the European Union let only the Secretariat see their needs: still counted, never named.
    for user in (None, make_user(SECRETARIAT, party_iso3=None)):
        if user:
            login(client, user)
        html = client.get("/gaps").get_data(as_text=True)
        assert not any(name in html for name in NAMES), [name for name in NAMES if name in html]
    body = client.get("/gaps/export?format=csv").get_data().decode("utf-8-sig")
    assert not any(name in body for name in NAMES)
    assert not any(iso3 in body for iso3 in ("KEN", "UGA", "TZA", "PER", "BRA", "IND", "FRA", "POL", "EUU"))


def test_the_page_is_public_and_keeps_to_the_content_security_policy(client, scenario):
    response = client.get("/gaps")
    assert response.status_code == 200  # no login
    html = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(html)
    assert " style=" not in html
    assert '<meter class="gap-bar" min="0" max="4" value="4"' in html
    assert '<meter class="gap-bar" min="0" max="4" value="3"' in html


def test_the_csv_download_has_the_same_table(client, scenario):
    rows = csv_rows(client.get("/gaps/export?format=csv"))
    assert list(rows[0]) == COLUMNS
    assert [row["key_area"] for row in rows] == ["A.2(1)", "A.1(1)"]
    first = rows[0]
    assert (first["rank"], first["cycle"], first["goal"], first["unmet_parties"], first["high_priority_parties"],
            first["open_offers"]) == ("1", "Mid-term", "A.2", "4", "5", "0")
    assert {group: first[group] for group in REGIONAL_GROUPS} == {
        "african": "2", "asia_pacific": "0", "ceeg": "0", "grulac": "2", "weog": "0"}
    assert first["key_area_text"]
    response = client.get("/gaps/export?format=csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/gaps/export").status_code == 200  # CSV by default
    assert client.get("/gaps/export?format=exe").status_code == 404


def test_the_download_is_safe_to_open_in_a_spreadsheet(client):
    cycle = make_cycle("=HYPERLINK(\"http://evil.example\")")
    make_assessment("KEN", cycle, {"A.1(1)": "high"})
    [row] = csv_rows(client.get("/gaps/export?format=csv"))
    assert row["cycle"].startswith("'=")


def test_without_submitted_assessments_the_page_says_so(client):
    make_cycle()
    html = client.get("/gaps").get_data(as_text=True)
    assert "No Party has submitted a self-assessment yet" in html and "<table" not in html
    assert csv_rows(client.get("/gaps/export?format=csv")) == []


def test_when_every_high_priority_need_is_covered_the_page_says_so(client):
    cycle = make_cycle()
    make_assessment("KEN", cycle, {"A.1(1)": "high", "A.2(1)": "medium"})
    match("KEN", "A.1(1)", offer(["A.1(1)"]), AGREED)
    html = client.get("/gaps").get_data(as_text=True)
    assert "every high-priority need is covered" in html and "<table" not in html


def test_the_number_of_queries_does_not_grow_with_the_data(client):
    cycle = make_cycle()
    codes = ["A.1(1)", "A.1(2)", "A.2(1)", "A.2(2)", "A.3(1)", "A.3(2)"]
    parties = iter(["KEN", "UGA", "TZA", "PER", "BRA", "IND", "FRA", "POL", "EUU", "CHN", "MEX", "ZAF"])

    def queries_for(n_parties):
        for __ in range(n_parties):
            iso3 = next(parties)
            make_assessment(iso3, cycle, {code: "high" for code in codes})
            covering = offer(codes)
            match(iso3, codes[0], covering, AGREED)
        with counting_queries() as page:
            response = client.get("/gaps")
        assert response.status_code == 200
        with counting_queries() as download:
            assert client.get("/gaps/export?format=csv").status_code == 200
        return len(page), len(download), len(table_rows(response.get_data(as_text=True)))

    few = queries_for(1)
    many = queries_for(8)
    assert few[2] == many[2] == 5  # codes[0] is covered for every Party
    assert few[:2] == many[:2]
    assert few[0] <= 4 and few[1] <= 4
