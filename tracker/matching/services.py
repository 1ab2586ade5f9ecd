"""Suggestions, the global allocation and the match workflow.

Suggestions are the `suggested` matches: per need, its best candidate offers. They are refreshed for one
Party when it submits or reopens its assessment, for one offer when it is saved, published or closed, and for
everything by the global allocation run. A refresh rewrites only `suggested` rows and keeps their ids, so a
page opened before a refresh still points at the same pair; every pair already in the workflow (proposed,
agreed, declined …) is left as it is and never suggested again.

Workflow: suggested → proposed (by either side) → agreed (by the other side) → delivering → delivered (the
provider records the activity) → closed (the Party confirms and rates it). A suggestion or a proposal may be
declined, with a reason; a proposal or an agreed match may be withdrawn.
"""
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from tracker.accounts.permissions import acts_for_organisation, acts_for_party, is_secretariat
from tracker.activities.models import Activity
from tracker.activities.services import ActivityInput, create_organisation_activity
from tracker.audit.models import AuditEntry
from tracker.audit.services import record, snapshot
from tracker.clock import today as clock_today
from tracker.clock import utcnow
from tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from tracker.extensions import db
from tracker.matching import allocation, engine
from tracker.matching.loading import committed_parties, latest_submitted_assessments, load, weights
from tracker.matching.models import (
    AGREED, CLOSED, DECLINE_REASONS, DECLINED, DELIVERED, DELIVERING, EXPIRED, PARTY_SIDE, PROPOSED, PROVIDER_SIDE,
    RUN_FAILED, RUN_SUCCEEDED, SUGGESTED, WITHDRAWN, Match, MatchRun,
)
from tracker.needs.permissions import PROVIDER_VISIBILITIES, is_vetted_provider
from tracker.notifications.services import notify_match_step
from tracker.offers.models import OPEN, Offer
from tracker.parties.models import REGIONAL_GROUPS
from tracker.offers.search import capacity_used, is_open

MAX_COMMENT = 2000
MATCH_FIELDS = ("status", "proposed_by", "declined_by", "decline_reason", "decline_comment", "activity_id",
                "rating", "feedback")


# --- who may do what -------------------------------------------------------------------------------

def side_of(user, match: Match) -> str | None:
    """Which side of the match the user acts for: the Party's, the provider's, or neither."""
    if acts_for_party(user, match.party):
        return PARTY_SIDE
    if acts_for_organisation(user, match.offer.organisation):
        return PROVIDER_SIDE
    return None


def need_visible_to_providers(match: Match) -> bool:
    need = match.need
    return need is not None and need.assessment.visibility in PROVIDER_VISIBILITIES


def can_view_match(user, match: Match) -> bool:
    """The Party and the Secretariat see every match of theirs; the provider sees a suggestion only when the
    Party lets vetted providers see its needs, and a match the Party proposed in any case."""
    if is_secretariat(user) or acts_for_party(user, match.party):
        return True
    if not acts_for_organisation(user, match.offer.organisation):
        return False
    if match.status == SUGGESTED or (match.status == DECLINED and match.proposed_by is None):
        return is_vetted_provider(user) and need_visible_to_providers(match)
    return match.proposed_by == PARTY_SIDE or need_visible_to_providers(match)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def latest_submitted_party_assessment(party_id: int) -> int | None:
    """The assessment whose needs are matched for the Party: its latest submitted one."""
    return latest_submitted_assessments(party_id).get(party_id)


def match_history(match: Match) -> list[AuditEntry]:
    """The match's steps, oldest first, from the audit log."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Match", AuditEntry.object_id == match.id)
        .options(joinedload(AuditEntry.actor)).order_by(AuditEntry.at, AuditEntry.id)))


# --- suggestions -----------------------------------------------------------------------------------

def _rows(loaded, cands: engine.Candidates, keep: np.ndarray, chosen: np.ndarray | None = None,
          run_id: int | None = None) -> list[dict]:
    """Match rows (as dicts) for the kept candidates; with the allocation's choice, when there is one."""
    now = utcnow()
    rows = []
    need_ids, parties, areas, offers = loaded.need_ids, loaded.need_party_ids, loaded.need_area_ids, loaded.offer_ids
    for i in np.flatnonzero(keep):
        need, offer = cands.need[i], cands.offer[i]
        row = {
            "party_id": int(parties[need]), "key_area_id": int(areas[need]), "need_id": int(need_ids[need]),
            "offer_id": int(offers[offer]), "status": SUGGESTED, "score": round(float(cands.score[i]), 4),
            "components": {name: round(float(value), 4) for name, value in
                           zip(engine.COMPONENTS, cands.components[i])},
            "created_at": now, "step_at": now,
        }
        if chosen is not None:
            row["allocated"] = bool(chosen[i])
            row["run_id"] = run_id if chosen[i] else None
        rows.append(row)
    return rows


