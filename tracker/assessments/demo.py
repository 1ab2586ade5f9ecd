"""Demo cycles, assessments and Party activities, for trying the tracker out. Never loaded in production.

`load_demo_assessments()` adds, once:

- a closed baseline cycle, "Baseline 2024", where most Parties to the Cartagena Protocol submitted;
- an open cycle, "Mid-term review 2026", whose dates move with today so that it is always open when the
  demo is loaded: some Parties submitted, some have drafts, some have not started. Kenya and Peru (the
  Parties of the demo accounts) submitted the baseline and have not started this cycle, so a demo user
  can start it and copy the baseline's answers;
- about 400 activities recorded by Parties, marked "Demo data." in their description.

The data is made up but shaped like the real thing: needs are higher in LDCs and SIDS than in WEOG
countries, detection (A.8) and risk assessment (A.5) are the most frequent high needs, needs in the
current cycle follow the baseline's (mostly the same, often one level lower), and Parties record more
activities in the areas where they need most. Everything comes from one seeded random generator, so two
loads on the same day give the same data. Rows are built in memory and inserted with one flush; no
service is called per area (they audit each change). One audit entry is written per cycle created.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tracker.accounts.demo import DEMO_ACCOUNTS
from tracker.accounts.models import PARTY_FOCAL_POINT, User
from tracker.activities.models import Activity
from tracker.assessments.content import AnswerInput, NeedInput, assessment_content
from tracker.assessments.models import (
    DRAFT, SUBMITTED, Assessment, AssessmentCycle, AssessmentVersion, DeclaredAnswer, DeclaredQuestion, Need,
)
from tracker.audit.services import record
from tracker.clock import today as clock_today
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.parties.models import Party

SEED = 2030
DEMO_MARK = "Demo data."

BASELINE_NAME = "Baseline 2024"
BASELINE_OPENS, BASELINE_CLOSES = date(2024, 3, 1), date(2024, 10, 31)
CURRENT_NAME = "Mid-term review 2026"
CURRENT_OPENED_DAYS_AGO, CURRENT_CLOSES_IN_DAYS = 45, 40

# The demo accounts' Parties: a submitted baseline, nothing yet in the current cycle.
DEMO_PARTIES = ("KEN", "PER")

# Shares of the Parties to the Protocol (the rest have no assessment in the cycle).
BASELINE_SUBMITTED = 0.85
CURRENT_SUBMITTED, CURRENT_DRAFTS = 0.55, 0.25
RESUBMITTED = 0.05  # of the current cycle's submitted assessments: at version 2
ACTIVITIES = 400

LEVELS = ("none", "low", "medium", "high")

# --- how much a Party needs ---------------------------------------------------------------------
# A Party's need in an area is base (its group, LDC, SIDS, research capacity) + the area's bump + noise,
# cut into levels at LEVEL_CUTS.
GROUP_BASE = {"weog": 0.0, None: 0.0, "ceeg": 0.30, "grulac": 0.38, "asia_pacific": 0.40, "african": 0.48}
LDC_EXTRA, SIDS_EXTRA, STRONG_LESS = 0.18, 0.14, 0.12
LEVEL_CUTS = (0.22, 0.45, 0.68)  # none | low | medium | high
# Large research systems: fewer needs, more risk assessors.
STRONG = {"ARG", "BRA", "CHN", "EGY", "IDN", "IND", "IRN", "JPN", "KOR", "MEX", "MYS", "THA", "ZAF"}
# Detection and identification (A.8) and risk assessment (A.5) first, then A.6, A.7, A.1, B.1.
AREA_BUMP = {
    "A.8(1)": 0.34, "A.8(2)": 0.40, "A.8(3)": 0.42, "A.8(4)": 0.30,
    "A.5(1)": 0.34, "A.5(2)": 0.26, "A.5(3)": 0.30, "A.5(4)": 0.24, "A.5(5)": 0.33,
    "A.6(1)": 0.22, "A.6(2)": 0.21, "A.7(1)": 0.20, "A.1(1)": 0.14, "A.1(2)": 0.17,
    "B.1(1)": 0.08, "B.1(2)": 0.12, "B.1(3)": 0.08, "B.1(4)": 0.06,
    "A.2(1)": -0.05, "A.2(2)": -0.08, "A.3(1)": 0.02, "A.3(2)": -0.10, "A.4(1)": -0.35,
    "A.9(1)": 0.05, "A.9(2)": 0.03, "A.10(1)": -0.05, "A.10(2)": 0.0, "A.10(3)": -0.02, "A.10(4)": 0.0,
    "A.10(5)": 0.04, "B.2(1)": 0.10, "B.2(2)": 0.02, "B.2(3)": 0.08,
    "B.3(1)": 0.0, "B.3(2)": 0.02, "B.3(3)": 0.04, "B.3(4)": -0.02, "B.3(5)": 0.0,
    "B.4(1)": -0.02, "B.4(2)": 0.0, "B.4(3)": -0.04,
}
# Areas a Party is more likely to leave out of its assessment (weights; 1 for the others).
OFTEN_SKIPPED = {"A.4(1)": 5, "A.10(2)": 3, "A.10(3)": 3, "A.10(4)": 3, "A.10(5)": 3, "A.9(2)": 2}

GOAL_AUDIENCES = {
    "A.1": ("cna_staff", "decision_makers", "inspectors"),
    "A.2": ("cna_staff", "academia", "public"),
    "A.3": ("cna_staff", "decision_makers"),
    "A.4": ("cna_staff", "decision_makers"),
    "A.5": ("cna_staff", "academia", "laboratory_staff"),
    "A.6": ("customs_border", "inspectors", "cna_staff", "laboratory_staff"),
    "A.7": ("customs_border", "inspectors", "private_sector"),
    "A.8": ("laboratory_staff", "customs_border", "inspectors"),
    "A.9": ("cna_staff", "academia", "iplc", "decision_makers"),
    "A.10": ("decision_makers", "cna_staff"),
    "B.1": ("cna_staff", "decision_makers"),
    "B.2": ("decision_makers", "cna_staff"),
    "B.3": ("public", "media", "academia", "iplc"),
    "B.4": ("iplc", "private_sector", "decision_makers", "academia"),
}
GOAL_SUPPORT = {
    "A.1": ("technical_assistance", "training", "expert_advice", "materials"),
    "A.2": ("training", "technical_assistance"),
    "A.3": ("training", "materials", "technical_assistance"),
    "A.4": ("technical_assistance", "expert_advice", "funding"),
    "A.5": ("training", "expert_advice", "materials", "fellowship", "infrastructure"),
    "A.6": ("training", "technical_assistance", "materials"),
    "A.7": ("training", "materials"),
    "A.8": ("training", "infrastructure", "reference_materials", "technical_assistance", "funding"),
    "A.9": ("training", "materials", "expert_advice"),
    "A.10": ("training", "expert_advice", "technical_assistance"),
    "B.1": ("funding", "technical_assistance", "materials"),
    "B.2": ("funding", "technical_assistance", "expert_advice"),
    "B.3": ("materials", "training", "fellowship"),
    "B.4": ("technical_assistance", "funding", "training"),
}
PRIORITY_WEIGHTS = {"high": (70, 25, 5), "medium": (20, 55, 25), "low": (5, 30, 65)}  # priorities 1, 2, 3

COMMENTS = {
    "high": (
        "Staff turnover at the competent authority: most trained officers have left.",
        "No dedicated budget; we depend on project funding.",
        "Applications for field trials are expected next year and we cannot yet review them.",
        "Urgent: no national expertise in this area.",
    ),
    "medium": (
        "Some training was done under the last project; refresher courses are needed.",
        "Guidance exists but is not available in our national language.",
        "Capacity exists in the capital only.",
    ),
    "low": (
        "Covered by national programmes; occasional expert advice would help.",
        "Mostly in place; we would welcome exchange of experience with other Parties.",
    ),
    "none": ("Capacity in place.",),
}
GOAL_COMMENTS = {
    "A.8": ("Only one laboratory can test for LMOs and it has no certified reference materials.",
            "Our laboratory is not accredited and cannot take part in proficiency testing."),
    "A.5": ("We rely on one or two experts to review every risk assessment.",
            "Risk assessment guidance needs adapting to our ecosystems."),
    "A.6": ("No procedure yet for responding to an unintentional transboundary movement.",),
    "A.7": ("Customs officers do not know which shipments may contain LMOs.",),
}

# --- languages -------------------------------------------------------------------------------------
ARABIC = {"ARE", "BHR", "DZA", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MAR", "MRT", "OMN", "PSE", "QAT",
          "SAU", "SDN", "SOM", "SYR", "TUN", "YEM", "DJI", "COM"}
FRENCH = {"BEN", "BFA", "BDI", "CAF", "CIV", "CMR", "COD", "COG", "COM", "DJI", "GAB", "GIN", "MDG", "MLI", "MRT",
          "NER", "RWA", "SEN", "TCD", "TGO", "DZA", "MAR", "TUN", "MUS", "SYC", "HTI", "GNQ", "LUX", "BEL", "FRA",
          "CHE", "MCO"}
SPANISH = {"ARG", "BOL", "CHL", "COL", "CRI", "CUB", "DOM", "ECU", "GTM", "HND", "MEX", "NIC", "PAN", "PER",
           "PRY", "SLV", "URY", "VEN", "GNQ", "ESP"}
RUSSIAN = {"ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "TJK", "TKM", "UKR", "UZB"}
PORTUGUESE = {"AGO", "BRA", "CPV", "GNB", "MOZ", "STP", "TLS", "PRT"}
CHINESE = {"CHN"}

# --- declared answers ---------------------------------------------------------------------------
# How much harder than average a "yes" is (added to the Party's capacity before cutting into yes/partly/no).
QUESTION_SHIFT = {
    "accredited_laboratory": -0.25, "laboratory_network_member": -0.15, "detection_infrastructure": -0.10,
    "labelling_legislation": -0.10, "biosafety_in_education": -0.10, "supplementary_trained_personnel": -0.10,
    "ra_infrastructure": -0.08, "national_budget": -0.05, "socioeconomic_academia": -0.05,
    "bch_information_current": 0.05, "cb_partnerships": 0.15, "cna_trained_staff": 0.0,
}
ILLEGAL_MOVEMENTS = ((0, 1, 2, 3, 4, 5), (75, 12, 6, 4, 2, 1))

# --- Party activities ---------------------------------------------------------------------------
# (support type, title) per key area; the title stays in English, like the Party's own records would.
AREA_TITLES = {
    "A.1(1)": (("training", "National workshop on drafting biosafety regulations"),
               ("expert_advice", "Legal review of the national biosafety framework"),
               ("technical_assistance", "Technical assistance for implementing regulations under the biosafety law")),
    "A.1(2)": (("training", "Training of competent national authority staff on handling LMO applications"),
               ("technical_assistance", "Strengthening the permit system of the competent national authority")),
    "A.2(1)": (("training", "Training on publishing national records in the Biosafety Clearing-House"),
               ("technical_assistance", "Updating the country's records in the Biosafety Clearing-House")),
    "A.2(2)": (("training", "Online course on finding and using information in the Biosafety Clearing-House"),
               ("training", "National training on searching the Biosafety Clearing-House for decisions on LMOs")),
    "A.3(1)": (("technical_assistance", "Setting up a national coordination system for biosafety information"),
               ("training", "Workshop on collecting biosafety data across ministries")),
    "A.3(2)": (("training", "Workshop on preparing the national report on the Cartagena Protocol"),),
    "A.4(1)": (("technical_assistance", "Implementation of the compliance action plan"),
               ("expert_advice", "Expert support on resolving compliance issues")),
    "A.5(1)": (("training", "National workshop on risk assessment of LMOs"),
               ("training", "Training on reviewing risk assessment reports of LMOs"),
               ("materials", "Translation and adaptation of risk assessment guidance")),
    "A.5(2)": (("training", "Training on risk management and monitoring of LMOs"),
               ("materials", "Development of risk management guidelines for LMO field trials")),
    "A.5(3)": (("infrastructure", "Equipping a laboratory supporting risk assessment of LMOs"),
               ("expert_advice", "Expert mission on risk assessment infrastructure")),
    "A.5(4)": (("training", "Training on access to biodiversity data for risk assessment"),
               ("materials", "Compilation of baseline ecological data for risk assessment")),
    "A.5(5)": (("fellowship", "Fellowship for a risk assessor at a partner institute"),
               ("training", "Advanced course on case-by-case risk assessment of LMOs")),
    "A.6(1)": (("technical_assistance",
                "Emergency response procedure for unintentional transboundary movements of LMOs"),
               ("training", "Simulation exercise on responding to an unintentional release of LMOs")),
    "A.6(2)": (("training", "Training of inspectors on preventing illegal transboundary movements of LMOs"),
               ("materials", "Guidance for border agencies on illegal transboundary movements of LMOs")),
    "A.7(1)": (("training", "Training of customs officers on documentation of LMO shipments"),
               ("materials", "Checklist for verifying documentation accompanying LMO shipments"),
               ("training", "Workshop on handling, packaging and identification of LMOs")),
    "A.8(1)": (("materials", "Standard operating procedures for LMO sampling and detection"),
               ("training", "Workshop on sampling grain shipments for LMO testing")),
    "A.8(2)": (("training", "National workshop on LMO detection methods"),
               ("training", "Hands-on training in PCR-based detection of LMOs for laboratory staff"),
               ("training", "Training of border inspectors on LMO sampling and rapid tests")),
    "A.8(3)": (("infrastructure", "Upgrade of the national LMO detection laboratory"),
               ("reference_materials", "Provision of certified reference materials for LMO detection"),
               ("technical_assistance", "Support towards ISO/IEC 17025 accreditation of the LMO detection laboratory")),
    "A.8(4)": (("technical_assistance", "Joining the regional network of LMO detection laboratories"),
               ("training", "Proficiency testing round of the regional LMO detection laboratory network")),
    "A.9(1)": (("training", "Workshop on socio-economic considerations in biosafety decision-making"),),
    "A.9(2)": (("materials", "National guidance on socio-economic considerations"),),
    "A.10(1)": (("training", "Awareness-raising workshop on the Nagoya – Kuala Lumpur Supplementary Protocol"),
                ("expert_advice", "Legal analysis in support of ratifying the Supplementary Protocol")),
    "A.10(2)": (("training", "Workshop on domestic measures on liability and redress"),),
    "A.10(3)": (("materials", "Compilation of lessons learned in implementing the Supplementary Protocol"),),
    "A.10(4)": (("training",
                 "Training of competent authorities on response measures under the Supplementary Protocol"),),
    "A.10(5)": (("technical_assistance", "Baseline survey of biological diversity in areas of LMO release"),),
    "B.1(1)": (("technical_assistance", "Self-assessment of biosafety capacity-building needs"),),
    "B.1(2)": (("funding", "National biosafety capacity-building project"),
               ("technical_assistance", "Coordination of biosafety capacity-building support")),
    "B.1(3)": (("materials", "Translation of biosafety training materials into national languages"),
               ("materials", "National library of biosafety training materials")),
    "B.1(4)": (("technical_assistance", "Bilateral cooperation on biosafety capacity-building"),),
    "B.2(1)": (("technical_assistance", "Study on a national budget line for biosafety"),
               ("expert_advice", "Expert advice on costing the national biosafety system")),
    "B.2(2)": (("technical_assistance", "Donor coordination meeting on biosafety"),),
    "B.2(3)": (("funding", "Resource mobilisation for the national biosafety framework"),),
    "B.3(1)": (("technical_assistance", "National public awareness programme on biosafety"),
               ("training", "Training of biosafety information officers on public outreach")),
    "B.3(2)": (("materials", "Production of public awareness materials on LMOs"),),
    "B.3(3)": (("training", "Biosafety module in university curricula"),
               ("fellowship", "Biosafety fellowship programme for graduate students")),
    "B.3(4)": (("training", "Training on public participation in biosafety decision-making"),
               ("technical_assistance", "Public consultation procedure for LMO applications")),
    "B.3(5)": (("training", "Biosafety communication training for journalists"),
               ("materials", "Public awareness campaign on biosafety")),
    "B.4(1)": (("technical_assistance", "Regional meeting on cooperation in biosafety"),),
    "B.4(2)": (("training", "Workshop with indigenous peoples and local communities on biosafety"),),
    "B.4(3)": (("technical_assistance", "Mainstreaming biosafety into the national agricultural policy"),
               ("training", "Workshop on biosafety in the national biodiversity strategy and action plan")),
}
# How likely a Party records an activity in an area, by its need there (times the area's popularity,
# 1 + 2 × its bump: detection and risk assessment get the most activities).
ACTIVITY_WEIGHT = {"none": 0.3, "low": 1.0, "medium": 2.5, "high": 4.0}
# Duration in days, by support type.
DURATION = {"training": (1, 5), "expert_advice": (3, 10), "technical_assistance": (30, 365),
            "materials": (60, 270), "infrastructure": (180, 900), "funding": (180, 900),
            "fellowship": (90, 365), "reference_materials": (1, 60)}
EVENTS = {"training", "expert_advice", "fellowship", "technical_assistance"}
OUTPUT_TITLES = {
    "training": ("Workshop report", "Training materials", "Presentation slides", "Recording of the sessions"),
    "materials": ("Guidance document", "Leaflet", "Translated guidance"),
    "infrastructure": ("Laboratory equipment inventory", "Completion report"),
    "reference_materials": ("List of reference materials received",),
    "technical_assistance": ("Mission report", "Draft procedure"),
    "expert_advice": ("Expert report",),
    "funding": ("Project final report", "Progress report"),
    "fellowship": ("Fellowship report",),
}
FUNDING = {"training": (5_000, 60_000), "expert_advice": (5_000, 30_000), "technical_assistance": (20_000, 150_000),
           "materials": (3_000, 40_000), "infrastructure": (80_000, 900_000), "funding": (100_000, 1_200_000),
           "fellowship": (10_000, 45_000), "reference_materials": (2_000, 25_000)}
SOURCES_ORGANISED = (("National budget", 40), ("GEF", 25), ("Bilateral donor", 15), ("European Union", 8),
                     ("UNEP", 7), ("FAO", 5))
SOURCES_TOOK_PART = (("GEF", 35), ("Bilateral donor", 25), ("European Union", 15), ("UNEP", 10), ("FAO", 10),
                     ("National budget", 5))
ACTIVITIES_START = date(2021, 1, 1)  # the Action Plan's first year


# --- the plan: what would be created, before any row is ---------------------------------------

@dataclass
class _Profile:
    party: Party
    base: float  # how much the Party needs overall (0 little … 1 much)
    languages: list[str]
    visibility: str
    latent: dict[str, str]  # key area code → the level the Party would give at the baseline
    question_noise: dict[str, float]
    experts: int

    @property
    def capacity(self) -> float:
        return max(0.05, min(0.95, 1.0 - 1.1 * self.base))


@dataclass
class _AssessmentPlan:
    profile: _Profile
    status: str
    needs: dict[str, NeedInput]
    answers: dict[str, AnswerInput]
    visibility: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    first_submitted_at: datetime | None = None  # set for those at version 2
    first_needs: dict[str, NeedInput] = field(default_factory=dict)  # what version 1 said, if at version 2


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _level(intensity: float) -> str:
    return LEVELS[sum(intensity >= cut for cut in LEVEL_CUTS)]


def _languages(iso3: str) -> list[str]:
    languages = [code for code, members in (("zh", CHINESE), ("ar", ARABIC), ("fr", FRENCH), ("es", SPANISH),
                                            ("ru", RUSSIAN), ("pt", PORTUGUESE)) if iso3 in members]
    return languages or ["en"]


def _profile(rng: random.Random, party: Party, areas: list[KeyArea], questions: list[DeclaredQuestion]) -> _Profile:
    base = GROUP_BASE.get(party.un_regional_group, 0.3)
    if party.ldc and party.sids:
        base += max(LDC_EXTRA, SIDS_EXTRA) + 0.06
    elif party.ldc:
        base += LDC_EXTRA
    elif party.sids:
        base += SIDS_EXTRA
    if party.iso3 in STRONG:
        base -= STRONG_LESS
    base = _clamp(base + rng.gauss(0, 0.08), -0.05, 0.85)
    latent = {area.code: _level(base + AREA_BUMP.get(area.code, 0.0) + rng.gauss(0, 0.16)) for area in areas}
    r = rng.random()
    visibility = "providers" if r < 0.75 else "public" if r < 0.90 else "secretariat"
    developed = party.un_regional_group in ("weog", None) or party.iso3 in STRONG
    if developed:
        experts = rng.randint(10, 40)
    elif party.ldc or party.sids:
        experts = rng.randint(0, 5)
    else:
        experts = rng.randint(1, 6) + int(12 * (1 - base) * rng.random())
    return _Profile(party=party, base=base, languages=_languages(party.iso3), visibility=visibility, latent=latent,
                    question_noise={q.code: rng.gauss(0, 0.2) for q in questions}, experts=experts)


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k items without replacement, each drawn with its weight (Efraimidis–Spirakis)."""
    keyed = sorted(zip(items, weights), key=lambda pair: rng.random() ** (1.0 / pair[1]), reverse=True)
    return [item for item, _ in keyed[:k]]


