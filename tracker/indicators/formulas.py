"""The indicator formulas: plain Python over the facts of one cycle, no database (tests build the facts by hand).

Each rule kind (seed_data/INDICATORS.md) turns the facts into a Result per scope: the numerator, the denominator,
the value (a share between 0 and 1, or a number for sums, medians and counts), the Parties behind the numerator,
and, when the value cannot be computed, the reason.
"""
import statistics
from dataclasses import dataclass, field
from typing import NamedTuple

GLOBAL, LDC, SIDS = "global", "LDC", "SIDS"
MET_LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class PartyFacts:
    group: str | None
    ldc: bool
    sids: bool
    cartagena: bool      # a Party to the Protocol at the cycle's reference date
    supplementary: bool  # a Party to the Supplementary Protocol at that date


class ActivityFacts(NamedTuple):
    """A completed activity: the key areas, examples and support type, and the Parties by role (a tuple: tens
    of thousands are made per cycle)."""

    key_areas: frozenset[str]
    examples: frozenset[str]
    support_type: str | None
    organised: frozenset[int]  # Parties that organised it (Party records)
    benefited: frozenset[int]  # beneficiaries of an organisation's activity, and Parties that took part
    funded: frozenset[int]     # Parties that organised it with funding as its type of support
    outputs: int
    participants: int


@dataclass
class Facts:
    parties: dict[int, PartyFacts]
    needs: dict[str, set[int]] = field(default_factory=dict)   # key area code -> Parties with a need there
    activities: list[ActivityFacts] = field(default_factory=list)
    submitted: set[int] = field(default_factory=set)           # Parties with a submitted assessment
    answers: dict[str, dict[int, tuple[str | None, int | None]]] = field(default_factory=dict)  # question -> Party
    secretariat: dict[str, float] = field(default_factory=dict)  # code -> value entered
    # What several rules and scopes ask again: the activities matching some params, the Parties in some roles.
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def matching(self, params: dict) -> list[ActivityFacts]:
        """The activities in any of the key areas (of the support types, with the examples, when given)."""
        areas = tuple(sorted(params.get("key_areas") or []))
        types = frozenset(params.get("support_types") or [])
        examples = frozenset(params.get("activity_examples") or [])
        key = ("matching", areas, types, examples)
        if key not in self._cache:
            if "by_area" not in self._cache:
                by_area = {}
                for activity in self.activities:
                    for code in activity.key_areas:
                        by_area.setdefault(code, []).append(activity)
                self._cache["by_area"] = by_area
            pool = self.activities if not areas else list({id(a): a for code in areas
                                                           for a in self._cache["by_area"].get(code, [])}.values())
            self._cache[key] = [activity for activity in pool
                                if (not types or activity.support_type in types)
                                and (not examples or activity.examples & examples)]
        return self._cache[key]

    def involved(self, params: dict, role: str) -> set[int]:
        """The Parties in `role` in the matching activities."""
        key = ("involved", tuple(sorted(params.get("key_areas") or [])),
               frozenset(params.get("support_types") or []), frozenset(params.get("activity_examples") or []), role)
        if key not in self._cache:
            self._cache[key] = set().union(*(_involved(activity, role) for activity in self.matching(params)))
        return self._cache[key]


@dataclass
class Result:
    numerator: float | None
    denominator: int | None
    value: float | None
    parties: list[int] = field(default_factory=list)  # behind the numerator
    reason: str = ""
    members: list[int] = field(default_factory=list)  # the denominator's Parties, for a share


def scopes(groups) -> list[str]:
    return [GLOBAL, *groups, LDC, SIDS]


def in_scope(party: PartyFacts, scope: str) -> bool:
    if scope == GLOBAL:
        return True
    if scope == LDC:
        return party.ldc
    if scope == SIDS:
        return party.sids
    return party.group == scope


def base(facts: Facts, rule: dict, scope: str) -> set[int]:
    """The denominator's Parties: to the Protocol (or the Supplementary Protocol) at the reference date, in the
    scope."""
    supplementary = rule.get("denominator") == "supplementary"
    key = ("base", supplementary, scope)
    if key not in facts._cache:
        facts._cache[key] = {pid for pid, party in facts.parties.items()
                             if (party.supplementary if supplementary else party.cartagena) and in_scope(party, scope)}
    return facts._cache[key]


