"""The demo organisations, offers and organisation activities of tracker.organisations.demo."""
import re
import time
from collections import Counter, defaultdict
from datetime import date

import pytest

from tracker.accounts.demo import DEMO_ORGANISATION, load_demo_accounts
from tracker.accounts.models import User
from tracker.activities.models import Activity
from tracker.audit.models import AuditEntry
from tracker.clock import today
from tracker.extensions import db
from tracker.framework.models import KeyArea
from tracker.offers.models import Offer
from tracker.offers.search import search_terms
from tracker.organisations.demo import GAP_AREAS, load_demo_providers
from tracker.organisations.models import ORGANISATION_TYPES, Organisation
from tracker.parties.models import Party
from tracker.vocabularies import ACTIVITY_STATUSES, LANGUAGES, MODALITIES, SUPPORT_TYPES

CJK = re.compile(r"[\u4e00-\u9fff]")
# Real organisations' names and acronyms that must not appear in a demo organisation's name.
REAL_NAMES = {"UNEP", "FAO", "GEF", "UNDP", "UNIDO", "UNCTAD", "WHO", "OECD", "ICGEB", "IICA", "CGIAR", "AUDA",
              "NEPAD", "CBD", "JRC", "USAID", "JICA", "GIZ", "NORAD", "SDC"}
# Support types that fit an organisation's type (what the brief asks each type to offer, and close kin).
FITTING = {
    "laboratory": {"infrastructure", "reference_materials", "training", "technical_assistance", "materials",
                   "expert_advice"},
    "university": {"fellowship", "training", "expert_advice", "materials"},
    "un_body": {"technical_assistance", "training", "funding", "expert_advice"},
    "gef_agency": {"technical_assistance", "training", "funding", "infrastructure"},
    "donor_government": {"funding", "expert_advice", "fellowship"},
    "ngo": {"training", "materials"},
    "iplc": {"training", "materials", "expert_advice"},
    "private_sector": {"training", "materials", "reference_materials", "technical_assistance", "expert_advice"},
    "other": {"technical_assistance", "expert_advice", "training", "materials"},
}


@pytest.fixture
def demo(ctx, capsys):
    load_demo_accounts()
    started = time.perf_counter()
    lines = load_demo_providers()
    db.session.commit()
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n  load_demo_providers took {seconds:.2f} s")
    assert seconds < 5
    return lines


def _offers() -> list[Offer]:
    return db.session.scalars(db.select(Offer).order_by(Offer.id)).all()


def _organisation_activities() -> list[Activity]:
    return db.session.scalars(db.select(Activity).where(Activity.organisation_id.is_not(None))).all()


def _eligible(offer: Offer, party: Party) -> bool:
    """The eligibility rules, written again here: a union of the offer's criteria, for Parties to the Protocol."""
    if not party.cartagena_party:
        return False
    return bool(offer.eligible_all
                or party.un_regional_group in offer.eligible_groups
                or (offer.eligible_ldc and party.ldc)
                or (offer.eligible_sids and party.sids)
                or (offer.eligible_developing and party.economy != "developed")
                or (offer.eligible_supplementary and party.supplementary_protocol_party)
                or party in offer.eligible_parties)


def _effective(offer: Offer) -> str:
    """The status a reader sees: an open offer whose closing date passed has expired."""
    if offer.status == "open" and offer.closes_on is not None and offer.closes_on < today():
        return "expired"
    return offer.status


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_about_40_organisations_of_every_type_with_demo_profiles(demo):
    organisations = db.session.scalars(db.select(Organisation)).all()
    assert 36 <= len(organisations) <= 46
    assert set(Counter(o.type for o in organisations)) == set(ORGANISATION_TYPES)
    assert [o.name for o in organisations].count(DEMO_ORGANISATION) == 1
    vetted = sum(o.vetted for o in organisations)
    assert 0.80 <= vetted / len(organisations) <= 0.90
    for organisation in organisations:
        assert organisation.website.startswith("https://example.org"), organisation.name
        assert organisation.contact_email.endswith("@example.org"), organisation.name
        assert organisation.country is not None, organisation.name
        assert organisation.country.cartagena_party or organisation.type == "donor_government", organisation.name
        assert (organisation.vetted_at is not None) == organisation.vetted, organisation.name
        words = set(re.findall(r"[A-Za-z]+", organisation.name))
        assert not words & REAL_NAMES, organisation.name
    added = len(organisations) - 1  # the demo provider's organisation was there already
    assert f"demo organisations: {added} ({vetted - 1} vetted); 1 already there" in demo[0]