def _priority(rng: random.Random, level: str) -> int | None:
    if level == "none":
        return None
    return rng.choices((1, 2, 3), PRIORITY_WEIGHTS[level])[0]


def _some(rng: random.Random, options: tuple[str, ...], most: int = 3) -> list[str]:
    """1 to `most` of the options, the first ones likelier, kept in the options' order."""
    count = min(len(options), rng.choices((1, 2, 3), (45, 40, 15))[0], most)
    chosen = set(_weighted_sample(rng, list(options), [1.0 / (i + 1) for i in range(len(options))], count))
    return [option for option in options if option in chosen]


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _need(rng: random.Random, profile: _Profile, area: KeyArea, level: str, cycle_opens: date,
          *, draft: bool = False) -> NeedInput:
    goal = area.goal.code
    comment = ""
    if rng.random() < (0.07 if level != "none" else 0.01):
        comment = rng.choice(COMMENTS[level] + (GOAL_COMMENTS.get(goal, ()) if level in ("medium", "high") else ()))
    if level == "none":
        return NeedInput(level=level, comment=comment)
    need = NeedInput(level=level, priority=_priority(rng, level), comment=comment)
    if draft and rng.random() < 0.3:  # started, not finished
        return need
    need.audiences = _some(rng, GOAL_AUDIENCES[goal])
    need.support_types = _some(rng, GOAL_SUPPORT[goal])
    need.modality = rng.choices(("in_person", "hybrid", "online"),
                                (50, 30, 20) if level != "low" else (25, 30, 45))[0]
    languages = list(profile.languages[:1] if rng.random() < 0.7 else profile.languages)
    if "en" not in languages and rng.random() < 0.3:
        languages.append("en")
    need.languages = languages
    if rng.random() < (0.45 if level == "high" else 0.25):
        need.wanted_by = _month_end(cycle_opens + timedelta(days=rng.randint(60, 700)))
    return need