def _best_per_need(cands: engine.Candidates, per_need: int) -> np.ndarray:
    """The first `per_need` candidates of each need (they come sorted by need, then score)."""
    if not len(cands):
        return np.zeros(0, dtype=bool)
    starts = np.r_[0, np.flatnonzero(np.diff(cands.need)) + 1]
    rank = np.arange(len(cands)) - np.repeat(starts, np.diff(np.r_[starts, len(cands)]))
    return rank < per_need


def _replace_suggestions(rows: list[dict], scope) -> int:
    """Make the `suggested` rows within `scope` (a filter on Match) exactly `rows`, keeping the ids (and the
    allocation flags, when `rows` do not set them) of pairs suggested before."""
    existing = {(party, area, offer): match_id for match_id, party, area, offer in db.session.execute(
        select(Match.id, Match.party_id, Match.key_area_id, Match.offer_id)
        .where(Match.status == SUGGESTED, *scope))}
    updates, inserts = [], []
    for row in rows:
        match_id = existing.pop((row["party_id"], row["key_area_id"], row["offer_id"]), None)
        if match_id is None:
            inserts.append(row)
        else:
            updates.append({"id": match_id, **{key: row[key] for key in row
                                                if key not in ("created_at", "step_at", "status")}})
    if existing:
        db.session.execute(delete(Match).where(Match.id.in_(list(existing.values()))))
    if updates:
        table = Match.__table__
        columns = [name for name in updates[0] if name != "id"]
        db.session.execute(update(table).where(table.c.id == bindparam("match_id"))
                           .values({name: bindparam(name) for name in columns}),
                           [{"match_id": row.pop("id"), **row} for row in updates])
    if inserts:
        db.session.execute(insert(Match), inserts)
    return len(rows)


def refresh_party_suggestions(party_id: int, *, today: date | None = None) -> int:
    """Recompute the suggestions for one Party's needs (after it submits or reopens its assessment). Pairs
    the last allocation chose keep that mark while they are still candidates."""
    loaded = load(today or clock_today(), party_id=party_id)
    cands = engine.candidates(loaded.instance, weights())
    keep = _best_per_need(cands, current_app.config["MATCH_SUGGESTIONS_PER_NEED"])
    return _replace_suggestions(_rows(loaded, cands, keep), [Match.party_id == party_id])


def refresh_offer_suggestions(offer_id: int, *, today: date | None = None) -> int:
    """Recompute the suggestions for one offer (after it is saved, published or closed): every need it fits."""
    loaded = load(today or clock_today(), offer_id=offer_id)
    cands = engine.candidates(loaded.instance, weights())
    return _replace_suggestions(_rows(loaded, cands, np.ones(len(cands), dtype=bool)), [Match.offer_id == offer_id])


def expire_matches(today: date) -> int:
    """Proposals on offers that are no longer open (closed, expired, window ended, or no place left) expire:
    nobody can agree to them any more. Returns how many."""
    used = capacity_used()
    still_open = select(Offer.id).where(is_open(today, used))
    proposals = db.session.scalars(select(Match).where(Match.status == PROPOSED, Match.offer_id.not_in(still_open)))
    count = 0
    for match in proposals:
        match.status = EXPIRED
        match.step_at = utcnow()
        db.session.flush()
        record(None, "match.expire", match, before={"status": PROPOSED}, after={"status": EXPIRED})
        count += 1
    return count


# --- the global allocation -----------------------------------------------------------------------

@dataclass
class RunResult:
    run: MatchRun
    suggestions: int