def test_the_demo_provider_account_publishes_offers_for_its_organisation(demo):
    provider = db.session.scalar(db.select(User).where(User.email == "provider@example.org"))
    assert provider.organisation.name == DEMO_ORGANISATION
    assert provider.organisation.description.startswith("Demo data.")
    offers = db.session.scalars(db.select(Offer).where(Offer.organisation_id == provider.organisation_id)).all()
    assert sum(offer.status == "open" for offer in offers) >= 3
    assert all(offer.updated_by_id == provider.id for offer in offers)


def test_every_demo_name_and_description_is_marked_demo(demo):
    for organisation in db.session.scalars(db.select(Organisation)):
        assert "demo" in organisation.name.lower()
        assert organisation.description.startswith("Demo data."), organisation.name
    for offer in _offers():
        assert offer.description.startswith("Demo data."), offer.title
    for activity in _organisation_activities():
        assert activity.description.startswith("Demo data."), activity.title


def test_offers_of_unvetted_organisations_are_drafts_and_only_published_ones_have_a_date(demo):
    offers = _offers()
    unvetted = [offer for offer in offers if not offer.organisation.vetted]
    assert len({offer.organisation_id for offer in unvetted}) >= 4
    assert {offer.status for offer in unvetted} == {"draft"}
    for offer in offers:
        assert (offer.published_at is None) == (offer.status == "draft"), offer.title
        assert offer.organisation.created_at <= offer.created_at <= offer.updated_at
        if offer.published_at:
            assert offer.created_at <= offer.published_at <= offer.updated_at
            assert offer.organisation.vetted_at <= offer.published_at
    assert any(offer.status == "draft" and offer.organisation.vetted for offer in offers)


def test_offers_have_key_areas_support_types_and_search_text(demo):
    offers = _offers()
    assert 100 <= len(offers) <= 140
    for offer in offers:
        assert offer.key_areas and offer.support_types, offer.title
        assert set(offer.support_types) <= set(SUPPORT_TYPES), offer.title
        assert offer.languages and set(offer.languages) <= set(LANGUAGES), offer.title
        assert offer.modality in (None, *MODALITIES)
        assert 2 <= offer.capacity <= 25
        goals = {area.goal_id for area in offer.key_areas}
        assert {example.goal_id for example in offer.activity_examples} <= goals, offer.title
        terms = set(offer.search_text.split())
        assert terms and set(search_terms(offer.title)) <= terms, offer.title
        for area in offer.key_areas:
            assert set(search_terms(area.code)) <= terms and set(search_terms(area.text_en)) <= terms
        assert (offer.budget_amount is None) == (offer.budget_currency == "")
        assert offer.budget_currency in ("", "USD", "EUR")
        assert offer.contact_email.endswith("@example.org")
        if "funding" in offer.support_types:
            assert offer.budget_amount > 0, offer.title


def test_about_ten_offers_are_in_chinese_and_found_by_chinese_words(demo):
    chinese = [offer for offer in _offers() if CJK.search(offer.title)]
    assert 8 <= len(chinese) <= 14
    assert "改性活生物体检测与鉴定培训班" in {offer.title for offer in chinese}
    for offer in chinese:
        assert "zh" in offer.languages and CJK.search(offer.description)
        assert offer.organisation.country.iso3 == "CHN"
    found = [offer for offer in _offers() if set(search_terms("检测")) <= set(offer.search_text.split())]
    assert len(found) >= 3


