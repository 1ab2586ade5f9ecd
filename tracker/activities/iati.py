"""Activities as an IATI 2.03 activity file, the format donors report in (iatistandard.org/en/iati-standard/203).

The file validates against the IATI 2.03 activity schema (the tests check it with the official XSD). What we
chose where the tracker's data and IATI's do not meet one to one:

Identifiers. Neither the Parties nor most organisations in the tracker have a registered IATI organisation
identifier, and the tracker holds none, so the reporting organisation's `ref` is one of our own, in the "XI-"
(IATI-issued) style and marked as the tracker's so that it cannot collide with a registered one:

- an organisation's record: ``XI-CBD-TRACKER-ORG-<organisation id>`` (our database id, never reused);
- a Party's record: ``XI-CBD-TRACKER-PARTY-<ISO3>`` (``XI-CBD-TRACKER-PARTY-EUU`` for the European Union).
  We did not use "XM-DAC-…" (the DAC codes exist for donor governments and multilaterals, not for the
  competent national authorities that record here) nor "<ISO2>-GOV-…" (no such list is registered for most
  Parties).

The activity's ``iati-identifier`` is ``<reporting-org ref>-<activity id>``, as IATI requires (the reporting
organisation's identifier, a hyphen, its own activity identifier). Both parts never change, so neither does
the identifier. An organisation that registers its own IATI identifier later should report its old
identifiers as ``other-identifier`` (type B1) when it publishes its own file.

reporting-org type (IATI OrganisationType): GEF agency and UN body 40 (multilateral); university and laboratory
80 (academic, training and research); NGO 21 (international NGO); IPLC organisation 24 (partner-country based
NGO); private sector 70; donor government 10 (government); other 90; a Party 10 (government).

participating-org: the recording organisation is accountable (2) and implementing (4). A Party's record names
the Party as accountable (2) for what it reports, and as implementing (4) only when the Party organised the
activity (when it took part in someone else's, the implementer is not recorded). The funding source, when
given, is a funding organisation (1) with its name only (free text: no ref, no type). The beneficiary Parties
are not participating organisations: they are recipient countries.

activity-status (IATI ActivityStatus): planned 1 (pipeline/identification), ongoing 2 (implementation),
completed 4 (closed), cancelled 5. A completed activity is reported as closed rather than 3 (finalisation:
"physical activity complete, pending financial sign-off or evaluation") because the tracker has no later
close-out step: when its recorder calls it completed, it is over.

activity-date (IATI ActivityDateType): dates of a planned or cancelled activity are planned ones (1 start,
3 end); an ongoing activity has an actual start (2) and a planned end (3); a completed one an actual start (2)
and an actual end (4). An "actual" date later than the day the file is made is reported as planned (IATI does
not accept actual dates in the future). IATI requires at least one date: an activity with neither a start
nor an end date is left out of the file, and an XML comment at the top says how many were.

recipient-country: each beneficiary Party (ISO 3166-1 alpha-2, in code order); for a Party's record first the
Party itself; never the European Union, which is not a country. No percentages: we do not know how the activity was
shared between them (IATI asks for percentages only when they are reported at all).

sector: DAC 5-digit (vocabulary 1) 41030 Biodiversity for every activity, plus 41081 Environmental
education/training when the support was training or a fellowship (then 50 % each); and our key areas as a
reporting organisation's vocabulary (99), code as printed ("A.8(3)"), narrative the English text and the
Chinese one (xml:lang="zh"), percentages shared equally, to two decimals, summing to 100. The vocabulary-uri
is the tracker's Action Plan page when its address is known.

policy-marker: biodiversity (OECD DAC vocabulary 1, code 5) with significance 2, principal objective, since
every activity builds capacity under the Cartagena Protocol, a protocol to the CBD.

Money: only what was spent is reported, as one transaction of type 4 (expenditure), dated at the end (or
the start) of a completed activity that its recorder delivered (an organisation's record, or a Party's that
the Party organised), in the currency recorded. We report no budget: the tracker's amount is not split by
year as IATI budgets must be, and an amount on a planned activity is not a commitment.

document-link: each material with a link, category A08 (results, outcomes and outputs), format from the
link's file extension (PDF, office documents, images…), "text/html" otherwise.

Text: the activity's xml:lang is "en" by default; titles and descriptions are written in whatever language
their recorder used, which the tracker does not record, so they carry no xml:lang of their own. The results
text is a description of type 4 (other), after "Results: ". Characters that XML 1.0 cannot carry (control
characters) are dropped; everything else, Chinese included, is written as UTF-8.
"""
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from urllib.parse import urlsplit

