"""The matching engine and the allocation, on arrays only: random small instances checked against a plain-Python
reading of the rules, and a few examples worked out by hand."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.matching.allocation import (MAX_OBJECTIVE_LOSS, allocate, fairness_summary, gini, greedy,
                                         greedy_least_served, lp_optimum)
from tracker.matching.engine import (COMPONENTS, ELIGIBLE_ALL, ELIGIBLE_DEVELOPING, ELIGIBLE_GROUP, ELIGIBLE_LDC,
                                     ELIGIBLE_LISTED, ELIGIBLE_SIDS, ELIGIBLE_SUPPLEMENTARY, HYBRID, IN_PERSON,
                                     NO_DATE_MAX, NO_DATE_MIN, ONLINE, Instance, Needs, Offers, Parties, Weights,
                                     candidates)

TODAY = 739_000
BOUNDED = settings(max_examples=60, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
AREAS = [0, 1, 2, 63]  # 63: the top bit of the uint64 area masks


# --- random instances ---------------------------------------------------------------------------------------

@st.composite
def instances(draw, max_needs=14, max_offers=7, areas=tuple(AREAS)):
    n_parties = draw(st.integers(1, 5))
    n_needs = draw(st.integers(1, max_needs))
    n_offers = draw(st.integers(1, max_offers))
    ints = lambda lo, hi, n: np.array(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), dtype=np.int64)
    bools = lambda n: np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    pick = lambda values, n: np.array(draw(st.lists(st.sampled_from(values), min_size=n, max_size=n)))

    parties = Parties(group=ints(-1, 4, n_parties).astype(np.int8), ldc=bools(n_parties), sids=bools(n_parties),
                      developing=bools(n_parties), supplementary=bools(n_parties))
    needs = Needs(
        party=ints(0, n_parties - 1, n_needs).astype(np.int32), area=pick(areas, n_needs).astype(np.int32),
        goal=ints(0, 3, n_needs).astype(np.int32),
        weight=pick([0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0], n_needs).astype(np.float64),
        support=ints(0, 15, n_needs), audience=ints(0, 7, n_needs), modality=ints(-1, 2, n_needs).astype(np.int8),
        languages=pick([0, 0, 1, 2, 3, 4, 6], n_needs).astype(np.int64),
        wanted_by=pick([NO_DATE_MAX, NO_DATE_MAX, TODAY - 1, TODAY, TODAY + 10, TODAY + 30], n_needs).astype(np.int32))
    area_sets = [draw(st.sets(st.sampled_from(areas), min_size=1, max_size=3)) for _ in range(n_offers)]
    offers = Offers(
        areas=np.array([sum(1 << a for a in s) for s in area_sets], dtype=np.uint64),
        goals=ints(0, 15, n_offers).astype(np.uint64),
        support=ints(0, 15, n_offers), audience=ints(0, 7, n_offers), modality=ints(-1, 2, n_offers).astype(np.int8),
        languages=pick([0, 1, 1, 2, 5, 7], n_offers).astype(np.int64),
        eligible_all=bools(n_offers), eligible_groups=ints(0, 31, n_offers), eligible_ldc=bools(n_offers),
        eligible_sids=bools(n_offers), eligible_developing=bools(n_offers), eligible_supplementary=bools(n_offers),
        opens_on=pick([NO_DATE_MIN, NO_DATE_MIN, TODAY - 3, TODAY, TODAY + 10, TODAY + 30],
                      n_offers).astype(np.int32),
        closes_on=pick([NO_DATE_MAX, NO_DATE_MAX, TODAY - 1, TODAY, TODAY + 10], n_offers).astype(np.int32),
        capacity=pick([0, 1, 1, 2, 3, 5], n_offers).astype(np.int32))
    pairs = [(o, p) for o in range(n_offers) for p in range(n_parties)]
    listed = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=6))
    triples = [(p, a, o) for p in range(n_parties) for a in areas for o in range(n_offers)]
    declined = draw(st.lists(st.sampled_from(triples), unique=True, max_size=6))
    return Instance(parties=parties, needs=needs, offers=offers, today=TODAY,
                    listed=np.array(listed, dtype=np.int32).reshape(-1, 2),
                    declined=np.array(declined, dtype=np.int32).reshape(-1, 3))


@st.composite
def crowded_instances(draw):
    """Many needs of a few Parties competing for a few offers at nearly equal scores, where fairness can act
    within its objective bound."""
    n_parties, n_needs, n_offers = draw(st.integers(2, 5)), draw(st.integers(10, 40)), draw(st.integers(1, 4))
    party = draw(st.lists(st.integers(0, n_parties - 1), min_size=n_needs, max_size=n_needs))
    weight = draw(st.lists(st.sampled_from([1.0, 0.998, 0.995, 0.99]), min_size=n_needs, max_size=n_needs))
    capacity = draw(st.lists(st.integers(1, 6), min_size=n_offers, max_size=n_offers))
    needs = [dict(party=p, weight=w) for p, w in zip(party, weight)]
    return example(needs=needs, offers=[dict(capacity=c) for c in capacity], parties=n_parties)


# --- the rules, read one pair at a time ------------------------------------------------------------------------

def bits(mask) -> int:
    return bin(int(mask) & (2**64 - 1)).count("1")


def eligibility(instance, i, o):
    """The first basis on which the need's Party may take the offer, or None."""
    offers, parties = instance.offers, instance.parties
    p = int(instance.needs.party[i])
    group = int(parties.group[p])
    bases = [
        (ELIGIBLE_ALL, offers.eligible_all[o]),
        (ELIGIBLE_LISTED, (o, p) in {tuple(row) for row in instance.listed.tolist()}),
        (ELIGIBLE_GROUP, group >= 0 and int(offers.eligible_groups[o]) >> group & 1),
        (ELIGIBLE_LDC, parties.ldc[p] and offers.eligible_ldc[o]),
        (ELIGIBLE_SIDS, parties.sids[p] and offers.eligible_sids[o]),
        (ELIGIBLE_DEVELOPING, parties.developing[p] and offers.eligible_developing[o]),
        (ELIGIBLE_SUPPLEMENTARY, parties.supplementary[p] and offers.eligible_supplementary[o]),
    ]
    return next((basis for basis, applies in bases if applies), None)


