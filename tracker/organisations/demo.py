"""Demo provider organisations, their offers and the activities they delivered. Never loaded in production.

`load_demo_providers()` adds, once:

- about 40 organisations of every type (GEF agencies, UN bodies, universities, laboratories and laboratory
  networks, NGOs, IPLC organisations, private sector, donor governments, other), with made-up names that
  start with "Demo" and descriptions that start with "Demo data."; about 85 % are vetted. The demo provider
  account's organisation (tracker.accounts.demo.DEMO_ORGANISATION) is one of them: reused when it is there;
- about 120 offers: support types that fit the organisation's type, eligibility mixes (all Parties, a
  regional group, LDCs and SIDS, developing countries, a list of Parties, Parties to the Supplementary
  Protocol), windows that are mostly open today; some past their closing date (still "open": for the expiry
  job to find), some drafts (every offer of an unvetted organisation is one), a few "closed" because their
  activities used up their capacity. Detection (A.8) and risk assessment (A.5) get the most offers; the key
  areas in GAP_AREAS get none (and a few others may not, by chance), so that needs with no offer show up.
  About 10 are in Chinese. A title names the region when the offer is for one region's Parties;
- about 150 activities recorded by the organisations, about half delivered under one of their offers to
  Parties eligible for it (developing countries and economies in transition only), the rest outside any offer.
  Offers hold room for more Parties unless closed; an activity's funding under an offer with a budget is its
  share of that budget.

Everything comes from one seeded random generator, so two loads on the same day give the same data. Rows are
built in memory and inserted with one flush; one audit entry is written for the whole load.
"""
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tracker.accounts.demo import DEMO_ACCOUNTS, DEMO_ORGANISATION
from tracker.accounts.models import PROVIDER, User
from tracker.activities.models import Activity
from tracker.assessments.demo import ARABIC, DURATION, EVENTS, FRENCH, FUNDING, OUTPUT_TITLES, SPANISH
from tracker.audit.services import record
from tracker.clock import today as clock_today
from tracker.extensions import db
from tracker.framework.models import ActivityExample, KeyArea
from tracker.offers.models import CLOSED, DRAFT, OPEN, Offer
from tracker.offers.search import search_text
from tracker.organisations.models import Organisation
from tracker.parties.models import Party
from tracker.vocabularies import AUDIENCES

SEED = 2031
DEMO_MARK = "Demo data."
ACTIVITIES = 150  # about this many organisation activities in all
CLOSED_OFFERS = 6  # offers whose activities use up their capacity
FIRST_DAY = date(2021, 1, 1)  # the Action Plan's first year
# Key areas no demo offer covers: needs there have nowhere to go.
GAP_AREAS = ("A.4(1)", "A.6(1)", "A.10(5)", "B.2(1)")
EURO = {"EUU", "DEU", "BEL", "NLD", "AUT", "FRA", "ITA", "ESP"}  # organisations there budget in euros

# --- lists of Parties an offer may be open to (non-Parties to the Protocol are left out when loading) ---
PARTY_LISTS = {
    "EAST_AFRICA": ("KEN", "UGA", "TZA", "ETH", "RWA", "BDI", "SOM", "DJI", "ERI", "SDN"),
    "SOUTHERN_AFRICA": ("ZAF", "BWA", "NAM", "ZMB", "ZWE", "MOZ", "MWI", "LSO", "SWZ", "AGO", "MDG", "MUS", "SYC",
                        "COM", "COD"),
    "MEKONG": ("KHM", "LAO", "MMR", "THA", "VNM"),
    "PACIFIC": ("FJI", "KIR", "MHL", "NRU", "PLW", "PNG", "WSM", "SLB", "TON", "NIU"),
    "CARIBBEAN": ("ATG", "BHS", "BRB", "BLZ", "CUB", "DMA", "DOM", "GRD", "GUY", "JAM", "KNA", "LCA", "VCT", "SUR",
                  "TTO"),
    "CENTRAL_ASIA": ("KAZ", "KGZ", "TJK", "TKM", "UZB", "ARM", "AZE", "GEO", "MDA"),
    "ARAB": tuple(sorted(ARABIC)),
    "FRANCOPHONE_AFRICA": None,  # the African Group's French-speaking Parties
    "SPANISH_GRULAC": None,  # GRULAC's Spanish-speaking Parties
}
# What an offer's title says about whom it is for, when that is one region.
REGION_LABELS = {
    "african": "Africa", "asia_pacific": "Asia-Pacific", "grulac": "Latin America and the Caribbean",
    "ceeg": "Central and Eastern Europe", "@EAST_AFRICA": "Eastern Africa", "@SOUTHERN_AFRICA": "Southern Africa",
    "@MEKONG": "Mekong", "@PACIFIC": "Pacific", "@CARIBBEAN": "Caribbean",
    "@CENTRAL_ASIA": "Central Asia and the Caucasus", "@ARAB": "Arab region",
    "@FRANCOPHONE_AFRICA": "French-speaking Africa", "@SPANISH_GRULAC": "Latin America",
}
# The language an offer to a list of Parties is given in.
LIST_LANGUAGE = {"FRANCOPHONE_AFRICA": "fr", "SPANISH_GRULAC": "es", "ARAB": "ar", "CENTRAL_ASIA": "ru"}


# --- what organisations offer --------------------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    title: str
    support_types: tuple[str, ...]
    key_areas: tuple[str, ...]
    examples: tuple[str, ...]
    text: str
    eligibility: tuple[str, ...] | None = None  # instead of the organisation's usual ones