def _answers(rng: random.Random, profile: _Profile, questions: list[DeclaredQuestion], *, current: bool,
             share: float = 0.92) -> dict[str, AnswerInput]:
    party = profile.party
    answers = {}
    for question in questions:
        if question.code == "supplementary_trained_personnel" and not party.supplementary_protocol_party:
            continue
        if rng.random() >= share:
            continue
        if question.kind == "number":
            if question.code == "ra_experts":
                number = profile.experts + (rng.randint(0, 3) if current else 0)
            elif question.code == "illegal_movements_reported":
                number = rng.choices(*ILLEGAL_MOVEMENTS)[0]
            else:
                number = rng.randint(0, 10)
            answers[question.code] = AnswerInput(number=number)
            continue
        score = (profile.capacity + QUESTION_SHIFT.get(question.code, 0.0) + profile.question_noise[question.code]
                 + (0.08 if current else 0.0) + rng.gauss(0, 0.08))
        choice = "yes" if score > 0.6 else "partly" if score > 0.35 else "no"
        evidence = ""
        if choice != "no" and rng.random() < 0.12:
            evidence = rng.choice((f"https://bch.cbd.int/en/countries/{party.iso2.lower()}",
                                   f"https://bch.cbd.int/en/database/{rng.randint(100_000, 260_000)}"))
        answers[question.code] = AnswerInput(choice=choice, evidence_url=evidence)
    return answers


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59)))


