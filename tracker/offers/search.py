"""Finding offers: their text for full-text search in any of the UI languages, the status users see, and
the catalogue's conditions and facet counts. Changing offers is tracker/offers/services.py.

Neither SQLite's FTS5 (unicode61 tokenizer) nor PostgreSQL's `simple` configuration splits Chinese,
which is written without spaces. So every run of CJK characters is indexed as overlapping pairs of
characters (bigrams: 生物安全 → 生物 物安 安全), a standard choice for Chinese search without a
dictionary; queries are split the same way. Other scripts are indexed word by word, lower-cased, without
accents.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Integer, String, and_, case, cast, column, distinct, exists, func, literal_column, or_, select, table, true,
)
from sqlalchemy.orm import aliased

from tracker.activities.models import Activity, activity_beneficiary
from tracker.extensions import db
from tracker.framework.models import Goal, KeyArea
from tracker.matching.models import COMMITTED, Match
from tracker.offers.models import CLOSED, DRAFT, EXPIRED, OPEN, Offer, offer_eligible_party, offer_key_area
from tracker.parties.models import REGIONAL_GROUPS, Party
from tracker.vocabularies import LANGUAGES, MODALITIES, SUPPORT_TYPES

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w+")


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]


def _folded(text: str) -> str:
    """Without accents and compatibility forms (é → e, ｆｕｌｌ → full), so that both databases match alike:
    SQLite's tokenizer would fold accents by itself, PostgreSQL's `simple` configuration would not."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def search_terms(text: str) -> list[str]:
    """The terms of a text: words outside CJK runs, bigrams inside them."""
    text = _folded(text)
    terms = []
    position = 0
    for match in _CJK_RUN.finditer(text):
        terms += [word.lower() for word in _WORD.findall(text[position:match.start()])]
        terms += _bigrams(match.group())
        position = match.end()
    terms += [word.lower() for word in _WORD.findall(text[position:])]
    return terms


def search_text(*parts: str) -> str:
    """What to store in a `search_text` column for the given texts."""
    return " ".join(search_terms(" ".join(part for part in parts if part)))


# --- the text index ------------------------------------------------------------------------------------
# The index lives in the database: on SQLite an FTS5 table `offer_fts` over offer.search_text (kept in step
# by triggers, see migrations/versions/0003_offers.py), on PostgreSQL a GIN index on
# to_tsvector('simple', search_text). Both see the stored text as space-separated tokens, so a query is split
# by search_terms() exactly as the stored text was.

FTS_TABLE = "offer_fts"
PG_SEARCH_INDEX = "ix_offer_search_text_tsvector"
PG_SEARCH_COLUMN = "search_vector"  # a stored tsvector generated from search_text, on PostgreSQL only
_PG_CONFIG = "'simple'::regconfig"


def query_terms(text: str) -> list[tuple[str, bool]]:
    """(term, is_prefix) for a query: its words and bigrams, each once. Underscores split words, as both
    databases' tokenizers do; a lone Chinese character matches the bigrams that start with it."""
    seen, terms = set(), []
    for term in search_terms(text or ""):
        for part in term.split("_"):
            if part and part not in seen:
                seen.add(part)
                terms.append((part, len(part) == 1 and bool(_CJK_RUN.fullmatch(part))))
    return terms


def fts5_query(terms: list[tuple[str, bool]]) -> str:
    """An FTS5 query requiring every term. Terms are runs of word characters, so quoting cannot break."""
    return " ".join(f'"{term}"' + ("*" if prefix else "") for term, prefix in terms)


def tsquery(terms: list[tuple[str, bool]]) -> str:
    """A PostgreSQL to_tsquery() text requiring every term."""
    return " & ".join(f"'{term}'" + (":*" if prefix else "") for term, prefix in terms)


