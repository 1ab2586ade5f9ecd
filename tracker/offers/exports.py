"""Offers as rows for CSV, XLSX and JSON: the download on /offers and `flask --app tracker export offers`."""
import click
from flask.cli import with_appcontext

from tracker.exports import write_table
from tracker.offers.search import OfferFilters
from tracker.offers.services import ListedOffer, all_matching_offers, all_offers, eligibility

COLUMNS = [
    "id", "title", "organisation", "organisation_type", "status", "key_areas", "activity_examples",
    "support_types", "audiences", "eligibility", "languages", "modality", "capacity", "capacity_used", "opens_on", "closes_on",
    "budget_amount", "budget_currency", "contact_email", "published_at",
]
FORMATS = ("csv", "xlsx", "json")
_LIST_COLUMNS = ("key_areas", "activity_examples", "support_types", "audiences", "languages")


def offer_rows(listed_offers: list[ListedOffer]) -> list[dict]:
    """One dict per offer, keyed by COLUMNS, with Python values: dates, Decimal amounts, lists of codes, and
    `eligibility` as a dict (all, regional_groups, ldc, sids, developing, supplementary, parties)."""
    return [_row(listed) for listed in listed_offers]


def _row(listed: ListedOffer) -> dict:
    offer = listed.offer
    return {
        "id": offer.id,
        "title": offer.title,
        "organisation": offer.organisation.name,
        "organisation_type": offer.organisation.type,
        "status": listed.status,
        "key_areas": [area.code for area in offer.key_areas],
        "activity_examples": [example.code for example in offer.activity_examples],
        "support_types": list(offer.support_types or []),
        "audiences": list(offer.audiences or []),
        "eligibility": eligibility(offer),
        "languages": list(offer.languages or []),
        "modality": offer.modality or "",
        "capacity": offer.capacity,
        "capacity_used": listed.capacity_used,
        "opens_on": offer.opens_on,
        "closes_on": offer.closes_on,
        "budget_amount": offer.budget_amount,
        "budget_currency": offer.budget_currency or "",
        "contact_email": offer.contact_email or "",
        "published_at": offer.published_at,
    }


def eligibility_text(value: dict) -> str:
    """Eligibility in one cell: "all", or the criteria joined by "; " (e.g. "regional_groups: african;
    ldc; parties: KEN, PER")."""
    if value["all"]:
        return "all"
    parts = []
    if value["regional_groups"]:
        parts.append("regional_groups: " + ", ".join(value["regional_groups"]))
    parts += [name for name in ("ldc", "sids", "developing", "supplementary") if value[name]]
    if value["parties"]:
        parts.append("parties: " + ", ".join(value["parties"]))
    return "; ".join(parts)


def tabular(row: dict) -> dict:
    """A row for a flat table: lists as "a; b", eligibility as text."""
    flat = dict(row)
    for column in _LIST_COLUMNS:
        flat[column] = "; ".join(row[column])
    flat["eligibility"] = eligibility_text(row["eligibility"])
    return flat


def table_rows(rows: list[dict], fmt: str) -> list[dict]:
    """JSON keeps lists and the eligibility dict as they are; CSV and XLSX get flat cells."""
    return rows if fmt == "json" else [tabular(row) for row in rows]


@click.command("offers")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--drafts", is_flag=True, help="Drafts too (every offer of every organisation).")
@with_appcontext
def export_offers(fmt: str, drafts: bool) -> None:
    """The published offers, closed and expired ones included, with their effective status (XLSX is binary:
    redirect it to a file)."""
    if drafts:
        listed = all_offers()
    else:
        listed = all_matching_offers(OfferFilters(include_closed=True, sort="closing"))
    write_table(table_rows(offer_rows(listed), fmt), COLUMNS, fmt, "Offers")