from tracker.activities.models import Activity

IATI_VERSION = "2.03"
REF_PREFIX = "XI-CBD-TRACKER"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ORGANISATION_TYPE_CODES = {
    "gef_agency": "40",
    "un_body": "40",
    "university": "80",
    "laboratory": "80",
    "ngo": "21",
    "iplc": "24",
    "private_sector": "70",
    "donor_government": "10",
    "other": "90",
}
GOVERNMENT = "10"

ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "1", "2", "4"
STATUS_CODES = {"planned": "1", "ongoing": "2", "completed": "4", "cancelled": "5"}
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# (start, end) date types by status, before actual dates in the future become planned ones.
DATE_TYPES = {
    "planned": (PLANNED_START, PLANNED_END),
    "cancelled": (PLANNED_START, PLANNED_END),
    "ongoing": (ACTUAL_START, PLANNED_END),
    "completed": (ACTUAL_START, ACTUAL_END),
}
AS_PLANNED = {ACTUAL_START: PLANNED_START, ACTUAL_END: PLANNED_END}

DAC_VOCABULARY, OWN_VOCABULARY = "1", "99"
BIODIVERSITY, ENVIRONMENTAL_EDUCATION = "41030", "41081"
EDUCATION_SUPPORT_TYPES = ("training", "fellowship")
POLICY_MARKER_BIODIVERSITY, PRINCIPAL_OBJECTIVE = "5", "2"
EXPENDITURE = "4"
DESCRIPTION_GENERAL, DESCRIPTION_OTHER = "1", "4"
DOCUMENT_CATEGORY_OUTPUTS = "A08"
EU_ISO2 = "EU"

DOCUMENT_FORMATS = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".mp4": "video/mp4",
    ".zip": "application/zip",
}
WEB_PAGE = "text/html"

# Characters XML 1.0 does not allow, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def reporting_org_ref(activity: Activity) -> str:
    if activity.organisation_id is not None:
        return f"{REF_PREFIX}-ORG-{activity.organisation_id}"
    return f"{REF_PREFIX}-PARTY-{activity.party.iso3}"


def iati_identifier(activity: Activity) -> str:
    return f"{reporting_org_ref(activity)}-{activity.id}"


