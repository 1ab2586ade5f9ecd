"""Where support is most needed: the public page for donors that ranks the key areas by the Parties whose
high-priority need no agreed support covers yet.

The rule, also said on the page:

- The cycle: the most recent one (by opening date) with at least one submitted self-assessment.
- A Party counts in a key area when its *submitted* assessment of that cycle has there a **high-priority
  need**: level "high" (whatever its priority), or level "medium" marked as the Party's first priority
  (priority 1). An assessment reopened for revision counts again once resubmitted.
- The need is **unmet** when no match for that Party and key area (whatever its offer, whatever the cycle it
  was made in) is agreed, being delivered, delivered or closed. Suggested and proposed matches are not support.
- Every Party counts, whoever it lets see its needs: the page shows counts only and never names a Party. The
  per-group counts leave out the Parties in no UN regional group (today only the European Union, so its count
  is the total minus the groups' sum); the total includes them.
- Open offers: those the offers catalogue shows for the key area by default (published, window not ended, a
  place left), so that the count and the catalogue's list agree.

The page and the download read everything in four queries, whatever the number of Parties, needs, matches
or offers.
"""
from dataclasses import dataclass, field

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from tracker.assessments.models import SUBMITTED, Assessment, AssessmentCycle, Need
from tracker.clock import today
from tracker.exports import send_table
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.i18n import localized
from tracker.matching.models import ANSWERS_NEED, Match
from tracker.needs.queries import key_areas
from tracker.offers.models import Offer, offer_key_area
from tracker.offers.search import is_open
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.parties.views import REGIONAL_GROUP_NAMES

bp = Blueprint("gaps", __name__)

HIGH_PRIORITY = or_(Need.level == "high", and_(Need.level == "medium", Need.priority == 1))
FORMATS = ("csv", "xlsx", "json")
COLUMNS = ["rank", "cycle", "key_area", "goal", "key_area_text", "unmet_parties", "high_priority_parties",
           *REGIONAL_GROUPS, "open_offers"]

DEFINITIONS = {
    "high_priority": _l("A need a Party rated “high” in its submitted self-assessment, whatever its priority, "
                        "or rated “medium” and marked as its first priority (priority 1)."),
    "unmet": _l("No match between that Party and any offer in that key area has been agreed, is being "
                "delivered, or has been delivered or closed. Suggested and proposed matches are not yet support."),
    "parties": _l("Every Party in a UN regional group with a submitted self-assessment for the cycle is counted, "
                  "whoever it lets see its needs, and no Party is named. A self-assessment reopened for revision "
                  "counts again once it is resubmitted. A Party in no regional group is left out: counted alone, it "
                  "could be recognised."),
    "offers": _l("Offers open today in that key area with a place left, as the offers catalogue lists them."),
}


@dataclass
class GapRow:
    key_area: KeyArea
    unmet: int = 0            # Parties with an unmet high-priority need in the key area
    demand: int = 0           # Parties with a high-priority need there, met or not
    groups: dict[str, int] = field(default_factory=dict)  # unmet, per UN regional group
    open_offers: int = 0
    rank: int = 0


def latest_cycle() -> AssessmentCycle | None:
    """The most recent cycle with at least one submitted assessment (one query)."""
    has_submitted = (select(Assessment.id).where(Assessment.cycle_id == AssessmentCycle.id,
                                                 Assessment.status == SUBMITTED).exists())
    return db.session.scalar(select(AssessmentCycle).where(has_submitted)
                             .order_by(AssessmentCycle.opens_on.desc(), AssessmentCycle.id.desc()).limit(1))


def demand(cycle_id: int) -> dict[int, dict[str | None, tuple[int, int]]]:
    """{key area id: {UN regional group or None: (Parties with a high-priority need, of which unmet)}} (one
    query). One Party has at most one need per key area in a cycle."""
    supported = (select(Match.id).where(Match.party_id == Assessment.party_id,
                                        Match.key_area_id == Need.key_area_id, Match.status.in_(ANSWERS_NEED))
                 .correlate(Assessment, Need).exists())
    query = (
        select(Need.key_area_id, Party.un_regional_group, func.count(Need.id),
               func.sum(case((supported, 0), else_=1)))
        .select_from(Need).join(Assessment, Assessment.id == Need.assessment_id)
        .join(Party, Party.id == Assessment.party_id)
        .where(Assessment.cycle_id == cycle_id, Assessment.status == SUBMITTED, HIGH_PRIORITY,
               Party.un_regional_group.is_not(None))
        .group_by(Need.key_area_id, Party.un_regional_group)
    )
    counts: dict[int, dict] = {}
    for area_id, group, total, unmet in db.session.execute(query):
        counts.setdefault(area_id, {})[group] = (total, int(unmet or 0))
    return counts


def open_offers(on) -> dict[int, int]:
    """{key area id: offers the catalogue lists as open on that day in that key area} (one query)."""
    query = (
        select(offer_key_area.c.key_area_id, func.count(func.distinct(Offer.id)))
        .select_from(offer_key_area).join(Offer, Offer.id == offer_key_area.c.offer_id)
        .where(is_open(on))
        .group_by(offer_key_area.c.key_area_id)
    )
    return dict(db.session.execute(query).all())


def gap_rows(cycle: AssessmentCycle | None) -> list[GapRow]:
    """The key areas with unmet high-priority demand, most Parties first (then most demand, then the Action
    Plan's order), ranked so that ties share a rank."""
    if cycle is None:
        return []
    counts = demand(cycle.id)
    offers = open_offers(today())
    rows = []
    for position, area in enumerate(key_areas()):
        by_group = counts.get(area.id, {})
        row = GapRow(area, unmet=sum(unmet for __, unmet in by_group.values()),
                     demand=sum(total for total, __ in by_group.values()),
                     groups={group: by_group.get(group, (0, 0))[1] for group in REGIONAL_GROUPS},
                     open_offers=offers.get(area.id, 0))
        if row.unmet:
            rows.append((position, row))
    rows.sort(key=lambda item: (-item[1].unmet, -item[1].demand, item[0]))
    ranked = [row for __, row in rows]
    for row in ranked:
        row.rank = 1 + sum(1 for other in ranked if other.unmet > row.unmet)
    return ranked


@bp.get("/gaps")
def gaps():
    cycle = latest_cycle()
    rows = gap_rows(cycle)
    return render_template("indicators/gaps.html", cycle=cycle, rows=rows,
                           top=max((row.unmet for row in rows), default=0), groups=REGIONAL_GROUPS,
                           REGIONAL_GROUP_NAMES=REGIONAL_GROUP_NAMES, DEFINITIONS=DEFINITIONS)


@bp.get("/gaps/export")
def export():
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        abort(404)
    cycle = latest_cycle()
    rows = [{"rank": row.rank, "cycle": cycle.name, "key_area": row.key_area.code, "goal": row.key_area.goal.code,
             "key_area_text": localized(row.key_area), "unmet_parties": row.unmet,
             "high_priority_parties": row.demand, **row.groups, "open_offers": row.open_offers}
            for row in gap_rows(cycle)]
    return send_table(rows, COLUMNS, fmt, f"gaps-{cycle.name if cycle else 'none'}-{today().isoformat()}")