def test_support_types_fit_the_organisation_type(demo):
    for offer in _offers():
        kind = offer.organisation.type
        assert set(offer.support_types) <= FITTING[kind], (kind, offer.title, offer.support_types)
        if kind == "donor_government":
            assert "funding" in offer.support_types, offer.title
        if kind == "iplc":
            assert {area.goal.code for area in offer.key_areas} <= {"B.3", "B.4"}, offer.title
    by_type = defaultdict(set)
    for offer in _offers():
        by_type[offer.organisation.type].update(offer.support_types)
    assert {"infrastructure", "reference_materials", "training"} <= by_type["laboratory"]
    assert {"fellowship", "training", "expert_advice"} <= by_type["university"]
    assert {"technical_assistance", "training", "funding"} <= by_type["un_body"] | by_type["gef_agency"]


def test_some_key_areas_have_no_offer_while_detection_areas_have_several(demo):
    offers_per_area = Counter(area.code for offer in _offers() for area in offer.key_areas)
    codes = db.session.scalars(db.select(KeyArea.code)).all()
    without = [code for code in codes if not offers_per_area[code]]
    assert len(without) >= 3 and set(GAP_AREAS) <= set(without), without
    detection = [code for code in codes if code.startswith("A.8(")]
    assert len(detection) == 4 and all(offers_per_area[code] >= 4 for code in detection), offers_per_area
    risk = sum(offers_per_area[code] for code in codes if code.startswith("A.5("))
    assert risk >= 15
    # Detection is the best-served goal.
    goal_totals = Counter()
    for code, count in offers_per_area.items():
        goal_totals[code.split("(")[0]] += count
    assert goal_totals.most_common(1)[0][0] == "A.8", goal_totals


def test_eligibility_mixes_and_languages(demo):
    offers = [offer for offer in _offers() if offer.status != "draft"]
    grulac_spanish = [offer for offer in offers if offer.eligible_parties and "es" in offer.languages
                      and {p.un_regional_group for p in offer.eligible_parties} == {"grulac"}]
    kinds = {
        "all": [o for o in offers if o.eligible_all],
        "african group": [o for o in offers if "african" in o.eligible_groups],
        "ldc and sids": [o for o in offers if o.eligible_ldc and o.eligible_sids and not o.eligible_all],
        "developing": [o for o in offers if o.eligible_developing and not o.eligible_all],
        "spanish-speaking grulac": grulac_spanish,
        "other listed parties": [o for o in offers if o.eligible_parties and o not in grulac_spanish],
        "supplementary": [o for o in offers if o.eligible_supplementary],
    }
    assert all(kinds.values()), {kind: len(found) for kind, found in kinds.items()}
    assert len(kinds["all"]) < 0.5 * len(offers)
    for offer in offers:
        assert all(party.cartagena_party for party in offer.eligible_parties), offer.title
        assert not (offer.eligible_all and (offer.eligible_groups or offer.eligible_parties)), offer.title
        assert sum(_eligible(offer, party) for party in db.session.scalars(db.select(Party))) >= offer.capacity
    assert len({tuple(offer.languages) for offer in offers}) >= 6


def test_windows_are_mostly_open_today_with_some_expired_closed_and_drafts(demo):
    offers = _offers()
    effective = Counter(_effective(offer) for offer in offers)
    assert effective["open"] >= 0.65 * len(offers)
    assert effective["expired"] >= 5 and effective["closed"] >= 3 and effective["draft"] >= 5
    assert set(effective) == {"open", "expired", "closed", "draft"}
    open_now = [o for o in offers if _effective(o) == "open" and o.opens_on <= today()]
    assert len(open_now) >= 0.6 * len(offers)
    for offer in offers:
        if offer.opens_on and offer.closes_on:
            assert offer.opens_on < offer.closes_on
        if offer.status != "draft":
            assert offer.opens_on is not None
    assert (f"demo offers: {len(offers)} ({effective['open']} open, {effective['expired']} expired "
            f"(open, closing date passed), {effective['closed']} closed, {effective['draft']} drafts)") in demo[1]