T = _Template
TEMPLATES: dict[str, tuple[_Template, ...]] = {
    "laboratory": (
        T("Hands-on training in PCR-based detection of LMOs", ("training",), ("A.8(2)",), ("A.8㈠",),
          "A five-day practical course for laboratory analysts: DNA extraction, screening for common elements, "
          "event-specific real-time PCR and reporting of results."),
        T("Certified reference materials for LMO detection", ("reference_materials",), ("A.8(3)",), ("A.8㈡",),
          "Certified reference materials and positive controls for the LMO events most often found in trade, with "
          "certificates of analysis and guidance on storage and use."),
        T("Access to our laboratory for LMO testing", ("infrastructure", "training"), ("A.8(3)", "A.5(3)"),
          ("A.8㈡", "A.5㈢"),
          "Samples sent by competent authorities are analysed in our accredited laboratory, and analysts from the "
          "requesting Party can work alongside our staff."),
        T("Proficiency testing round for LMO detection laboratories", ("technical_assistance", "reference_materials"),
          ("A.8(4)", "A.8(3)"), ("A.8㈢",),
          "Blind samples, a common protocol and a confidential report comparing each laboratory's results with the "
          "assigned values, followed by a debriefing webinar."),
        T("Mentoring towards ISO/IEC 17025 accreditation of LMO detection laboratories",
          ("technical_assistance", "training"), ("A.8(3)", "A.8(4)"), ("A.8㈡",),
          "A year of mentoring by our quality manager: gap analysis, method validation, documentation and a mock "
          "audit before the accreditation body's visit."),
        T("Standard operating procedures for LMO sampling and detection", ("materials", "training"), ("A.8(1)",),
          ("A.8㈠",),
          "A package of validated procedures for sampling grain, seed and food shipments and for screening them, "
          "adapted to the Party's laboratory and introduced in a two-day workshop."),
        T("Training of border inspectors in sampling and rapid tests for LMOs", ("training",),
          ("A.8(2)", "A.6(2)", "A.7(1)"), ("A.6㈠", "A.8㈠"),
          "Sampling at points of entry, lateral-flow strip tests, chain of custody and when to send samples to a "
          "laboratory; for customs, plant health and food safety inspectors."),
        T("Joining the regional network of LMO detection laboratories", ("technical_assistance",), ("A.8(4)",),
          ("A.8㈢",),
          "Membership of the network's working groups, shared methods and data, and a place in its yearly "
          "meeting for one analyst of each new member laboratory."),
        T("Laboratory equipment for LMO detection", ("infrastructure",), ("A.8(3)",), ("A.8㈡",),
          "A real-time PCR machine, a DNA extraction set-up and a year of consumables for a national laboratory "
          "that tests for LMOs, with installation and training of its staff."),
        T("Bioinformatics support for identifying unauthorised LMOs", ("expert_advice", "technical_assistance"),
          ("A.8(1)", "A.8(2)"), (),
          "Sequencing data from suspect samples analysed by our bioinformaticians, with a report the competent "
          "authority can use in its decision."),
    ),
    "university": (
        T("Master's fellowships in biosafety and risk assessment", ("fellowship",), ("A.5(5)", "B.3(3)"),
          ("A.5㈤", "B.3㈣"),
          "Two-year fellowships covering tuition, travel and living costs for staff of competent authorities and "
          "research institutes, with a thesis on a risk assessment question from the home country."),
        T("Short course on risk assessment of LMOs for regulators", ("training",), ("A.5(1)", "A.5(5)"), ("A.5㈡",),
          "Two weeks on the case-by-case approach: problem formulation, exposure and hazard, uncertainty, and "
          "reviewing an applicant's risk assessment, with real dossiers as exercises."),
        T("Expert review of risk assessment reports on request", ("expert_advice",), ("A.5(1)",), ("A.5㈡",),
          "Our scientists review a risk assessment submitted to the competent authority and write an independent "
          "opinion within six weeks."),
        T("Visiting researcher placements in molecular detection of LMOs", ("fellowship", "training"),
          ("A.8(2)", "A.5(3)"), ("A.5㈤",),
          "Three- to six-month placements in our molecular biology laboratory for researchers who will set up "
          "detection work at home."),
        T("Biosafety module for university curricula", ("materials", "expert_advice"), ("B.3(3)",),
          ("B.3㈢", "B.3㈡"),
          "A semester module on biosafety (lectures, case studies and assessments) that universities can adapt, "
          "and advice to the lecturers who teach it."),
        T("Training on socio-economic considerations in biosafety decisions", ("training", "expert_advice"),
          ("A.9(1)", "A.9(2)"), ("A.9㈠", "A.9㈣"),
          "How to take socio-economic considerations into account under Article 26: methods, data and examples of "
          "decisions, for competent authority staff and advisory committees."),
        T("Online course on risk assessment in specific ecosystems", ("training",), ("A.5(4)", "A.5(1)"),
          ("A.5㈣",),
          "Eight weekly online sessions on finding and using biodiversity data for risk assessment in tropical, "
          "island and mountain ecosystems."),
        T("Expert advice on monitoring LMOs after release", ("expert_advice",), ("A.5(2)",), (),
          "Advice on designing general surveillance and case-specific monitoring plans for LMOs released into "
          "the environment."),
        T("Summer school on biosafety law and policy", ("training",), ("A.1(1)", "A.1(2)"), ("A.1㈠",),
          "Ten days on drafting and implementing biosafety laws and regulations, for lawyers and policy officers "
          "of competent authorities."),
    ),
    "un_body": (
        T("Technical assistance for drafting biosafety regulations", ("technical_assistance", "expert_advice"),
          ("A.1(1)",), ("A.1㈠",),
          "Legal experts work with the ministry to draft or revise regulations under the national biosafety law, "
          "with a validation workshop for stakeholders."),
        T("Training of competent national authority staff in handling LMO applications", ("training",),
          ("A.1(2)",), ("A.1㈡",),
          "Receiving, tracking and deciding on applications for LMOs, from completeness checks to publishing the "
          "decision."),
        T("Biosafety Clearing-House publishing clinics", ("training", "technical_assistance"), ("A.2(1)", "A.2(2)"),
          ("A.2㈡",),
          "Online clinics where national authorised users publish their country's records in the Biosafety "
          "Clearing-House with a trainer at hand."),
        T("Support for preparing national reports on the Protocol", ("technical_assistance", "training"),
          ("A.3(2)",), ("A.3㈠", "A.3㈡"),
          "A national workshop to gather the information the national report asks for, and review of the draft "
          "before it is submitted."),
        T("Training of customs officers on documentation of LMO shipments", ("training",), ("A.7(1)", "A.6(2)"),
          ("A.7㈠", "A.6㈡"),
          "Verifying the documentation that accompanies LMO shipments, recognising risky consignments and "
          "working with the competent authority."),
        T("Regional workshop series on risk assessment and risk management", ("training",), ("A.5(1)", "A.5(2)"),
          ("A.5㈡",),
          "Three workshops a year, each hosted by a different Party, on reviewing risk assessments and setting "
          "risk management conditions."),
        T("Small grants for national biosafety capacity-building", ("funding",), ("B.1(2)", "B.2(3)"), ("B.1㈡",),
          "Grants of up to USD 50,000 for activities in the national capacity-building plan, decided twice a year."),
        T("Support for the self-assessment of capacity-building needs", ("technical_assistance",), ("B.1(1)",),
          ("B.1㈠",),
          "A facilitator helps the competent authority run the self-assessment with its stakeholders and "
          "prioritise the needs it finds."),
        T("Awareness-raising on the Supplementary Protocol on liability and redress", ("training",
                                                                                        "technical_assistance"),
          ("A.10(1)", "A.10(2)"), ("A.10㈠", "A.10㈡"),
          "A national workshop on what joining the Supplementary Protocol means, and an analysis of the domestic "
          "measures it would need."),
        T("Training of competent authorities under the Supplementary Protocol", ("training",),
          ("A.10(4)", "A.10(3)"), ("A.10㈣", "A.10㈥"),
          "For Parties to the Supplementary Protocol: identifying the operator, evaluating damage and deciding on "
          "response measures, with lessons learned from other Parties.", ("supplementary",)),
    ),
    "gef_agency": (
        T("Project preparation support for national biosafety projects", ("technical_assistance", "funding"),
          ("B.1(2)", "B.2(3)", "A.1(1)"), ("B.1㈡",),
          "A project preparation grant and a team to help design a national biosafety project for the next "
          "funding period."),
        T("Funding for upgrading LMO detection laboratories", ("funding", "infrastructure"), ("A.8(3)",),
          ("A.8㈡",),
          "Co-financing for equipment, refurbishment and accreditation of national laboratories that detect and "
          "identify LMOs."),
        T("Regional project on risk assessment and risk management", ("funding", "training",
                                                                      "technical_assistance"),
          ("A.5(1)", "A.5(2)", "A.5(3)"), ("A.5㈡", "A.5㈢"),
          "A four-year regional project: national risk assessment teams trained, guidance adapted, and shared "
          "access to laboratories and experts."),
        T("Co-financing for Biosafety Clearing-House national nodes", ("funding", "technical_assistance"),
          ("A.2(1)", "A.3(1)"), ("A.2㈠",),
          "Support for national information systems on biosafety that publish to the Biosafety Clearing-House."),
        T("Technical assistance for mainstreaming biosafety into national plans", ("technical_assistance",),
          ("B.4(3)", "B.2(2)"), ("B.2㈡",),
          "Help to bring biosafety into agricultural, trade and biodiversity policies and the national "
          "biodiversity strategy and action plan."),
        T("Funding for national public awareness programmes on biosafety", ("funding",), ("B.3(1)", "B.3(5)"),
          ("B.3㈥",),
          "Grants for national programmes on public awareness, education and participation in biosafety."),
        T("Support for coordinating donors on biosafety", ("technical_assistance",), ("B.2(2)", "B.2(3)"),
          ("B.2㈢",),
          "A coordination mechanism between the competent authority, funding agencies and donors, with a shared "
          "pipeline of projects."),
    ),
    "donor_government": (
        T("Grants for national biosafety capacity-building projects", ("funding",), ("B.1(2)", "B.2(3)"),
          ("B.1㈡",),
          "Project grants of one to three years for competent authorities, decided on a yearly call."),
        T("Funding for LMO detection equipment and reference materials", ("funding",), ("A.8(3)", "A.8(4)"),
          ("A.8㈡",),
          "Funds for detection equipment, certified reference materials and laboratory network membership."),
        T("Bilateral cooperation programme on risk assessment", ("funding", "expert_advice"),
          ("A.5(1)", "A.5(5)", "B.4(1)"), ("B.4㈠",),
          "Twinning between our risk assessment agency and a partner Party's, with funded staff exchanges."),
        T("Scholarships for biosafety studies", ("funding", "fellowship"), ("B.3(3)", "A.5(5)"), ("B.3㈣",),
          "Scholarships for master's and doctoral studies in biosafety, risk assessment and molecular detection."),
        T("Funding for regional biosafety cooperation meetings", ("funding",), ("B.4(1)", "B.1(4)"),
          ("B.1㈣", "B.4㈠"),
          "Travel and meeting costs for regional meetings of competent authorities and laboratories."),
        T("Support for ratifying the Supplementary Protocol", ("funding", "expert_advice"), ("A.10(1)",),
          ("A.10㈠",),
          "Legal analysis and stakeholder consultations towards ratifying the Nagoya – Kuala Lumpur Supplementary "
          "Protocol."),
    ),
    "ngo": (
        T("Public awareness toolkit on living modified organisms", ("materials",), ("B.3(2)", "B.3(5)"),
          ("B.3㈠",),
          "Leaflets, posters, short videos and a facilitator's guide, adapted and translated with the national "
          "competent authority."),
        T("Training of journalists in reporting on biosafety", ("training",), ("B.3(5)", "B.3(2)"), ("B.3㈦",),
          "Two days for journalists and editors: the science, the law, reliable sources and how to report on "
          "decisions on LMOs."),
        T("Training on public participation in biosafety decision-making", ("training",), ("B.3(4)",), ("B.3㈤",),
          "How the public can take part in decisions on LMOs: consultations, access to information and comments, "
          "for civil society groups and officials."),
        T("Translation of biosafety training materials into local languages", ("materials",),
          ("B.1(3)", "B.3(2)"), ("B.1㈢",),
          "Existing training materials translated, adapted and tested with users."),
        T("Training of trainers for biosafety public awareness programmes", ("training",), ("B.3(1)", "B.3(5)"),
          ("B.3㈥",),
          "A course for people who will run public awareness programmes on biosafety in their country."),
        T("Biosafety education kit for secondary schools", ("materials",), ("B.3(3)",), ("B.3㈡",),
          "Lesson plans, experiments and teacher notes on biotechnology and biosafety for secondary schools."),
        T("Guidance on socio-economic considerations for civil society", ("materials", "training"), ("A.9(2)",),
          ("A.9㈡",),
          "A plain-language guide to socio-economic considerations in decisions on LMOs, with a webinar."),
    ),
    "iplc": (
        T("Community dialogues on biosafety", ("training",), ("B.4(2)", "B.3(4)"), ("B.4㈡",),
          "Dialogues held in communities, in local languages, on LMOs and on how communities can take part in "
          "decisions that affect them."),
        T("Guidance on engaging indigenous peoples and local communities in decisions on LMOs",
          ("materials", "expert_advice"), ("B.4(2)", "B.3(4)"), ("B.4㈡", "B.3㈤"),
          "Guidance written by community organisations for competent authorities, and advice on applying it."),
        T("Community-based awareness materials on biosafety", ("materials",), ("B.3(2)", "B.3(5)"), ("B.3㈠",),
          "Radio programmes, illustrated booklets and posters made with communities, in their languages."),
        T("Workshop on traditional knowledge in biosafety decision-making", ("training",), ("B.3(4)", "B.4(2)"),
          ("B.3㈤",),
          "Community representatives and officials together on bringing traditional knowledge into decisions on "
          "LMOs."),
        T("Exchange visits between community biodiversity monitors", ("training",), ("B.4(1)", "B.4(2)"),
          ("B.4㈠",),
          "Community monitors visit another region's programme to share ways of watching for changes in local "
          "crops and wild relatives."),
    ),
    "private_sector": (
        T("Training on stewardship and handling of LMO shipments", ("training",), ("A.7(1)",), ("A.7㈠",),
          "Handling, transport, packaging and identification of LMOs along the supply chain, for operators and "
          "regulators together."),
        T("Rapid test kits and training for LMO screening at points of entry", ("materials", "training"),
          ("A.8(2)", "A.8(1)"), ("A.8㈠",),
          "Lateral-flow test kits for a year of screening, and training of inspectors in using them."),
        T("Reference materials for detection of LMO events in commodities", ("reference_materials",), ("A.8(3)",),
          ("A.8㈡",),
          "Reference materials for the events in our products, supplied free of charge to official laboratories."),
        T("Technical briefings on documentation requirements for LMO trade", ("technical_assistance",),
          ("A.7(1)", "A.2(2)"), ("A.7㈠",),
          "Briefings for customs and competent authorities on the documents exporters provide, and where to check "
          "them."),
        T("Industry experts on risk management of LMO field trials", ("expert_advice",), ("A.5(2)",), (),
          "Experts share practice on confinement conditions, monitoring and closing field trials of LMOs."),
    ),
    "other": (
        T("Regional harmonisation of biosafety regulations", ("technical_assistance", "expert_advice"),
          ("A.1(1)", "B.4(1)"), ("A.1㈠", "B.4㈠"),
          "Support to align national regulations with the region's common guidelines on biosafety."),
        T("Simulation exercise on illegal transboundary movements of LMOs", ("training",), ("A.6(2)", "A.7(1)"),
          ("A.6㈢",),
          "A table-top and field exercise for customs, plant health and the competent authority on detecting and "
          "handling an illegal shipment."),
        T("Helpdesk for biosafety capacity-building support", ("expert_advice", "technical_assistance"),
          ("B.1(4)", "B.1(3)"), ("B.1㈣",),
          "A helpdesk that finds experts, materials and partners for the capacity-building needs Parties send it."),
        T("Regional roster of biosafety experts", ("expert_advice",), ("A.5(4)", "B.1(4)"), (),
          "Experts from the region's roster advise competent authorities on specific questions at short notice."),
    ),
    # In Chinese, from the Chinese university and laboratory.
    "chinese_university": (
        T("生物安全风险评估硕士奖学金项目", ("fellowship",), ("A.5(5)", "B.3(3)"), ("A.5㈤", "B.3㈣"),
          "为发展中国家主管部门和研究机构人员提供两年制硕士奖学金，涵盖学费、往返旅费和生活费，论文围绕本国的风险评估问题。"),
        T("改性活生物体风险评估与风险管理研修班", ("training",), ("A.5(1)", "A.5(2)"), ("A.5㈡",),
          "为期两周的研修班：问题界定、暴露与危害分析、不确定性处理，以及审查申请者提交的风险评估报告。"),
        T("生物安全访问学者项目", ("fellowship", "training"), ("A.5(3)", "A.8(2)"), ("A.5㈤",),
          "访问学者在我中心实验室工作三至六个月，学习分子检测和风险评估方法，回国后开展相关工作。"),
        T("生物安全信息交换所使用培训（中文）", ("training",), ("A.2(2)",), ("A.2㈡",),
          "以中文讲授如何在生物安全信息交换所查找和使用改性活生物体决定、风险评估报告及国家联系人信息。"),
        T("南南合作生物安全专家咨询", ("expert_advice",), ("A.5(1)", "B.4(1)"), ("B.4㈠",),
          "应主管部门请求，派遣专家就具体的风险评估和管理问题提供咨询意见。"),
        T("生物安全公众宣传材料编制指导", ("materials", "expert_advice"), ("B.3(2)",), ("B.3㈠",),
          "协助编制面向公众的生物安全宣传材料，包括挂图、短视频和讲解手册。"),
    ),
    "chinese_laboratory": (
        T("改性活生物体检测与鉴定培训班", ("training",), ("A.8(2)",), ("A.8㈠",),
          "面向发展中国家实验室技术人员的两周实践培训：DNA提取、实时荧光PCR筛查和品系特异性检测。"),
        T("改性活生物体检测用标准物质提供", ("reference_materials",), ("A.8(3)",), ("A.8㈡",),
          "向官方检测实验室提供常见转化体的有证标准物质和阳性对照，并附使用和保存说明。"),
        T("实验室检测能力建设技术援助", ("technical_assistance", "infrastructure"), ("A.8(3)", "A.8(4)"),
          ("A.8㈡", "A.8㈢"),
          "派遣技术人员协助建设或改造检测实验室，包括仪器选型、安装调试和质量体系建立。"),
        T("口岸改性活生物体快速检测技术培训", ("training",), ("A.8(2)", "A.7(1)"), ("A.8㈠", "A.7㈠"),
          "面向海关和检验检疫人员：口岸抽样、试纸条快速检测、样品保存与送检。"),
        T("改性活生物体检测实验室网络合作项目", ("technical_assistance",), ("A.8(4)",), ("A.8㈢",),
          "加入区域检测实验室网络，参与能力验证、方法共享和年度技术交流会。"),
    ),
}
CHINESE_TEMPLATES = {"chinese_university", "chinese_laboratory"}

