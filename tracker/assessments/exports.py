"""Tables of assessments and needs, for the pages' downloads and `flask --app tracker export`."""
import click
from flask.cli import with_appcontext

from tracker.assessments.models import Assessment, AssessmentCycle, Need
from tracker.exports import write_table
from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea
from tracker.parties.models import Party

OVERVIEW_COLUMNS = ["party", "party_name", "un_regional_group", "ldc", "sids", "status", "version",
                    "areas_considered", "high_needs", "visibility", "updated_at", "submitted_at"]
ASSESSMENT_COLUMNS = ["cycle", *OVERVIEW_COLUMNS]
NEED_COLUMNS = ["party", "cycle", "key_area", "goal", "level", "priority", "audiences", "support_types",
                "modality", "languages", "wanted_by", "comment", "status", "version", "visibility"]


def _iso(value):
    return value.isoformat(timespec="seconds") if value else None


def overview_rows(cycle: AssessmentCycle, group: str | None = None) -> list[dict]:
    """Every Party to the Protocol with its assessment's state in the cycle ("not_started" if none)."""
    considered = (db.select(Need.assessment_id, db.func.count(Need.id).label("considered"),
                            db.func.sum(db.case((Need.level == "high", 1), else_=0)).label("high"))
                  .where(Need.level.is_not(None)).group_by(Need.assessment_id).subquery())
    query = (
        db.select(Party, Assessment, considered.c.considered, considered.c.high)
        .outerjoin(Assessment, (Assessment.party_id == Party.id) & (Assessment.cycle_id == cycle.id))
        .outerjoin(considered, considered.c.assessment_id == Assessment.id)
        .where(Party.cartagena_party.is_(True))
        .order_by(Party.iso3)
    )
    if group:
        query = query.where(Party.un_regional_group == group)
    return [
        {"party": party.iso3, "party_name": party.name_en, "un_regional_group": party.un_regional_group,
         "ldc": party.ldc, "sids": party.sids,
         "status": assessment.status if assessment else "not_started",
         "version": assessment.version if assessment else None,
         "areas_considered": considered_count or 0, "high_needs": high or 0,
         "visibility": assessment.visibility if assessment else None,
         "updated_at": _iso(assessment.updated_at) if assessment else None,
         "submitted_at": _iso(assessment.submitted_at) if assessment else None,
         "assessment_id": assessment.id if assessment else None}
        for party, assessment, considered_count, high in db.session.execute(query)
    ]


def _cycles(name: str | None) -> list[AssessmentCycle]:
    query = db.select(AssessmentCycle).order_by(AssessmentCycle.opens_on)
    if name:
        query = query.where(AssessmentCycle.name == name)
    cycles = db.session.scalars(query).all()
    if name and not cycles:
        raise click.UsageError(f"No assessment cycle is named {name!r}.")
    return cycles


def assessment_rows(cycle_name: str | None = None) -> list[dict]:
    return [{"cycle": cycle.name, **row} for cycle in _cycles(cycle_name) for row in overview_rows(cycle)]


def need_rows(cycle_name: str | None = None, party_id: int | None = None) -> list[dict]:
    """One row per considered key area of every assessment (its current state)."""
    query = (
        db.select(Need, KeyArea.code, Goal.code, Party.iso3, AssessmentCycle.name, Assessment)
        .join(Need.assessment).join(Assessment.party).join(Assessment.cycle)
        .join(Need.key_area).join(KeyArea.goal)
        .where(Need.level.is_not(None))
        .order_by(AssessmentCycle.opens_on, Party.iso3, KeyArea.position)
    )
    if cycle_name:
        _cycles(cycle_name)
        query = query.where(AssessmentCycle.name == cycle_name)
    if party_id:
        query = query.where(Assessment.party_id == party_id)
    return [
        {"party": iso3, "cycle": cycle, "key_area": area, "goal": goal, "level": need.level,
         "priority": need.priority, "audiences": need.audiences, "support_types": need.support_types,
         "modality": need.modality, "languages": need.languages,
         "wanted_by": need.wanted_by.isoformat() if need.wanted_by else None, "comment": need.comment,
         "status": assessment.status, "version": assessment.version, "visibility": assessment.visibility}
        for need, area, goal, iso3, cycle, assessment in db.session.execute(query)
    ]


FORMATS = click.Choice(["json", "csv", "xlsx"])


@click.command("needs")
@with_appcontext
@click.option("--cycle", "cycle_name", help="Only this assessment cycle (by name).")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
def export_needs(cycle_name, fmt):
    """Every considered key area of every Party's assessment."""
    write_table(need_rows(cycle_name), NEED_COLUMNS, fmt, "needs")


@click.command("assessments")
@with_appcontext
@click.option("--cycle", "cycle_name", help="Only this assessment cycle (by name).")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
def export_assessments(cycle_name, fmt):
    """Each Party's assessment state per cycle (Parties that have not started included)."""
    write_table(assessment_rows(cycle_name), ASSESSMENT_COLUMNS, fmt, "assessments")