def passes(instance, i, o) -> bool:
    needs, offers = instance.needs, instance.offers
    p, area = int(needs.party[i]), int(needs.area[i])
    need_lang, offer_lang = int(needs.languages[i]), int(offers.languages[o])
    return bool(
        int(offers.areas[o]) >> area & 1
        and eligibility(instance, i, o) is not None
        and (need_lang == 0 or offer_lang == 0 or need_lang & offer_lang)
        and offers.opens_on[o] <= needs.wanted_by[i]
        and offers.closes_on[o] >= instance.today
        and needs.wanted_by[i] >= instance.today
        and offers.capacity[o] > 0
        and (p, area, o) not in {tuple(row) for row in instance.declined.tolist()})


def components(instance, i, o) -> list[float]:
    needs, offers = instance.needs, instance.offers

    def share(wanted, given, none_given):
        wanted, given = int(wanted), int(given)
        if wanted == 0:
            return 1.0
        if given == 0:
            return none_given
        return bits(wanted & given) / bits(wanted)

    wanted, given = int(needs.modality[i]), int(offers.modality[o])
    if wanted < 0 or wanted == given:
        modality = 1.0
    elif given < 0 or HYBRID in (wanted, given):
        modality = 0.5
    else:
        modality = 0.0
    return [share(needs.support[i], offers.support[o], 0.0), share(needs.audience[i], offers.audience[o], 0.5),
            modality, float(int(offers.goals[o]) >> int(needs.goal[i]) & 1),
            share(needs.languages[i], offers.languages[o], 1.0)]


