"""Cycles, and each Party's assessment: start, save (with optimistic locking), submit, reopen, copy."""
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from tracker.assessments import permissions
from tracker.assessments.content import AnswerInput, NeedInput, assessment_content, need_from_content
from tracker.assessments.models import (
    ANSWER_CHOICES, DEFAULT_VISIBILITY, DRAFT, SUBMITTED, VISIBILITIES, Assessment, AssessmentCycle,
    AssessmentVersion, DeclaredAnswer, DeclaredQuestion, Need,
)
from tracker.audit.services import record, snapshot
from tracker.clock import today, utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.matching.services import refresh_party_suggestions
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, NEED_LEVELS, PRIORITIES, SUPPORT_TYPES

CYCLE_FIELDS = ("name", "opens_on", "closes_on", "reference_date", "baseline")
MAX_COMMENT = 5000
MAX_NUMBER = 10_000_000
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # dates of cycles and wanted-by dates


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


# --- cycles ----------------------------------------------------------------------------------

def _check_cycle(name: str, opens_on: date, closes_on: date, reference_date: date, cycle=None) -> None:
    errors = {}
    for field, value in (("opens_on", opens_on), ("closes_on", closes_on), ("reference_date", reference_date)):
        if not EARLIEST <= value <= LATEST:
            errors[field] = _("Give a date between 2000 and 2100.")
    if not name.strip():
        errors["name"] = _("Give the cycle a name.")
    elif db.session.scalar(db.select(AssessmentCycle.id).where(
            AssessmentCycle.name == name.strip(), AssessmentCycle.id != (cycle.id if cycle else -1))):
        errors["name"] = _("Another cycle already has this name.")
    if closes_on < opens_on and "closes_on" not in errors:
        errors["closes_on"] = _("The cycle must close after it opens.")
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors)


def open_cycle(*, name: str, opens_on: date, closes_on: date, reference_date: date, baseline: bool,
               actor) -> AssessmentCycle:
    _require(permissions.can_manage_cycles(actor))
    _check_cycle(name, opens_on, closes_on, reference_date)
    cycle = AssessmentCycle(name=name.strip(), opens_on=opens_on, closes_on=closes_on,
                            reference_date=reference_date, baseline=baseline, created_at=utcnow())
    db.session.add(cycle)
    db.session.flush()
    record(actor, "cycle.open", cycle, after=snapshot(cycle, CYCLE_FIELDS))
    return cycle


def update_cycle(cycle: AssessmentCycle, *, name: str, opens_on: date, closes_on: date, reference_date: date,
                 baseline: bool, actor) -> None:
    _require(permissions.can_manage_cycles(actor))
    _check_cycle(name, opens_on, closes_on, reference_date, cycle)
    before = snapshot(cycle, CYCLE_FIELDS)
    cycle.name, cycle.opens_on, cycle.closes_on = name.strip(), opens_on, closes_on
    cycle.reference_date, cycle.baseline = reference_date, baseline
    record(actor, "cycle.update", cycle, before=before, after=snapshot(cycle, CYCLE_FIELDS))


# --- starting and reading ----------------------------------------------------------------------

def find_assessment(party, cycle) -> Assessment | None:
    return db.session.scalar(db.select(Assessment).where(Assessment.party_id == party.id,
                                                         Assessment.cycle_id == cycle.id))


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The same Party's assessment in the latest cycle that opened before this one."""
    return db.session.scalar(
        db.select(Assessment).join(AssessmentCycle)
        .where(Assessment.party_id == assessment.party_id, AssessmentCycle.opens_on < assessment.cycle.opens_on)
        .order_by(AssessmentCycle.opens_on.desc()).limit(1)
    )


def open_cycles_for(party) -> list[tuple[AssessmentCycle, Assessment | None]]:
    """The cycles open today, each with the Party's assessment if it has started one."""
    now = today()
    cycles = db.session.scalars(db.select(AssessmentCycle).where(
        AssessmentCycle.opens_on <= now, AssessmentCycle.closes_on >= now).order_by(AssessmentCycle.closes_on)).all()
    assessments = {a.cycle_id: a for a in db.session.scalars(db.select(Assessment).where(
        Assessment.party_id == party.id, Assessment.cycle_id.in_([c.id for c in cycles])))}
    return [(cycle, assessments.get(cycle.id)) for cycle in cycles]


def start_assessment(party, cycle, *, actor) -> Assessment:
    """The Party's draft for the cycle, created on first use."""
    _require(permissions.can_start_assessment(actor, party, cycle))
    existing = find_assessment(party, cycle)
    if existing:
        return existing
    now = utcnow()
    assessment = Assessment(party=party, cycle=cycle, status=DRAFT, version=1, visibility=DEFAULT_VISIBILITY,
                            created_at=now, updated_at=now, updated_by_id=actor.id)
    db.session.add(assessment)
    db.session.flush()
    previous = previous_assessment(assessment)
    if previous:
        assessment.visibility = previous.visibility  # the Party's choice carries over
    record(actor, "assessment.start", assessment, after={"party": party.iso3, "cycle": cycle.name})
    return assessment


