"""Why a need and an offer were paired, in words, from the stored components and the two records."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.matching.engine import COMPONENTS
from tracker.parties.views import REGIONAL_GROUP_NAMES
from tracker.vocabularies import AUDIENCES, LANGUAGES, MODALITIES, SUPPORT_TYPES

COMPONENT_NAMES = {
    "support_type": _l("Type of support"),
    "audience": _l("Audience"),
    "modality": _l("Modality"),
    "examples": _l("Example activities"),
    "language": _l("Language"),
}
assert set(COMPONENT_NAMES) == set(COMPONENTS)


def _names(codes, labels) -> str:
    return ", ".join(str(labels[code]) for code in codes if code in labels)


def eligibility_reason(offer, party) -> str:
    """The first reason the Party may benefit from the offer."""
    if offer.eligible_all:
        return _("Open to every Party")
    if party in offer.eligible_parties:
        return _("Eligible as a Party the offer names")
    if party.un_regional_group in offer.eligible_groups:
        return _("Eligible as a member of the %(group)s", group=REGIONAL_GROUP_NAMES[party.un_regional_group])
    if offer.eligible_ldc and party.ldc:
        return _("Eligible as an LDC")
    if offer.eligible_sids and party.sids:
        return _("Eligible as a SIDS")
    if offer.eligible_developing and party.economy != "developed":
        return _("Eligible as a developing country or economy in transition")
    if offer.eligible_supplementary and party.supplementary_protocol_party:
        return _("Eligible as a Party to the Supplementary Protocol")
    return _("Not eligible any more")


def reasons(match) -> list[str]:
    """The explanation shown to both sides, e.g. “Covers A.8(2)”, “Eligible as an LDC”, “French shared”,
    “Training wanted and offered”, “In person preferred, Hybrid offered”."""
    offer, need = match.offer, match.need
    said = [_("Covers %(code)s", code=match.key_area.code), eligibility_reason(offer, match.party)]
    if need is None:
        return said
    shared = [code for code in need.languages if code in offer.languages]
    if not need.languages:
        said.append(_("Any language accepted"))
    elif shared:
        said.append(_("%(languages)s shared", languages=_names(shared, LANGUAGES)))
    wanted = [code for code in need.support_types if code in offer.support_types]
    if wanted:
        said.append(_("%(types)s wanted and offered", types=_names(wanted, SUPPORT_TYPES)))
    elif need.support_types:
        said.append(_("%(wanted)s wanted, %(offered)s offered", wanted=_names(need.support_types, SUPPORT_TYPES),
                      offered=_names(offer.support_types, SUPPORT_TYPES)))
    if need.modality and offer.modality:
        if need.modality == offer.modality:
            said.append(_("%(modality)s wanted and offered", modality=MODALITIES[need.modality]))
        else:
            said.append(_("%(wanted)s preferred, %(offered)s offered", wanted=MODALITIES[need.modality],
                          offered=MODALITIES[offer.modality]))
    reached = [code for code in need.audiences if code in offer.audiences]
    if reached:
        said.append(_("Reaches %(audiences)s", audiences=_names(reached, AUDIENCES)))
    examples = [example.code for example in offer.activity_examples if example.goal_id == match.key_area.goal_id]
    if examples:
        said.append(_("Names example activities %(codes)s", codes=", ".join(examples)))
    return said


def components(match) -> list[tuple[str, float]]:
    """(name, value) of each stored score component, in the engine's order."""
    return [(str(COMPONENT_NAMES[name]), match.components.get(name, 0.0)) for name in COMPONENTS]
