"""The framework and the Parties as loaded by `flask --app tracker seed`, and the export contracts."""
import csv
import io
import json

from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.extensions import db
from tracker.framework.models import FRAMEWORK_LISTS, Goal
from tracker.parties.models import Party


def test_seed_loads_the_whole_framework_with_both_languages(ctx):
    expected = {"goals": 14, "objectives": 35, "plan_indicators": 48, "key_areas": 41,
                "activity_examples": 46, "cb_indicators": 55}
    models = {"goals": Goal, **FRAMEWORK_LISTS}
    for name, model in models.items():
        rows = db.session.scalars(db.select(model)).all()
        assert len(rows) == expected[name], name
        assert all(row.text_zh.strip() and row.text_en.strip() for row in rows), name


def test_seed_loads_173_cartagena_and_55_supplementary_parties_each_state_in_a_group(ctx):
    parties = db.session.scalars(db.select(Party).where(Party.cartagena_party.is_(True))).all()
    assert len(parties) == 173
    assert sum(p.supplementary_protocol_party for p in parties) == 55
    without_group = [p.iso3 for p in parties if p.un_regional_group is None]
    assert without_group == ["EUU"]  # the EU is not a State: global scope only
    turkiye = db.session.scalar(db.select(Party).where(Party.iso3 == "TUR"))
    assert turkiye.un_regional_group == "weog"


def test_running_seed_twice_changes_nothing(app, runner, ctx):
    counts_before = {model: db.session.scalar(db.select(db.func.count()).select_from(model))
                     for model in (Goal, Party, AuditEntry, *FRAMEWORK_LISTS.values())}
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated" in result.output
    assert "created, 0 updated" in result.output and " 1 created" not in result.output
    counts_after = {model: db.session.scalar(db.select(db.func.count()).select_from(model))
                    for model in counts_before}
    assert counts_after == counts_before


def test_seed_repairs_an_edited_row_and_audits_the_repair(runner, ctx):
    goal = db.session.scalar(db.select(Goal).where(Goal.code == "A.8"))
    original = goal.text_en
    goal.text_en = "tampered"
    db.session.commit()
    result = runner.invoke(args=["seed"])
    assert "goals: 0 created, 1 updated" in result.output
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).text_en == original
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "seed.update"))
    assert entry.before == {"text_en": "tampered"} and entry.after == {"text_en": original}


def test_seed_demo_adds_one_account_per_role_and_is_idempotent(runner, ctx):
    first = runner.invoke(args=["seed", "--demo"])
    assert "secretariat@example.org" in first.output and "password" in first.output
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0
    roles = set(db.session.scalars(db.select(User.role)).all())
    assert roles == {"secretariat", "party_focal_point", "party_editor", "provider"}
    assert db.session.scalar(db.select(db.func.count(User.id))) == 5


def test_export_framework_json_contract(runner):
    result = runner.invoke(args=["export", "framework", "--format", "json"])
    data = json.loads(result.output)
    assert set(data) >= {"goals", "objectives", "plan_indicators", "key_areas", "activity_examples", "cb_indicators"}
    for name, items in data.items():
        for item in items:
            assert {"code", "goal", "text_zh", "text_en"} <= set(item), (name, item)
    codes = {name: {item["code"] for item in items} for name, items in data.items()}
    assert {"A.8", "A.8.2", "A.8(3)", "A.8㈡"} <= codes["goals"] | codes["objectives"] | codes["key_areas"] | codes["activity_examples"]
    assert "A.8(c)" in codes["cb_indicators"] and "A.6(1)" in codes["key_areas"]
    area = next(item for item in data["key_areas"] if item["code"] == "A.8(3)")
    assert area["goal"] == "A.8"


def test_export_framework_csv_has_one_row_per_item(runner):
    result = runner.invoke(args=["export", "framework", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 14 + 35 + 48 + 41 + 46 + 55
    assert rows[0].keys() == {"list", "code", "goal", "text_zh", "text_en"}


def test_export_parties_json_contract(runner):
    result = runner.invoke(args=["export", "parties", "--format", "json"])
    rows = json.loads(result.output)
    assert all(set(row) >= {"iso3", "name", "un_regional_group", "cartagena_party",
                            "supplementary_protocol_party", "ldc", "sids"} for row in rows)
    kenya = next(row for row in rows if row["iso3"] == "KEN")
    assert kenya == {**kenya, "name": "Kenya", "un_regional_group": "african", "cartagena_party": True}
    assert sum(row["cartagena_party"] for row in rows) == 173


def test_party_names_are_the_un_short_names_in_un_languages(runner):
    rows = json.loads(runner.invoke(args=["export", "parties", "--language", "zh"]).output)
    names = {row["iso3"]: row["name"] for row in rows}
    assert names["KEN"] == "肯尼亚" and names["PSE"] == "巴勒斯坦国"
    rows = json.loads(runner.invoke(args=["export", "parties"]).output)
    names = {row["iso3"]: row["name"] for row in rows}
    assert names["COD"] == "Democratic Republic of the Congo"  # CLDR says "Congo - Kinshasa"
    assert names["KNA"] == "Saint Kitts and Nevis"


def test_party_names_in_other_languages_come_from_cldr(ctx):
    from tests.conftest import party

    assert party("KEN").name("de") == "Kenia" and party("EUU").name("de") == "Europäische Union"


def test_csv_export_neutralises_spreadsheet_formulas():
    from tracker.exports import to_csv

    out = to_csv([{"a": "=HYPERLINK(\"http://x\")", "b": "+1", "c": "-2", "d": "@SUM(A1)", "e": "plain"}],
                 ["a", "b", "c", "d", "e"])
    row = next(csv.DictReader(io.StringIO(out)))
    assert row == {"a": "'=HYPERLINK(\"http://x\")", "b": "'+1", "c": "'-2", "d": "'@SUM(A1)", "e": "plain"}