def search_matches(text: str, dialect: str):
    """A select of (offer_id, score) for the rows whose search text has every term of `text`; a lower score is
    a better match. None when the text has no terms (no search)."""
    terms = query_terms(text)
    if not terms:
        return None
    if dialect == "postgresql":
        config = literal_column(_PG_CONFIG)
        vector = literal_column(f"offer.{PG_SEARCH_COLUMN}")  # made and indexed by the migration
        query = func.to_tsquery(config, tsquery(terms))
        return select(Offer.id.label("offer_id"), (-func.ts_rank(vector, query)).label("score")).where(
            vector.op("@@")(query))
    fts = table(FTS_TABLE, column("rowid", Integer))
    return select(fts.c.rowid.label("offer_id"), func.bm25(literal_column(FTS_TABLE)).label("score")).where(
        literal_column(FTS_TABLE).op("MATCH")(fts5_query(terms)))


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's `include_name`: the search index is made by the migration by hand, not by the models, so
    autogenerate and the migration-versus-models test leave it (and FTS5's shadow tables) alone."""
    if type_ == "table":
        return not (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "index":
        return name != PG_SEARCH_INDEX
    if type_ == "column":
        return name != PG_SEARCH_COLUMN
    return True


# --- effective status --------------------------------------------------------------------------------

def capacity_used():
    """How many Parties the offer has served or promised to serve: the distinct beneficiary Parties of its
    activities that were not cancelled, plus the other Parties holding an agreed match on it (a correlated
    subquery, for a select of Offer). The matching module counts capacity the same way."""
    served = (activity_beneficiary.join(Activity, Activity.id == activity_beneficiary.c.activity_id))
    not_cancelled = Activity.status != "cancelled"
    served_count = (
        select(func.count(distinct(activity_beneficiary.c.party_id))).select_from(served)
        .where(Activity.offer_id == Offer.id, not_cancelled)
        .correlate(Offer).scalar_subquery()
    )
    already_served = (
        select(activity_beneficiary.c.party_id).select_from(served)
        .where(Activity.offer_id == Match.offer_id, not_cancelled, activity_beneficiary.c.party_id == Match.party_id)
        .correlate(Match).exists()
    )
    promised_count = (
        select(func.count(distinct(Match.party_id)))
        .where(Match.offer_id == Offer.id, Match.status.in_(COMMITTED), ~already_served)
        .correlate(Offer).scalar_subquery()
    )
    return served_count + promised_count


def capacity_used_by_offer():
    """capacity_used() for every offer at once, as a subquery of (offer_id, used) with a row for each offer that
    has used any: the distinct Parties among its activities' beneficiaries and its committed matches. For pages
    over many offers, where the correlated form would be evaluated once per offer and per condition."""
    served = (
        select(Activity.offer_id.label("offer_id"), activity_beneficiary.c.party_id.label("party_id"))
        .select_from(activity_beneficiary.join(Activity, Activity.id == activity_beneficiary.c.activity_id))
        .where(Activity.offer_id.is_not(None), Activity.status != "cancelled")
    )
    promised = select(Match.offer_id, Match.party_id).where(Match.status.in_(COMMITTED))
    parties = served.union(promised).subquery("served_or_promised")  # UNION: each Party once per offer
    return (select(parties.c.offer_id, func.count().label("used")).group_by(parties.c.offer_id)
            .subquery("capacity_used"))


def effective_status(today: date, used=None):
    """The status as users must see it: an open offer past its window is expired, one with no capacity left
    is closed."""
    used = capacity_used() if used is None else used
    return case(
        (and_(Offer.status == OPEN, Offer.closes_on < today), EXPIRED),
        (and_(Offer.status == OPEN, used >= Offer.capacity), CLOSED),
        else_=Offer.status,
    )


def is_open(today: date, used=None):
    """Published, window not ended, capacity left (the window may not have opened yet). Without `used`, the
    offers at capacity are found once for all offers rather than counted again for each row."""
    has_room = used < Offer.capacity if used is not None else Offer.id.not_in(_offers_at_capacity())
    return and_(Offer.status == OPEN, or_(Offer.closes_on.is_(None), Offer.closes_on >= today), has_room)


def _offers_at_capacity():
    """The ids of the offers whose capacity is used up (an uncorrelated select)."""
    used, offer = capacity_used_by_offer(), aliased(Offer)
    return select(used.c.offer_id).join(offer, offer.id == used.c.offer_id).where(used.c.used >= offer.capacity)


def is_open_now(today: date, used=None):
    """Open, and its window has opened."""
    return and_(is_open(today, used), or_(Offer.opens_on.is_(None), Offer.opens_on <= today))


# --- the catalogue -----------------------------------------------------------------------------------

SORTS = ("relevance", "closing")
FACETS = ("goals", "key_areas", "support_types", "regional_groups", "languages", "modalities", "open_now")


@dataclass
class OfferFilters:
    """What the catalogue is asked for. Within a facet the values are alternatives; facets combine."""

    q: str = ""
    goals: list[str] = field(default_factory=list)            # goal codes, e.g. "A.8"
    key_areas: list[str] = field(default_factory=list)        # key area codes, e.g. "A.8(3)"
    support_types: list[str] = field(default_factory=list)
    regional_groups: list[str] = field(default_factory=list)  # offers that a Party of the group may receive
    languages: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    open_now: bool = False                                    # open and its window has opened
    include_closed: bool = False                              # closed and expired offers too
    organisation_id: int | None = None
    sort: str = "relevance"                                   # by closing date when there is no search text


@dataclass
class FacetCounts:
    """For each facet value, how many offers the catalogue would show with that value chosen (the other
    facets' choices kept, this facet's own replaced): the number beside each checkbox."""

    total: int = 0
    goals: dict[str, int] = field(default_factory=dict)
    key_areas: dict[str, int] = field(default_factory=dict)
    support_types: dict[str, int] = field(default_factory=dict)
    regional_groups: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    modalities: dict[str, int] = field(default_factory=dict)
    open_now: int = 0


def _json_list_has(column, code: str):
    """The JSON list column holds this code. Codes are plain identifiers, so finding `"code"` in the JSON
    text is exact, and works the same on SQLite and PostgreSQL."""
    return cast(column, String).contains(f'"{code}"', autoescape=True)


def _has_key_area(key_area_ids):
    return exists().where(offer_key_area.c.offer_id == Offer.id,
                          offer_key_area.c.key_area_id.in_(key_area_ids)).correlate(Offer)


def _group_criteria() -> dict[str, set[str]]:
    """For each regional group, which of the criteria LDC, SIDS, developing, supplementary at least one of its
    Parties to the Protocol meets."""
    flags = {
        "ldc": Party.ldc.is_(True),
        "sids": Party.sids.is_(True),
        "developing": Party.economy != "developed",
        "supplementary": Party.supplementary_protocol_party.is_(True),
    }
    rows = db.session.execute(
        select(Party.un_regional_group, *[func.max(case((flag, 1), else_=0)) for flag in flags.values()])
        .where(Party.cartagena_party.is_(True), Party.un_regional_group.is_not(None))
        .group_by(Party.un_regional_group)
    ).all()
    return {row[0]: {name for name, met in zip(flags, row[1:]) if met} for row in rows}


def _eligible_in_group(group: str, criteria: set[str]):
    """At least one Party to the Protocol of the group may receive the offer."""
    columns = {"ldc": Offer.eligible_ldc, "sids": Offer.eligible_sids, "developing": Offer.eligible_developing,
               "supplementary": Offer.eligible_supplementary}
    return or_(
        Offer.eligible_all.is_(True),
        _json_list_has(Offer.eligible_groups, group),
        *[columns[name].is_(True) for name in sorted(criteria)],
        exists().where(offer_eligible_party.c.offer_id == Offer.id, offer_eligible_party.c.party_id == Party.id,
                       Party.un_regional_group == group).correlate(Offer),
    )


def catalogue_goals() -> list[Goal]:
    """The goals with their key areas, for the facets and their labels."""
    return db.session.scalars(select(Goal).order_by(Goal.position).options(db.selectinload(Goal.key_areas))).all()


class Catalogue:
    """The conditions of one catalogue search, shared by the page, the counts and the download."""

    def __init__(self, filters: OfferFilters, today: date, goals: list[Goal] | None = None):
        self.filters = filters
        self.today = today
        # Every catalogue query reads the capacity used of every offer in scope: joined once, not correlated.
        self.used_by_offer = capacity_used_by_offer()
        self.used = func.coalesce(self.used_by_offer.c.used, 0)
        self.goals = catalogue_goals() if goals is None else goals
        self.goal_ids = {goal.code: goal.id for goal in self.goals}
        self.key_area_ids = {area.code: area.id for goal in self.goals for area in goal.key_areas}
        self.group_criteria = _group_criteria()

        dialect = db.session.get_bind().dialect.name
        matches = search_matches(filters.q, dialect)
        self.matches = matches.subquery("matches") if matches is not None else None

        self.scope = [Offer.status != DRAFT]  # what no facet changes
        if not filters.include_closed:
            self.scope.append(is_open(today, self.used))
        if filters.organisation_id is not None:
            self.scope.append(Offer.organisation_id == filters.organisation_id)
        self.chosen = {name: condition for name, condition in
                       ((name, self._facet_condition(name)) for name in FACETS) if condition is not None}

    # the condition of one facet's choices, None when nothing is chosen in it
    def _facet_condition(self, name: str):
        filters = self.filters
        if name == "open_now":
            return is_open_now(self.today, self.used) if filters.open_now else None
        values = getattr(filters, name)
        if not values:
            return None
        if name == "goals":
            key_areas = [area.id for goal in self.goals if goal.code in values for area in goal.key_areas]
            return _has_key_area(key_areas)
        if name == "key_areas":
            return _has_key_area([self.key_area_ids[code] for code in values if code in self.key_area_ids])
        if name == "support_types":
            return or_(*[_json_list_has(Offer.support_types, code) for code in values])
        if name == "languages":
            return or_(*[_json_list_has(Offer.languages, code) for code in values])
        if name == "modalities":
            return Offer.modality.in_(values)
        if name == "regional_groups":
            return or_(*[_eligible_in_group(group, self.group_criteria.get(group, set())) for group in values])
        raise ValueError(name)

    def conditions(self, *, except_facet: str | None = None) -> list:
        return self.scope + [condition for name, condition in self.chosen.items() if name != except_facet]

    def select_from(self, query):
        """The query over the offers with their capacity used, narrowed to those matching the search text when
        there is one."""
        query = query.select_from(Offer).outerjoin(self.used_by_offer, self.used_by_offer.c.offer_id == Offer.id)
        if self.matches is not None:
            query = query.join(self.matches, self.matches.c.offer_id == Offer.id)
        return query

    @property
    def searching(self) -> bool:
        return self.matches is not None

    def ordering(self) -> list:
        closing = [Offer.closes_on.asc().nulls_last(), Offer.id.asc()]
        if self.searching and self.filters.sort != "closing":
            return [self.matches.c.score.asc(), *closing]
        return closing

    def offers(self):
        """Every matching offer with its effective status and capacity used, in order."""
        return (self.select_from(select(Offer, effective_status(self.today, self.used), self.used))
                .where(*self.conditions()).order_by(*self.ordering()))

    def counts(self) -> FacetCounts:
        """Every number beside a facet value, and the total, in three queries."""
        counts = FacetCounts()

        def count_where(facet, condition):
            return func.count(Offer.id).filter(and_(true(), *[c for name, c in self.chosen.items() if name != facet],
                                                    condition))

        columns = {("total", None): func.count(Offer.id).filter(and_(true(), *self.chosen.values()))}
        columns[("open_now", None)] = count_where("open_now", is_open_now(self.today, self.used))
        for code in SUPPORT_TYPES:
            columns[("support_types", code)] = count_where("support_types", _json_list_has(Offer.support_types, code))
        for code in LANGUAGES:
            columns[("languages", code)] = count_where("languages", _json_list_has(Offer.languages, code))
        for code in MODALITIES:
            columns[("modalities", code)] = count_where("modalities", Offer.modality == code)
        for group in REGIONAL_GROUPS:
            columns[("regional_groups", group)] = count_where(
                "regional_groups", _eligible_in_group(group, self.group_criteria.get(group, set())))
        row = db.session.execute(self.select_from(select(*columns.values())).where(*self.scope)).one()
        for (name, code), value in zip(columns, row):
            if code is None:
                setattr(counts, name, value or 0)
            else:
                getattr(counts, name)[code] = value or 0

        by_area = db.session.execute(
            self.select_from(select(offer_key_area.c.key_area_id, func.count(distinct(Offer.id))))
            .join(offer_key_area, offer_key_area.c.offer_id == Offer.id)
            .where(*self.conditions(except_facet="key_areas")).group_by(offer_key_area.c.key_area_id)).all()
        codes = {area_id: code for code, area_id in self.key_area_ids.items()}
        counts.key_areas = {codes[area_id]: number for area_id, number in by_area}

        by_goal = db.session.execute(
            self.select_from(select(KeyArea.goal_id, func.count(distinct(Offer.id))))
            .join(offer_key_area, offer_key_area.c.offer_id == Offer.id)
            .join(KeyArea, KeyArea.id == offer_key_area.c.key_area_id)
            .where(*self.conditions(except_facet="goals")).group_by(KeyArea.goal_id)).all()
        goal_codes = {goal_id: code for code, goal_id in self.goal_ids.items()}
        counts.goals = {goal_codes[goal_id]: number for goal_id, number in by_goal}
        return counts
