"""One global allocation of needs to offers, within each offer's capacity (PRODUCT.md §4.4).

`allocate` is a min-cost flow (OR-tools): source → Party → need (capacity 1) → offer (capacity 1, cost −score)
→ sink (capacity: the offer's capacity left), plus a bypass source → sink so that needs may stay unserved.
Scores become integer costs (the largest is COST_RANGE units), so with fairness 0 the flow reaches the optimum
of the linear program over the same candidates (`lp_optimum` is that LP, for reference).

The fairness term, in plain words. A Party's share is the weight of its needs served ÷ the weight of its needs
that have at least one candidate. The plain optimum leaves Parties whose needs weigh little or are hard to serve
far below the others. With fairness > 0 the plain optimum is only the first round; up to ROUNDS more rounds
follow, each a min-cost flow in which the Parties that are short earn a bonus per match:

- after each round, every Party whose share is below TARGET_SHARE adds its shortfall
  (TARGET_SHARE − share) ÷ TARGET_SHARE to its price; prices start at 0 and only grow, so a Party that was
  never short never gets a bonus;
- in the next round the source → Party arcs of a Party with a price are parallel unit arcs, one per need
  with candidates: its j-th match (of n such needs) earns
      fairness × price × unit × (1 − (j − 1) ÷ n),
  unit being the mean over needs of their best candidate's score. Each extra match of the same Party is worth
  less, and only needs actually matched earn it (the others flow through the bypass);
- to solve faster, a round keeps all candidates of the needs of Parties with a price, and for the other needs
  their ROUND_CANDIDATES best candidates plus the pair they had in the previous round; its costs are rounded
  to ROUND_COST_RANGE units.

The result is, among the rounds whose objective (Σ score, the bonus left out) is at least
(1 − MAX_OBJECTIVE_LOSS) × the optimum, the one with the highest lowest Party share (ties: the higher objective).
The first round qualifies, so with fairness on the objective never falls below that bound, and the lowest Party
share is never below that of the plain optimum (the same allocation as `allocate(..., fairness=0)`). Rounds stop
early when no Party is short, or when a round falls below the bound (later rounds, with higher prices, would
cost more). Larger `fairness` raises prices faster: fewer rounds to lift the short Parties, a coarser result.
"""
import heapq
import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from tracker.matching.engine import Candidates, Instance

COST_RANGE = 10**9       # integer cost of the largest score in the flow: the optimum is exact
ROUND_COST_RANGE = 10**5  # the same in the fairness rounds, coarser: they solve faster
TARGET_SHARE = 0.68      # Parties below this share are short and see their price rise
ROUNDS = 6               # fairness rounds after the optimum
MAX_OBJECTIVE_LOSS = 0.005  # the fairness term may cost at most this share of the optimum
ROUND_CANDIDATES = 20    # in the rounds, a need of an unpriced Party keeps its best candidates and its match


@dataclass
class Allocation:
    chosen: np.ndarray  # bool mask over the Candidates rows
    objective: float    # Σ score of the chosen rows (the fairness bonus is not part of it)
    seconds: float


@dataclass
class Fairness:
    served: int                # needs served
    lowest_party_share: float  # a Party's share: served weight ÷ weight of its needs that have a candidate
    p10_party_share: float     # 10th percentile of the shares
    gini: float                # Gini coefficient of the shares


def allocate(instance: Instance, cands: Candidates, *, fairness: float) -> Allocation:
    """The best allocation by total score, with the fairness rounds when fairness > 0 (see the module doc)."""
    start = time.perf_counter()
    if not len(cands):
        return Allocation(np.zeros(0, dtype=bool), 0.0, time.perf_counter() - start)
    network = _Network(instance, cands)
    best = chosen = network.solve()
    best_objective = optimum = float(cands.score[best].sum())
    if fairness > 0:
        shares = network.shares(best)
        best_lowest = shares.min()
        price = np.zeros(len(shares))
        rank = _rank_within_need(cands)
        for _ in range(ROUNDS):
            shortfall = np.clip(TARGET_SHARE - shares, 0, None)
            if not shortfall.any():
                break
            price += shortfall / TARGET_SHARE
            rows = np.flatnonzero((price > 0)[network.party_of_row] | (rank < ROUND_CANDIDATES) | chosen)
            chosen = network.solve(fairness * price, rows, cost_range=ROUND_COST_RANGE)
            objective = float(cands.score[chosen].sum())
            if objective < (1 - MAX_OBJECTIVE_LOSS) * optimum:
                break
            shares = network.shares(chosen)
            if (shares.min(), objective) > (best_lowest, best_objective):
                best, best_objective, best_lowest = chosen, objective, shares.min()
    return Allocation(best, best_objective, time.perf_counter() - start)


