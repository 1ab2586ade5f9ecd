"""The indicator formulas on small hand-built facts, each expected value worked out by hand in the test."""
import pytest

from tracker.indicators.formulas import ActivityFacts, Facts, PartyFacts, evaluate, scopes

# Five Parties: 1 and 2 African (2 an LDC), 3 a SIDS in Asia-Pacific, 4 in WEOG and also a Supplementary Protocol
# Party, 5 joined the Protocol after the reference date.
PARTIES = {
    1: PartyFacts(group="african", ldc=False, sids=False, cartagena=True, supplementary=False),
    2: PartyFacts(group="african", ldc=True, sids=False, cartagena=True, supplementary=True),
    3: PartyFacts(group="asia_pacific", ldc=False, sids=True, cartagena=True, supplementary=False),
    4: PartyFacts(group="weog", ldc=False, sids=False, cartagena=True, supplementary=True),
    5: PartyFacts(group="african", ldc=True, sids=False, cartagena=False, supplementary=False),
}


def activity(areas, support="training", organised=(), benefited=(), funded=(), outputs=0, participants=0,
             examples=()):
    return ActivityFacts(key_areas=frozenset(areas), examples=frozenset(examples), support_type=support,
                         organised=frozenset(organised), benefited=frozenset(benefited), funded=frozenset(funded),
                         outputs=outputs, participants=participants)


def facts(**fields) -> Facts:
    return Facts(parties=PARTIES, **fields)


def rule(kind, denominator="cartagena", code="X.1(a)", **params):
    return {"code": code, "kind": kind, "params": params, "denominator": denominator}


def values(result):
    return result.numerator, result.denominator, result.value, result.parties


def test_need_met_counts_the_parties_with_the_need_that_benefited_from_a_completed_activity_in_the_area():
    # Needs in A.1(1): Parties 1, 2, 3 and 5 (5 is not a Party at the reference date). Party 1 benefited from a
    # training in A.1(1); Party 2 organised one in A.1(2), another area; Party 3 took part in expert advice in A.1(1).
    data = facts(needs={"A.1(1)": {1, 2, 3, 5}},
                 activities=[activity(["A.1(1)"], benefited=[1, 5]), activity(["A.1(2)"], organised=[2]),
                             activity(["A.1(1)"], support="expert_advice", benefited=[3])])
    # Any support type: 1 and 3 of the 3 Parties with the need.
    assert values(evaluate(data, rule("need_met", key_areas=["A.1(1)"]), "global")) == (2, 3, 2 / 3, [1, 3])
    # Training only: Party 1 alone.
    training = rule("need_met", key_areas=["A.1(1)"], support_types=["training"])
    assert values(evaluate(data, training, "global")) == (1, 3, 1 / 3, [1])
    # African Group: Parties 1 and 2 have the need, 1 was helped.
    assert values(evaluate(data, training, "african")) == (1, 2, 0.5, [1])
    # LDC: only Party 2 (5 is not a Party yet), not helped.
    assert values(evaluate(data, training, "LDC")) == (0, 1, 0.0, [])
    # WEOG: nobody reported the need: no value, and why.
    result = evaluate(data, training, "weog")
    assert result.value is None and "No Party in this scope reported a need" in result.reason


def test_has_activity_by_role_over_all_parties_to_the_protocol():
    data = facts(activities=[activity(["B.1(1)"], organised=[1], funded=[1]), activity(["B.1(1)"], benefited=[2, 3]),
                             activity(["A.5(1)"], organised=[4])])
    for role, expected in (("organised", [1]), ("benefited", [2, 3]), ("funded", [1]), ("any", [1, 2, 3])):
        result = evaluate(data, rule("has_activity", key_areas=["B.1(1)"], role=role), "global")
        assert values(result) == (len(expected), 4, len(expected) / 4, expected), role
    # SIDS: Party 3 only, and it benefited.
    assert evaluate(data, rule("has_activity", key_areas=["B.1(1)"], role="benefited"), "SIDS").value == 1.0