def iati_xml(activities: Iterable[Activity], *, generated_at: datetime, framework_url: str | None = None) -> bytes:
    """The activities as an `<iati-activities version="2.03">` document, UTF-8 encoded. `generated_at` is naive
    UTC (or aware); `framework_url` is the address of the Action Plan's pages, if known. The activities need
    their party, organisation, key areas and beneficiaries loaded (ACTIVITY_LOAD_OPTIONS) to avoid a query
    each. IATI wants at least one activity in a file: with none, the document is empty and does not validate."""
    root = ET.Element("iati-activities", {"version": IATI_VERSION, "generated-datetime": _datetime(generated_at)})
    today = _utc(generated_at).date()
    left_out = 0
    for activity in activities:
        if activity.start_date is None and activity.end_date is None:
            left_out += 1
            continue
        root.append(_activity(activity, today, framework_url))
    if left_out:
        counted = "1 activity without dates is" if left_out == 1 else f"{left_out} activities without dates are"
        root.insert(0, ET.Comment(f" {counted} left out: IATI requires a date. "))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _activity(activity: Activity, today: date, framework_url: str | None) -> ET.Element:
    element = ET.Element("iati-activity", {XML_LANG: "en", "last-updated-datetime": _datetime(activity.updated_at)})
    _text(element, "iati-identifier", iati_identifier(activity))

    ref, org_type, name = _recorder(activity)
    _narratives(ET.SubElement(element, "reporting-org", {"ref": ref, "type": org_type}), name)
    _narratives(ET.SubElement(element, "title"), activity.title)
    _narratives(ET.SubElement(element, "description", {"type": DESCRIPTION_GENERAL}),
                activity.description or activity.title)
    if activity.results:
        _narratives(ET.SubElement(element, "description", {"type": DESCRIPTION_OTHER}), f"Results: {activity.results}")

    if activity.funding_source:
        _narratives(ET.SubElement(element, "participating-org", {"role": ROLE_FUNDING}), activity.funding_source)
    roles = [ROLE_ACCOUNTABLE]
    if activity.organisation_id is not None or activity.party_role == "organised":
        roles.append(ROLE_IMPLEMENTING)
    for role in roles:
        _narratives(ET.SubElement(element, "participating-org", {"ref": ref, "type": org_type, "role": role}), name)

    ET.SubElement(element, "activity-status", {"code": STATUS_CODES[activity.status]})
    start_type, end_type = DATE_TYPES[activity.status]
    for value, date_type in ((activity.start_date, start_type), (activity.end_date, end_type)):
        if value is not None:
            if value > today:
                date_type = AS_PLANNED.get(date_type, date_type)
            ET.SubElement(element, "activity-date", {"type": date_type, "iso-date": value.isoformat()})

    for iso2 in _recipient_countries(activity):
        ET.SubElement(element, "recipient-country", {"code": iso2})

    dac = [BIODIVERSITY] + ([ENVIRONMENTAL_EDUCATION] if activity.support_type in EDUCATION_SUPPORT_TYPES else [])
    for code, percentage in zip(dac, equal_shares(len(dac))):
        ET.SubElement(element, "sector", {"vocabulary": DAC_VOCABULARY, "code": code, "percentage": percentage})
    own = {"vocabulary": OWN_VOCABULARY} | ({"vocabulary-uri": framework_url} if framework_url else {})
    for area, percentage in zip(activity.key_areas, equal_shares(len(activity.key_areas))):
        sector = ET.SubElement(element, "sector", {**own, "code": area.code, "percentage": percentage})
        _narratives(sector, area.text_en)
        _narratives(sector, area.text_zh, lang="zh")

    ET.SubElement(element, "policy-marker", {"vocabulary": DAC_VOCABULARY, "code": POLICY_MARKER_BIODIVERSITY,
                                             "significance": PRINCIPAL_OBJECTIVE})

    spent_on = activity.end_date or activity.start_date
    if (activity.status == "completed" and ROLE_IMPLEMENTING in roles and activity.funding_amount is not None
            and activity.funding_currency and spent_on <= today):
        transaction = ET.SubElement(element, "transaction")
        ET.SubElement(transaction, "transaction-type", {"code": EXPENDITURE})
        ET.SubElement(transaction, "transaction-date", {"iso-date": spent_on.isoformat()})
        _text(transaction, "value", f"{activity.funding_amount:f}",
              {"currency": activity.funding_currency, "value-date": spent_on.isoformat()})

    for output in activity.outputs or []:
        if output.get("url"):
            link = ET.SubElement(element, "document-link", {"url": _clean(output["url"]),
                                                            "format": document_format(output["url"])})
            _narratives(ET.SubElement(link, "title"), output.get("title") or output["url"])
            ET.SubElement(link, "category", {"code": DOCUMENT_CATEGORY_OUTPUTS})
    return element


def _recorder(activity: Activity) -> tuple[str, str, str]:
    """reporting-org ref, type code and name."""
    if activity.organisation_id is not None:
        organisation = activity.organisation
        return (reporting_org_ref(activity), ORGANISATION_TYPE_CODES.get(organisation.type, "90"),
                organisation.name)
    return reporting_org_ref(activity), GOVERNMENT, activity.party.name_en


def _recipient_countries(activity: Activity) -> list[str]:
    parties = ([activity.party] if activity.party is not None else []) + sorted(
        activity.beneficiaries, key=lambda beneficiary: beneficiary.iso2)
    codes = []
    for party in parties:
        if party.iso2 != EU_ISO2 and party.iso2 not in codes:
            codes.append(party.iso2)
    return codes


def equal_shares(count: int) -> list[str]:
    """`count` percentages as equal as two decimals allow, summing to exactly 100 (the last takes the rest)."""
    if count == 0:
        return []
    share = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    shares = [share] * (count - 1) + [Decimal(100) - share * (count - 1)]
    return [f"{value.normalize():f}" for value in shares]


def document_format(url: str) -> str:
    """The IANA media type of a linked material, from its file extension; a web page when there is none."""
    extension = posixpath.splitext(urlsplit(url).path)[1].lower()
    return DOCUMENT_FORMATS.get(extension, WEB_PAGE)


def _narratives(parent: ET.Element, text: str, lang: str | None = None) -> None:
    if text:
        _text(parent, "narrative", text, {XML_LANG: lang} if lang else {})


def _text(parent: ET.Element, tag: str, text: str, attributes: dict | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes or {})
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _datetime(moment: datetime) -> str:
    return _utc(moment).replace(microsecond=0).isoformat() + "Z"
