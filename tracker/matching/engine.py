"""Candidate pairs and their scores, computed over arrays: no database, no Flask.

A need and an offer are a candidate pair when they pass every hard filter (PRODUCT.md §4.1): the offer
covers the need's key area; the need's Party is eligible; they share a language (a need or offer with no
language stated accepts any); the windows overlap; the offer has capacity left; the pair was not declined
before. Each pair gets a score: the need's weight × Σ wₖ·componentₖ, each component in [0, 1] and kept,
because the components are the explanation shown to both sides.
"""
from dataclasses import dataclass, field

import numpy as np

# Column order of Candidates.components; the names are stored with each match.
COMPONENTS = ("support_type", "audience", "modality", "examples", "language")

# Modality codes in the arrays (-1: not stated).
IN_PERSON, ONLINE, HYBRID = 0, 1, 2
NO_DATE_MIN = np.iinfo(np.int32).min  # opens_on not stated
NO_DATE_MAX = np.iinfo(np.int32).max  # closes_on / wanted_by not stated

# Eligibility bases, the first that applies (for the explanation).
ELIGIBLE_ALL, ELIGIBLE_LISTED, ELIGIBLE_GROUP, ELIGIBLE_LDC, ELIGIBLE_SIDS, ELIGIBLE_DEVELOPING, \
    ELIGIBLE_SUPPLEMENTARY = range(7)


@dataclass(frozen=True)
class Weights:
    """The weights wₖ of the score's components (configuration; see README) and the allocation's settings."""

    support_type: float = 0.35
    audience: float = 0.15
    modality: float = 0.15
    examples: float = 0.10
    language: float = 0.25
    fairness: float = 1.5  # strength of the fairness term of the allocation; 0 turns it off
    max_candidates: int = 50  # best candidates kept per need

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in COMPONENTS], dtype=np.float64)


@dataclass
class Parties:
    """One row per Party (index = position). group: UN regional group index 0..4, -1 none."""

    group: np.ndarray          # int8
    ldc: np.ndarray            # bool
    sids: np.ndarray           # bool
    developing: np.ndarray     # bool (developing or economy in transition)
    supplementary: np.ndarray  # bool (Party to the Supplementary Protocol)


@dataclass
class Needs:
    """One row per need. Bit masks follow the order of the vocabularies (bit i = i-th code)."""

    party: np.ndarray      # int32, index into Parties
    area: np.ndarray       # int32, key area index 0..63
    goal: np.ndarray       # int32, goal index 0..63 of that key area
    weight: np.ndarray     # float64 > 0: level × priority
    support: np.ndarray    # int64 bit mask of support types wanted (0: none stated)
    audience: np.ndarray   # int64 bit mask of target audiences (0: none stated)
    modality: np.ndarray   # int8, -1 none stated
    languages: np.ndarray  # int64 bit mask (0: any)
    wanted_by: np.ndarray  # int32 date ordinal, NO_DATE_MAX when not stated


@dataclass
class Offers:
    """One row per offer that is open (others are simply not passed)."""

    areas: np.ndarray          # uint64 bit mask of key area indexes covered
    goals: np.ndarray          # uint64 bit mask of goal indexes whose activity examples the offer names
    support: np.ndarray        # int64 bit mask of support types offered
    audience: np.ndarray       # int64 bit mask (0: none stated)
    modality: np.ndarray       # int8, -1 none stated
    languages: np.ndarray      # int64 bit mask (0: any)
    eligible_all: np.ndarray   # bool
    eligible_groups: np.ndarray  # int64 bit mask of regional group indexes
    eligible_ldc: np.ndarray   # bool
    eligible_sids: np.ndarray  # bool
    eligible_developing: np.ndarray  # bool
    eligible_supplementary: np.ndarray  # bool
    opens_on: np.ndarray       # int32 date ordinal, NO_DATE_MIN when not stated
    closes_on: np.ndarray      # int32 date ordinal, NO_DATE_MAX when not stated
    capacity: np.ndarray       # int32 capacity left (needs it can still take), >= 0


@dataclass
class Instance:
    parties: Parties
    needs: Needs
    offers: Offers
    today: int                 # date ordinal
    # (offer index, party index) pairs for offers open to listed Parties: int32 array of shape (k, 2)
    listed: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int32))
    # (party index, area index, offer index) triples declined before: never candidates again; shape (k, 3)
    declined: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int32))


@dataclass
class Candidates:
    """Candidate pairs sorted by need, then score descending, at most Weights.max_candidates per need."""

    need: np.ndarray        # int32 need index
    offer: np.ndarray       # int32 offer index
    score: np.ndarray       # float64: need weight × Σ wₖ·componentₖ
    components: np.ndarray  # float32, shape (len, len(COMPONENTS))
    eligible_as: np.ndarray  # int8: the first eligibility basis that applies (ELIGIBLE_*)

    def __len__(self) -> int:
        return len(self.need)