def _shares(rng: random.Random, isos: list[str], shares: tuple[float, ...], forced_last: set[str]) -> list[list[str]]:
    """Split the Parties into groups of the given shares of all of them (the rest last); forced ones go last."""
    others = [iso for iso in isos if iso not in forced_last]
    rng.shuffle(others)
    groups, start = [], 0
    for share in shares:
        size = round(share * len(isos))
        groups.append(others[start:start + size])
        start += size
    groups.append(others[start:] + [iso for iso in isos if iso in forced_last])
    return groups


def _plan_baseline(rng, profiles, areas, questions) -> dict[str, _AssessmentPlan]:
    isos = sorted(profiles)
    not_started, submitted = _shares(rng, isos, (1 - BASELINE_SUBMITTED,), set(DEMO_PARTIES))
    plans = {}
    for iso in sorted(submitted):
        profile = profiles[iso]
        count = 41 if rng.random() < 0.35 else rng.randint(30, 40)
        considered = set(_weighted_sample(rng, [a.code for a in areas],
                                          [1.0 / OFTEN_SKIPPED.get(a.code, 1) for a in areas], count))
        needs = {area.code: _need(rng, profile, area, profile.latent[area.code], BASELINE_OPENS)
                 for area in areas if area.code in considered}
        submitted_on = BASELINE_OPENS + timedelta(days=rng.randint(20, (BASELINE_CLOSES - BASELINE_OPENS).days))
        submitted_at = _moment(rng, submitted_on)
        created_at = min(_moment(rng, max(BASELINE_OPENS, submitted_on - timedelta(days=rng.randint(5, 60)))),
                         submitted_at - timedelta(hours=1))
        plans[iso] = _AssessmentPlan(profile, SUBMITTED, needs, _answers(rng, profile, questions, current=False),
                                     profile.visibility, created_at, submitted_at, submitted_at)
    return plans