def pairs_of(cands) -> list[tuple[int, int]]:
    return list(zip(cands.need.tolist(), cands.offer.tolist()))


# --- candidates -----------------------------------------------------------------------------------------------

@BOUNDED
@given(instances())
def test_candidates_are_exactly_the_pairs_that_pass_every_filter(instance):
    weights = Weights(max_candidates=1000)
    cands = candidates(instance, weights)
    expected = {(i, o) for i in range(len(instance.needs.party)) for o in range(len(instance.offers.areas))
                if passes(instance, i, o)}
    assert sorted(pairs_of(cands)) == sorted(expected)
    assert len(set(pairs_of(cands))) == len(cands)
    for row, (i, o) in enumerate(pairs_of(cands)):
        assert cands.eligible_as[row] == eligibility(instance, i, o)
        assert cands.components[row] == pytest.approx(components(instance, i, o), abs=1e-6)
    assert cands.components.shape == (len(cands), len(COMPONENTS))
    assert ((cands.components >= 0) & (cands.components <= 1)).all()
    weighted = instance.needs.weight[cands.need] * (cands.components.astype(np.float64) @ weights.vector())
    assert cands.score == pytest.approx(weighted, rel=1e-6)


@BOUNDED
@given(instances(), st.integers(1, 3))
def test_candidates_keep_the_best_per_need_in_order(instance, keep):
    everything = candidates(instance, Weights(max_candidates=1000))
    kept = candidates(instance, Weights(max_candidates=keep))
    expected = []
    for need in np.unique(everything.need):
        rows = np.flatnonzero(everything.need == need)
        best_first = sorted(rows, key=lambda r: (-everything.score[r], everything.offer[r]))
        expected += [(int(need), int(everything.offer[r])) for r in best_first[:keep]]
    assert pairs_of(kept) == expected


@BOUNDED
@given(instances(), st.data())
def test_subsets_restrict_the_needs_and_offers_considered(instance, data):
    n_needs, n_offers = len(instance.needs.party), len(instance.offers.areas)
    need_subset = data.draw(st.lists(st.integers(0, n_needs - 1), max_size=5)) if n_needs else []
    offer_subset = data.draw(st.lists(st.integers(0, n_offers - 1), max_size=4)) if n_offers else []
    weights = Weights(max_candidates=1000)
    everything = pairs_of(candidates(instance, weights))
    assert pairs_of(candidates(instance, weights, need_subset=np.array(need_subset, dtype=np.int64))) == [
        (i, o) for i, o in everything if i in need_subset]
    assert pairs_of(candidates(instance, weights, offer_subset=np.array(offer_subset, dtype=np.int64))) == [
        (i, o) for i, o in everything if o in offer_subset]


@BOUNDED
@given(instances())
def test_declined_triples_are_never_candidates(instance):
    cands = candidates(instance, Weights(max_candidates=1000))
    declined = {tuple(row) for row in instance.declined.tolist()}
    party, area = instance.needs.party, instance.needs.area
    assert not any((int(party[i]), int(area[i]), o) in declined for i, o in pairs_of(cands))


# --- allocation -----------------------------------------------------------------------------------------------

METHODS = {
    "flow": lambda instance, cands: allocate(instance, cands, fairness=0.0),
    "flow_fair": lambda instance, cands: allocate(instance, cands, fairness=Weights().fairness),
    "greedy": greedy,
    "greedy_least_served": greedy_least_served,
    "lp": lp_optimum,
}