def candidates(instance: Instance, weights: Weights, *, need_subset=None, offer_subset=None) -> Candidates:
    """Every candidate pair (restricted to the given need or offer indexes, for incremental work).

    Works one key area at a time: the needs in the area against the offers covering it, as boolean matrices.
    """
    needs, offers = instance.needs, instance.offers
    need_ids = _subset(need_subset, len(needs.party))
    offer_ids = _subset(offer_subset, len(offers.areas))
    # The filters that depend on one side only.
    need_ids = need_ids[needs.wanted_by[need_ids] >= instance.today]
    offer_ids = offer_ids[(offers.capacity[offer_ids] > 0) & (offers.closes_on[offer_ids] >= instance.today)]
    keep = max(int(weights.max_candidates), 0)
    if not keep:
        need_ids = need_ids[:0]

    fit = _Fit(needs, offers, weights.vector())
    # Eligibility (except listed Parties) and language depend only on the Party's profile and the need's
    # languages: one small table per area, looked up by the need's (profile, languages) code.
    profile = _party_profile(instance.parties)[needs.party]
    basis_table = _eligibility_table(offers)  # (profile, offer) -> basis other than ALL and LISTED, or -1
    combos, need_combo = np.unique(np.stack([profile, fit.language_code[0]], axis=1), axis=0, return_inverse=True)
    need_combo = need_combo.ravel()
    combo_eligible = (basis_table[combos[:, 0]] >= 0) | offers.eligible_all
    combo_language = fit.language_ok[combos[:, 1]][:, fit.language_code[1]]
    combo_ok = combo_eligible & combo_language

    listed = np.asarray(instance.listed, dtype=np.int64).reshape(-1, 2)
    declined = np.asarray(instance.declined, dtype=np.int64).reshape(-1, 3)
    offer_column = np.full(len(offers.areas), -1, dtype=np.int64)

    chunks = []
    need_areas = needs.area[need_ids]
    for area in np.unique(need_areas):
        rows = need_ids[need_areas == area]
        cols = offer_ids[((offers.areas[offer_ids] >> np.uint64(area)) & np.uint64(1)).astype(bool)]
        if not len(cols):
            continue
        party = needs.party[rows]
        offer_column[cols] = np.arange(len(cols))
        listed_r, listed_c = _pair_positions(party, offer_column, listed[:, 1], listed[:, 0])
        in_area = declined[:, 1] == area
        declined_r, declined_c = _pair_positions(party, offer_column, declined[in_area, 0], declined[in_area, 2])
        offer_column[cols] = -1

        passing = combo_ok[:, cols][need_combo[rows]]
        passing[listed_r, listed_c] |= fit.language_ok[fit.language_code[0][rows[listed_r]],
                                                       fit.language_code[1][cols[listed_c]]]
        wanted_by, opens_on = needs.wanted_by[rows], offers.opens_on[cols]
        if opens_on.max() > wanted_by.min():
            passing &= opens_on <= wanted_by[:, None]
        passing[declined_r, declined_c] = False
        r, c = np.nonzero(passing)
        n, o = rows[r], cols[c]

        score = needs.weight[n] * fit.weighted(n, o)
        # Best first within each need; lexsort is stable, so ties stay in offer order.
        order = np.lexsort((-score, r))
        r_sorted = r[order]
        order = order[np.arange(len(order)) - np.searchsorted(r_sorted, r_sorted) < keep]
        n, o, r, c = n[order], o[order], r[order], c[order]

        listed_mask = np.zeros(passing.shape, dtype=bool)
        listed_mask[listed_r, listed_c] = True
        eligible_as = np.where(offers.eligible_all[o], ELIGIBLE_ALL,
                               np.where(listed_mask[r, c], ELIGIBLE_LISTED, basis_table[profile[n], o]))
        chunks.append((n, o, score[order], fit.components(n, o), eligible_as))

    if not chunks:
        return Candidates(need=np.zeros(0, np.int32), offer=np.zeros(0, np.int32), score=np.zeros(0),
                          components=np.zeros((0, len(COMPONENTS)), np.float32), eligible_as=np.zeros(0, np.int8))
    need, offer, score, components, eligible_as = (np.concatenate(parts) for parts in zip(*chunks))
    order = np.argsort(need, kind="stable")  # each area's rows are already in order
    return Candidates(need=need[order].astype(np.int32), offer=offer[order].astype(np.int32), score=score[order],
                      components=components[order], eligible_as=eligible_as[order].astype(np.int8))


def popcount(masks: np.ndarray) -> np.ndarray:
    """Number of bits set in each mask (all 64 bits, whatever the integer type)."""
    return np.bitwise_count(np.asarray(masks).astype(np.int64).view(np.uint64)).astype(np.int64)