# Titles of activities an organisation carried out outside its offers, by type.
OTHER_ACTIVITIES = {
    "laboratory": (("training", ("A.8(2)",), "Regional workshop on LMO detection methods"),
                   ("technical_assistance", ("A.8(4)",), "Annual meeting of the LMO detection laboratory network")),
    "university": (("training", ("A.5(1)",), "Guest lectures on risk assessment of LMOs"),
                   ("expert_advice", ("A.5(4)",), "Review of baseline biodiversity data for risk assessment")),
    "un_body": (("training", ("A.1(2)",), "Regional meeting of competent national authorities"),
                ("technical_assistance", ("B.1(1)",), "Review of national capacity-building plans")),
    "gef_agency": (("funding", ("B.1(2)",), "Bridging support between national biosafety projects"),
                   ("technical_assistance", ("B.2(2)",), "Inception workshop of a national biosafety project")),
    "donor_government": (("funding", ("B.1(2)",), "Contribution to a national biosafety project"),
                         ("funding", ("B.4(1)",), "Funding for a regional biosafety cooperation programme")),
    "ngo": (("materials", ("B.3(5)",), "Biosafety awareness week"),
            ("training", ("B.3(4)",), "Public forum on a pending decision on an LMO")),
    "iplc": (("training", ("B.4(2)",), "Community meeting on biosafety and local crop varieties"),),
    "private_sector": (("training", ("A.7(1)",), "Stewardship seminar for seed importers"),),
    "other": (("technical_assistance", ("B.4(1)",), "Regional coordination meeting on biosafety"),),
}

