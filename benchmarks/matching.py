"""Time and quality of the matching: candidate generation plus each allocation method, on a synthetic instance.

    python -m benchmarks.matching [--scale 1] [--runs 3] [--seed 7] [--lp]

Scale 1 is 200 Parties × 50 key areas (10k needs) and 1k offers; scale 10 is 2,000 Parties (100k needs) and
10k offers; the offers' total capacity is 0.6 × the number of needs. Prints one JSON object per method
(greedy, greedy_least_served, flow, flow_fair, lp): median seconds including candidate generation, peak
memory, objective ÷ the optimum, and the fairness figures. The LP runs at scale 1 only (or with --lp); without
it, the optimum is the objective of `flow` (the min-cost flow without the fairness term reaches it).
"""
import argparse
import json
import statistics
import time
import tracemalloc
from datetime import date

import numpy as np

from tracker.matching.allocation import allocate, fairness_summary, greedy, greedy_least_served, lp_optimum
from tracker.matching.engine import (HYBRID, IN_PERSON, NO_DATE_MAX, NO_DATE_MIN, ONLINE, Instance, Needs, Offers,
                                     Parties, Weights, candidates)

AREAS, GOALS = 50, 14
SUPPORT_TYPES, AUDIENCES = 8, 10
EN, FR, ES, AR, RU, ZH, PT = (1 << i for i in range(7))
AFRICAN, ASIA_PACIFIC, CEEG, GRULAC, WEOG = range(5)
# (group, ldc, sids, developing, share of Parties), after the Parties to the Cartagena Protocol.
PROFILES = [
    (AFRICAN, 1, 0, 1, 31), (AFRICAN, 0, 0, 1, 17), (AFRICAN, 0, 1, 1, 3),
    (ASIA_PACIFIC, 0, 0, 1, 30), (ASIA_PACIFIC, 0, 1, 1, 9), (ASIA_PACIFIC, 1, 0, 1, 6),
    (ASIA_PACIFIC, 1, 1, 1, 2), (ASIA_PACIFIC, 0, 0, 0, 2),
    (GRULAC, 0, 1, 1, 15), (GRULAC, 0, 0, 1, 15),
    (CEEG, 0, 0, 1, 11), (CEEG, 0, 0, 0, 11),
    (WEOG, 0, 0, 0, 20), (-1, 0, 0, 0, 1),
]
# Working languages of a Party by regional group, with their odds.
GROUP_LANGUAGES = {
    AFRICAN: ([EN, FR, AR, EN | FR, PT], [0.4, 0.35, 0.1, 0.1, 0.05]),
    ASIA_PACIFIC: ([EN, ZH, AR, RU, EN | AR], [0.6, 0.05, 0.15, 0.1, 0.1]),
    CEEG: ([RU, EN, EN | RU], [0.4, 0.4, 0.2]),
    GRULAC: ([ES, EN, PT, EN | ES], [0.55, 0.25, 0.05, 0.15]),
    WEOG: ([EN, FR, ES, EN | FR], [0.6, 0.2, 0.1, 0.1]),
    -1: ([EN], [1.0]),
}
TODAY = date(2025, 6, 1).toordinal()


def build_instance(scale: float = 1, seed: int = 7) -> Instance:
    """A seeded synthetic instance: every Party has a need in every key area (levels low to high)."""
    rng = np.random.default_rng(seed)
    n_parties, n_offers = round(200 * scale), round(1000 * scale)
    parties, languages = _parties(rng, n_parties)
    needs = _needs(rng, parties, languages)
    offers, listed = _offers(rng, n_offers, capacity=round(0.6 * len(needs.party)), n_parties=n_parties)
    # A few pairs declined before.
    k = len(needs.party) // 200
    picked = rng.choice(len(needs.party), k, replace=False)
    declined = np.stack([needs.party[picked], needs.area[picked], rng.integers(0, n_offers, k)], axis=1)
    return Instance(parties=parties, needs=needs, offers=offers, today=TODAY, listed=listed,
                    declined=declined.astype(np.int32))


def _parties(rng, n: int):
    odds = np.array([p[-1] for p in PROFILES], dtype=float)
    profile = rng.choice(len(PROFILES), n, p=odds / odds.sum())
    table = np.array([p[:4] for p in PROFILES])[profile]
    group = table[:, 0]
    parties = Parties(group=group.astype(np.int8), ldc=table[:, 1].astype(bool), sids=table[:, 2].astype(bool),
                      developing=table[:, 3].astype(bool), supplementary=rng.random(n) < 0.32)
    languages = np.zeros(n, dtype=np.int64)
    for g, (choices, p) in GROUP_LANGUAGES.items():
        members = np.flatnonzero(group == g)
        languages[members] = rng.choice(choices, len(members), p=p)
    return parties, languages


