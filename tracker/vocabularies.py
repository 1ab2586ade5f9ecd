"""Controlled lists shared by needs, offers and activities. Codes are stored; labels are translated."""
from flask_babel import lazy_gettext as _l

NEED_LEVELS = {
    "none": _l("No need"),
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
}
PRIORITIES = {1: _l("1 — highest"), 2: _l("2"), 3: _l("3 — lowest")}

AUDIENCES = {
    "decision_makers": _l("Decision makers"),
    "cna_staff": _l("Competent national authority staff"),
    "laboratory_staff": _l("Laboratory staff"),
    "customs_border": _l("Customs and border officials"),
    "inspectors": _l("Inspectors and enforcement officers"),
    "academia": _l("Academia and researchers"),
    "iplc": _l("Indigenous peoples and local communities"),
    "public": _l("The public"),
    "media": _l("Journalists and media"),
    "private_sector": _l("Private sector"),
}

SUPPORT_TYPES = {
    "training": _l("Training"),
    "technical_assistance": _l("Technical assistance"),
    "funding": _l("Funding"),
    "materials": _l("Materials and guidance"),
    "infrastructure": _l("Infrastructure or laboratory access"),
    "reference_materials": _l("Certified reference materials"),
    "fellowship": _l("Fellowship or academic exchange"),
    "expert_advice": _l("Expert advice"),
}

MODALITIES = {
    "in_person": _l("In person"),
    "online": _l("Online"),
    "hybrid": _l("Hybrid"),
}

# The six UN languages first, then others common in capacity-building work.
LANGUAGES = {
    "en": _l("English"),
    "fr": _l("French"),
    "es": _l("Spanish"),
    "ar": _l("Arabic"),
    "ru": _l("Russian"),
    "zh": _l("Chinese"),
    "pt": _l("Portuguese"),
}

ACTIVITY_STATUSES = {
    "planned": _l("Planned"),
    "ongoing": _l("Ongoing"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