# --- who offers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    slug: str
    name: str
    type: str
    country: str  # ISO 3166 alpha-3
    offers: int  # about this many offers
    languages: tuple[str, ...]
    # Whom its offers are usually open to, each a union of: all, a regional group, ldc, sids, developing,
    # supplementary, @LIST (a list of Parties in PARTY_LISTS).
    eligibility: tuple[tuple[str, ...], ...]
    about: str
    vetted: bool = True
    templates: str | None = None  # TEMPLATES key, when not its type


S = _Spec
ORGANISATIONS: tuple[_Spec, ...] = (
    # GEF agencies
    S("gef-agency", "Demo — Global Environment Facility agency (demo)", "gef_agency", "KEN", 4, ("en", "fr", "es"),
      (("all",), ("developing",), ("ldc", "sids")),
      "An implementing agency of the environment facility's biosafety projects."),
    S("regional-bank", "Demo — Regional Development Bank, Biosafety Window (Asia-Pacific)", "gef_agency", "THA", 3,
      ("en",), (("asia_pacific",), ("developing",), ("ldc", "sids")),
      "The biosafety window of a regional development bank, an agency of the environment facility."),
    S("agency-latam", "Demo — Environment Facility Implementing Agency, Latin America Office (demo)", "gef_agency",
      "PAN", 3, ("es", "en"), (("grulac",), ("@SPANISH_GRULAC",)),
      "The regional office of an implementing agency for biosafety projects in Latin America and the Caribbean."),
    S("agency-africa", "Demo — Environment Facility Implementing Agency, Africa Office (demo)", "gef_agency", "SEN",
      3, ("fr", "en"), (("african",), ("african", "ldc"), ("@FRANCOPHONE_AFRICA",)),
      "The Africa office of an implementing agency for biosafety projects."),
    # UN bodies
    S("un-africa", "Demo — UN Regional Biosafety Programme (Africa)", "un_body", "ETH", 4, ("en", "fr"),
      (("african",), ("african", "ldc"), ("@EAST_AFRICA",), ("all",)),
      "A regional programme of a UN body supporting biosafety in African Parties."),
    S("un-asia", "Demo — UN Technical Cooperation Office for Biosafety (Asia-Pacific)", "un_body", "MYS", 4, ("en",),
      (("asia_pacific",), ("asia_pacific", "ldc", "sids"), ("@MEKONG",), ("@PACIFIC",)),
      "A UN technical cooperation office for biosafety in Asia and the Pacific."),
    S("un-biotech", "Demo — UN Agricultural Biotechnology Capacity Programme (demo)", "un_body", "CHE", 3,
      ("en", "fr", "es"), (("all",), ("developing",), ("ldc", "sids")),
      "A UN programme on capacity in agricultural biotechnology and biosafety."),
    S("un-customs", "Demo — UN Trade and Customs Training Centre (demo)", "un_body", "AUT", 3, ("en", "ru"),
      (("all",), ("developing",), ("@CENTRAL_ASIA",)),
      "A UN training centre for customs and trade officials."),
    # universities
    S("andes-university", "Demo — Andean Highlands University Biosafety Centre", "university", "PER", 3, ("es", "en"),
      (("@SPANISH_GRULAC",), ("grulac",)),
      "A university biosafety centre teaching and researching risk assessment in mountain ecosystems."),
    S("east-africa-university", "Demo — East African Agricultural University, Biosafety Department", "university",
      "UGA", 3, ("en",), (("@EAST_AFRICA",), ("african",)),
      "A university department of biosafety and plant biotechnology."),
    S("pacific-university", "Demo — Pacific Islands University, Institute of Island Biosafety", "university", "FJI",
      2, ("en", "fr"), (("@PACIFIC",), ("sids",)),
      "A university institute working on biosafety and biosecurity of small islands."),
    S("riverside-university", "Demo — Riverside Agricultural University Biosafety Research Centre (China)",
      "university", "CHN", 5, ("zh", "en"), (("developing",), ("asia_pacific",), ("all",)),
      "演示数据：一所农业大学的生物安全研究中心（示范农业大学生物安全研究中心），开展南南合作培训。",
      templates="chinese_university"),
    S("nordic-school", "Demo — Nordic Graduate School of Risk Assessment (demo)", "university", "NOR", 3, ("en",),
      (("all",), ("developing",), ("ldc", "sids")),
      "A graduate school training risk assessors from around the world."),
    S("southern-africa-school", "Demo — Southern Africa Graduate School of Biosafety (demo)", "university", "ZAF", 2,
      ("en", "pt"), (("@SOUTHERN_AFRICA",), ("african",)),
      "A graduate school of biosafety serving Southern African countries."),
    S("mekong-institute", "Demo — Mekong Biosafety Research Institute (demo)", "university", "VNM", 1, ("en",),
      (("@MEKONG",),), "A research institute on biosafety in the Mekong region; registered recently.",
      vetted=False),
    # laboratories and laboratory networks (the first is the demo provider account's organisation)
    S("training-network", DEMO_ORGANISATION, "laboratory", "KEN", 5, ("en", "fr"),
      (("african",), ("@EAST_AFRICA",), ("african", "ldc"), ("@FRANCOPHONE_AFRICA",)),
      "A network of laboratories training analysts and inspectors in sampling, detection and identification of "
      "LMOs. The demo provider account belongs to it."),
    S("lab-network-east-africa", "Demo — Regional Biosafety Laboratory Network (Eastern Africa)", "laboratory",
      "UGA", 4, ("en",), (("@EAST_AFRICA",), ("african",)),
      "A network of national laboratories that detect and identify LMOs in Eastern Africa."),
    S("lab-network-latam", "Demo — Regional LMO Detection Laboratory Network (Latin America and the Caribbean)",
      "laboratory", "MEX", 4, ("es", "en", "pt"),
      (("grulac",), ("@SPANISH_GRULAC",)),
      "A network of LMO detection laboratories in Latin America and the Caribbean."),
    S("reference-institute", "Demo — Reference Materials Institute for LMO Analysis (demo)", "laboratory", "BEL", 3,
      ("en", "fr"), (("all",), ("developing",)),
      "A laboratory producing certified reference materials for the analysis of LMOs."),
    S("china-reference-lab", "Demo — Asia-Pacific LMO Detection Reference Laboratory (China)", "laboratory", "CHN",
      5, ("zh", "en"), (("developing",), ("asia_pacific",), ("african", "asia_pacific")),
      "演示数据：一个改性活生物体检测参比实验室，为发展中国家提供检测培训和标准物质。",
      templates="chinese_laboratory"),
    S("caribbean-lab-network", "Demo — Caribbean Plant Health Laboratory Network (demo)", "laboratory", "TTO", 2,
      ("en", "es"), (("@CARIBBEAN",), ("sids",)),
      "A network of plant health laboratories in the Caribbean that also test for LMOs."),
    S("central-asia-lab", "Demo — Central Asian Biosafety Testing Laboratory (demo)", "laboratory", "KAZ", 2,
      ("ru", "en"), (("@CENTRAL_ASIA",), ("ceeg",)),
      "A biosafety testing laboratory serving Central Asia and the Caucasus; registered recently.", vetted=False),
    # NGOs
    S("awareness-network", "Demo — Biosafety Awareness Network (demo)", "ngo", "GHA", 3, ("en", "fr"),
      (("african",), ("all",)), "A network of civil society groups working on public awareness of biosafety."),
    S("citizens-forum", "Demo — Citizens for Informed Biotechnology Choices (demo)", "ngo", "IND", 2, ("en",),
      (("asia_pacific",), ("developing",)),
      "A citizens' organisation promoting public participation in decisions on biotechnology."),
    S("journalists-forum", "Demo — Science Journalists' Biosafety Forum (demo)", "ngo", "NGA", 2, ("en", "fr"),
      (("african",), ("all",)), "A forum of science journalists reporting on biosafety."),
    S("pacific-education-trust", "Demo — Pacific Islands Environmental Education Trust (demo)", "ngo", "WSM", 2,
      ("en",), (("@PACIFIC",), ("sids",)),
      "A trust running environmental education in Pacific island countries."),
    S("francophone-association", "Demo — Francophone Biosafety Association (demo)", "ngo", "SEN", 3, ("fr",),
      (("@FRANCOPHONE_AFRICA",),),
      "An association of biosafety professionals in French-speaking African countries."),
    S("arab-society", "Demo — Arab Region Biosafety Society (demo)", "ngo", "JOR", 1, ("ar", "en"),
      (("@ARAB",),), "A learned society on biosafety in the Arab region; registered recently.", vetted=False),
    # IPLC organisations
    S("andean-council", "Demo — Andean Indigenous Peoples' Biodiversity Council (demo)", "iplc", "BOL", 2, ("es",),
      (("@SPANISH_GRULAC",), ("grulac",)),
      "A council of indigenous peoples of the Andes working on biodiversity and traditional crops."),
    S("pastoralist-network", "Demo — East African Pastoralist Communities Network (demo)", "iplc", "TZA", 2, ("en",),
      (("@EAST_AFRICA",),), "A network of pastoralist and farming communities."),
    S("island-communities", "Demo — Pacific Island Communities Biodiversity Alliance (demo)", "iplc", "SLB", 2,
      ("en", "fr"), (("@PACIFIC",), ("sids",)),
      "An alliance of island communities caring for local biodiversity."),
    S("forest-peoples", "Demo — Forest Peoples' Knowledge Collective (demo)", "iplc", "MYS", 1, ("en",),
      (("asia_pacific",),), "A collective of forest peoples' organisations; registered recently.", vetted=False),
    # private sector
    S("seed-stewardship", "Demo — Seed Industry Biosafety Stewardship Platform (demo)", "private_sector", "BRA", 3,
      ("pt", "es", "en"), (("grulac",), ("all",)),
      "An industry platform on stewardship of LMOs along the supply chain."),
    S("kit-makers", "Demo — Diagnostic Kit Manufacturers' Consortium (demo)", "private_sector", "DEU", 2, ("en",),
      (("all",), ("developing",)), "A consortium of makers of diagnostic kits, including for LMO detection."),
    S("grain-traders", "Demo — Grain Traders' Compliance Association (demo)", "private_sector", "URY", 1,
      ("es", "en"), (("@SPANISH_GRULAC",),),
      "An association of grain exporters and importers; registered recently.", vetted=False),
    # donor governments
    S("donor-norway", "Demo — Donor Government Biosafety Fund (Norway)", "donor_government", "NOR", 3, ("en",),
      (("ldc", "sids"), ("developing",), ("african",)),
      "A donor government's fund for biosafety capacity-building."),
    S("donor-japan", "Demo — Donor Government Biosafety Fund (Japan)", "donor_government", "JPN", 3, ("en",),
      (("asia_pacific",), ("@MEKONG",), ("@PACIFIC",)),
      "A donor government's fund for biosafety cooperation in Asia and the Pacific."),
    S("donor-switzerland", "Demo — Donor Government Biosafety Fund (Switzerland)", "donor_government", "CHE", 2,
      ("en", "fr"), (("ldc", "sids"), ("developing",)),
      "A donor government's fund for biosafety capacity-building."),
    S("donor-eu", "Demo — Development Cooperation Biosafety Fund (European Union)", "donor_government", "EUU", 4,
      ("en", "fr", "es", "pt"), (("all",), ("african",), ("ldc", "sids"), ("developing",)),
      "A development cooperation fund for biosafety."),
    S("donor-netherlands", "Demo — Donor Government Biosafety Fund (Netherlands)", "donor_government", "NLD", 2,
      ("en", "fr"), (("african",), ("developing",)),
      "A donor government's fund for biosafety capacity-building."),
    # other
    S("economic-community-desk", "Demo — Regional Economic Community Biosafety Desk (Southern Africa)", "other",
      "BWA", 3, ("en", "pt", "fr"), (("@SOUTHERN_AFRICA",),),
      "The biosafety desk of a regional economic community."),
    S("island-biosecurity", "Demo — Inter-Island Biosecurity Commission (demo)", "other", "FJI", 2, ("en",),
      (("@PACIFIC",), ("sids",)), "A commission of island States on biosecurity; registered recently.",
      vetted=False),
)

