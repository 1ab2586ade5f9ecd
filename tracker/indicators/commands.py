"""`flask --app tracker indicators compute` and `flask --app tracker export indicators`."""
import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from tracker.assessments.models import AssessmentCycle
from tracker.exports import write_table
from tracker.extensions import db
from tracker.indicators.services import compute_cycle, stored_values
from tracker.parties.models import Party

indicators_cli = AppGroup("indicators", help="The Action Plan's indicators.")

COLUMNS = ["code", "cycle", "scope", "numerator", "denominator", "value", "reason", "computed_at", "parties"]
FORMATS = ("json", "csv", "xlsx")


def _cycles(name: str | None) -> list[AssessmentCycle]:
    query = select(AssessmentCycle).order_by(AssessmentCycle.opens_on)
    if name is not None:
        query = query.where(AssessmentCycle.name == name)
    cycles = list(db.session.scalars(query))
    if name is not None and not cycles:
        raise click.ClickException(f"No assessment cycle is named {name!r}.")
    return cycles


@indicators_cli.command("compute")
@click.option("--cycle", "name", default=None, help="The cycle's name; by default every cycle.")
def compute(name: str | None) -> None:
    """Compute every indicator for every scope and store the values (replacing the cycle's previous ones)."""
    for cycle in _cycles(name):
        count = compute_cycle(cycle)
        db.session.commit()
        click.echo(f"{cycle.name}: {count} values computed.")


@click.command("indicators")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--cycle", "name", default=None, help="Only this cycle.")
@with_appcontext
def export_indicators(fmt: str, name: str | None) -> None:
    """The stored indicator values, per cycle and scope (run `indicators compute` first)."""
    cycles = _cycles(name)
    values = [value for cycle in cycles for value in stored_values(cycle)]
    party_codes = dict(db.session.execute(select(Party.id, Party.iso3)).all())
    rows = [{"code": v.code, "cycle": v.cycle.name, "scope": v.scope, "numerator": v.numerator,
             "denominator": v.denominator, "value": v.value, "reason": v.reason or None,
             "computed_at": v.computed_at, "parties": [party_codes[p] for p in v.parties if p in party_codes]}
            for v in values]
    if fmt != "json":
        rows = [{**row, "parties": "; ".join(row["parties"])} for row in rows]
    write_table(rows, COLUMNS, fmt, "Indicators")