def _needs(rng, parties: Parties, party_languages: np.ndarray) -> Needs:
    n_parties = len(parties.group)
    party = np.repeat(np.arange(n_parties), AREAS).astype(np.int32)
    area = np.tile(np.arange(AREAS), n_parties).astype(np.int32)
    n = len(party)
    # Developing Parties, and LDC most, report higher levels.
    level_odds = np.where(parties.ldc[party, None], [0.15, 0.35, 0.5],
                          np.where(parties.developing[party, None], [0.3, 0.4, 0.3], [0.6, 0.3, 0.1]))
    level = 1 + (rng.random(n)[:, None] > np.cumsum(level_odds, axis=1)[:, :2]).sum(axis=1)
    priority_weight = rng.choice([1, 2, 3], n, p=[0.3, 0.4, 0.3])
    modality = np.where(rng.random(n) < 0.5, -1, rng.choice([IN_PERSON, ONLINE, HYBRID], n, p=[0.5, 0.2, 0.3]))
    # Half the needs state their languages: the Party's own, sometimes English as well.
    languages = np.where(rng.random(n) < 0.5, party_languages[party], 0)
    languages = np.where((languages != 0) & (rng.random(n) < 0.3), languages | EN, languages)
    wanted_by = np.where(rng.random(n) < 0.7, NO_DATE_MAX, TODAY + rng.integers(-20, 900, n))
    return Needs(party=party, area=area, goal=(area * GOALS // AREAS).astype(np.int32),
                 weight=(level * priority_weight).astype(np.float64),
                 support=_masks(rng, n, SUPPORT_TYPES, stated=0.7, most=3), audience=_masks(rng, n, AUDIENCES, 0.6, 2),
                 modality=modality.astype(np.int8), languages=languages, wanted_by=wanted_by.astype(np.int32))


def _offers(rng, n: int, *, capacity: int, n_parties: int):
    # Some key areas draw many more offers than others; an offer covers 1-3 neighbouring areas.
    popularity = 1 / (rng.permutation(AREAS) + 8.0)
    first = rng.choice(AREAS, n, p=popularity / popularity.sum())
    width = rng.choice([1, 2, 3], n, p=[0.4, 0.35, 0.25])
    areas = np.zeros(n, dtype=np.uint64)
    goals = np.zeros(n, dtype=np.uint64)
    for step in range(3):
        covered = (step < width) & (first + step < AREAS)
        a = (first + step)[covered]
        areas[covered] |= np.uint64(1) << a.astype(np.uint64)
        # Most offers name activity examples of the goals of their areas.
        named = rng.random(covered.sum()) < 0.6
        goals[np.flatnonzero(covered)[named]] |= np.uint64(1) << (a[named] * GOALS // AREAS).astype(np.uint64)

    kind = rng.choice(6, n, p=[0.45, 0.25, 0.1, 0.05, 0.1, 0.05])  # all, developing, ldc, sids, groups, listed
    eligible_groups = np.where(kind == 4, (1 << rng.integers(0, 5, n)) | np.where(rng.random(n) < 0.5,
                                                                                   1 << rng.integers(0, 5, n), 0), 0)
    listed_offers = np.flatnonzero(kind == 5)
    counts = rng.integers(3, 11, len(listed_offers))
    listed = np.stack([np.repeat(listed_offers, counts), rng.integers(0, n_parties, counts.sum())], axis=1)
    listed = np.unique(listed, axis=0)

    languages = np.where(rng.random(n) < 0.75, EN, 0)
    for bit, odds in ((FR, 0.25), (ES, 0.2), (AR, 0.08), (RU, 0.08), (ZH, 0.05), (PT, 0.05)):
        languages |= np.where(rng.random(n) < odds, bit, 0)
    languages = np.where(rng.random(n) < 0.1, 0, np.where(languages == 0, EN, languages))

    opens_on = np.where(rng.random(n) < 0.85, np.where(rng.random(n) < 0.5, NO_DATE_MIN, TODAY - 30),
                        TODAY + rng.integers(30, 180, n))
    closes_on = np.where(rng.random(n) < 0.2, NO_DATE_MAX, TODAY + rng.integers(-10, 540, n))
    # Capacities: at least one each, the rest spread unevenly.
    spread = rng.lognormal(0, 0.8, n)
    capacity = 1 + rng.multinomial(max(capacity - n, 0), spread / spread.sum())

    offers = Offers(
        areas=areas, goals=goals,
        support=_masks(rng, n, SUPPORT_TYPES, stated=1.0, most=2), audience=_masks(rng, n, AUDIENCES, 0.5, 3),
        modality=rng.choice([-1, IN_PERSON, ONLINE, HYBRID], n, p=[0.2, 0.35, 0.3, 0.15]).astype(np.int8),
        languages=languages.astype(np.int64),
        eligible_all=kind == 0, eligible_groups=eligible_groups.astype(np.int64), eligible_ldc=kind == 2,
        eligible_sids=kind == 3, eligible_developing=kind == 1, eligible_supplementary=rng.random(n) < 0.03,
        opens_on=opens_on.astype(np.int32), closes_on=closes_on.astype(np.int32), capacity=capacity.astype(np.int32))
    return offers, listed.astype(np.int32)


def _masks(rng, n: int, bits: int, stated: float, most: int) -> np.ndarray:
    """Random bit masks: a share `stated` have 1..most bits set, the others none."""
    count = np.where(rng.random(n) < stated, rng.integers(1, most + 1, n), 0)
    masks = np.zeros(n, dtype=np.int64)
    for step in range(most):
        masks |= np.where(step < count, np.left_shift(1, rng.integers(0, bits, n)), 0)
    return masks


METHODS = {
    "greedy": lambda instance, cands: greedy(instance, cands),
    "greedy_least_served": lambda instance, cands: greedy_least_served(instance, cands),
    "flow": lambda instance, cands: allocate(instance, cands, fairness=0.0),
    "flow_fair": lambda instance, cands: allocate(instance, cands, fairness=Weights().fairness),
    "lp": lambda instance, cands: lp_optimum(instance, cands),
}


def measure(instance: Instance, method: str, runs: int):
    """Median seconds (candidates + method), peak memory in MiB, and the last run's candidates and allocation.

    Peak memory is the rise of the process's resident set (VmHWM, reset before the first run) over what it
    held before, so it counts the solver's own allocations too; where /proc cannot be reset it is the peak
    of Python allocations (tracemalloc) in one extra run.
    """
    weights = Weights()
    seconds, peak_mib = [], None
    for run in range(runs):
        baseline = _reset_peak() if run == 0 else None
        start = time.perf_counter()
        cands = candidates(instance, weights)
        allocation = METHODS[method](instance, cands)
        seconds.append(time.perf_counter() - start)
        if baseline is not None:
            peak_mib = (_status_kib("VmHWM") - baseline) / 1024
    if peak_mib is None:
        tracemalloc.start()
        METHODS[method](instance, candidates(instance, weights))
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return statistics.median(seconds), peak_mib, cands, allocation


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def _reset_peak() -> int | None:
    """Reset the process's peak resident set; its current size in KiB, or None where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return _status_kib("VmRSS")
    except OSError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lp", action="store_true", help="run the LP at any scale")
    args = parser.parse_args()
    instance = build_instance(args.scale, args.seed)
    methods = ["greedy", "greedy_least_served", "flow", "flow_fair"]
    with_lp = args.lp or args.scale <= 1
    if with_lp:
        methods.append("lp")
    scale = int(args.scale) if float(args.scale).is_integer() else args.scale
    rows = []
    for method in methods:
        seconds, peak_mib, cands, allocation = measure(instance, method, args.runs)
        rows.append((method, seconds, peak_mib, len(cands), allocation.objective,
                     fairness_summary(instance, cands, allocation.chosen)))
        del cands, allocation
    reference = "lp" if with_lp else "flow"
    optimum = next(row[4] for row in rows if row[0] == reference)
    for method, seconds, peak_mib, n_candidates, objective, fairness in rows:
        print(json.dumps({
            "method": method, "scale": scale, "needs": len(instance.needs.party),
            "offers": len(instance.offers.areas), "candidates": n_candidates, "seconds": round(seconds, 3),
            "peak_mib": round(peak_mib, 1), "objective_ratio": round(objective / optimum, 5), "reference": reference,
            "served": fairness.served, "lowest_party_share": round(fairness.lowest_party_share, 4),
            "p10_party_share": round(fairness.p10_party_share, 4), "gini": round(fairness.gini, 4),
        }))


if __name__ == "__main__":
    main()
