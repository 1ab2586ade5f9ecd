"""The indicator rules: reviewable data in seed_data/indicator_rules.json (see seed_data/INDICATORS.md)."""
import json
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "indicator_rules.json"
PLAN_PREFIX = "IP:"  # Annex I (Implementation Plan) indicators; CB indicators (Annex II) have the bare code


@cache
def rules() -> dict[str, dict]:
    """Code → rule, CB indicators first, in the framework's order."""
    with open(RULES_FILE, encoding="utf-8") as source:
        return {rule["code"]: rule for rule in json.load(source)["rules"]}


def framework_code(code: str) -> tuple[str, str]:
    """("cb" or "plan", the code as printed) of an indicator code."""
    return ("plan", code[len(PLAN_PREFIX):]) if code.startswith(PLAN_PREFIX) else ("cb", code)