class _Network:
    """The flow network of one set of candidates; solved once per round with the Parties' prices."""

    def __init__(self, instance: Instance, cands: Candidates):
        self.cands = cands
        self.need_ids, self.need_of_row = np.unique(cands.need, return_inverse=True)
        self.offer_ids, self.offer_of_row = np.unique(cands.offer, return_inverse=True)
        party_ids, self.party_of_need = np.unique(instance.needs.party[self.need_ids], return_inverse=True)
        self.need_weight = instance.needs.weight[self.need_ids]
        self.party_weight = np.bincount(self.party_of_need, weights=self.need_weight, minlength=len(party_ids))
        self.party_needs = np.bincount(self.party_of_need, minlength=len(party_ids))
        self.party_of_row = self.party_of_need[self.need_of_row]
        self.capacity = instance.offers.capacity[self.offer_ids].astype(np.int64)
        best = np.zeros(len(self.need_ids))
        np.maximum.at(best, self.need_of_row, cands.score)
        self.unit = best.mean()

    def shares(self, chosen: np.ndarray) -> np.ndarray:
        """Each Party's share: served weight ÷ weight of its needs that have a candidate."""
        served = self.need_of_row[chosen]
        return np.bincount(self.party_of_need[served], weights=self.need_weight[served],
                           minlength=len(self.party_weight)) / self.party_weight

    def solve(self, price: np.ndarray | None = None, rows: np.ndarray | None = None, *,
              cost_range: int = COST_RANGE) -> np.ndarray:
        """The chosen candidate rows (a mask) of a min-cost flow with the given bonus price per Party (None: no
        bonus), over the given candidate rows only (None: all)."""
        n_parties, n_needs, n_offers = len(self.party_weight), len(self.need_ids), len(self.offer_ids)
        source, sink = 0, 1
        party_node = 2 + np.arange(n_parties)
        need_node = 2 + n_parties + np.arange(n_needs)
        offer_node = 2 + n_parties + n_needs + np.arange(n_offers)

        # Source -> Party: the priced Parties' needs one unit arc each, with a decreasing bonus; the others
        # one arc for all their needs, without bonus.
        priced = price > 0 if price is not None else np.zeros(n_parties, dtype=bool)
        counts = np.where(priced, self.party_needs, 0)
        step_party = np.repeat(np.arange(n_parties), counts)
        step = np.arange(len(step_party)) - np.repeat(np.cumsum(counts) - counts, counts)
        bonus = (price[step_party] * self.unit * (1 - step / self.party_needs[step_party])
                 if len(step_party) else np.zeros(0))
        rows = np.arange(len(self.cands)) if rows is None else rows
        score = self.cands.score[rows]
        scale = cost_range / max(float(score.max(initial=0)) + float(bonus.max(initial=0)), 1e-12)
        plain = np.flatnonzero(~priced)

        arcs = [  # (tails, heads, capacities, unit costs)
            (np.full(len(step_party), source), party_node[step_party], 1, -np.rint(bonus * scale)),
            (np.full(len(plain), source), party_node[plain], self.party_needs[plain], 0),
            (np.array([source]), np.array([sink]), n_needs, 0),
            (party_node[self.party_of_need], need_node, 1, 0),
            (need_node[self.need_of_row[rows]], offer_node[self.offer_of_row[rows]], 1, -np.rint(score * scale)),
            (offer_node, np.full(n_offers, sink), self.capacity, 0),
        ]
        flow = SimpleMinCostFlow()
        ids = [flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32),
            np.broadcast_to(capacities, tails.shape).astype(np.int64),
            np.broadcast_to(costs, tails.shape).astype(np.int64)) for tails, heads, capacities, costs in arcs]
        flow.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([n_needs, -n_needs], np.int64))
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        chosen = np.zeros(len(self.cands), dtype=bool)
        chosen[rows] = np.asarray(flow.flows(np.asarray(ids[4], dtype=np.int32))) > 0
        return chosen


def _rank_within_need(cands: Candidates) -> np.ndarray:
    """Each row's position among its need's rows, best score first."""
    if len(cands) and np.all(np.diff(cands.need) >= 0):  # the usual order: by need, then score descending
        order = np.arange(len(cands))
    else:
        order = np.lexsort((-cands.score, cands.need))
    need = cands.need[order]
    rank = np.empty(len(cands), dtype=np.int64)
    rank[order] = np.arange(len(cands)) - np.searchsorted(need, need)
    return rank


def greedy(instance: Instance, cands: Candidates) -> Allocation:
    """Pairs by score, best first: taken when the need is still unserved and the offer has capacity left."""
    start = time.perf_counter()
    order = np.argsort(-cands.score, kind="stable")
    capacity = instance.offers.capacity.astype(np.int64).tolist()
    served = bytearray(len(instance.needs.party))
    left = int(instance.offers.capacity[np.unique(cands.offer)].sum())
    taken = []
    # memoryviews: Python ints one at a time, without a list of millions of them
    for row, need, offer in zip(memoryview(order), memoryview(cands.need[order]), memoryview(cands.offer[order])):
        if not left:
            break
        if served[need] or not capacity[offer]:
            continue
        served[need] = 1
        capacity[offer] -= 1
        left -= 1
        taken.append(row)
    chosen = np.zeros(len(cands), dtype=bool)
    chosen[taken] = True
    return Allocation(chosen, float(cands.score[chosen].sum()), time.perf_counter() - start)