# Offers: how many Parties they serve, by the first support type.
CAPACITY = {"training": (8, 25), "technical_assistance": (2, 8), "funding": (2, 8), "materials": (10, 25),
            "infrastructure": (2, 6), "reference_materials": (5, 20), "fellowship": (2, 10),
            "expert_advice": (3, 12)}
MODALITY = {"training": (("in_person", "online", "hybrid"), (50, 25, 25)),
            "technical_assistance": (("in_person", "hybrid", "online"), (40, 40, 20)),
            "expert_advice": (("online", "hybrid", "in_person"), (40, 40, 20)),
            "fellowship": (("in_person",), (1,)), "infrastructure": (("in_person",), (1,)),
            "materials": (("online", None), (60, 40)), "funding": ((None,), (1,)),
            "reference_materials": ((None,), (1,))}
BUDGET = {"funding": (150_000, 2_000_000), "infrastructure": (80_000, 600_000), "fellowship": (60_000, 400_000),
          "training": (20_000, 150_000), "technical_assistance": (40_000, 300_000),
          "reference_materials": (10_000, 80_000), "materials": (10_000, 60_000), "expert_advice": (10_000, 80_000)}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


# --- the plan ---------------------------------------------------------------------------------------

@dataclass
class _OfferPlan:
    spec: _Spec
    title: str
    description: str
    support_types: list[str]
    key_areas: list[str]
    examples: list[str]
    languages: list[str]
    modality: str | None
    eligibility: tuple[str, ...]
    listed: list[str]  # ISO codes of the listed Parties
    pool: list[str]  # ISO codes of the Parties that would benefit from it (see _pool)
    capacity: int
    opens_on: date | None
    closes_on: date | None
    budget: Decimal | None
    currency: str
    contact_email: str
    kind: str  # open, ended (open, but its closing date passed), closed, draft
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    chinese: bool
    served: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        return {"open": OPEN, "ended": OPEN, "closed": CLOSED, "draft": DRAFT}[self.kind]


@dataclass
class _ActivityPlan:
    spec: _Spec
    offer: _OfferPlan | None
    beneficiaries: list[str]
    key_areas: list[str]
    examples: list[str]
    values: dict


# Who each type of support usually reaches, for the demo offers' audiences.
_AUDIENCES_BY_SUPPORT = {
    "training": ("cna_staff", "laboratory_staff"),
    "technical_assistance": ("cna_staff",),
    "funding": ("decision_makers",),
    "materials": ("cna_staff", "public"),
    "infrastructure": ("laboratory_staff",),
    "reference_materials": ("laboratory_staff",),
    "fellowship": ("academia",),
    "expert_advice": ("decision_makers", "cna_staff"),
}


