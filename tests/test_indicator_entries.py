"""The values only the Secretariat knows (rule kind `secretariat_value`): entering, replacing and clearing one
per cycle with its source — who may, what is a valid value, how a percentage is stored and shown, the audit
entry, the indicator recomputed at once — and the Secretariat's page for them."""
import re
from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from tests.conftest import INLINE_SCRIPT, IsolatedClient, login, make_organisation, make_user, post
from tests.test_needs_explorer import make_cycle
from tracker import create_app
from tracker.accounts.models import PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, SECRETARIAT
from tracker.audit.models import AuditEntry
from tracker.errors import InvalidInput, PermissionDenied
from tracker.extensions import db
from tracker.indicators import entries
from tracker.indicators.entry_views import bp as entries_bp
from tracker.indicators.models import IndicatorValue, SecretariatValue
from tracker.indicators.rules import rules

PERCENT_CODE = "A.2(a)"   # secretariat_value, unit percent
NUMBER_CODE = "A.2(b)"    # secretariat_value, unit number
PLAN_CODE = "IP:A.1(a)"   # an Annex I secretariat_value: the code has a colon
COMPUTED_CODE = "A.1(a)"  # need_met: computed, never entered

# --- the app: the session app once tracker/__init__.py registers the blueprint; until then our own ----------

TEST_CONFIG_KEYS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME", "PASSWORD_HASH_METHOD")


@pytest.fixture(scope="module")
def entries_app(app):
    """The session app if it serves the entries page; otherwise an app made the same way, on the same (migrated
    and seeded) database, with the blueprint registered here. Depending on `app` keeps conftest's cleaning."""
    if entries_bp.name in app.blueprints:
        yield app
        return
    own = create_app({key: app.config[key] for key in TEST_CONFIG_KEYS})
    own.test_client_class = IsolatedClient
    own.register_blueprint(entries_bp)
    yield own
    with own.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(entries_app):
    with entries_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(entries_app, ctx):
    return entries_app.test_client()


def secretariat():
    return make_user(SECRETARIAT, party_iso3=None)


def stored(code, cycle, scope="global") -> IndicatorValue | None:
    return db.session.scalar(select(IndicatorValue).where(
        IndicatorValue.code == code, IndicatorValue.cycle_id == cycle.id, IndicatorValue.scope == scope))


def entry(code, cycle) -> SecretariatValue | None:
    return db.session.scalar(select(SecretariatValue).where(
        SecretariatValue.code == code, SecretariatValue.cycle_id == cycle.id))