class _Fit:
    """The score's components as small tables: (distinct need value, distinct offer value) -> component."""

    def __init__(self, needs: Needs, offers: Offers, vector: np.ndarray):
        self.vector = vector
        self.goal, self.goals = needs.goal.astype(np.uint64), offers.goals
        self.support_code, support = _codes(needs.support, offers.support)
        self.audience_code, audience = _codes(needs.audience, offers.audience)
        self.language_code, language = _codes(needs.languages, offers.languages)
        self.modality_code = (needs.modality.astype(np.int64) + 1, offers.modality.astype(np.int64) + 1)
        self.support = _share_table(*support, none_given=0.0)
        self.audience = _share_table(*audience, none_given=0.5)
        self.language = _share_table(*language, none_given=1.0)
        wanted, given = np.arange(-1, 3)[:, None], np.arange(-1, 3)[None, :]
        self.modality = np.select([wanted < 0, given < 0, wanted == given, (wanted == HYBRID) | (given == HYBRID)],
                                  [1.0, 0.5, 1.0, 0.5], 0.0)
        need_languages, offer_languages = language
        self.language_ok = ((need_languages[:, None] == 0) | (offer_languages[None, :] == 0)
                            | ((need_languages[:, None] & offer_languages[None, :]) != 0))

    def _columns(self, n, o):
        yield self.support[self.support_code[0][n], self.support_code[1][o]]
        yield self.audience[self.audience_code[0][n], self.audience_code[1][o]]
        yield self.modality[self.modality_code[0][n], self.modality_code[1][o]]
        yield ((self.goals[o] >> self.goal[n]) & np.uint64(1)).astype(np.float64)
        yield self.language[self.language_code[0][n], self.language_code[1][o]]

    def weighted(self, n: np.ndarray, o: np.ndarray) -> np.ndarray:
        """Σ wₖ·componentₖ of the pairs (n[i], o[i])."""
        total = np.zeros(len(n))
        for weight, column in zip(self.vector, self._columns(n, o)):
            total += weight * column
        return total

    def components(self, n: np.ndarray, o: np.ndarray) -> np.ndarray:
        """The components of the pairs (n[i], o[i]), float32 of shape (len(n), len(COMPONENTS))."""
        out = np.empty((len(n), len(COMPONENTS)), dtype=np.float32)
        for k, column in enumerate(self._columns(n, o)):
            out[:, k] = column
        return out


def _codes(need_masks: np.ndarray, offer_masks: np.ndarray):
    """Each mask's position among the distinct values of its side, and those distinct values."""
    need_values, need_code = np.unique(np.asarray(need_masks, dtype=np.int64), return_inverse=True)
    offer_values, offer_code = np.unique(np.asarray(offer_masks, dtype=np.int64), return_inverse=True)
    return (need_code.ravel(), offer_code.ravel()), (need_values, offer_values)


def _share_table(wanted: np.ndarray, given: np.ndarray, *, none_given: float) -> np.ndarray:
    """Share of the wanted bits that are given: 1.0 when nothing is wanted, none_given when nothing is given."""
    wanted, given = wanted[:, None], given[None, :]
    share = popcount(wanted & given) / np.maximum(popcount(wanted), 1)
    return np.where(wanted == 0, 1.0, np.where(given == 0, none_given, share))


def _subset(subset, size: int) -> np.ndarray:
    if subset is None:
        return np.arange(size, dtype=np.int64)
    return np.unique(np.asarray(subset, dtype=np.int64).ravel())


def _party_profile(parties: Parties) -> np.ndarray:
    """A small code per Party that settles its eligibility, listed offers aside."""
    return ((parties.group.astype(np.int64) + 1) * 16 + parties.ldc * 8 + parties.sids * 4
            + parties.developing * 2 + parties.supplementary.astype(np.int64))


def _eligibility_table(offers: Offers) -> np.ndarray:
    """For each Party profile and offer, the first basis among GROUP, LDC, SIDS, DEVELOPING, SUPPLEMENTARY
    that makes the Party eligible, or -1 (ALL and LISTED are the caller's)."""
    code = np.arange(6 * 16)
    group = code // 16 - 1
    group_bit = np.where(group >= 0, np.left_shift(1, np.maximum(group, 0)), 0)
    bases = [
        (ELIGIBLE_GROUP, (group_bit[:, None] & offers.eligible_groups[None, :]) != 0),
        (ELIGIBLE_LDC, ((code & 8) != 0)[:, None] & offers.eligible_ldc),
        (ELIGIBLE_SIDS, ((code & 4) != 0)[:, None] & offers.eligible_sids),
        (ELIGIBLE_DEVELOPING, ((code & 2) != 0)[:, None] & offers.eligible_developing),
        (ELIGIBLE_SUPPLEMENTARY, ((code & 1) != 0)[:, None] & offers.eligible_supplementary),
    ]
    table = np.full((len(code), len(offers.areas)), -1, dtype=np.int8)
    for basis, applies in reversed(bases):
        table[applies] = basis
    return table


def _pair_positions(party: np.ndarray, offer_column: np.ndarray, pair_party: np.ndarray, pair_offer: np.ndarray):
    """(need row, offer column) positions in an area's matrix of the (Party, offer) pairs given.

    party: the Party of each need row; offer_column: offer index -> its column, -1 outside the area.
    """
    col = offer_column[pair_offer]
    pair_party, col = pair_party[col >= 0], col[col >= 0]
    by_party = np.argsort(party, kind="stable")
    sorted_party = party[by_party]
    lo = np.searchsorted(sorted_party, pair_party, side="left")
    count = np.searchsorted(sorted_party, pair_party, side="right") - lo
    ends = np.cumsum(count)
    within = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - count, count)
    return by_party[np.repeat(lo, count) + within], np.repeat(col, count)
