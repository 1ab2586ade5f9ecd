"""`flask --app tracker match run` and `flask --app tracker export matches`."""
import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.exports import write_table
from tracker.extensions import db
from tracker.matching.engine import COMPONENTS
from tracker.matching.models import RUN_SUCCEEDED, Match
from tracker.matching.services import run_allocation
from tracker.offers.models import Offer

match_cli = AppGroup("match", help="Matching of needs and offers.")

COLUMNS = ["id", "party", "key_area", "need_id", "offer_id", "offer", "organisation", "status", "score",
           "components", "run", "allocated", "proposed_by", "decline_reason", "activity_id", "rating",
           "created_at", "step_at"]
FORMATS = ("json", "csv", "xlsx")


@match_cli.command("run")
def run() -> None:
    """Run the global allocation: every need against every open offer; replaces the suggestions."""
    result = run_allocation(actor=None)
    db.session.commit()
    outcome = result.run
    if outcome.status != RUN_SUCCEEDED:
        raise click.ClickException(f"Run #{outcome.id} failed; the previous suggestions are kept. {outcome.error}")
    click.echo(f"Run #{outcome.id}: {outcome.needs} needs, {outcome.offers} offers, {outcome.candidates} candidate "
               f"pairs; {outcome.served} needs allocated, objective {outcome.objective:.1f}, lowest Party share "
               f"{outcome.lowest_party_share if outcome.lowest_party_share is not None else '-'}, Gini "
               f"{outcome.gini if outcome.gini is not None else '-'}; {outcome.seconds:.2f} s.")


def match_rows() -> list[dict]:
    matches = db.session.scalars(select(Match).order_by(Match.id).options(
        joinedload(Match.party), joinedload(Match.key_area),
        joinedload(Match.offer).joinedload(Offer.organisation)))
    return [{
        "id": match.id, "party": match.party.iso3, "key_area": match.key_area.code, "need_id": match.need_id,
        "offer_id": match.offer_id, "offer": match.offer.title, "organisation": match.offer.organisation.name,
        "status": match.status, "score": match.score,
        "components": {name: match.components.get(name) for name in COMPONENTS},
        "run": match.run_id, "allocated": match.allocated, "proposed_by": match.proposed_by,
        "decline_reason": match.decline_reason, "activity_id": match.activity_id, "rating": match.rating,
        "created_at": match.created_at, "step_at": match.step_at,
    } for match in matches]


@click.command("matches")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@with_appcontext
def export_matches(fmt: str) -> None:
    """Every match with its score, components and status (XLSX is binary: redirect it to a file)."""
    rows = match_rows()
    if fmt != "json":
        rows = [{**row, "components": "; ".join(f"{k}={v}" for k, v in row["components"].items())} for row in rows]
    write_table(rows, COLUMNS, fmt, "Matches")