def audit(action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_codes_used_here_have_the_kinds_and_units_the_tests_assume():
    assert rules()[PERCENT_CODE]["params"]["unit"] == "percent"
    assert rules()[NUMBER_CODE]["params"]["unit"] == "number"
    assert rules()[PLAN_CODE]["kind"] == "secretariat_value"
    assert rules()[COMPUTED_CODE]["kind"] == "need_met"


# --- the service ------------------------------------------------------------------------------------

def test_a_percentage_is_stored_as_a_share_and_the_indicator_is_recomputed_at_once(ctx):
    cycle = make_cycle()
    user = secretariat()
    entries.enter_value(PERCENT_CODE, cycle, "87", "BCH inventory of support tools, March 2026", actor=user)
    db.session.commit()

    saved = entry(PERCENT_CODE, cycle)
    assert saved.value == pytest.approx(0.87)
    assert (saved.source, saved.entered_by_id) == ("BCH inventory of support tools, March 2026", user.id)
    assert saved.entered_at is not None
    value = stored(PERCENT_CODE, cycle)  # computed in the same transaction, without a separate run
    assert value.value == pytest.approx(0.87) and value.denominator is None and value.reason == ""
    assert entries.is_share(value)
    assert entries.shown(PERCENT_CODE, saved.value) == "87 %"
    assert stored(PERCENT_CODE, cycle, "african").value is None  # entered for all Parties only

    [record] = audit("indicators.secretariat_value.enter")
    assert (record.actor_id, record.object_type, record.object_id) == (user.id, "SecretariatValue", saved.id)
    assert record.object_label == f"{PERCENT_CODE} {cycle.name}"
    assert record.before is None
    assert record.after["value"] == pytest.approx(0.87) and record.after["unit"] == "percent"
    assert record.after["source"] == "BCH inventory of support tools, March 2026"


def test_replacing_a_value_keeps_one_row_and_audits_before_and_after(ctx):
    cycle = make_cycle()
    user, other = secretariat(), secretariat()
    entries.enter_value(PERCENT_CODE, cycle, 40, "First count", actor=user)
    db.session.commit()
    entries.enter_value(PERCENT_CODE, cycle, "87.5 %", "  Second count  ", actor=other)
    db.session.commit()

    assert count(SecretariatValue) == 1
    saved = entry(PERCENT_CODE, cycle)
    assert saved.value == pytest.approx(0.875) and saved.source == "Second count" and saved.entered_by_id == other.id
    assert entries.shown(PERCENT_CODE, saved.value) == "87.5 %"
    assert entries.form_text(PERCENT_CODE, saved.value) == "87.5"
    assert stored(PERCENT_CODE, cycle).value == pytest.approx(0.875)
    first, second = audit("indicators.secretariat_value.enter")
    assert second.before == {"value": pytest.approx(0.40), "source": "First count"}
    assert second.after["value"] == pytest.approx(0.875) and second.actor_id == other.id


def test_a_number_is_stored_as_entered_and_values_are_per_cycle(ctx):
    baseline = make_cycle("Baseline", opens_on=date(2024, 1, 1))
    current = make_cycle("Mid-term")
    user = secretariat()
    entries.enter_value(NUMBER_CODE, baseline, "1,250", "BCH usage statistics 2024", actor=user)
    entries.enter_value(NUMBER_CODE, current, 3400, "BCH usage statistics 2026", actor=user)
    db.session.commit()

    assert entry(NUMBER_CODE, baseline).value == 1250 and entry(NUMBER_CODE, current).value == 3400
    assert stored(NUMBER_CODE, baseline).value == 1250 and stored(NUMBER_CODE, current).value == 3400
    assert not entries.is_share(stored(NUMBER_CODE, current))
    assert entries.shown(NUMBER_CODE, 1250.0) == "1,250" and entries.form_text(NUMBER_CODE, 1250.0) == "1250"
    assert entries.shown(NUMBER_CODE, 0.5) == "0.5" and entries.shown(NUMBER_CODE, None) == "—"
    # The other cycle's indicators were not touched by entering this one's value.
    assert stored(PERCENT_CODE, current).value is None


def test_an_annex_i_code_with_its_prefix_can_be_entered(ctx):
    cycle = make_cycle()
    entries.enter_value(PLAN_CODE, cycle, "100", "Analysis of the fifth national reports", actor=secretariat())
    db.session.commit()
    assert stored(PLAN_CODE, cycle).value == pytest.approx(1.0)


@pytest.mark.parametrize("code, value, source, field, words", [
    (PERCENT_CODE, "", "A source", "value", "Enter the value"),
    (PERCENT_CODE, "   ", "A source", "value", "Enter the value"),
    (PERCENT_CODE, None, "A source", "value", "Enter the value"),
    (PERCENT_CODE, "eighty", "A source", "value", "Enter a number"),
    (PERCENT_CODE, "87,5", "A source", "value", "Enter a number"),  # a decimal comma is not guessed
    (PERCENT_CODE, "1e2", "A source", "value", "Enter a number"),
    (PERCENT_CODE, "nan", "A source", "value", "Enter a number"),
    (PERCENT_CODE, float("inf"), "A source", "value", "Enter a number"),
    (PERCENT_CODE, True, "A source", "value", "Enter a number"),
    (PERCENT_CODE, "-1", "A source", "value", "cannot be negative"),
    (PERCENT_CODE, "100.01", "A source", "value", "between 0 and 100"),
    (NUMBER_CODE, "-0.5", "A source", "value", "cannot be negative"),
    (NUMBER_CODE, str(10 ** 16), "A source", "value", "too large"),
    (PERCENT_CODE, "50", "", "source", "Say where the value comes from"),
    (PERCENT_CODE, "50", "   \n ", "source", "Say where the value comes from"),
    (PERCENT_CODE, "50", None, "source", "Say where the value comes from"),
    (PERCENT_CODE, "50", "x" * 1001, "source", "longer than 1000 characters"),
])
def test_bad_input_is_refused_field_by_field_and_nothing_changes(ctx, code, value, source, field, words):
    cycle = make_cycle()
    with pytest.raises(InvalidInput) as refused:
        entries.enter_value(code, cycle, value, source, actor=secretariat())
    db.session.rollback()
    assert set(refused.value.field_errors) == {field}
    assert words in refused.value.field_errors[field]
    assert refused.value.message
    assert count(SecretariatValue) == 0 and count(IndicatorValue) == 0 and count(AuditEntry) == 0


@pytest.mark.parametrize("code, value, expected", [
    (PERCENT_CODE, "0", 0.0), (PERCENT_CODE, "100", 1.0), (PERCENT_CODE, "-0", 0.0), (PERCENT_CODE, ".5", 0.005),
    (NUMBER_CODE, "0", 0.0), (NUMBER_CODE, "1,234,567.5", 1234567.5), (NUMBER_CODE, 12.25, 12.25),
])
def test_the_limits_are_accepted(ctx, code, value, expected):
    cycle = make_cycle()
    entries.enter_value(code, cycle, value, "Source", actor=secretariat())
    assert entry(code, cycle).value == pytest.approx(expected)
    assert str(entry(code, cycle).value) != "-0.0"


def test_several_bad_fields_are_all_reported(ctx):
    with pytest.raises(InvalidInput) as refused:
        entries.enter_value(PERCENT_CODE, None, "150", "", actor=secretariat())
    assert set(refused.value.field_errors) == {"cycle", "value", "source"}


def test_the_source_may_be_exactly_1000_characters(ctx):
    cycle = make_cycle()
    entries.enter_value(PERCENT_CODE, cycle, "1", "y" * 1000, actor=secretariat())
    assert len(entry(PERCENT_CODE, cycle).source) == 1000


@pytest.mark.parametrize("code, words", [
    ("Z.9(z)", "There is no indicator"),
    (COMPUTED_CODE, "computed from the data"),
    ("IP:A.9(z)", "There is no indicator"),
    ("IP:B.1(b)", "computed from the data"),  # an Annex I indicator computed from activities
])
def test_only_secretariat_value_indicators_can_be_entered(ctx, code, words):
    cycle = make_cycle()
    with pytest.raises(InvalidInput) as refused:
        entries.enter_value(code, cycle, "50", "A source", actor=secretariat())
    assert words in refused.value.message
    with pytest.raises(InvalidInput):
        entries.clear_value(code, cycle, actor=secretariat())
    assert count(SecretariatValue) == 0


@pytest.mark.parametrize("role", [PARTY_EDITOR, PARTY_FOCAL_POINT, PROVIDER, "anonymous", "none", "inactive"])
def test_only_the_secretariat_may_enter_or_clear(ctx, role):
    cycle = make_cycle()
    if role == "anonymous":
        actor = AnonymousUserMixin()
    elif role == "none":
        actor = None
    elif role == "inactive":
        actor = make_user(SECRETARIAT, party_iso3=None, status="deactivated")
    elif role == PROVIDER:
        actor = make_user(PROVIDER, party_iso3=None, organisation=make_organisation())
    else:
        actor = make_user(role)
    with pytest.raises(PermissionDenied):
        entries.enter_value(PERCENT_CODE, cycle, "50", "A source", actor=actor)
    entries.enter_value(PERCENT_CODE, cycle, "50", "A source", actor=secretariat())
    with pytest.raises(PermissionDenied):
        entries.clear_value(PERCENT_CODE, cycle, actor=actor)
    assert entry(PERCENT_CODE, cycle) is not None


def test_clearing_removes_the_value_recomputes_and_audits(ctx):
    cycle = make_cycle()
    user = secretariat()
    entries.enter_value(PERCENT_CODE, cycle, "60", "A source", actor=user)
    db.session.commit()
    saved_id = entry(PERCENT_CODE, cycle).id

    entries.clear_value(PERCENT_CODE, cycle, actor=user)
    db.session.commit()
    assert entry(PERCENT_CODE, cycle) is None
    value = stored(PERCENT_CODE, cycle)
    assert value.value is None and value.reason == "The Secretariat has not entered this value for the cycle yet."
    [record] = audit("indicators.secretariat_value.clear")
    assert record.object_id == saved_id and record.after is None
    assert record.before == {"value": pytest.approx(0.6), "source": "A source"}

    with pytest.raises(InvalidInput) as refused:
        entries.clear_value(PERCENT_CODE, cycle, actor=user)
    assert "nothing to clear" in refused.value.message
    with pytest.raises(InvalidInput):
        entries.clear_value(PERCENT_CODE, None, actor=user)


# --- the display on the indicator pages ---------------------------------------------------------------

def test_is_share_tells_the_pages_to_show_a_percentage():
    assert entries.is_share(IndicatorValue(code=PERCENT_CODE, denominator=None, value=0.87))
    assert not entries.is_share(IndicatorValue(code=NUMBER_CODE, denominator=None, value=12.0))
    assert entries.is_share(IndicatorValue(code=COMPUTED_CODE, denominator=10, value=0.5))
    assert not entries.is_share(IndicatorValue(code="B.4(b)", denominator=None, value=3.0))
    assert entries.unit(COMPUTED_CODE) is None and entries.unit(NUMBER_CODE) == "number"


def test_the_indicator_pages_show_an_entered_percentage_as_a_percentage(client):
    baseline = make_cycle("Baseline", opens_on=date(2024, 1, 1))
    baseline.baseline = True
    current = make_cycle("Mid-term")
    user = secretariat()
    entries.enter_value(PERCENT_CODE, baseline, "80", "Inventory 2024", actor=user)
    entries.enter_value(PERCENT_CODE, current, "87", "Inventory 2026", actor=user)
    entries.enter_value(NUMBER_CODE, current, "1250", "BCH statistics", actor=user)
    db.session.commit()

    html = client.get(f"/indicators/{PERCENT_CODE}").get_data(as_text=True)
    assert "87 %" in html and "80 %" in html and "+7 points" in html
    assert "0.9" not in html and ">1<" not in html  # neither the share nor its rounding as a numerator
    html = client.get("/indicators").get_data(as_text=True)
    assert "87 %" in html and "1,250" in html


# --- the page -------------------------------------------------------------------------------------------

URL = f"/indicators/{PERCENT_CODE}/entries"


@pytest.mark.parametrize("kind, expected", [
    ("anonymous", 302), ("party editor", 403), ("party focal point", 403), ("provider", 403),
    ("inactive secretariat", 302), ("secretariat", 200),
])
def test_who_may_open_the_page(client, kind, expected):
    make_cycle()
    users = {
        "party editor": lambda: make_user(PARTY_EDITOR),
        "party focal point": lambda: make_user(PARTY_FOCAL_POINT),
        "provider": lambda: make_user(PROVIDER, party_iso3=None, organisation=make_organisation()),
        "secretariat": secretariat,
    }
    if kind == "inactive secretariat":
        user = secretariat()
        login(client, user)
        user.status = "deactivated"
        db.session.commit()
    elif kind in users:
        login(client, users[kind]())
    response = client.get(URL)
    assert response.status_code == expected, kind
    if expected == 302:
        assert "/login" in response.headers["Location"]
    response = post(client, URL, {"cycle": "", "value": "50", "source": "x"})
    assert response.status_code == (422 if expected == 200 else expected)  # 422: no cycle chosen
    assert count(SecretariatValue) == 0


@pytest.mark.parametrize("code", ["Z.9(z)", COMPUTED_CODE, "B.1(a)", "IP:Z.1(a)", "A.2(a)/more"])
def test_unknown_or_computed_indicators_are_404(client, code):
    login(client, secretariat())
    assert client.get(f"/indicators/{code}/entries").status_code == 404
    assert post(client, f"/indicators/{code}/entries", {"value": "1", "source": "x"}).status_code == 404


def test_the_page_lists_the_cycles_with_the_values_and_who_entered_them(client):
    baseline = make_cycle("Baseline 2024", opens_on=date(2024, 1, 1))
    baseline.baseline = True
    current = make_cycle("Mid-term review 2026")
    user = secretariat()
    entries.enter_value(PERCENT_CODE, baseline, "80", "BCH inventory <2024>", actor=user)
    db.session.commit()
    login(client, user)

    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Baseline 2024" in html and "Mid-term review 2026" in html
    assert "80 %" in html and "BCH inventory &lt;2024&gt;" in html and user.name in html
    assert "Not entered yet." in html
    assert "A percentage between 0 and 100" in html
    assert "Biosafety Clearing-House" in html  # the rule's words
    # The form is for the newest cycle that has opened, empty because nothing is entered for it yet.
    assert re.search(rf'<option selected value="{current.id}">|<option value="{current.id}" selected', html)
    assert 'name="csrf_token"' in html
    assert not INLINE_SCRIPT.search(html) and " style=" not in html

    # Following "Replace" fills the form with the cycle's value as entered, to change it.
    html = client.get(f"{URL}?cycle={baseline.id}").get_data(as_text=True)
    assert re.search(r'name="value"[^>]*value="80"|value="80"[^>]*name="value"', html)
    assert "BCH inventory &lt;2024&gt;</textarea>" in html
    assert client.get(f"{URL}?cycle=nonsense").status_code == 200
    assert client.get(f"{URL}?cycle=99999999999999999999").status_code == 200


def test_entering_a_value_through_the_page(client):
    cycle = make_cycle()
    user = secretariat()
    login(client, user)
    response = post(client, URL, {"cycle": str(cycle.id), "value": "87", "source": "BCH inventory"})
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    assert entry(PERCENT_CODE, cycle).value == pytest.approx(0.87)
    assert stored(PERCENT_CODE, cycle).value == pytest.approx(0.87)
    html = client.get(URL).get_data(as_text=True)
    assert "is saved" in html and "87 %" in html

    # The Annex I code with its colon works the same way.
    url = f"/indicators/{PLAN_CODE}/entries"
    assert client.get(url).status_code == 200
    assert post(client, url, {"cycle": str(cycle.id), "value": "12", "source": "Reports"}).status_code == 302
    assert entry(PLAN_CODE, cycle).value == pytest.approx(0.12)


@pytest.mark.parametrize("data, field_message", [
    ({"value": "150", "source": "Kept source text"}, "A percentage lies between 0 and 100."),
    ({"value": "eighty-seven", "source": "Kept source text"}, "Enter a number, such as 87 or 87.5."),
    ({"value": "87", "source": ""}, "Say where the value comes from"),
    ({"value": "87", "source": "z" * 1001}, "longer than 1000 characters"),
])
def test_bad_input_on_the_page_is_422_with_the_input_kept_and_nothing_saved(client, data, field_message):
    cycle = make_cycle()
    login(client, secretariat())
    response = post(client, URL, {"cycle": str(cycle.id), **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The value was not saved" in html
    assert field_message in html and 'class="error"' in html and 'aria-invalid="true"' in html
    assert f'value="{data["value"]}"' in html  # the input stays in the form
    if data["source"]:
        assert data["source"] + "</textarea>" in html
    assert re.search(rf'<option selected value="{cycle.id}">|<option value="{cycle.id}" selected', html)
    assert count(SecretariatValue) == 0 and count(AuditEntry) == 0 and count(IndicatorValue) == 0


def test_an_unknown_cycle_on_the_page_is_422(client):
    make_cycle()
    login(client, secretariat())
    for cycle in ("", "999999", "abc"):
        response = post(client, URL, {"cycle": cycle, "value": "50", "source": "S"})
        assert response.status_code == 422
        assert "Choose the cycle the value is for." in response.get_data(as_text=True)
    assert count(SecretariatValue) == 0


def test_posting_without_the_csrf_token_is_refused(client):
    cycle = make_cycle()
    login(client, secretariat())
    response = client.post(URL, data={"cycle": str(cycle.id), "value": "50", "source": "S"})
    assert response.status_code == 400
    assert count(SecretariatValue) == 0


def test_clearing_through_the_page(client):
    cycle = make_cycle()
    user = secretariat()
    entries.enter_value(PERCENT_CODE, cycle, "50", "S", actor=user)
    db.session.commit()
    login(client, user)
    html = client.get(URL).get_data(as_text=True)
    assert 'name="action" value="clear"' in html

    response = post(client, URL, {"action": "clear", "cycle": str(cycle.id)})
    assert response.status_code == 302
    assert entry(PERCENT_CODE, cycle) is None and stored(PERCENT_CODE, cycle).value is None
    assert "is cleared" in client.get(URL).get_data(as_text=True)

    response = post(client, URL, {"action": "clear", "cycle": str(cycle.id)})
    assert response.status_code == 422
    assert "nothing to clear" in response.get_data(as_text=True)


def test_the_page_renders_in_chinese(client):
    make_cycle()
    login(client, secretariat())
    post(client, "/language", {"language": "zh"})
    response = client.get(URL)
    assert response.status_code == 200
    assert "生物安全信息交换所" in response.get_data(as_text=True)  # the rule's Chinese words