# --- validation --------------------------------------------------------------------------------

def questions_for(party) -> list[DeclaredQuestion]:
    """The declared questions asked of this Party (some are for Supplementary Protocol Parties only)."""
    query = db.select(DeclaredQuestion).order_by(DeclaredQuestion.position)
    if not party.supplementary_protocol_party:
        query = query.where(DeclaredQuestion.supplementary_only.is_(False))
    return db.session.scalars(query).all()


def need_errors(code: str, need: NeedInput) -> dict[str, str]:
    errors = {}
    if need.level is not None and need.level not in NEED_LEVELS:
        errors["level"] = _("Choose a need level from the list.")
    if need.priority is not None and need.priority not in PRIORITIES:
        errors["priority"] = _("The priority is 1, 2 or 3.")
    for name, allowed in (("audiences", AUDIENCES), ("support_types", SUPPORT_TYPES), ("languages", LANGUAGES)):
        if any(value not in allowed for value in getattr(need, name)):
            errors[name] = _("Choose from the list.")
    if need.modality is not None and need.modality not in MODALITIES:
        errors["modality"] = _("Choose a modality from the list.")
    if len(need.comment) > MAX_COMMENT:
        errors["comment"] = _("The comment is longer than %(n)d characters.", n=MAX_COMMENT)
    if need.wanted_by is not None and not EARLIEST <= need.wanted_by <= LATEST:
        errors["wanted_by"] = _("Give a date between 2000 and 2100.")
    if not need.is_empty() and need.level is None:
        errors.setdefault("level", _("Choose a need level for this area, or clear its other fields."))
    return {f"{code}.{name}": message for name, message in errors.items()}


def answer_errors(question: DeclaredQuestion, answer: AnswerInput) -> dict[str, str]:
    errors = {}
    if question.kind == "choice":
        if answer.choice is not None and answer.choice not in ANSWER_CHOICES:
            errors["choice"] = _("Answer yes, partly or no.")
        if answer.number is not None:
            errors["number"] = _("This question takes yes, partly or no, not a number.")
    else:
        if answer.number is not None and not 0 <= answer.number <= MAX_NUMBER:
            errors["number"] = _("Give a whole number between 0 and %(max)d.", max=MAX_NUMBER)
        if answer.choice is not None:
            errors["choice"] = _("This question takes a number.")
    if answer.evidence_url and not answer.evidence_url.lower().startswith(("http://", "https://")):
        errors["evidence_url"] = _("The evidence link must start with http:// or https://.")
    elif len(answer.evidence_url) > 500:
        errors["evidence_url"] = _("The evidence link is too long.")
    return {f"{question.code}.{name}": message for name, message in errors.items()}


# --- saving ------------------------------------------------------------------------------------

def save_assessment(assessment: Assessment, *, needs: dict[str, NeedInput], answers: dict[str, AnswerInput],
                    lock_version: int, actor) -> int:
    """Save the given areas (by key area code) and answers (by question code); others stay as they are.

    All or nothing: any invalid value refuses the whole save. A save based on an older
    `lock_version` than the assessment's is refused (StaleEdit). Returns how many areas and answers changed.
    """
    _require(permissions.can_edit_assessment(actor, assessment))
    if lock_version != assessment.lock_version:
        raise StaleEdit(_("Someone else saved this assessment after you opened it. Your changes were not saved "
                          "and theirs were kept; reload the page to see them, then make your changes again."))
    key_areas = {area.code: area for area in db.session.scalars(db.select(KeyArea))}
    questions = {q.code: q for q in questions_for(assessment.party)}
    errors = {}
    for code, need in needs.items():
        if code not in key_areas:
            errors[f"{code}.level"] = _("%(code)s is not a key area of the Action Plan.", code=code)
        else:
            errors.update(need_errors(code, need))
    for code, answer in answers.items():
        if code not in questions:
            errors[f"{code}.choice"] = _("%(code)s is not one of the questions for this Party.", code=code)
        else:
            errors.update(answer_errors(questions[code], answer))
    if errors:
        raise InvalidInput(ngettext("%(num)d answer needs correcting. Nothing was saved.",
                                    "%(num)d answers need correcting. Nothing was saved.", len(errors)), errors)

    before = assessment_content(assessment)
    existing_needs = {need.key_area_id: need for need in assessment.needs}
    for code, values in needs.items():
        area = key_areas[code]
        need = existing_needs.get(area.id)
        if values.is_empty():
            if need is not None:
                assessment.needs.remove(need)
            continue
        if need is None:
            need = Need(key_area=area)
            assessment.needs.append(need)
        for name, value in vars(values).items():
            setattr(need, name, value)
    existing_answers = {answer.question_id: answer for answer in assessment.answers}
    for code, values in answers.items():
        question = questions[code]
        answer = existing_answers.get(question.id)
        if values.is_empty():
            if answer is not None:
                assessment.answers.remove(answer)
            continue
        if answer is None:
            answer = DeclaredAnswer(question=question)
            assessment.answers.append(answer)
        answer.choice, answer.number, answer.evidence_url = values.choice, values.number, values.evidence_url
    db.session.flush()
    after = assessment_content(assessment)
    changed = _changed_entries(before, after)
    if changed:
        _touch(assessment, actor)
        record(actor, "assessment.save", assessment, before=changed[0], after=changed[1])
    return sum(len(entries) for entries in changed[1].values()) if changed else 0