def test_closed_offers_have_used_up_their_capacity_and_open_ones_have_room(demo):
    served = defaultdict(set)
    for activity in _organisation_activities():
        if activity.offer_id and activity.status != "cancelled":
            served[activity.offer_id].update(party.id for party in activity.beneficiaries)
    served_any = defaultdict(set)
    for activity in _organisation_activities():
        if activity.offer_id:
            served_any[activity.offer_id].update(party.id for party in activity.beneficiaries)
    closed = 0
    for offer in _offers():
        if offer.status == "closed":
            closed += 1
            assert len(served[offer.id]) >= offer.capacity, offer.title
        else:
            assert len(served_any[offer.id]) < offer.capacity or _effective(offer) == "expired", offer.title
            assert len(served_any[offer.id]) <= offer.capacity, offer.title
    assert closed >= 3


def test_activities_under_an_offer_benefit_parties_eligible_for_it(demo):
    activities = _organisation_activities()
    under_offer = [activity for activity in activities if activity.offer_id]
    assert 0.4 * len(activities) <= len(under_offer) <= 0.8 * len(activities)
    for activity in under_offer:
        offer = activity.offer
        assert offer.status != "draft" and offer.organisation_id == activity.organisation_id, activity.title
        assert 1 <= len(activity.beneficiaries) <= 6, activity.title
        for party in activity.beneficiaries:
            assert _eligible(offer, party), (activity.title, party.iso3)
        assert {area.id for area in activity.key_areas} <= {area.id for area in offer.key_areas}
        assert activity.support_type in offer.support_types
        assert set(activity.languages) <= set(offer.languages)
        assert activity.start_date >= offer.opens_on, activity.title
    for activity in activities:
        assert 1 <= len(activity.beneficiaries) <= 6, activity.title
        assert all(party.cartagena_party for party in activity.beneficiaries), activity.title
    # Capacity-building goes to developing countries and economies in transition.
    assert all(party.economy != "developed" for activity in activities for party in activity.beneficiaries)
    # Funding under an offer with a budget stays within it.
    spent = defaultdict(int)
    for activity in under_offer:
        if activity.funding_amount is not None and activity.offer.budget_amount is not None:
            assert activity.funding_currency == activity.offer.budget_currency, activity.title
            spent[activity.offer_id] += activity.funding_amount
    assert spent and all(total <= db.session.get(Offer, offer_id).budget_amount for offer_id, total in spent.items())
    # Not only Parties open to everyone: the restricted offers are used too.
    assert any(not activity.offer.eligible_all for activity in under_offer)
    assert "KEN" in {party.iso3 for activity in activities for party in activity.beneficiaries}


