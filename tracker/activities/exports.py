"""Activities as rows for CSV, XLSX and JSON, or as IATI XML: the downloads on /activities and
`flask --app tracker export activities`."""
import sys

import click
from flask import url_for
from flask.cli import with_appcontext

from tracker.activities.iati import iati_xml
from tracker.activities.models import Activity
from tracker.activities.services import ACTIVITY_LOAD_OPTIONS, ActivityFilters, activities_query
from tracker.clock import utcnow
from tracker.exports import write_table
from tracker.extensions import db

# "party" is the recording Party (ISO3), "organisation" the recording organisation (its name); one of them is
# empty. "beneficiaries" are the Parties an organisation's activity was for (ISO3 codes).
COLUMNS = [
    "id", "party", "organisation", "party_role", "beneficiaries", "title", "status", "start_date", "end_date",
    "key_areas", "activity_examples", "support_type", "modality", "languages", "participants_women",
    "participants_men", "participants_other", "participants_total", "funding_amount", "funding_currency",
    "funding_source", "outputs", "results",
]
FORMATS = ("csv", "xlsx", "json")
_LIST_COLUMNS = ("beneficiaries", "key_areas", "activity_examples", "languages")


def activity_rows(query_or_filters) -> list[dict]:
    """One dict per activity, keyed by COLUMNS, with Python values: dates, Decimal amounts, lists of codes,
    outputs as [{"title", "url"}]. Takes ActivityFilters (or a dict of their fields) or a select of Activity."""
    return [_row(activity) for activity in _activities(query_or_filters)]


def _activities(query_or_filters) -> list[Activity]:
    if isinstance(query_or_filters, dict):
        query_or_filters = ActivityFilters(**query_or_filters)
    if isinstance(query_or_filters, ActivityFilters):
        query = activities_query(query_or_filters)
    else:
        query = query_or_filters.options(*ACTIVITY_LOAD_OPTIONS)
    return list(db.session.scalars(query).unique())


def _row(activity: Activity) -> dict:
    return {
        "id": activity.id,
        "party": activity.party.iso3 if activity.party else "",
        "organisation": activity.organisation.name if activity.organisation else "",
        "party_role": activity.party_role or "",
        "beneficiaries": sorted(beneficiary.iso3 for beneficiary in activity.beneficiaries),
        "title": activity.title,
        "status": activity.status,
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "key_areas": [area.code for area in activity.key_areas],
        "activity_examples": [example.code for example in activity.activity_examples],
        "support_type": activity.support_type or "",
        "modality": activity.modality or "",
        "languages": list(activity.languages or []),
        "participants_women": activity.participants_women,
        "participants_men": activity.participants_men,
        "participants_other": activity.participants_other,
        "participants_total": activity.participants_total,
        "funding_amount": activity.funding_amount,
        "funding_currency": activity.funding_currency or "",
        "funding_source": activity.funding_source or "",
        "outputs": [{"title": output.get("title", ""), "url": output.get("url", "")}
                    for output in activity.outputs or []],
        "results": activity.results or "",
    }


def tabular(row: dict) -> dict:
    """A row for a flat table: lists as "a; b", each output as "title <url>"."""
    flat = dict(row)
    for column in _LIST_COLUMNS:
        flat[column] = "; ".join(row[column])
    flat["outputs"] = "; ".join(f"{output['title']} <{output['url']}>" if output["url"] else output["title"]
                                for output in row["outputs"])
    return flat


def table_rows(rows: list[dict], fmt: str) -> list[dict]:
    """JSON keeps lists and outputs as they are; CSV and XLSX get flat cells."""
    return rows if fmt == "json" else [tabular(row) for row in rows]


def framework_url() -> str | None:
    """The address of the Action Plan's pages, the vocabulary of our key areas in the IATI file; None when the
    tracker's address is unknown (a command run without SERVER_NAME)."""
    try:
        return url_for("framework.index", _external=True)
    except RuntimeError:
        return None


@click.command("activities")
@click.option("--format", "fmt", type=click.Choice((*FORMATS, "iati")), default="json", show_default=True,
              help="iati: an IATI 2.03 activity file (XML).")
@click.option("--cycle", "cycle_name", metavar="NAME",
              help="Only activities that started while this assessment cycle was open.")
@with_appcontext
def export_activities(fmt: str, cycle_name: str | None) -> None:
    """Every recorded capacity-building activity, the Parties' and the organisations' (XLSX is binary:
    redirect it to a file)."""
    from tracker.assessments.models import AssessmentCycle

    filters = ActivityFilters()
    if cycle_name:
        cycle = db.session.scalar(db.select(AssessmentCycle).where(AssessmentCycle.name == cycle_name))
        if cycle is None:
            raise click.BadParameter(f"no assessment cycle is named {cycle_name!r}.", param_hint="--cycle")
        filters.started_from, filters.started_until = cycle.opens_on, cycle.closes_on
    if fmt == "iati":
        sys.stdout.buffer.write(iati_xml(_activities(filters), generated_at=utcnow(), framework_url=framework_url()))
        sys.stdout.buffer.flush()
        return
    write_table(table_rows(activity_rows(filters), fmt), COLUMNS, fmt, "Activities")