def demo_audiences(support_types: list[str]) -> list[str]:
    reached = {audience for code in support_types for audience in _AUDIENCES_BY_SUPPORT.get(code, ())}
    return [code for code in AUDIENCES if code in reached]


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59)))


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k items without replacement, each drawn with its weight (Efraimidis–Spirakis)."""
    keyed = sorted(zip(items, weights), key=lambda pair: rng.random() ** (1.0 / pair[1]), reverse=True)
    return [item for item, _ in keyed[:k]]


def _party_lists(parties: dict[str, Party]) -> dict[str, list[str]]:
    """PARTY_LISTS with the derived lists filled in, keeping Parties to the Protocol only."""
    lists = {}
    for name, members in PARTY_LISTS.items():
        if name == "FRANCOPHONE_AFRICA":
            members = [iso for iso in sorted(FRENCH) if iso in parties and parties[iso].un_regional_group == "african"]
        elif name == "SPANISH_GRULAC":
            members = [iso for iso in sorted(SPANISH) if iso in parties and parties[iso].un_regional_group == "grulac"]
        lists[name] = [iso for iso in members if iso in parties and parties[iso].cartagena_party]
    return lists


def eligible(party: Party, eligibility: tuple[str, ...], listed: list[str]) -> bool:
    """Whether a Party to the Protocol meets an offer's eligibility (a union of criteria)."""
    if not party.cartagena_party:
        return False
    for token in eligibility:
        if (token == "all" or token == party.un_regional_group
                or (token == "ldc" and party.ldc) or (token == "sids" and party.sids)
                or (token == "developing" and party.economy != "developed")
                or (token == "supplementary" and party.supplementary_protocol_party)):
            return True
    return party.iso3 in listed


def _region(eligibility: tuple[str, ...]) -> str:
    """What to add to a title for whom it is: the region, when it is for one region's Parties."""
    return f" ({REGION_LABELS[eligibility[0]]})" if len(eligibility) == 1 and eligibility[0] in REGION_LABELS else ""


def _pool(parties: dict[str, Party], eligibility: tuple[str, ...], listed: list[str]) -> list[str]:
    """The Parties that would benefit from an offer: those eligible for it, developed countries left out."""
    return [iso for iso, party in parties.items()
            if party.economy != "developed" and eligible(party, eligibility, listed)]


def _beneficiary_weight(party: Party) -> float:
    weight = 2.8 if party.ldc or party.sids else 2.0 if party.economy == "developing" else 1.5
    return weight * (3 if party.iso3 in ("KEN", "PER") else 1)  # the demo accounts' Parties see some


def _plan_offers(rng: random.Random, parties: dict[str, Party], lists: dict[str, list[str]],
                 today: date) -> list[_OfferPlan]:
    offers = []
    for spec in ORGANISATIONS:
        group = spec.templates or spec.type
        templates = TEMPLATES[group]
        chinese = group in CHINESE_TEMPLATES
        count = min(len(templates), spec.offers + (rng.random() < 0.1))
        for template in rng.sample(templates, count):
            eligibility = template.eligibility or rng.choice(spec.eligibility)
            title = template.title if chinese else template.title + _region(eligibility)
            list_names = [token[1:] for token in eligibility if token.startswith("@")]
            listed = [iso for name in list_names for iso in lists[name]]
            eligibility = tuple(token for token in eligibility if not token.startswith("@"))
            pool = _pool(parties, eligibility, listed)
            list_language = next((LIST_LANGUAGE[name] for name in list_names if name in LIST_LANGUAGE), None)
            if chinese:
                languages = ["zh", "en"] if rng.random() < 0.6 else ["zh"]
            elif list_language:
                languages = [list_language] + (["en"] if list_language != "en" and rng.random() < 0.5 else [])
            else:
                languages = list(spec.languages if rng.random() < 0.55 else spec.languages[:1])
            first = template.support_types[0]
            modalities, weights = MODALITY[first]
            modality = rng.choices(modalities, weights)[0]
            low, high = CAPACITY[first]
            capacity = max(2, min(rng.randint(low, high), len(pool)))
            # The window and the status.
            if not spec.vetted or rng.random() < 0.03:
                kind = "draft"
            else:
                kind = "ended" if rng.random() < 0.12 else "open"
            if kind == "open":
                opens_on = today - timedelta(days=rng.randint(10, 540))
                if rng.random() < 0.08:
                    opens_on = today + timedelta(days=rng.randint(5, 60))  # published, opens soon
                closes_on = (None if first in ("reference_materials", "expert_advice") and rng.random() < 0.4
                             else max(opens_on, today) + timedelta(days=rng.randint(20, 450)))
            elif kind == "ended":
                closes_on = today - timedelta(days=rng.randint(10, 900))
                opens_on = max(FIRST_DAY + timedelta(days=14), closes_on - timedelta(days=rng.randint(90, 540)))
            else:
                opens_on = today + timedelta(days=rng.randint(15, 120)) if rng.random() < 0.7 else None
                closes_on = (opens_on or today) + timedelta(days=rng.randint(90, 365))
            budget, currency = None, ""
            if "funding" in template.support_types or rng.random() < 0.25:
                low, high = BUDGET[first]
                budget = Decimal(round(rng.randint(low, high), -3))
                currency = "EUR" if spec.country in EURO else "USD"
            if kind == "draft":
                created_on = today - timedelta(days=rng.randint(1, 45))
                created_at = _moment(rng, created_on)
                updated_at = min(created_at + timedelta(days=rng.randint(0, 5), hours=rng.randint(0, 6)),
                                 _moment(rng, today - timedelta(days=1)) if created_on < today else created_at)
                published_at = None
            else:
                created_on = max(FIRST_DAY, min(opens_on, today) - timedelta(days=rng.randint(5, 45)))
                created_at = _moment(rng, created_on)
                published_at = min(created_at + timedelta(days=rng.randint(0, 4), hours=rng.randint(0, 6)),
                                   _moment(rng, today - timedelta(days=1)))
                published_at = max(published_at, created_at)
                updated_at = max(published_at, min(published_at + timedelta(days=rng.randint(0, 60)),
                                                   _moment(rng, today - timedelta(days=1))))
            contact = f"{spec.slug}@example.org" if rng.random() < 0.6 else f"{spec.slug}.offers@example.org"
            if chinese:
                description = f"{DEMO_MARK} 演示数据，并非真实的援助提供。{template.text}"
            else:
                description = f"{DEMO_MARK} {template.text} Generated for trying the tracker out; not a real offer."
            offers.append(_OfferPlan(
                spec=spec, title=title, description=description, support_types=list(template.support_types),
                key_areas=list(template.key_areas), examples=list(template.examples), languages=languages,
                modality=modality, eligibility=eligibility, listed=listed, pool=pool, capacity=capacity,
                opens_on=opens_on, closes_on=closes_on, budget=budget, currency=currency, contact_email=contact,
                kind=kind, created_at=created_at, updated_at=updated_at, published_at=published_at, chinese=chinese))
    # A few offers filled up by the Parties they served: closed.
    candidates = [o for o in offers if o.kind != "draft" and o.opens_on <= today - timedelta(days=90)
                  and len(o.pool) >= 5]
    for offer in rng.sample(candidates, CLOSED_OFFERS):
        offer.kind = "closed"
        offer.capacity = rng.randint(2, 5)
    return offers


def _dates(rng: random.Random, support_type: str, earliest: date, latest: date, last_day: date,
           *, past: bool, today: date) -> tuple[date, date]:
    low, high = DURATION[support_type]
    duration = rng.randint(low, min(high, 400))
    if past and today - timedelta(days=duration + 3) >= earliest:  # over before today, where it fits
        latest = min(latest, today - timedelta(days=duration + 3))
    latest = max(earliest, min(latest, last_day - timedelta(days=duration)))
    start = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
    return start, min(start + timedelta(days=duration - 1), last_day)