def _group_shares(loaded, cands, chosen) -> dict:
    """Served weight ÷ servable weight per UN regional group, for comparing runs."""
    instance = loaded.instance
    has_candidate = np.zeros(len(instance.needs.weight), dtype=bool)
    has_candidate[cands.need] = True
    served = np.zeros(len(instance.needs.weight), dtype=bool)
    served[cands.need[chosen]] = True
    groups = instance.parties.group[instance.needs.party]
    shares = {}
    for i, group in enumerate(REGIONAL_GROUPS):
        in_group = (groups == i) & has_candidate
        total = instance.needs.weight[in_group].sum()
        if total > 0:
            shares[group] = round(float(instance.needs.weight[in_group & served].sum() / total), 4)
    return shares


def run_allocation(*, actor, today: date | None = None) -> RunResult:
    """Compute every candidate pair, allocate needs to offers within their remaining capacity and replace all
    suggestions, in one transaction. If anything fails, the previous suggestions stay and the failed run is
    recorded with its error (the caller commits)."""
    _require(actor is None or is_secretariat(actor))
    today = today or clock_today()
    settings = weights()
    started_at, clock = utcnow(), time.perf_counter()
    parameters = {"weights": {name: getattr(settings, name) for name in engine.COMPONENTS},
                  "fairness": settings.fairness, "max_candidates": settings.max_candidates,
                  "suggestions_per_need": current_app.config["MATCH_SUGGESTIONS_PER_NEED"],
                  "today": today.isoformat()}
    savepoint = db.session.begin_nested()
    try:
        expire_matches(today)
        loaded = load(today)
        cands = engine.candidates(loaded.instance, settings)
        result = allocation.allocate(loaded.instance, cands, fairness=settings.fairness)
        summary = allocation.fairness_summary(loaded.instance, cands, result.chosen)
        run = MatchRun(started_at=started_at, seconds=0.0, started_by_id=actor.id if actor else None,
                       status=RUN_SUCCEEDED, parameters=parameters, needs=len(loaded.need_ids),
                       offers=len(loaded.offer_ids), candidates=len(cands), served=int(summary.served),
                       objective=round(float(result.objective), 4),
                       lowest_party_share=summary.lowest_party_share, p10_party_share=summary.p10_party_share,
                       gini=summary.gini)
        parameters["group_shares"] = _group_shares(loaded, cands, result.chosen)
        db.session.add(run)
        db.session.flush()
        keep = _best_per_need(cands, current_app.config["MATCH_SUGGESTIONS_PER_NEED"]) | result.chosen
        rows = _rows(loaded, cands, keep, result.chosen, run.id)
        # Suggestions the previous run allocated lose the mark; pairs in the workflow keep it as their origin.
        db.session.execute(update(Match).where(Match.allocated.is_(True), Match.status == SUGGESTED)
                           .values(allocated=False))
        suggestions = _replace_suggestions(rows, [])
        run.seconds = round(time.perf_counter() - clock, 3)
        record(actor, "match.run", run, after=snapshot(run, ("needs", "offers", "candidates", "served",
                                                             "objective", "lowest_party_share", "gini")))
        savepoint.commit()
    except Exception as error:
        savepoint.rollback()
        current_app.logger.exception("Matching run failed")
        run = MatchRun(started_at=started_at, seconds=round(time.perf_counter() - clock, 3),
                       started_by_id=actor.id if actor else None, status=RUN_FAILED,
                       error=f"{type(error).__name__}: {error}"[:2000], parameters=parameters)
        db.session.add(run)
        db.session.flush()
        record(actor, "match.run_failed", run, after={"error": run.error})
        return RunResult(run=run, suggestions=0)
    return RunResult(run=run, suggestions=suggestions)


# --- workflow --------------------------------------------------------------------------------------

def _check_version(match: Match, lock_version: int | None) -> None:
    if lock_version is not None and lock_version != match.lock_version:
        raise StaleEdit(_("Someone acted on this match after you opened it. Nothing was changed; reload the "
                          "page to see where it stands now."))


def _check_status(match: Match, *allowed: str) -> None:
    if match.status not in allowed:
        raise InvalidInput(_("This match is now “%(status)s”, so this step is not possible any more. Nothing "
                             "was changed.", status=match.status_label))