@BOUNDED
@given(instances(max_needs=20, max_offers=8), st.sampled_from(sorted(METHODS)))
def test_an_allocation_respects_capacities_and_serves_each_need_once(instance, method):
    cands = candidates(instance, Weights())
    allocation = METHODS[method](instance, cands)
    assert allocation.chosen.dtype == bool and allocation.chosen.shape == (len(cands),)
    served = cands.need[allocation.chosen]
    assert len(np.unique(served)) == len(served)
    used = np.bincount(cands.offer[allocation.chosen], minlength=len(instance.offers.areas))
    assert (used <= instance.offers.capacity).all()
    assert allocation.objective == pytest.approx(float(cands.score[allocation.chosen].sum()))
    assert allocation.seconds >= 0


@BOUNDED
@given(instances(max_needs=20, max_offers=8))
def test_the_flow_without_fairness_reaches_the_lp_optimum(instance):
    cands = candidates(instance, Weights())
    flow, lp = allocate(instance, cands, fairness=0.0), lp_optimum(instance, cands)
    assert flow.objective == pytest.approx(lp.objective, rel=1e-6, abs=1e-9)
    assert greedy(instance, cands).objective <= lp.objective + 1e-9


@BOUNDED
@given(st.one_of(instances(max_needs=20, max_offers=8), crowded_instances()), st.sampled_from([0.5, 1.5, 5.0]))
def test_fairness_never_lowers_the_lowest_share_and_costs_little(instance, fairness):
    cands = candidates(instance, Weights())
    plain, fair = allocate(instance, cands, fairness=0.0), allocate(instance, cands, fairness=fairness)
    assert (fairness_summary(instance, cands, fair.chosen).lowest_party_share
            >= fairness_summary(instance, cands, plain.chosen).lowest_party_share)
    assert fair.objective >= (1 - MAX_OBJECTIVE_LOSS) * plain.objective - 1e-9


# --- examples worked out by hand -------------------------------------------------------------------------------

TRAINING, TECHNICAL, FUNDING = 1, 2, 4
EN, FR = 1, 2


def example(needs: list[dict], offers: list[dict], parties: int = 2, **instance) -> Instance:
    """An instance from a few fields per need and offer; the others take permissive defaults."""
    need_defaults = dict(party=0, area=0, goal=0, weight=1.0, support=0, audience=0, modality=-1, languages=0,
                         wanted_by=NO_DATE_MAX)
    offer_defaults = dict(areas=1, goals=0, support=TRAINING, audience=0, modality=-1, languages=0, eligible_all=True,
                          eligible_groups=0, eligible_ldc=False, eligible_sids=False, eligible_developing=False,
                          eligible_supplementary=False, opens_on=NO_DATE_MIN, closes_on=NO_DATE_MAX, capacity=1)
    types = {**{name: value.dtype for name, value in vars(empty_needs()).items()},
             **{name: value.dtype for name, value in vars(empty_offers()).items()}}

    def columns(rows, defaults):
        return {name: np.array([row.get(name, default) for row in rows], dtype=types[name])
                for name, default in defaults.items()}

    party_fields = dict(group=np.zeros(parties, np.int8), ldc=np.zeros(parties, bool), sids=np.zeros(parties, bool),
                        developing=np.ones(parties, bool), supplementary=np.zeros(parties, bool))
    party_fields.update(instance.pop("party_fields", {}))
    return Instance(parties=Parties(**party_fields), needs=Needs(**columns(needs, need_defaults)),
                    offers=Offers(**columns(offers, offer_defaults)), today=TODAY, **instance)


def empty_needs() -> Needs:
    return Needs(party=np.zeros(0, np.int32), area=np.zeros(0, np.int32), goal=np.zeros(0, np.int32),
                 weight=np.zeros(0), support=np.zeros(0, np.int64), audience=np.zeros(0, np.int64),
                 modality=np.zeros(0, np.int8), languages=np.zeros(0, np.int64), wanted_by=np.zeros(0, np.int32))