def _progress(rng: random.Random, level: str) -> str:
    """The level at the mid-term review given the baseline's: mostly the same or one lower."""
    index = LEVELS.index(level)
    r = rng.random()
    index += 0 if r < 0.55 else -1 if r < 0.88 else 1 if r < 0.95 else -2
    return LEVELS[int(_clamp(index, 0, 3))]


def _plan_current(rng, profiles, areas, questions, opens_on: date, today: date) -> dict[str, _AssessmentPlan]:
    isos = sorted(profiles)
    submitted, drafts, _ = _shares(rng, isos, (CURRENT_SUBMITTED, CURRENT_DRAFTS), set(DEMO_PARTIES))
    resubmitted = set(rng.sample(sorted(submitted), max(1, round(RESUBMITTED * len(submitted)))))
    days_open = (today - opens_on).days  # the cycle opened this many days ago
    plans = {}
    for iso in sorted(submitted + drafts):
        profile = profiles[iso]
        draft = iso in drafts
        if draft:
            count = rng.randint(5, 25)
            # Drafts are filled in from the top of the form, mostly.
            considered = set(_weighted_sample(rng, [a.code for a in areas],
                                              [1.0 / (1 + a.position / 8) for a in areas], count))
        else:
            count = 41 if rng.random() < 0.4 else rng.randint(30, 40)
            considered = set(_weighted_sample(rng, [a.code for a in areas],
                                              [1.0 / OFTEN_SKIPPED.get(a.code, 1) for a in areas], count))
        needs = {area.code: _need(rng, profile, area, _progress(rng, profile.latent[area.code]), opens_on, draft=draft)
                 for area in areas if area.code in considered}
        visibility = profile.visibility if rng.random() < 0.95 else rng.choice(("providers", "public"))
        created_at = _moment(rng, opens_on + timedelta(days=rng.randint(0, days_open // 2)))
        if draft:
            answers = (_answers(rng, profile, questions, current=True, share=0.35) if rng.random() < 0.4 else {})
            updated_at = min(created_at + timedelta(days=rng.randint(0, days_open // 2), hours=rng.randint(0, 8)),
                             _moment(rng, today - timedelta(days=1)))
            plans[iso] = _AssessmentPlan(profile, DRAFT, needs, answers, visibility, created_at, updated_at)
            continue
        answers = _answers(rng, profile, questions, current=True)
        submitted_at = min(created_at + timedelta(days=rng.randint(2, days_open // 2), hours=rng.randint(0, 8)),
                           _moment(rng, today - timedelta(days=1)))
        plan = _AssessmentPlan(profile, SUBMITTED, needs, answers, visibility, created_at, submitted_at, submitted_at)
        if iso in resubmitted:
            plan.first_submitted_at = submitted_at - timedelta(days=rng.randint(3, 12), hours=rng.randint(1, 6))
            plan.first_needs = _earlier_version(rng, needs)
        plans[iso] = plan
    return plans


def _earlier_version(rng: random.Random, needs: dict[str, NeedInput]) -> dict[str, NeedInput]:
    """What version 1 said: a few areas differ (a level one step off, a comment not yet written, an area missing)."""
    earlier = {code: NeedInput(**vars(need)) for code, need in needs.items()}
    for code in rng.sample(sorted(earlier), min(3, len(earlier))):
        need = earlier[code]
        change = rng.choice(("level", "comment", "missing"))
        if change == "missing":
            del earlier[code]
        elif change == "comment" and need.level != "none":
            need.comment = "" if need.comment else "To be confirmed with the laboratory."
        else:
            index = LEVELS.index(need.level)
            need.level = LEVELS[index + 1] if index < 3 else LEVELS[index - 1]
            if need.level == "none":
                earlier[code] = NeedInput(level="none")
            elif need.priority is None:
                need.priority = 3
    return earlier


def _plan_activities(rng, profiles, areas, examples_by_goal, today: date) -> list[dict]:
    isos = sorted(profiles)
    weights = [0.8 if profiles[iso].party.un_regional_group in ("weog", None) else
               2.8 if profiles[iso].party.ldc or profiles[iso].party.sids else 2.6 for iso in isos]
    total = ACTIVITIES + rng.randint(0, 25)
    chosen = sorted(rng.choices(isos, weights, k=total))
    popularity = {a.code: 1 + 2 * max(0.0, AREA_BUMP.get(a.code, 0.0)) for a in areas}
    areas_by_goal: dict[str, list[KeyArea]] = {}
    for area in areas:
        areas_by_goal.setdefault(area.goal.code, []).append(area)
    planned = []
    for number, iso in enumerate(chosen, start=1):
        profile = profiles[iso]
        area = rng.choices(areas, [ACTIVITY_WEIGHT[profile.latent[a.code]] * popularity[a.code] for a in areas])[0]
        goal = area.goal.code
        support_type, title = rng.choice(AREA_TITLES[area.code])
        siblings = [a for a in areas_by_goal[goal] if a is not area]
        extra = min(len(siblings), rng.choices((0, 1, 2), (60, 30, 10))[0])
        key_areas = sorted([area, *rng.sample(siblings, extra)], key=lambda a: a.position)
        goal_examples = examples_by_goal.get(goal, [])
        example_count = min(len(goal_examples), rng.choices((0, 1, 2), (30, 50, 20))[0])
        examples = sorted(rng.sample(goal_examples, example_count), key=lambda e: e.position)
        role = "organised" if rng.random() < 0.55 else "took_part"
        r = rng.random()
        status = "completed" if r < 0.72 else "ongoing" if r < 0.84 else "planned" if r < 0.97 else "cancelled"
        low, high = DURATION[support_type]
        duration = rng.randint(low, high)
        if status == "completed":
            end = today - timedelta(days=rng.randint(10, (today - ACTIVITIES_START).days - duration - 1))
            start = end - timedelta(days=duration - 1)
        elif status == "ongoing":
            start = today - timedelta(days=rng.randint(0, max(0, duration - 2)))
            end = max(start + timedelta(days=duration - 1), today + timedelta(days=1))
        else:
            start = today + timedelta(days=rng.randint(10, 300))
            end = start + timedelta(days=duration - 1)
        if support_type == "training":
            modality = rng.choices(("in_person", "online", "hybrid"), (60, 20, 20))[0]
        elif support_type in ("materials", "funding"):
            modality = rng.choice((None, "online"))
        else:
            modality = rng.choices(("in_person", "hybrid", "online"), (70, 20, 10))[0]
        if modality == "online" and support_type == "training" and not title.startswith("Online"):
            title += " (online)"
        languages = list(profile.languages if rng.random() < 0.4 else profile.languages[:1])
        if role == "took_part" and "en" not in languages and rng.random() < 0.4:
            languages.append("en")
        women = men = other = None
        if status in ("completed", "ongoing") and support_type in EVENTS and rng.random() < 0.9:
            if support_type == "fellowship":
                size = rng.randint(1, 3)
            elif support_type == "expert_advice":
                size = rng.randint(4, 15)
            elif support_type == "technical_assistance":
                size = rng.randint(5, 30)
            else:
                size = {"in_person": rng.randint(12, 45), "online": rng.randint(25, 180),
                        "hybrid": rng.randint(20, 80)}[modality]
            other = rng.choices((0, 1, 2), (85, 12, 3))[0] if size > 10 else 0
            women = round((size - other) * _clamp(rng.gauss(0.45, 0.1), 0.1, 0.8))
            men = size - other - women
        outputs = []
        if status == "completed" and rng.random() < 0.45:
            for index, output in enumerate(rng.sample(OUTPUT_TITLES[support_type],
                                                      min(len(OUTPUT_TITLES[support_type]), rng.randint(1, 2))),
                                           start=1):
                url = (f"https://example.org/demo/{iso.lower()}/activity-{number}-{index}.pdf"
                       if rng.random() < 0.8 else "")
                outputs.append({"title": output, "url": url})
        amount, currency, source = None, "", ""
        if status != "cancelled" and rng.random() < 0.55:
            low_amount, high_amount = FUNDING[support_type]
            amount = Decimal(round(rng.randint(low_amount, high_amount), -2))
            currency = "USD" if rng.random() < 0.75 else "EUR"
            sources = SOURCES_ORGANISED if role == "organised" else SOURCES_TOOK_PART
            if profile.party.un_regional_group in ("weog", None) and role == "organised":
                source = "National budget"
            else:
                source = rng.choices([s for s, _ in sources], [w for _, w in sources])[0]
        results = ""
        if status == "completed" and rng.random() < 0.4:
            results = (f"{women + men + other} participants trained; follow-up activities planned."
                       if women is not None else "Completed as planned; outputs shared with stakeholders.")
        who = ("Organised by the national competent authority." if role == "organised"
               else "National participants took part in an activity organised by a partner.")
        created_on = min(start - timedelta(days=rng.randint(10, 60)), today - timedelta(days=1))
        updated_on = min(max(end + timedelta(days=rng.randint(1, 20)), created_on), today - timedelta(days=1))
        planned.append(dict(
            party=profile.party, party_role=role, title=title,
            description=f"{DEMO_MARK} {who} Generated for trying the tracker out; not a real activity.",
            status=status, start_date=start, end_date=end, support_type=support_type, modality=modality,
            languages=languages, participants_women=women, participants_men=men, participants_other=other,
            outputs=outputs, funding_amount=amount, funding_currency=currency, funding_source=source,
            results=results, created_at=_moment(rng, created_on),
            updated_at=_moment(rng, updated_on) if status == "completed" else _moment(rng, created_on),
            key_areas=key_areas, activity_examples=examples,
        ))
    return planned


# --- rows --------------------------------------------------------------------------------------

def _assessment(plan: _AssessmentPlan, cycle: AssessmentCycle, areas: dict[str, KeyArea],
                questions: dict[str, DeclaredQuestion], submitter: User | None) -> Assessment:
    submitter_id = submitter.id if submitter else None
    assessment = Assessment(
        party=plan.profile.party, cycle=cycle, status=plan.status, version=2 if plan.first_submitted_at else 1,
        visibility=plan.visibility, created_at=plan.created_at, updated_at=plan.updated_at,
        updated_by_id=submitter_id, submitted_at=plan.submitted_at,
        submitted_by_id=submitter_id if plan.status == SUBMITTED else None,
    )
    assessment.needs = [Need(key_area=areas[code], **vars(need)) for code, need in plan.needs.items()]
    assessment.answers = [DeclaredAnswer(question=questions[code], choice=answer.choice, number=answer.number,
                                         evidence_url=answer.evidence_url)
                          for code, answer in plan.answers.items()]
    if plan.status == SUBMITTED:
        content = assessment_content(assessment)
        if plan.first_submitted_at:
            first = {**content, "needs": {code: need.as_content() for code, need in plan.first_needs.items()}}
            assessment.versions.append(AssessmentVersion(
                version=1, submitted_at=plan.first_submitted_at, submitted_by_id=submitter_id, content=first))
        assessment.versions.append(AssessmentVersion(
            version=assessment.version, submitted_at=plan.submitted_at, submitted_by_id=submitter_id,
            content=content))
    return assessment


def _cycle_counts(plans: dict[str, _AssessmentPlan], parties: int) -> dict:
    submitted = sum(plan.status == SUBMITTED for plan in plans.values())
    drafts = sum(plan.status == DRAFT for plan in plans.values())
    return {"parties": parties, "submitted": submitted, "drafts": drafts, "not_started": parties - submitted - drafts,
            "at_version_2": sum(plan.first_submitted_at is not None for plan in plans.values()),
            "needs": sum(len(plan.needs) for plan in plans.values()),
            "answers": sum(len(plan.answers) for plan in plans.values())}


def _existing(name: str) -> AssessmentCycle | None:
    return db.session.scalar(db.select(AssessmentCycle).where(AssessmentCycle.name == name))


def load_demo_assessments() -> list[str]:
    """Add the demo cycles, assessments and Party activities that are not there yet; lines for the console.

    Does not commit: the caller (the `seed --demo` command) does.
    """
    today = clock_today()
    opens_on = today - timedelta(days=CURRENT_OPENED_DAYS_AGO)
    closes_on = today + timedelta(days=CURRENT_CLOSES_IN_DAYS)
    baseline_cycle, current_cycle = _existing(BASELINE_NAME), _existing(CURRENT_NAME)
    activities_there = db.session.scalar(
        db.select(db.func.count(Activity.id)).where(Activity.party_id.is_not(None),
                                                    Activity.description.startswith(DEMO_MARK)))
    if baseline_cycle and current_cycle and activities_there:
        return [f"demo cycles: already there ({BASELINE_NAME}, {CURRENT_NAME}); nothing added",
                f"demo party activities: already there ({activities_there}); nothing added"]

    parties = db.session.scalars(db.select(Party).where(Party.cartagena_party.is_(True)).order_by(Party.iso3)).all()
    areas = db.session.scalars(
        db.select(KeyArea).options(db.joinedload(KeyArea.goal)).order_by(KeyArea.position)).all()
    examples = db.session.scalars(
        db.select(ActivityExample).options(db.joinedload(ActivityExample.goal))
        .order_by(ActivityExample.position)).all()
    questions = db.session.scalars(db.select(DeclaredQuestion).order_by(DeclaredQuestion.position)).all()
    kenya_focal_point = db.session.scalar(db.select(User).where(
        User.email == next(a[0] for a in DEMO_ACCOUNTS if a[2] == PARTY_FOCAL_POINT and a[3] == "KEN")))
    examples_by_goal: dict[str, list[ActivityExample]] = {}
    for example in examples:
        examples_by_goal.setdefault(example.goal.code, []).append(example)

    # The whole plan is drawn every time, in the same order, so that what is added does not depend on
    # what is already there.
    rng = random.Random(SEED)
    profiles = {party.iso3: _profile(rng, party, areas, questions) for party in parties}
    baseline_plans = _plan_baseline(rng, profiles, areas, questions)
    current_plans = _plan_current(rng, profiles, areas, questions, opens_on, today)
    activity_plans = _plan_activities(rng, profiles, areas, examples_by_goal, today)

    area_by_code = {area.code: area for area in areas}
    question_by_code = {question.code: question for question in questions}
    rows: list = []
    created: list[tuple[AssessmentCycle, dict]] = []
    lines = []
    if baseline_cycle is None:
        baseline_cycle = AssessmentCycle(name=BASELINE_NAME, opens_on=BASELINE_OPENS, closes_on=BASELINE_CLOSES,
                                         reference_date=BASELINE_OPENS, baseline=True,
                                         created_at=datetime.combine(BASELINE_OPENS - timedelta(days=14), time(9)))
        rows.append(baseline_cycle)
        for iso, plan in baseline_plans.items():
            rows.append(_assessment(plan, baseline_cycle, area_by_code, question_by_code,
                                    kenya_focal_point if iso == "KEN" else None))
        counts = _cycle_counts(baseline_plans, len(parties))
        created.append((baseline_cycle, counts))
        baseline_line = f"{BASELINE_NAME} (closed, {counts['submitted']} submitted)"
    else:
        baseline_line = f"{BASELINE_NAME} (already there)"
    if current_cycle is None:
        current_cycle = AssessmentCycle(name=CURRENT_NAME, opens_on=opens_on, closes_on=closes_on,
                                        reference_date=opens_on, baseline=False,
                                        created_at=datetime.combine(opens_on - timedelta(days=7), time(9)))
        rows.append(current_cycle)
        for plan in current_plans.values():
            rows.append(_assessment(plan, current_cycle, area_by_code, question_by_code, None))
        counts = _cycle_counts(current_plans, len(parties))
        created.append((current_cycle, counts))
        current_line = (f"{CURRENT_NAME} (open until {closes_on.isoformat()}: {counts['submitted']} submitted, "
                        f"{counts['drafts']} drafts, {counts['not_started']} not started)")
    else:
        current_line = f"{CURRENT_NAME} (already there)"
    lines.append(f"demo cycles: {baseline_line}, {current_line}")
    if activities_there:
        lines.append(f"demo party activities: already there ({activities_there}); nothing added")
    else:
        rows.extend(Activity(organisation_id=None, **values) for values in activity_plans)
        lines.append(f"demo party activities: {len(activity_plans)}")

    db.session.add_all(rows)
    db.session.flush()
    for cycle, counts in created:
        record(None, "demo.load", cycle, after=counts)
    return lines