def test_assessment_done_uses_the_parties_at_the_reference_date():
    data = facts(submitted={1, 3, 5})
    assert values(evaluate(data, rule("assessment_done"), "global")) == (2, 4, 0.5, [1, 3])
    assert values(evaluate(data, rule("assessment_done"), "african")) == (1, 2, 0.5, [1])


def test_declared_shares_yes_among_those_who_answered_and_partly_when_the_rule_says_so():
    answers = {"q": {1: ("yes", None), 2: ("partly", None), 3: ("no", None), 5: ("yes", None)}}
    data = facts(answers=answers)
    assert values(evaluate(data, rule("declared", question="q"), "global")) == (1, 3, 1 / 3, [1])
    assert values(evaluate(data, rule("declared", question="q", count_partly=True), "global")) == (
        2, 3, 2 / 3, [1, 2])
    # The Supplementary Protocol's Parties only (2 and 4; 4 did not answer).
    assert values(evaluate(data, rule("declared", "supplementary", question="q", count_partly=True), "global")) \
        == (1, 1, 1.0, [2])
    assert evaluate(data, rule("declared", question="q"), "weog").value is None


def test_declared_number_sums_or_takes_the_median():
    data = facts(answers={"n": {1: (None, 4), 2: (None, 10), 3: (None, 1), 4: (None, None), 5: (None, 100)}})
    assert values(evaluate(data, rule("declared_number", None, question="n", statistic="sum"), "global")) == (
        15.0, None, 15.0, [1, 2, 3])
    assert evaluate(data, rule("declared_number", None, question="n", statistic="median"), "global").value == 4.0
    assert evaluate(data, rule("declared_number", None, question="n", statistic="median"), "african").value == 7.0


def test_count_outputs_counts_activities_materials_or_participants_in_scope():
    data = facts(activities=[activity(["A.9(1)"], benefited=[1], outputs=2, participants=30),
                             activity(["A.9(1)"], organised=[3], outputs=1, participants=12),
                             activity(["A.9(2)"], organised=[3], outputs=5)])
    for what, expected in (("activities", 2.0), ("outputs", 3.0), ("participants", 42.0)):
        result = evaluate(data, rule("count_outputs", None, what=what, key_areas=["A.9(1)"]), "global")
        assert (result.value, result.denominator, result.parties) == (expected, None, [1, 3]), what
    assert evaluate(data, rule("count_outputs", None, what="outputs", key_areas=["A.9(1)"]), "african").value == 2.0


def test_secretariat_values_and_indicators_without_data_say_why_they_have_no_value():
    data = facts(secretariat={"A.2(a)": 87.0})
    assert evaluate(data, rule("secretariat_value", None, code="A.2(a)", unit="percent"), "global").value == 87.0
    assert "for all Parties only" in evaluate(data, rule("secretariat_value", None, code="A.2(a)"), "LDC").reason
    assert "not entered" in evaluate(data, rule("secretariat_value", None, code="A.2(b)"), "global").reason
    missing = rule("no_data", None, data_needed={"en": "Customs seizure records.", "zh": "海关记录。"})
    assert evaluate(data, missing, "global").reason == "Customs seizure records."


def test_scopes_are_global_each_group_ldc_and_sids():
    assert scopes(["african", "weog"]) == ["global", "african", "weog", "LDC", "SIDS"]


@pytest.mark.parametrize("kind", ["need_met", "has_activity", "assessment_done", "declared"])
def test_an_empty_scope_gives_no_value_rather_than_a_division_by_zero(kind):
    params = {"key_areas": ["A.1(1)"], "role": "any", "question": "q"}
    result = evaluate(facts(), {"code": "X", "kind": kind, "params": params, "denominator": "cartagena"}, "grulac")
    assert result.value is None and result.reason