def _step(match: Match, actor, action: str, **changes) -> None:
    before = snapshot(match, MATCH_FIELDS)
    for name, value in changes.items():
        setattr(match, name, value)
    match.step_at = utcnow()
    match.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit(_("Someone acted on this match at the same moment. Nothing was changed; reload the page "
                          "to see where it stands now."))
    after = snapshot(match, MATCH_FIELDS)
    record(actor, action, match, before={k: v for k, v in before.items() if v != after[k]},
           after={k: v for k, v in after.items() if v != before[k]})


def _capacity_left(match: Match) -> int:
    used = committed_parties([match.offer_id]).get(match.offer_id, set())
    return match.offer.capacity - len(used - {match.party_id})


def _check_offer_open(match: Match, today: date) -> None:
    offer = match.offer
    if offer.status != OPEN or (offer.closes_on is not None and offer.closes_on < today):
        raise InvalidInput(_("The offer is not open any more. Nothing was changed."))
    if _capacity_left(match) <= 0:
        raise InvalidInput(_("The offer has no capacity left: every place is taken by agreed or delivered "
                             "matches. Nothing was changed."))


def propose(match: Match, *, actor, lock_version: int | None = None, today: date | None = None) -> None:
    """Either side proposes a suggested pair to the other."""
    side = side_of(actor, match)
    _require(side is not None and can_view_match(actor, match))
    _check_version(match, lock_version)
    _check_status(match, SUGGESTED)
    _check_offer_open(match, today or clock_today())
    _step(match, actor, "match.propose", status=PROPOSED, proposed_by=side)
    notify_match_step(match)


def agree(match: Match, *, actor, lock_version: int | None = None, today: date | None = None) -> None:
    """The other side agrees to a proposal; the offer keeps a place for the Party."""
    side = side_of(actor, match)
    _require(side is not None and can_view_match(actor, match))
    _check_version(match, lock_version)
    _check_status(match, PROPOSED)
    if side == match.proposed_by:
        raise InvalidInput(_("You proposed this match: the other side agrees or declines it. Nothing was "
                             "changed."))
    _check_offer_open(match, today or clock_today())
    _step(match, actor, "match.agree", status=AGREED)
    notify_match_step(match)


def _checked_reason(reason: str | None, comment: str | None) -> tuple[str, str]:
    comment = (comment or "").strip()
    errors = {}
    if reason not in DECLINE_REASONS:
        errors["reason"] = _("Choose a reason from the list.")
    elif reason == "other" and not comment:
        errors["comment"] = _("Say in a few words why.")
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("This text is longer than %(n)d characters.", n=MAX_COMMENT)
    if errors:
        raise InvalidInput(_("The reason needs correcting. Nothing was changed."), errors)
    return reason, comment


def decline(match: Match, *, actor, reason: str | None, comment: str | None = "",
            lock_version: int | None = None) -> None:
    """Turn down a suggestion (either side) or a proposal (the side it was made to). The pair is never
    suggested again."""
    side = side_of(actor, match)
    _require(side is not None and can_view_match(actor, match))
    _check_version(match, lock_version)
    _check_status(match, SUGGESTED, PROPOSED)
    if match.status == PROPOSED and side == match.proposed_by:
        raise InvalidInput(_("You proposed this match: withdraw it instead. Nothing was changed."))
    reason, comment = _checked_reason(reason, comment)
    _step(match, actor, "match.decline", status=DECLINED, declined_by=side, decline_reason=reason,
          decline_comment=comment)
    notify_match_step(match)


def withdraw(match: Match, *, actor, reason: str | None, comment: str | None = "",
             lock_version: int | None = None) -> None:
    """The proposer withdraws a proposal, or either side an agreed match not yet delivered."""
    side = side_of(actor, match)
    _require(side is not None and can_view_match(actor, match))
    _check_version(match, lock_version)
    _check_status(match, PROPOSED, AGREED, DELIVERING)
    if match.status == PROPOSED and side != match.proposed_by:
        raise InvalidInput(_("The other side proposed this match: decline it instead. Nothing was changed."))
    reason, comment = _checked_reason(reason, comment)
    _step(match, actor, "match.withdraw", status=WITHDRAWN, declined_by=side, decline_reason=reason,
          decline_comment=comment)


