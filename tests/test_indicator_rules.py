"""Checks on seed_data/indicator_rules.json: one rule per CB indicator and per Annex I indicator, of a known kind,
with the parameters its kind needs, naming only codes that exist. See seed_data/INDICATORS.md.

No database: reads the seed JSON files and tracker.vocabularies only.
"""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tracker.vocabularies import SUPPORT_TYPES

SEED = Path(__file__).resolve().parent.parent / "seed_data"
RULES_FILE = SEED / "indicator_rules.json"
PLAN_PREFIX = "IP:"

# kind -> (required params, optional params)
KINDS = {
    "need_met": ({"key_areas"}, {"support_types"}),
    "has_activity": ({"key_areas", "role"}, {"support_types", "activity_examples"}),
    "assessment_done": (set(), set()),
    "declared": ({"question", "count_partly"}, set()),
    "declared_number": ({"question", "statistic"}, set()),
    "count_outputs": ({"what", "key_areas"}, {"support_types"}),
    "secretariat_value": ({"unit"}, set()),
    "no_data": ({"data_needed"}, set()),
}
# Kinds whose value is a share of Parties: they name the Parties it is a share of.
SHARE_OF_PARTIES = {"need_met", "has_activity", "assessment_done", "declared"}
ROLES = {"organised", "benefited", "funded", "any"}
STATISTICS = {"sum", "median"}
COUNTED = {"activities", "outputs", "participants"}
UNITS = {"percent", "number"}
REQUIRED_FIELDS = {"code", "kind", "params", "denominator", "counted_en", "counted_zh"}
OPTIONAL_FIELDS = {"note_en", "note_zh"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def read(name):
    return json.loads((SEED / name).read_text(encoding="utf-8"))


FRAMEWORK = read("framework.json")
QUESTIONS = {q["code"]: q for q in read("declared_questions.json")}
RULES = read("indicator_rules.json")["rules"]
BY_CODE = {rule["code"]: rule for rule in RULES}

KEY_AREAS = {item["code"]: item["goal"] for item in FRAMEWORK["key_areas"]}
EXAMPLES = {item["code"]: item["goal"] for item in FRAMEWORK["activity_examples"]}
GOAL_OF = {item["code"]: item["goal"] for item in FRAMEWORK["cb_indicators"]}
GOAL_OF |= {PLAN_PREFIX + item["code"]: item["goal"] for item in FRAMEWORK["plan_indicators"]}
EXPECTED_CODES = ([item["code"] for item in FRAMEWORK["cb_indicators"]]
                  + [PLAN_PREFIX + item["code"] for item in FRAMEWORK["plan_indicators"]])


def each_rule(test):
    return pytest.mark.parametrize("rule", RULES, ids=[rule.get("code", "?") for rule in RULES])(test)


def filled(value):
    return isinstance(value, str) and value.strip() != ""


# ---------------------------------------------------------------- the file as a whole

def test_file_is_written_as_json_dump_with_two_space_indent():
    text = RULES_FILE.read_text(encoding="utf-8")
    data = json.loads(text)
    assert set(data) == {"rules"}
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_every_cb_and_plan_indicator_has_exactly_one_rule():
    counts = Counter(rule["code"] for rule in RULES)
    assert [code for code, n in counts.items() if n > 1] == []
    assert sorted(set(EXPECTED_CODES) - set(counts)) == [], "indicators without a rule"
    assert sorted(set(counts) - set(EXPECTED_CODES)) == [], "rules for no indicator"
    assert len(EXPECTED_CODES) == 55 + 48


def test_rules_are_in_framework_order_cb_indicators_first():
    assert [rule["code"] for rule in RULES] == EXPECTED_CODES


# ---------------------------------------------------------------- each rule

@each_rule
def test_rule_has_the_known_fields(rule):
    fields = set(rule)
    assert REQUIRED_FIELDS <= fields
    assert fields <= REQUIRED_FIELDS | OPTIONAL_FIELDS


@each_rule
def test_kind_is_known_and_params_fit_it(rule):
    assert rule["kind"] in KINDS
    required, optional = KINDS[rule["kind"]]
    params = rule["params"]
    assert isinstance(params, dict)
    assert required <= set(params), f"missing {sorted(required - set(params))}"
    assert set(params) <= required | optional, f"unknown {sorted(set(params) - required - optional)}"
    for name in ("key_areas", "support_types", "activity_examples"):
        if name in params:
            values = params[name]
            assert isinstance(values, list) and values, f"{name} must be a non-empty list"
            assert len(values) == len(set(values)), f"{name} repeats a code"
    if "role" in params:
        assert params["role"] in ROLES
    if "statistic" in params:
        assert params["statistic"] in STATISTICS
    if "what" in params:
        assert params["what"] in COUNTED
    if "unit" in params:
        assert params["unit"] in UNITS
    if "count_partly" in params:
        assert isinstance(params["count_partly"], bool)
    if "data_needed" in params:
        assert filled(params["data_needed"].get("en")) and filled(params["data_needed"].get("zh"))


@each_rule
def test_named_key_areas_examples_support_types_and_questions_exist(rule):
    params = rule["params"]
    assert set(params.get("key_areas", [])) <= set(KEY_AREAS)
    assert set(params.get("activity_examples", [])) <= set(EXAMPLES)
    assert set(params.get("support_types", [])) <= set(SUPPORT_TYPES)
    if "question" in params:
        assert params["question"] in QUESTIONS


@each_rule
def test_key_areas_are_the_indicators_goals_or_the_whole_action_plan(rule):
    areas = rule["params"].get("key_areas")
    if areas is None or areas == list(KEY_AREAS):
        return
    assert {KEY_AREAS[code] for code in areas} == {GOAL_OF[rule["code"]]}
    assert areas == [code for code in KEY_AREAS if code in areas], "key areas out of framework order"


@each_rule
def test_activity_examples_are_the_indicators_goals(rule):
    examples = rule["params"].get("activity_examples", [])
    assert {EXAMPLES[code] for code in examples} <= {GOAL_OF[rule["code"]]}


@each_rule
def test_question_kind_fits_the_rule_kind(rule):
    question = rule["params"].get("question")
    if question is not None:
        expected = {"declared": "choice", "declared_number": "number"}[rule["kind"]]
        assert QUESTIONS[question]["kind"] == expected


@each_rule
def test_a_question_reused_for_another_indicator_says_so_in_a_note(rule):
    question = rule["params"].get("question")
    if question is None or QUESTIONS[question]["indicator"] == rule["code"]:
        return
    assert QUESTIONS[question]["indicator"] in rule.get("note_en", "")


@each_rule
def test_denominator_is_named_exactly_for_shares_of_parties(rule):
    denominator = rule["denominator"]
    if rule["kind"] in SHARE_OF_PARTIES:
        assert denominator in {"cartagena", "supplementary"}
    elif rule["kind"] == "no_data":
        assert denominator in {"cartagena", "supplementary", None}
    else:
        assert denominator is None


@each_rule
def test_a10_indicators_use_the_supplementary_protocol_denominator(rule):
    if rule["denominator"] is None:
        return
    in_a10 = GOAL_OF[rule["code"]] == "A.10"
    assert (rule["denominator"] == "supplementary") == in_a10
    question = rule["params"].get("question")
    if question is not None and QUESTIONS[question].get("supplementary_only"):
        assert rule["denominator"] == "supplementary"


@each_rule
def test_texts_are_filled_in_english_and_chinese(rule):
    assert filled(rule["counted_en"]) and filled(rule["counted_zh"])
    assert ("note_en" in rule) == ("note_zh" in rule), "a note needs both languages"
    english = [rule["counted_en"], rule.get("note_en", "")]
    chinese = [rule["counted_zh"], rule.get("note_zh", "")]
    if "data_needed" in rule["params"]:
        english.append(rule["params"]["data_needed"]["en"])
        chinese.append(rule["params"]["data_needed"]["zh"])
    for text in english:
        assert not CJK.search(text), f"Chinese in English text: {text}"
    for text in chinese:
        assert text == "" or CJK.search(text), f"no Chinese in: {text}"
    if "note_en" in rule:
        assert filled(rule["note_en"]) and filled(rule["note_zh"])


@each_rule
def test_shares_of_parties_say_numerator_and_denominator(rule):
    if rule["kind"] in SHARE_OF_PARTIES:
        assert "Numerator:" in rule["counted_en"] and "Denominator:" in rule["counted_en"]
        assert "分子：" in rule["counted_zh"] and "分母：" in rule["counted_zh"]


# ---------------------------------------------------------------- the declared questions

@pytest.mark.parametrize("question", QUESTIONS.values(), ids=list(QUESTIONS))
def test_every_declared_question_feeds_the_indicator_it_names(question):
    rule = BY_CODE[question["indicator"]]
    assert rule["kind"] == {"choice": "declared", "number": "declared_number"}[question["kind"]]
    assert rule["params"]["question"] == question["code"]