def empty_offers() -> Offers:
    return Offers(areas=np.zeros(0, np.uint64), goals=np.zeros(0, np.uint64), support=np.zeros(0, np.int64),
                  audience=np.zeros(0, np.int64), modality=np.zeros(0, np.int8), languages=np.zeros(0, np.int64),
                  eligible_all=np.zeros(0, bool), eligible_groups=np.zeros(0, np.int64), eligible_ldc=np.zeros(0, bool),
                  eligible_sids=np.zeros(0, bool), eligible_developing=np.zeros(0, bool),
                  eligible_supplementary=np.zeros(0, bool), opens_on=np.zeros(0, np.int32),
                  closes_on=np.zeros(0, np.int32), capacity=np.zeros(0, np.int32))


def test_a_need_for_training_and_funding_gets_half_from_a_training_offer():
    instance = example(
        needs=[dict(weight=6.0, support=TRAINING | FUNDING, audience=0b011, modality=HYBRID, goal=2,
                    languages=EN | FR)],
        offers=[dict(support=TRAINING | TECHNICAL, audience=0b110, modality=ONLINE, goals=0b100, languages=FR)])
    cands = candidates(instance, Weights())
    assert cands.components.tolist() == [[0.5, 0.5, 0.5, 1.0, 0.5]]
    # 6 × (0.35×0.5 + 0.15×0.5 + 0.15×0.5 + 0.10×1 + 0.25×0.5) = 6 × 0.55
    assert cands.score.tolist() == [pytest.approx(3.3)]
    assert cands.eligible_as.tolist() == [ELIGIBLE_ALL]


@pytest.mark.parametrize(("need", "offer", "expected"), [
    (-1, IN_PERSON, 1.0), (IN_PERSON, -1, 0.5), (ONLINE, ONLINE, 1.0), (ONLINE, HYBRID, 0.5),
    (HYBRID, IN_PERSON, 0.5), (IN_PERSON, ONLINE, 0.0),
])
def test_modality_fit(need, offer, expected):
    instance = example(needs=[dict(modality=need)], offers=[dict(modality=offer)])
    assert candidates(instance, Weights()).components[0, COMPONENTS.index("modality")] == expected


def test_needs_and_offers_without_preferences_fit_fully_or_by_half():
    instance = example(needs=[dict(audience=0b1), dict(audience=0)], offers=[dict(audience=0, goals=0)])
    cands = candidates(instance, Weights())
    assert cands.components.tolist() == [[1.0, 0.5, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 0.0, 1.0]]


def test_the_first_eligibility_basis_is_reported():
    instance = example(
        needs=[dict(party=0), dict(party=1), dict(party=2)],
        offers=[dict(eligible_all=False, eligible_groups=0b1, eligible_ldc=True, capacity=3),
                dict(eligible_all=False, eligible_developing=True, capacity=3)],
        parties=3, listed=np.array([[1, 2]], dtype=np.int32),
        party_fields=dict(group=np.array([0, 1, 1], np.int8), ldc=np.array([True, True, False]),
                          developing=np.array([True, True, True])))
    cands = candidates(instance, Weights())
    assert list(zip(pairs_of(cands), cands.eligible_as.tolist())) == [
        ((0, 0), ELIGIBLE_GROUP), ((0, 1), ELIGIBLE_DEVELOPING), ((1, 0), ELIGIBLE_LDC),
        ((1, 1), ELIGIBLE_DEVELOPING), ((2, 1), ELIGIBLE_LISTED)]


def test_windows_capacity_language_area_and_declined_pairs_exclude():
    instance = example(
        needs=[dict(wanted_by=TODAY + 5, languages=FR, area=63), dict(wanted_by=TODAY - 1, area=63)],
        offers=[dict(areas=1 << 63, languages=FR),  # the only candidate
                dict(areas=1 << 63, opens_on=TODAY + 6),  # opens after the need is wanted
                dict(areas=1 << 63, closes_on=TODAY - 1),  # closed
                dict(areas=1 << 63, capacity=0),  # full
                dict(areas=1 << 63, languages=EN),  # no shared language
                dict(areas=1 << 62),  # another key area
                dict(areas=1 << 63)],  # declined before
        declined=np.array([[0, 63, 6]], dtype=np.int32))
    assert pairs_of(candidates(instance, Weights())) == [(0, 0)]