def _changed_entries(before: dict, after: dict):
    """The needs and answers that differ, as (before, after) dicts for the audit log; None if none."""
    old, new = {}, {}
    for section in ("needs", "answers"):
        for code in set(before[section]) | set(after[section]):
            if before[section].get(code) != after[section].get(code):
                old.setdefault(section, {})[code] = before[section].get(code)
                new.setdefault(section, {})[code] = after[section].get(code)
    return (old, new) if new else None


def _touch(assessment: Assessment, actor) -> None:
    """Mark the assessment changed; the flush bumps lock_version or fails if another save came first."""
    assessment.updated_at = utcnow()
    assessment.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit(_("Someone else saved this assessment at the same moment. Your changes were not saved; "
                          "reload the page and try again."))


# --- submitting, reopening, visibility, copying ------------------------------------------------

def submit_assessment(assessment: Assessment, *, actor) -> AssessmentVersion:
    """The focal point submits: the assessment becomes read-only and this version is kept as it is."""
    _require(permissions.can_submit_assessment(actor, assessment))
    content = assessment_content(assessment)
    if not content["needs"]:
        raise InvalidInput(_("Give a need level for at least one key area before submitting."))
    now = utcnow()
    assessment.status = SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by_id = actor.id
    version = AssessmentVersion(version=assessment.version, submitted_at=now, submitted_by_id=actor.id,
                                content=content)
    assessment.versions.append(version)
    _touch(assessment, actor)
    record(actor, "assessment.submit", assessment, before={"status": DRAFT},
           after={"status": SUBMITTED, "version": assessment.version})
    db.session.flush()
    refresh_party_suggestions(assessment.party_id)
    return version


def reopen_assessment(assessment: Assessment, *, actor) -> None:
    """The focal point reopens a submitted assessment as the draft of its next version."""
    _require(permissions.can_reopen_assessment(actor, assessment))
    assessment.status = DRAFT
    assessment.version += 1
    _touch(assessment, actor)
    record(actor, "assessment.reopen", assessment, before={"status": SUBMITTED},
           after={"status": DRAFT, "version": assessment.version})
    db.session.flush()
    refresh_party_suggestions(assessment.party_id)


def set_visibility(assessment: Assessment, visibility: str, *, actor) -> None:
    _require(permissions.can_set_visibility(actor, assessment))
    if visibility not in VISIBILITIES:
        raise InvalidInput(_("Choose who may see the needs from the list."))
    before = assessment.visibility
    if before != visibility:
        assessment.visibility = visibility
        _touch(assessment, actor)
        record(actor, "assessment.visibility", assessment, before={"visibility": before},
               after={"visibility": visibility})


def copy_previous_answers(assessment: Assessment, *, actor) -> Assessment:
    """Start from the Party's previous cycle: its last submitted version, or its draft."""
    _require(permissions.can_edit_assessment(actor, assessment))
    content = assessment_content(assessment)
    if content["needs"] or content["answers"]:
        raise InvalidInput(_("This assessment already has answers; copying would overwrite them."))
    source = previous_assessment(assessment)
    if source is None:
        raise InvalidInput(_("There is no earlier assessment of this Party to copy from."))
    previous = source.versions[-1].content if source.versions else assessment_content(source)
    needs = {code: need_from_content(values) for code, values in previous["needs"].items()}
    for need in needs.values():
        if need.wanted_by and need.wanted_by < today():
            need.wanted_by = None  # a date already past is no longer what the Party wants
    carried_over = set(db.session.scalars(db.select(DeclaredQuestion.code).where(DeclaredQuestion.carry_over)))
    save_assessment(
        assessment, needs=needs,
        answers={code: AnswerInput(**values) for code, values in previous["answers"].items() if code in carried_over},
        lock_version=assessment.lock_version, actor=actor,
    )
    record(actor, "assessment.copy_previous", assessment, after={"from_cycle": source.cycle.name})
    return source