def test_organisation_activities_have_dates_statuses_participants_and_funding(demo):
    activities = _organisation_activities()
    assert 130 <= len(activities) <= 175
    assert f"demo organisation activities: {len(activities)}" in demo[2]
    last_day = date(today().year + 1, 12, 31)
    for activity in activities:
        assert activity.party_id is None and activity.party_role is None
        assert activity.status in ACTIVITY_STATUSES and activity.support_type in SUPPORT_TYPES
        assert activity.key_areas, activity.title
        assert date(2021, 1, 1) <= activity.start_date <= activity.end_date <= last_day, activity.title
        if activity.status == "completed":
            assert activity.end_date < today()
        if activity.status == "planned":
            assert activity.start_date > today()
        if activity.status == "ongoing":
            assert activity.start_date <= today() <= activity.end_date
        assert activity.created_at <= activity.updated_at
        if activity.funding_amount is not None:
            assert activity.funding_amount > 0 and activity.funding_currency in ("USD", "EUR")
            assert activity.funding_source
        for output in activity.outputs:
            assert output["title"] and (output["url"] == "" or output["url"].startswith("https://example.org/"))
    statuses = Counter(activity.status for activity in activities)
    assert set(statuses) == set(ACTIVITY_STATUSES) and statuses.most_common(1)[0][0] == "completed"
    with_participants = [a for a in activities if a.participants_total]
    assert len(with_participants) >= 50
    women = sum(a.participants_women for a in with_participants)
    assert 0.3 < women / sum(a.participants_total for a in with_participants) < 0.7
    assert sum(1 for a in activities if a.funding_amount) >= 30
    assert {a.funding_currency for a in activities if a.funding_amount} == {"USD", "EUR"}
    assert sum(1 for a in activities if any(o["url"] for o in a.outputs)) >= 20
    assert {a.start_date.year for a in activities} >= {2021, 2022, 2023, 2024, 2025, today().year}


def test_one_audit_entry_for_the_load(demo):
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "demo.load")).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.object_type == "Organisation" and entry.object_label == DEMO_ORGANISATION
    assert entry.after["offers"] == len(_offers()) and entry.after["activities"] == len(_organisation_activities())
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.object_type.in_(("Offer", "Activity")))) == 0


def test_a_second_run_adds_nothing(demo):
    counts = _row_counts()
    assert counts["organisation"] >= 36 and counts["offer"] >= 100 and counts["activity"] >= 130
    lines = load_demo_providers()
    db.session.commit()
    assert [line.split(":")[0] for line in lines] == ["demo organisations", "demo offers",
                                                      "demo organisation activities"]
    assert all("already there" in line and "nothing added" in line for line in lines), lines
    db.session.expire_all()
    assert _row_counts() == counts


def test_the_data_is_the_same_on_every_load(demo):
    def snapshot():
        return (sorted(db.session.execute(db.select(Organisation.name, Organisation.type, Organisation.vetted)).all()),
                sorted((o.title, o.status, o.capacity, o.opens_on, o.closes_on, tuple(o.support_types),
                        tuple(a.code for a in o.key_areas)) for o in _offers()),
                sorted((a.title, a.status, a.start_date, tuple(sorted(p.iso3 for p in a.beneficiaries)))
                       for a in _organisation_activities()))

    first = snapshot()
    db.session.remove()
    with db.engine.begin() as connection:  # keep the reference data and the demo accounts' organisation
        for table in reversed(db.metadata.sorted_tables):
            if table.name in {"activity_key_area", "activity_activity_example", "activity_beneficiary", "activity",
                              "offer_key_area", "offer_activity_example", "offer_eligible_party", "offer",
                              "audit_entry"}:
                connection.execute(table.delete())
        connection.execute(Organisation.__table__.delete().where(Organisation.name != DEMO_ORGANISATION))
    lines = load_demo_providers()
    db.session.commit()
    assert "already there" not in lines[1] and "already there" not in lines[2]
    assert snapshot() == first


def test_activities_are_added_again_to_offers_already_there(demo):
    """When only the activities were removed, they come back, under the offers that are there."""
    activities = len(_organisation_activities())
    under_offer = sum(1 for activity in _organisation_activities() if activity.offer_id)
    db.session.remove()
    with db.engine.begin() as connection:
        for table in ("activity_key_area", "activity_activity_example", "activity_beneficiary", "activity"):
            connection.execute(db.metadata.tables[table].delete())
    lines = load_demo_providers()
    db.session.commit()
    assert "already there" in lines[0] and "already there" in lines[1]
    assert len(_organisation_activities()) == activities
    assert sum(1 for activity in _organisation_activities() if activity.offer_id) == under_offer
    assert db.session.scalar(db.select(db.func.count(Offer.id))) == len(_offers())