def _involved(activity: ActivityFacts, role: str) -> frozenset[int]:
    if role == "organised":
        return activity.organised
    if role == "benefited":
        return activity.benefited
    if role == "funded":
        return activity.funded
    return activity.organised | activity.benefited | activity.funded


def _share(numerator: set[int], denominator: set[int], empty_reason: str) -> Result:
    if not denominator:
        return Result(None, 0, None, reason=empty_reason)
    return Result(len(numerator), len(denominator), len(numerator) / len(denominator), sorted(numerator),
                  members=sorted(denominator))


NO_PARTIES = "No Party in this scope is in the denominator."


def need_met(facts: Facts, rule: dict, scope: str) -> Result:
    params = rule["params"]
    parties = base(facts, rule, scope)
    with_need = set().union(*(facts.needs.get(code, set()) for code in params["key_areas"])) & parties
    helped = facts.involved(params, "benefited") | facts.involved(params, "organised")
    return _share(with_need & helped, with_need, "No Party in this scope reported a need in these key areas.")


def has_activity(facts: Facts, rule: dict, scope: str) -> Result:
    params = rule["params"]
    parties = base(facts, rule, scope)
    return _share(facts.involved(params, params["role"]) & parties, parties, NO_PARTIES)


def assessment_done(facts: Facts, rule: dict, scope: str) -> Result:
    parties = base(facts, rule, scope)
    return _share(facts.submitted & parties, parties, NO_PARTIES)


def declared(facts: Facts, rule: dict, scope: str) -> Result:
    params = rule["params"]
    parties = base(facts, rule, scope)
    answers = {pid: choice for pid, (choice, __) in facts.answers.get(params["question"], {}).items()
               if pid in parties and choice is not None}
    accepted = {"yes", "partly"} if params.get("count_partly") else {"yes"}
    return _share({pid for pid, choice in answers.items() if choice in accepted}, set(answers),
                  "No Party in this scope answered the question.")


def declared_number(facts: Facts, rule: dict, scope: str) -> Result:
    params = rule["params"]
    parties = base(facts, rule, scope)
    numbers = {pid: number for pid, (__, number) in facts.answers.get(params["question"], {}).items()
               if pid in parties and number is not None}
    if not numbers:
        return Result(None, None, None, reason="No Party in this scope gave the number.")
    value = float(sum(numbers.values()) if params["statistic"] == "sum" else statistics.median(numbers.values()))
    return Result(value, None, value, sorted(numbers))


def count_outputs(facts: Facts, rule: dict, scope: str) -> Result:
    params = rule["params"]
    parties = {pid for pid, party in facts.parties.items() if in_scope(party, scope)}
    activities = [activity for activity in facts.matching(params)
                  if scope == GLOBAL or _involved(activity, "any") & parties]
    what = params["what"]
    count = (len(activities) if what == "activities" else
             sum(activity.outputs for activity in activities) if what == "outputs" else
             sum(activity.participants for activity in activities))
    behind = set().union(*(_involved(activity, "any") for activity in activities)) & parties
    return Result(float(count), None, float(count), sorted(behind))


def secretariat_value(facts: Facts, rule: dict, scope: str) -> Result:
    if scope != GLOBAL:
        return Result(None, None, None, reason="The Secretariat enters this value for all Parties only.")
    if rule["code"] not in facts.secretariat:
        return Result(None, None, None, reason="The Secretariat has not entered this value for the cycle yet.")
    value = facts.secretariat[rule["code"]]
    return Result(value, None, value)


def no_data(facts: Facts, rule: dict, scope: str) -> Result:
    return Result(None, None, None, reason=rule["params"]["data_needed"]["en"])


FORMULAS = {
    "need_met": need_met, "has_activity": has_activity, "assessment_done": assessment_done,
    "declared": declared, "declared_number": declared_number, "count_outputs": count_outputs,
    "secretariat_value": secretariat_value, "no_data": no_data,
}


def evaluate(facts: Facts, rule: dict, scope: str) -> Result:
    return FORMULAS[rule["kind"]](facts, rule, scope)