def _activity_values(rng: random.Random, spec: _Spec, title: str, support_type: str, modality: str | None,
                     languages: list[str], start: date, end: date, beneficiaries: int, number: int,
                     funding_sources: list[str], today: date, *, cancellable: bool,
                     not_before: datetime | None, budget_share: tuple[Decimal, str] | None = None) -> dict:
    if end < today:
        status = "cancelled" if cancellable and rng.random() < 0.04 else "completed"
    elif start > today:
        status = "cancelled" if cancellable and rng.random() < 0.04 else "planned"
    else:
        status = "ongoing"
    women = men = other = None
    if status in ("completed", "ongoing") and support_type in EVENTS and rng.random() < 0.9:
        if support_type == "fellowship":
            size = beneficiaries * rng.randint(1, 2)
        elif support_type == "expert_advice":
            size = rng.randint(4, 15)
        elif support_type == "technical_assistance":
            size = rng.randint(5, 30)
        else:
            size = {"in_person": rng.randint(12, 40), "online": rng.randint(25, 160),
                    "hybrid": rng.randint(20, 70), None: rng.randint(10, 30)}[modality]
        size = max(size, beneficiaries)
        other = rng.choices((0, 1, 2), (85, 12, 3))[0] if size > 10 else 0
        women = round((size - other) * max(0.1, min(0.8, rng.gauss(0.47, 0.1))))
        men = size - other - women
    outputs = []
    if status == "completed" and rng.random() < 0.5:
        titles = OUTPUT_TITLES[support_type]
        for index, output in enumerate(rng.sample(titles, min(len(titles), rng.randint(1, 2))), start=1):
            url = f"https://example.org/demo/{spec.slug}/activity-{number}-{index}.pdf" if rng.random() < 0.85 else ""
            outputs.append({"title": output, "url": url})
    amount, currency, source = None, "", ""
    funder = spec.type in ("donor_government", "gef_agency", "un_body")
    if status != "cancelled" and budget_share is not None:  # its share of the offer's budget
        amount = Decimal(round(float(budget_share[0]) * rng.uniform(0.6, 1.0), -2))
        currency, source = budget_share[1], spec.name
    elif status != "cancelled" and (support_type == "funding" or rng.random() < (0.7 if funder else 0.35)):
        low, high = FUNDING[support_type]
        amount = Decimal(round(rng.randint(low, high), -2))
        currency = "EUR" if spec.country in EURO or rng.random() < 0.15 else "USD"
        source = spec.name if funder or rng.random() < 0.4 else rng.choice(funding_sources)
    results = ""
    if status == "completed" and rng.random() < 0.45:
        results = (f"{women + men + other} participants from {beneficiaries} "
                   f"{'Party' if beneficiaries == 1 else 'Parties'}; materials shared with all of them."
                   if women is not None else "Delivered as planned; outputs shared with the beneficiary Parties.")
    created_on = min(start - timedelta(days=rng.randint(10, 60)), today - timedelta(days=1))
    created_at = _moment(rng, created_on)
    if not_before is not None:
        created_at = min(max(created_at, not_before + timedelta(hours=1)), _moment(rng, today - timedelta(days=1)))
    updated_at = created_at
    if status == "completed":
        updated_at = max(created_at, _moment(rng, min(end + timedelta(days=rng.randint(1, 20)),
                                                      today - timedelta(days=1))))
    return dict(
        title=title, status=status, start_date=start, end_date=end, support_type=support_type, modality=modality,
        languages=languages, participants_women=women, participants_men=men, participants_other=other,
        outputs=outputs, funding_amount=amount, funding_currency=currency, funding_source=source, results=results,
        created_at=created_at, updated_at=updated_at,
        description=f"{DEMO_MARK} Recorded by {spec.name}. Generated for trying the tracker out; not a real activity.",
    )


def _cohort(start: date, chinese: bool) -> str:
    return f"（{start.year}年{start.month}月）" if chinese else f" — {MONTHS[start.month - 1]} {start.year}"


def _plan_activities(rng: random.Random, offers: list[_OfferPlan], parties: dict[str, Party],
                     lists: dict[str, list[str]], today: date) -> list[_ActivityPlan]:
    last_day = date(today.year + 1, 12, 31)
    funding_sources = [spec.name for spec in ORGANISATIONS
                       if spec.type in ("donor_government", "gef_agency") and spec.vetted]
    planned: list[_ActivityPlan] = []

    def pick(offer_pool: list[str], served: set[str], k: int) -> list[str]:
        free = [iso for iso in offer_pool if iso not in served]
        return sorted(_weighted_sample(rng, free, [_beneficiary_weight(parties[iso]) for iso in free], k))

    for offer in offers:
        if offer.kind == "draft" or offer.opens_on > today + timedelta(days=30):
            continue
        if offer.kind == "closed":
            sizes, left = [], offer.capacity
            while left:
                sizes.append(min(left, rng.randint(1, 3)))
                left -= sizes[-1]
        else:
            count = (rng.choices((0, 1, 2, 3), (10, 40, 33, 17))[0] if offer.kind == "ended"
                     else rng.choices((0, 1, 2), (40, 42, 18))[0])
            room = offer.capacity - (1 if offer.kind == "open" else 0)  # an open offer has room left
            sizes = []
            for _ in range(count):
                size = min(rng.choices((1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 9, 6))[0], room - sum(sizes))
                if size <= 0:
                    break
                sizes.append(size)
        window_end = offer.closes_on or today + timedelta(days=300)
        for size in sizes:
            support_type = rng.choice(offer.support_types)
            earliest = max(FIRST_DAY, offer.opens_on + timedelta(days=7))
            if offer.kind == "ended":
                start, end = _dates(rng, support_type, earliest, offer.closes_on + timedelta(days=60), last_day,
                                    past=True, today=today)
            else:
                start, end = _dates(rng, support_type, earliest, min(window_end, today + timedelta(days=300)),
                                    last_day, past=False, today=today)
            beneficiaries = pick(offer.pool, offer.served, size)
            offer.served.update(beneficiaries)
            key_areas = sorted(rng.sample(offer.key_areas, rng.randint(1, len(offer.key_areas))),
                               key=offer.key_areas.index)
            examples = sorted(rng.sample(offer.examples, rng.randint(0, len(offer.examples))),
                              key=offer.examples.index)
            languages = list(offer.languages if rng.random() < 0.5 else offer.languages[:1])
            share = (offer.budget * len(beneficiaries) / offer.capacity, offer.currency) if offer.budget else None
            values = _activity_values(
                rng, offer.spec, offer.title + _cohort(start, offer.chinese), support_type, offer.modality,
                languages, start, end, len(beneficiaries), len(planned) + 1, funding_sources, today,
                cancellable=offer.kind != "closed", not_before=offer.published_at,
                budget_share=share)
            planned.append(_ActivityPlan(offer.spec, offer, beneficiaries, key_areas, examples, values))

    # Activities outside any offer.
    vetted = [spec for spec in ORGANISATIONS if spec.vetted]
    for _ in range(max(30, ACTIVITIES - len(planned)) + rng.randint(0, 6)):
        spec = rng.choice(vetted)
        support_type, key_areas, title = rng.choice(OTHER_ACTIVITIES[spec.type])
        eligibility = rng.choice(spec.eligibility)
        listed = [iso for token in eligibility if token.startswith("@") for iso in lists[token[1:]]]
        pool = _pool(parties, eligibility, listed)
        start, end = _dates(rng, support_type, FIRST_DAY + timedelta(days=14), today + timedelta(days=300),
                            last_day, past=rng.random() < 0.7, today=today)
        beneficiaries = pick(pool, set(), min(len(pool), rng.choices((1, 2, 3, 4, 5, 6), (25, 20, 20, 15, 10, 10))[0]))
        modalities, weights = MODALITY[support_type]
        modality = rng.choices(modalities, weights)[0]
        region = _region(eligibility)
        values = _activity_values(
            rng, spec, title + region + _cohort(start, False), support_type, modality, list(spec.languages[:1]),
            start, end, len(beneficiaries), len(planned) + 1, funding_sources, today, cancellable=True,
            not_before=None)
        planned.append(_ActivityPlan(spec, None, beneficiaries, list(key_areas), [], values))
    return planned