def greedy_least_served(instance: Instance, cands: Candidates) -> Allocation:
    """The Party with the lowest share so far takes its best pair still available, in turn (ties: lowest index)."""
    start = time.perf_counter()
    party_of_row = instance.needs.party[cands.need]
    total = _candidate_weight(instance, cands)
    order = np.lexsort((-cands.score, party_of_row))  # each Party's rows, best first
    bounds = np.searchsorted(party_of_row[order], np.arange(len(total) + 1))
    rows, needs, offers = memoryview(order), memoryview(cands.need[order]), memoryview(cands.offer[order])
    weights = instance.needs.weight.tolist()
    capacity = instance.offers.capacity.astype(np.int64).tolist()
    served = bytearray(len(weights))
    served_weight = [0.0] * len(total)
    position, end = bounds[:-1].tolist(), bounds[1:].tolist()
    heap = [(0.0, p) for p in np.flatnonzero(total > 0).tolist()]
    taken = []
    while heap:
        _, p = heapq.heappop(heap)
        i = position[p]
        while i < end[p] and (served[needs[i]] or not capacity[offers[i]]):
            i += 1
        if i == end[p]:
            continue  # nothing left for this Party
        served[needs[i]] = 1
        capacity[offers[i]] -= 1
        taken.append(rows[i])
        served_weight[p] += weights[needs[i]]
        position[p] = i + 1
        heapq.heappush(heap, (served_weight[p] / total[p], p))
    chosen = np.zeros(len(cands), dtype=bool)
    chosen[taken] = True
    return Allocation(chosen, float(cands.score[chosen].sum()), time.perf_counter() - start)


def lp_optimum(instance: Instance, cands: Candidates) -> Allocation:
    """The reference optimum: the LP relaxation (HiGHS), integral on this assignment polytope."""
    from scipy.optimize import linprog  # scipy is a test and benchmark dependency only
    from scipy.sparse import coo_array, vstack

    start = time.perf_counter()
    if not len(cands):
        return Allocation(np.zeros(0, dtype=bool), 0.0, time.perf_counter() - start)
    need_ids, need_of_row = np.unique(cands.need, return_inverse=True)
    offer_ids, offer_of_row = np.unique(cands.offer, return_inverse=True)
    columns, ones = np.arange(len(cands)), np.ones(len(cands))
    constraints = vstack([coo_array((ones, (need_of_row, columns)), shape=(len(need_ids), len(cands))),
                          coo_array((ones, (offer_of_row, columns)), shape=(len(offer_ids), len(cands)))]).tocsr()
    bounds = np.concatenate([np.ones(len(need_ids)), instance.offers.capacity[offer_ids].astype(np.float64)])
    result = linprog(-cands.score, A_ub=constraints, b_ub=bounds, bounds=(0, 1), method="highs")
    if result.status != 0:
        raise RuntimeError(f"linear program failed: {result.message}")
    chosen = result.x > 0.5
    return Allocation(chosen, float(cands.score[chosen].sum()), time.perf_counter() - start)


def fairness_summary(instance: Instance, cands: Candidates, chosen: np.ndarray) -> Fairness:
    """How evenly the chosen pairs serve the Parties that have needs with candidates."""
    weight, party = instance.needs.weight, instance.needs.party
    total = _candidate_weight(instance, cands)
    served_need = np.unique(cands.need[np.asarray(chosen, dtype=bool)])
    served = np.bincount(party[served_need], weights=weight[served_need], minlength=len(total))
    shares = served[total > 0] / total[total > 0]
    if not len(shares):
        return Fairness(0, 1.0, 1.0, 0.0)
    return Fairness(served=len(served_need), lowest_party_share=float(shares.min()),
                    p10_party_share=float(np.percentile(shares, 10)), gini=gini(shares))


def gini(values: np.ndarray) -> float:
    """Gini coefficient: 0 when all are equal, towards 1 when one holds everything."""
    values = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(values), values.sum()
    if not n or total <= 0:
        return 0.0
    return float(2 * np.sum(np.arange(1, n + 1) * values) / (n * total) - (n + 1) / n)


def _candidate_weight(instance: Instance, cands: Candidates) -> np.ndarray:
    """Per Party: the total weight of its needs that have at least one candidate."""
    need_ids = np.unique(cands.need)
    return np.bincount(instance.needs.party[need_ids], weights=instance.needs.weight[need_ids],
                       minlength=len(instance.parties.group))