def test_allocations_of_a_small_example():
    # Party 0 has two heavy needs, Party 1 a light one; the offer takes two.
    instance = example(needs=[dict(party=0, weight=9.0), dict(party=0, weight=9.0), dict(party=1, weight=1.0)],
                       offers=[dict(capacity=2)])
    cands = candidates(instance, Weights())
    served = lambda allocation: sorted(cands.need[allocation.chosen].tolist())
    assert served(greedy(instance, cands)) == [0, 1]
    assert served(allocate(instance, cands, fairness=0.0)) == [0, 1]
    assert served(lp_optimum(instance, cands)) == [0, 1]
    assert served(greedy_least_served(instance, cands)) == [0, 2]


def test_the_flow_tells_apart_nearly_equal_scores():
    instance = example(needs=[dict(party=0, weight=1.0 - 1e-8), dict(party=1, weight=1.0)], offers=[dict()])
    cands = candidates(instance, Weights())
    assert cands.need[allocate(instance, cands, fairness=0.0).chosen].tolist() == [1]


def test_fairness_moves_a_match_when_it_costs_little():
    # Party 0 is served four times at 1.0; Party 1's only need scores 0.99 on the same offer.
    needs = [dict(party=0, weight=1.0)] + [dict(party=0, area=1, weight=1.0)] * 3 + [dict(party=1, weight=0.99)]
    instance = example(needs=needs, offers=[dict(), dict(areas=0b10, capacity=3)])
    cands = candidates(instance, Weights())
    plain = allocate(instance, cands, fairness=0.0)
    fair = allocate(instance, cands, fairness=Weights().fairness)
    assert sorted(cands.need[plain.chosen].tolist()) == [0, 1, 2, 3]
    assert sorted(cands.need[fair.chosen].tolist()) == [1, 2, 3, 4]
    assert fairness_summary(instance, cands, fair.chosen).lowest_party_share == 0.75
    assert fair.objective == pytest.approx(plain.objective * 3.99 / 4.0)


def test_fairness_does_not_move_a_match_that_costs_too_much():
    needs = [dict(party=0, weight=1.0)] + [dict(party=0, area=1, weight=1.0)] * 3 + [dict(party=1, weight=0.5)]
    instance = example(needs=needs, offers=[dict(), dict(areas=0b10, capacity=3)])
    cands = candidates(instance, Weights())
    fair = allocate(instance, cands, fairness=100.0)
    assert sorted(cands.need[fair.chosen].tolist()) == [0, 1, 2, 3]


def test_fairness_summary_and_gini():
    instance = example(needs=[dict(party=0, weight=3.0), dict(party=0, weight=1.0), dict(party=1, weight=2.0),
                              dict(party=2, weight=1.0, area=5)],  # Party 2's need has no candidate
                       offers=[dict(capacity=3)], parties=3)
    cands = candidates(instance, Weights())
    chosen = np.isin(cands.need, [0])
    summary = fairness_summary(instance, cands, chosen)
    assert (summary.served, summary.lowest_party_share) == (1, 0.0)
    assert summary.p10_party_share == pytest.approx(0.075)  # shares 0.75 and 0, 10th percentile
    assert summary.gini == pytest.approx(0.5)
    assert gini(np.array([1.0, 1.0, 1.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 1.0])) == pytest.approx(2 / 3)


def test_nothing_to_allocate():
    instance = example(needs=[], offers=[])
    cands = candidates(instance, Weights())
    assert len(cands) == 0
    for method in METHODS.values():
        allocation = method(instance, cands)
        assert (allocation.chosen.shape, allocation.objective) == ((0,), 0.0)