def _organisation_dates(rng: random.Random, spec: _Spec, offers: list[_OfferPlan],
                        today: date) -> tuple[datetime, datetime | None]:
    """When it registered (before its first offer; recently, if it is not vetted yet) and was vetted."""
    if not spec.vetted:
        first = min((o.created_at for o in offers if o.spec is spec), default=_moment(rng, today))
        created_at = min(first, _moment(rng, today - timedelta(days=45))) - timedelta(days=rng.randint(1, 20))
        return created_at, None
    first = min((o.created_at for o in offers if o.spec is spec), default=_moment(rng, today))
    created_at = min(max(_moment(rng, FIRST_DAY), first - timedelta(days=rng.randint(10, 60), hours=rng.randint(1, 8))),
                     first - timedelta(hours=1))
    return created_at, min(created_at + timedelta(days=rng.randint(1, 6)), first)


# --- rows -------------------------------------------------------------------------------------------

def _offer_counts(offers: list[_OfferPlan]) -> Counter:
    return Counter(offer.kind for offer in offers)


def load_demo_providers() -> list[str]:
    """Add the demo organisations, offers and organisation activities not there yet; lines for the console.

    Does not commit: the caller (the `seed --demo` command) does.
    """
    today = clock_today()
    names = [spec.name for spec in ORGANISATIONS]
    existing = {organisation.name: organisation for organisation in db.session.scalars(
        db.select(Organisation).where(Organisation.name.in_(names)))}
    offers_there = db.session.scalar(
        db.select(db.func.count(Offer.id)).join(Offer.organisation)
        .where(Organisation.name.in_(names), Offer.description.startswith(DEMO_MARK)))
    activities_there = db.session.scalar(
        db.select(db.func.count(Activity.id)).where(Activity.organisation_id.is_not(None),
                                                    Activity.description.startswith(DEMO_MARK)))
    if len(existing) == len(names) and offers_there and activities_there:
        return [f"demo organisations: already there ({len(existing)}); nothing added",
                f"demo offers: already there ({offers_there}); nothing added",
                f"demo organisation activities: already there ({activities_there}); nothing added"]

    parties = {party.iso3: party for party in db.session.scalars(db.select(Party).order_by(Party.iso3))}
    areas = {area.code: area for area in db.session.scalars(db.select(KeyArea))}
    examples = {example.code: example for example in db.session.scalars(db.select(ActivityExample))}
    lists = _party_lists(parties)

    # The whole plan is drawn every time, in the same order, so that what is added does not depend on what is
    # already there.
    rng = random.Random(SEED)
    offer_plans = _plan_offers(rng, parties, lists, today)
    activity_plans = _plan_activities(rng, offer_plans, parties, lists, today)
    organisation_dates = {spec.slug: _organisation_dates(rng, spec, offer_plans, today) for spec in ORGANISATIONS}

    rows: list = []
    lines = []
    organisations: dict[str, Organisation] = {}
    added = []
    for spec in ORGANISATIONS:
        description = f"{DEMO_MARK} {spec.about} Not a real organisation; generated for trying the tracker out."
        organisation = existing.get(spec.name)
        if organisation is None:
            created_at, vetted_at = organisation_dates[spec.slug]
            organisation = Organisation(
                name=spec.name, type=spec.type, country=parties[spec.country],
                website=f"https://example.org/{spec.slug}", description=description,
                contact_email=f"{spec.slug}@example.org", vetted=spec.vetted, vetted_at=vetted_at,
                created_at=created_at)
            rows.append(organisation)
            added.append(organisation)
        else:
            # The demo provider account's organisation is created bare, today: fill in its profile, and date it
            # back to before its first offer.
            organisation.description = organisation.description or description
            organisation.contact_email = organisation.contact_email or f"{spec.slug}@example.org"
            created_at, vetted_at = organisation_dates[spec.slug]
            if organisation.created_at > created_at:
                organisation.created_at = created_at
                if organisation.vetted:
                    organisation.vetted_at = vetted_at
        organisations[spec.slug] = organisation
    reused = [name for name in names if name in existing]
    if not added:
        lines.append(f"demo organisations: already there ({len(existing)}); nothing added")
    else:
        line = f"demo organisations: {len(added)} ({sum(o.vetted for o in added)} vetted)"
        if reused:
            line += f"; {len(reused)} already there ({', '.join(reused)})"
        lines.append(line)

    provider = db.session.scalar(db.select(User).where(
        User.email == next(a[0] for a in DEMO_ACCOUNTS if a[2] == PROVIDER), User.organisation_id.is_not(None)))
    provider_slug = next(spec.slug for spec in ORGANISATIONS if spec.name == DEMO_ORGANISATION)

    def editor(spec: _Spec) -> int | None:
        return provider.id if provider is not None and spec.slug == provider_slug else None

    offers: dict[int, Offer] = {}  # id of the plan → row
    if offers_there:
        lines.append(f"demo offers: already there ({offers_there}); nothing added")
        by_title = {(offer.organisation_id, offer.title): offer for offer in db.session.scalars(
            db.select(Offer).join(Offer.organisation)
            .where(Organisation.name.in_(names), Offer.description.startswith(DEMO_MARK)))}
        for plan in offer_plans:
            organisation = organisations[plan.spec.slug]
            if (organisation.id, plan.title) in by_title:
                offers[id(plan)] = by_title[organisation.id, plan.title]
    else:
        for plan in offer_plans:
            organisation = organisations[plan.spec.slug]
            if plan.kind != "draft" and not organisation.vetted:  # only vetted organisations publish
                plan.kind, plan.published_at = "draft", None
            key_areas = [areas[code] for code in plan.key_areas]
            offer = Offer(
                organisation=organisation, title=plan.title, description=plan.description,
                support_types=plan.support_types, audiences=demo_audiences(plan.support_types),
                languages=plan.languages, modality=plan.modality,
                eligible_all="all" in plan.eligibility,
                eligible_groups=[token for token in plan.eligibility if token in
                                 ("african", "asia_pacific", "ceeg", "grulac", "weog")],
                eligible_ldc="ldc" in plan.eligibility, eligible_sids="sids" in plan.eligibility,
                eligible_developing="developing" in plan.eligibility,
                eligible_supplementary="supplementary" in plan.eligibility,
                eligible_parties=[parties[iso] for iso in plan.listed],
                capacity=plan.capacity, opens_on=plan.opens_on, closes_on=plan.closes_on,
                budget_amount=plan.budget, budget_currency=plan.currency, contact_email=plan.contact_email,
                status=plan.status,
                search_text=search_text(plan.title, plan.description, " ".join(plan.key_areas),
                                        " ".join(area.text_en for area in key_areas),
                                        " ".join(area.text_zh for area in key_areas)),
                created_at=plan.created_at, updated_at=plan.updated_at, updated_by_id=editor(plan.spec),
                published_at=plan.published_at,
                key_areas=key_areas, activity_examples=[examples[code] for code in plan.examples],
            )
            rows.append(offer)
            offers[id(plan)] = offer
        kinds = _offer_counts(offer_plans)
        lines.append(f"demo offers: {len(offer_plans)} ({kinds['open']} open, {kinds['ended']} expired "
                     f"(open, closing date passed), {kinds['closed']} closed, {kinds['draft']} drafts)")

    if activities_there:
        lines.append(f"demo organisation activities: already there ({activities_there}); nothing added")
        activity_count = 0
    else:
        for plan in activity_plans:
            offer = offers.get(id(plan.offer)) if plan.offer is not None else None
            if offer is not None and offer.status == DRAFT:
                offer = None
            rows.append(Activity(
                organisation=organisations[plan.spec.slug], party_id=None, party_role=None, offer=offer,
                key_areas=[areas[code] for code in plan.key_areas],
                activity_examples=[examples[code] for code in plan.examples],
                beneficiaries=[parties[iso] for iso in plan.beneficiaries], updated_by_id=editor(plan.spec),
                **plan.values))
        activity_count = len(activity_plans)
        under_offers = sum(plan.offer is not None for plan in activity_plans)
        lines.append(f"demo organisation activities: {activity_count} ({under_offers} under offers)")

    if not rows:
        return lines
    db.session.add_all(rows)
    db.session.flush()
    kinds = _offer_counts(offer_plans) if not offers_there else Counter()
    record(None, "demo.load", organisations[provider_slug], after={
        "organisations": len(added), "vetted": sum(o.vetted for o in added),
        "offers": sum(kinds.values()), "open": kinds["open"], "expired": kinds["ended"], "closed": kinds["closed"],
        "drafts": kinds["draft"], "activities": activity_count})
    return lines
