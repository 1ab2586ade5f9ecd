"""An assessment's answers as plain data: what is saved, versioned, compared and exported."""
import re
from dataclasses import asdict, dataclass, field
from datetime import date

NEED_FIELDS = ("level", "priority", "audiences", "support_types", "modality", "languages", "wanted_by", "comment")
ANSWER_FIELDS = ("choice", "number", "evidence_url")


@dataclass
class NeedInput:
    level: str | None = None
    priority: int | None = None
    audiences: list[str] = field(default_factory=list)
    support_types: list[str] = field(default_factory=list)
    modality: str | None = None
    languages: list[str] = field(default_factory=list)
    wanted_by: date | None = None
    comment: str = ""

    def is_empty(self) -> bool:
        return self == NeedInput()

    def as_content(self) -> dict:
        values = asdict(self)
        values["wanted_by"] = self.wanted_by.isoformat() if self.wanted_by else None
        return values


@dataclass
class AnswerInput:
    choice: str | None = None
    number: int | None = None
    evidence_url: str = ""

    def is_empty(self) -> bool:
        return self == AnswerInput()

    def as_content(self) -> dict:
        return asdict(self)


def need_input(need) -> NeedInput:
    """The input that would reproduce a saved Need row."""
    return NeedInput(**{name: getattr(need, name) for name in NEED_FIELDS})


def need_from_content(values: dict) -> NeedInput:
    wanted_by = values.get("wanted_by")
    return NeedInput(**{**{k: values.get(k) for k in NEED_FIELDS if k in values},
                        "wanted_by": date.fromisoformat(wanted_by) if wanted_by else None})


def assessment_content(assessment) -> dict:
    """{"visibility", "needs": {key area code: need}, "answers": {question code: answer}}, empty entries left out."""
    return {
        "visibility": assessment.visibility,
        "needs": {need.key_area.code: need_input(need).as_content()
                  for need in assessment.needs if not need_input(need).is_empty()},
        "answers": {answer.question.code: AnswerInput(answer.choice, answer.number, answer.evidence_url).as_content()
                    for answer in assessment.answers
                    if not AnswerInput(answer.choice, answer.number, answer.evidence_url).is_empty()},
    }


@dataclass
class Change:
    section: str  # "needs" or "answers" or "visibility"
    code: str  # key area or question code
    field: str
    before: object
    after: object


def diff_content(before: dict, after: dict) -> list[Change]:
    """Field-by-field differences between two assessment contents, in a stable order."""
    changes = []
    if before.get("visibility") != after.get("visibility"):
        changes.append(Change("visibility", "", "visibility", before.get("visibility"), after.get("visibility")))
    for section, fields in (("needs", NEED_FIELDS), ("answers", ANSWER_FIELDS)):
        old, new = before.get(section, {}), after.get(section, {})
        for code in sorted(set(old) | set(new), key=_code_order):
            for name in fields:
                a, b = old.get(code, {}).get(name), new.get(code, {}).get(name)
                if (a or None) != (b or None):
                    changes.append(Change(section, code, name, a, b))
    return changes


def _code_order(code: str):
    """A.2(1) sorts before A.10(1)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code)]