def start_delivery(match: Match, *, actor, lock_version: int | None = None) -> None:
    """The provider starts delivering an agreed match."""
    _require(side_of(actor, match) == PROVIDER_SIDE)
    _check_version(match, lock_version)
    _check_status(match, AGREED)
    _step(match, actor, "match.start_delivery", status=DELIVERING)


def support_type_of(match: Match) -> str | None:
    """The type of support the pair is about: the first the offer gives that the need wants, else the offer's
    first."""
    wanted = match.need.support_types if match.need is not None else []
    given = match.offer.support_types or []
    return next((code for code in given if code in wanted), given[0] if given else None)


def delivery_input(match: Match, data: ActivityInput) -> ActivityInput:
    """The activity as the provider described it, with the match's Party, key area and offer always in it."""
    data.beneficiaries = sorted(set(data.beneficiaries) | {match.party.iso3})
    data.key_areas = list(dict.fromkeys([match.key_area.code, *data.key_areas]))
    data.offer_id = match.offer_id
    data.support_type = data.support_type or support_type_of(match)
    if not data.languages:
        wanted = match.need.languages if match.need is not None else []
        data.languages = [code for code in match.offer.languages if not wanted or code in wanted]
    return data


def record_delivery(match: Match, *, actor, data: ActivityInput | None = None, activity: Activity | None = None,
                    lock_version: int | None = None) -> Activity:
    """The provider records what it delivered: a new activity, or one of its organisation's activities, with
    the Party as beneficiary, the key area and the offer. The match becomes delivered."""
    _require(side_of(actor, match) == PROVIDER_SIDE)
    _check_version(match, lock_version)
    _check_status(match, AGREED, DELIVERING)
    organisation = match.offer.organisation
    if activity is None:
        if data is None:
            raise InvalidInput(_("Describe the activity, or choose one your organisation recorded."))
        activity = create_organisation_activity(organisation, delivery_input(match, data), actor=actor)
    else:
        if activity.organisation_id != organisation.id or activity.status == "cancelled":
            raise InvalidInput(_("Choose one of your organisation's activities that was not cancelled."),
                               {"activity_id": _("Choose one of your organisation's activities that was not "
                                                 "cancelled.")})
        before = {"beneficiaries": sorted(p.iso3 for p in activity.beneficiaries),
                  "key_areas": [a.code for a in activity.key_areas], "offer_id": activity.offer_id,
                  "support_type": activity.support_type}
        if match.party not in activity.beneficiaries:
            activity.beneficiaries.append(match.party)
        if match.key_area not in activity.key_areas:
            activity.key_areas.append(match.key_area)
        activity.offer_id = activity.offer_id or match.offer_id
        activity.support_type = activity.support_type or support_type_of(match)
        activity.updated_at = utcnow()
        activity.updated_by_id = actor.id
        db.session.flush()
        after = {"beneficiaries": sorted(p.iso3 for p in activity.beneficiaries),
                 "key_areas": [a.code for a in activity.key_areas], "offer_id": activity.offer_id,
                 "support_type": activity.support_type}
        record(actor, "activity.link_match", activity, before=before, after=after)
    _step(match, actor, "match.deliver", status=DELIVERED, activity_id=activity.id)
    notify_match_step(match)
    return activity


def confirm(match: Match, *, actor, rating, feedback: str | None = "", lock_version: int | None = None) -> None:
    """The Party confirms the delivery and rates it (1–5), which closes the match."""
    _require(side_of(actor, match) == PARTY_SIDE)
    _check_version(match, lock_version)
    _check_status(match, DELIVERED)
    feedback = (feedback or "").strip()
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = _("Give a rating from 1 to 5.")
    if len(feedback) > MAX_COMMENT:
        errors["feedback"] = _("This text is longer than %(n)d characters.", n=MAX_COMMENT)
    if errors:
        raise InvalidInput(_("The rating needs correcting. Nothing was changed."), errors)
    _step(match, actor, "match.confirm", status=CLOSED, rating=rating, feedback=feedback)
