"""IATI 2.03 XML of activities: valid against the official schema, with the codes documented in
tracker/activities/iati.py."""
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import login, make_organisation, make_user, party
from tests.test_activities import key_area, make_activity
from tracker.accounts.models import PARTY_EDITOR, PROVIDER, SECRETARIAT
from tracker.activities import services
from tracker.activities.exports import export_activities
from tracker.activities.iati import document_format, equal_shares, iati_xml
from tracker.activities.models import Activity
from tracker.activities.services import ACTIVITY_LOAD_OPTIONS
from tracker.clock import utcnow
from tracker.extensions import db

SCHEMA_DIR = Path(__file__).resolve().parent / "iati-2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATED_AT = datetime(2025, 6, 30, 12, 0, 0)


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd")))


def validated(schema, data: bytes):
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log
    return document


def codes(element, path, attribute="code"):
    return [child.get(attribute) for child in element.findall(path)]


def by_title(document) -> dict:
    return {activity.findtext("title/narrative"): activity for activity in document.findall("iati-activity")}


def load(*activities) -> list[Activity]:
    """The activities as the exports load them."""
    ids = [activity.id for activity in activities]
    db.session.expire_all()
    found = {a.id: a for a in db.session.scalars(
        db.select(Activity).where(Activity.id.in_(ids)).options(*ACTIVITY_LOAD_OPTIONS)).unique()}
    return [found[i] for i in ids]


def make_org_activity(org, *, title, status="completed", start_date=date(2024, 9, 2), end_date=date(2024, 9, 6),
                      key_areas=("A.8(3)",), beneficiaries=(), **fields) -> Activity:
    now = utcnow()
    activity = Activity(organisation=org, title=title, status=status, start_date=start_date, end_date=end_date,
                        key_areas=[key_area(code) for code in key_areas],
                        beneficiaries=[party(code) for code in beneficiaries], created_at=now, updated_at=now,
                        **fields)
    db.session.add(activity)
    db.session.commit()
    return activity


@pytest.fixture
def sample(ctx):
    """A Party's record, an organisation's record with beneficiaries, funding, outputs and key areas of two goals,
    a cancelled one, a planned one, an ongoing one and one without dates."""
    org = make_organisation(name="UN Environment & <Partners>", type="un_body")
    records = {
        "party": make_activity("KEN", title="National workshop on risk assessment", party_role="organised",
                               key_areas=("A.5(1)",), funding_amount=Decimal("5000.00"), funding_currency="KES",
                               funding_source="National budget"),
        "took part": make_activity("KEN", title="Attended a regional meeting", party_role="took_part",
                                   funding_amount=Decimal("800.00"), funding_currency="USD"),
        "organisation": make_org_activity(
            org, title="Regional course on LMO detection", key_areas=("A.8(3)", "A.8(1)", "B.1(1)"),
            beneficiaries=("PER", "UGA", "EUU"), support_type="training", funding_amount=Decimal("42000.50"),
            funding_currency="USD", funding_source="Global Environment Facility", description="Five days.",
            results="Two laboratories validated the method.",
            outputs=[{"title": "Course manual", "url": "https://example.org/manual.PDF?v=2"},
                     {"title": "Course page", "url": "https://example.org/course"},
                     {"title": "Printed poster", "url": ""}]),
        "cancelled": make_org_activity(org, title="Cancelled field visit", status="cancelled",
                                       start_date=date(2024, 2, 1), end_date=date(2024, 2, 3), beneficiaries=("PER",)),
        "planned": make_org_activity(org, title="Planned webinar", status="planned", start_date=date(2026, 3, 1),
                                     end_date=date(2026, 3, 2), funding_amount=Decimal("100"), funding_currency="EUR"),
        "ongoing": make_org_activity(org, title="Ongoing mentoring", status="ongoing", start_date=date(2025, 1, 15),
                                     end_date=date(2025, 12, 15)),
        "undated": make_org_activity(org, title="Undated idea", status="planned", start_date=None, end_date=None),
    }
    return {"org": org, **records}


def sample_xml(sample, **kwargs) -> bytes:
    return iati_xml(load(*(sample[key] for key in sample if key != "org")), generated_at=GENERATED_AT,
                    framework_url=kwargs.pop("framework_url", "https://tracker.example/framework"), **kwargs)


# --- validity and identifiers --------------------------------------------------------------------

def test_document_validates_against_the_iati_2_03_schema(schema, sample):
    document = validated(schema, sample_xml(sample))
    assert document.tag == "iati-activities"
    assert document.get("version") == "2.03" and document.get("generated-datetime") == "2025-06-30T12:00:00Z"
    assert len(document.findall("iati-activity")) == 6  # the undated one is left out, and says so
    assert "<!-- 1 activity without dates is left out: IATI requires a date. -->" in sample_xml(sample).decode()
    assert "Undated idea" not in sample_xml(sample).decode()


def test_the_schema_refuses_a_broken_document(schema, sample):
    """The check above can fail: a document missing a required element does not validate."""
    document = etree.fromstring(sample_xml(sample))
    activity = document.find("iati-activity")
    activity.remove(activity.find("activity-status"))
    assert not schema.validate(document)


def test_identifiers_are_unique_and_stable(sample):
    first = etree.fromstring(sample_xml(sample))
    identifiers = [element.text for element in first.iter("iati-identifier")]
    assert len(identifiers) == len(set(identifiers)) == 6

    org_id, party_record, org_record = sample["org"].id, sample["party"], sample["organisation"]
    titles = by_title(first)
    assert titles["National workshop on risk assessment"].findtext("iati-identifier") == \
        f"XI-CBD-TRACKER-PARTY-KEN-{party_record.id}"
    assert titles["Regional course on LMO detection"].findtext("iati-identifier") == \
        f"XI-CBD-TRACKER-ORG-{org_id}-{org_record.id}"
    assert titles["Regional course on LMO detection"].find("reporting-org").get("ref") == f"XI-CBD-TRACKER-ORG-{org_id}"

    # Edited, then exported on another day, in another order: the same identifiers.
    provider = make_user(PROVIDER, party_iso3=None, organisation=sample["org"])
    services.update_activity(org_record, services.ActivityInput(
        title="Renamed course", status="completed", start_date=date(2024, 9, 2), key_areas=["A.8(3)"]),
        lock_version=org_record.lock_version, actor=provider)
    db.session.commit()
    again = etree.fromstring(iati_xml(list(reversed(load(*(sample[key] for key in sample if key != "org")))),
                                      generated_at=datetime(2026, 1, 1)))
    assert sorted(element.text for element in again.iter("iati-identifier")) == sorted(identifiers)
    assert by_title(again)["Renamed course"].findtext("iati-identifier") == \
        f"XI-CBD-TRACKER-ORG-{org_id}-{org_record.id}"


@pytest.mark.parametrize("organisation_type, code", [
    ("gef_agency", "40"), ("un_body", "40"), ("university", "80"), ("laboratory", "80"), ("ngo", "21"),
    ("iplc", "24"), ("private_sector", "70"), ("donor_government", "10"), ("other", "90")])
def test_reporting_org_type_follows_the_organisation_type(schema, ctx, organisation_type, code):
    org = make_organisation(name=f"An organisation of type {organisation_type}", type=organisation_type)
    document = validated(schema, iati_xml(load(make_org_activity(org, title="Course")), generated_at=GENERATED_AT))
    reporting = document.find("iati-activity/reporting-org")
    assert reporting.get("type") == code
    assert reporting.findtext("narrative") == f"An organisation of type {organisation_type}"


def test_party_record_is_reported_by_the_party_as_government(sample):
    activity = by_title(etree.fromstring(sample_xml(sample)))["National workshop on risk assessment"]
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type"), reporting.findtext("narrative")) == \
        ("XI-CBD-TRACKER-PARTY-KEN", "10", "Kenya")


# --- codes ---------------------------------------------------------------------------------------

def test_status_codes(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))
    assert {title: activity.find("activity-status").get("code") for title, activity in titles.items()} == {
        "National workshop on risk assessment": "4",  # completed: closed
        "Attended a regional meeting": "4",
        "Regional course on LMO detection": "4",
        "Cancelled field visit": "5",
        "Planned webinar": "1",
        "Ongoing mentoring": "2",
    }


def test_date_types_follow_the_status(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))

    def dates(title):
        return [(d.get("type"), d.get("iso-date")) for d in titles[title].findall("activity-date")]

    assert dates("Regional course on LMO detection") == [("2", "2024-09-02"), ("4", "2024-09-06")]
    assert dates("Planned webinar") == [("1", "2026-03-01"), ("3", "2026-03-02")]
    assert dates("Ongoing mentoring") == [("2", "2025-01-15"), ("3", "2025-12-15")]
    assert dates("Cancelled field visit") == [("1", "2024-02-01"), ("3", "2024-02-03")]


def test_actual_dates_in_the_future_are_reported_as_planned(ctx):
    org = make_organisation()
    starts_later = make_org_activity(org, title="Ongoing, says the record", status="ongoing",
                                     start_date=date(2025, 8, 1), end_date=None)
    ends_later = make_org_activity(org, title="Completed, says the record", status="completed",
                                   start_date=date(2025, 6, 1), end_date=date(2025, 7, 10))
    titles = by_title(etree.fromstring(iati_xml(load(starts_later, ends_later), generated_at=GENERATED_AT)))
    assert codes(titles["Ongoing, says the record"], "activity-date", "type") == ["1"]
    assert codes(titles["Completed, says the record"], "activity-date", "type") == ["2", "3"]


def test_recipient_countries_are_iso2_codes_of_the_beneficiaries(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))
    assert codes(titles["Regional course on LMO detection"], "recipient-country") == ["PE", "UG"]  # not the EU
    assert codes(titles["National workshop on risk assessment"], "recipient-country") == ["KE"]
    assert codes(titles["Cancelled field visit"], "recipient-country") == ["PE"]
    assert codes(titles["Planned webinar"], "recipient-country") == []
    for activity in titles.values():
        for country in activity.findall("recipient-country"):
            assert len(country.get("code")) == 2 and country.get("code").isupper()
            assert country.get("percentage") is None


def test_european_union_record_has_no_recipient_country(schema, ctx):
    document = validated(schema, iati_xml(load(make_activity("EUU", title="EU workshop")), generated_at=GENERATED_AT))
    activity = document.find("iati-activity")
    assert activity.findall("recipient-country") == []
    assert activity.findtext("iati-identifier").startswith("XI-CBD-TRACKER-PARTY-EUU-")


def test_key_areas_are_a_vocabulary_99_sector_summing_to_100(sample):
    activity = by_title(etree.fromstring(sample_xml(sample)))["Regional course on LMO detection"]
    own = [s for s in activity.findall("sector") if s.get("vocabulary") == "99"]
    assert [s.get("code") for s in own] == ["A.8(1)", "A.8(3)", "B.1(1)"]  # key areas of two goals
    assert [s.get("percentage") for s in own] == ["33.33", "33.33", "33.34"]
    assert sum(Decimal(s.get("percentage")) for s in own) == 100
    assert {s.get("vocabulary-uri") for s in own} == {"https://tracker.example/framework"}
    first = own[0]
    assert first.findtext("narrative") == key_area("A.8(1)").text_en
    assert [n.text for n in first.findall("narrative") if n.get(XML_LANG) == "zh"] == [key_area("A.8(1)").text_zh]


def test_dac_sectors_sum_to_100_and_training_adds_environmental_education(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))
    for activity in titles.values():
        for vocabulary in {s.get("vocabulary") for s in activity.findall("sector")}:
            shares = [Decimal(s.get("percentage")) for s in activity.findall("sector")
                      if s.get("vocabulary") == vocabulary]
            assert sum(shares) == 100
    course = titles["Regional course on LMO detection"]
    assert [(s.get("code"), s.get("percentage")) for s in course.findall("sector[@vocabulary='1']")] == \
        [("41030", "50"), ("41081", "50")]
    assert [(s.get("code"), s.get("percentage")) for s in titles["Planned webinar"].findall(
        "sector[@vocabulary='1']")] == [("41030", "100")]


def test_vocabulary_uri_is_left_out_when_the_address_is_unknown(schema, sample):
    document = validated(schema, sample_xml(sample, framework_url=None))
    assert all(s.get("vocabulary-uri") is None for s in document.iter("sector"))


def test_biodiversity_policy_marker(sample):
    for activity in etree.fromstring(sample_xml(sample)).findall("iati-activity"):
        [marker] = activity.findall("policy-marker")
        assert (marker.get("vocabulary"), marker.get("code"), marker.get("significance")) == ("1", "5", "2")


def test_participating_organisations_and_their_roles(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))
    org_ref = f"XI-CBD-TRACKER-ORG-{sample['org'].id}"
    course = [(p.get("role"), p.get("ref"), p.findtext("narrative")) for p in
              titles["Regional course on LMO detection"].findall("participating-org")]
    assert course == [("1", None, "Global Environment Facility"),
                      ("2", org_ref, "UN Environment & <Partners>"), ("4", org_ref, "UN Environment & <Partners>")]
    assert codes(titles["Planned webinar"], "participating-org", "role") == ["2", "4"]
    assert codes(titles["National workshop on risk assessment"], "participating-org", "role") == ["1", "2", "4"]
    assert codes(titles["Attended a regional meeting"], "participating-org", "role") == ["2"]  # took part only


def test_expenditure_only_for_completed_activities_the_recorder_delivered(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))
    [transaction] = titles["Regional course on LMO detection"].findall("transaction")
    assert transaction.find("transaction-type").get("code") == "4"
    assert transaction.find("transaction-date").get("iso-date") == "2024-09-06"
    value = transaction.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == ("42000.50", "USD", "2024-09-06")
    assert titles["National workshop on risk assessment"].find("transaction/value").get("currency") == "KES"
    assert titles["Planned webinar"].findall("transaction") == []  # an amount planned is not spent
    assert titles["Attended a regional meeting"].findall("transaction") == []  # not the Party's spending


def test_document_links_for_outputs_with_a_link(sample):
    course = by_title(etree.fromstring(sample_xml(sample)))["Regional course on LMO detection"]
    links = [(link.get("url"), link.get("format"), link.findtext("title/narrative"), link.find("category").get("code"))
             for link in course.findall("document-link")]
    assert links == [("https://example.org/manual.PDF?v=2", "application/pdf", "Course manual", "A08"),
                     ("https://example.org/course", "text/html", "Course page", "A08")]


def test_descriptions_general_and_results(sample):
    titles = by_title(etree.fromstring(sample_xml(sample)))
    course = titles["Regional course on LMO detection"]
    assert [(d.get("type"), d.findtext("narrative")) for d in course.findall("description")] == [
        ("1", "Five days."), ("4", "Results: Two laboratories validated the method.")]
    # IATI requires a description: without one, the title stands in.
    assert titles["Planned webinar"].find("description/narrative").text == "Planned webinar"
    assert course.get(XML_LANG) == "en"


def test_text_is_escaped_and_encoded(schema, ctx):
    org = make_organisation(name="Lab & Co <research>", type="laboratory")
    title = '生物安全 <script>alert("x")</script> & R&D ]]> "quoted"'
    activity = make_org_activity(org, title=title, description="检测培训\x07 with a bell & a <tag>",
                                 outputs=[{"title": "手册", "url": "https://example.org/a?x=1&y=<2>"}])
    data = iati_xml(load(activity), generated_at=GENERATED_AT)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert "生物安全".encode() in data  # UTF-8, not character references
    assert b"<script>" not in data and b"&lt;script&gt;" in data and b"R&amp;D" in data
    document = validated(schema, data)
    element = document.find("iati-activity")
    assert element.findtext("title/narrative") == title
    assert element.findtext("description/narrative") == "检测培训 with a bell & a <tag>"  # the bell is dropped
    assert element.findtext("reporting-org/narrative") == "Lab & Co <research>"
    assert element.find("document-link").get("url") == "https://example.org/a?x=1&y=<2>"
    assert element.findtext("document-link/title/narrative") == "手册"


def test_equal_shares_always_sum_to_100():
    for count in range(1, 42):
        shares = [Decimal(share) for share in equal_shares(count)]
        assert len(shares) == count and sum(shares) == 100
        assert max(shares) - min(shares) <= Decimal("0.41")
    assert equal_shares(1) == ["100"] and equal_shares(3) == ["33.33", "33.33", "33.34"]
    assert equal_shares(0) == []


@pytest.mark.parametrize("url, media_type", [
    ("https://example.org/report.pdf", "application/pdf"),
    ("https://example.org/Guide.DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("https://example.org/page", "text/html"),
    ("https://example.org/", "text/html"),
    ("https://example.org/x.pdf.html", "text/html"),
    ("https://example.org/data.unknown", "text/html"),
])
def test_document_format_from_the_extension(url, media_type):
    assert document_format(url) == media_type


# --- downloads and the command -------------------------------------------------------------------

def test_cli_prints_valid_xml(schema, runner, sample):
    result = runner.invoke(export_activities, ["--format", "iati"])
    assert result.exit_code == 0, result.output
    document = validated(schema, result.stdout_bytes)
    assert len(document.findall("iati-activity")) == 6
    # The test app has SERVER_NAME: the command knows the framework's address.
    assert {s.get("vocabulary-uri") for s in document.iter("sector") if s.get("vocabulary") == "99"} == \
        {"http://tracker.test/framework"}


def test_download_is_xml_in_the_users_scope_with_the_lists_filters(schema, client, sample):
    make_activity("PER", title="Peru workshop")
    login(client, make_user(PROVIDER, party_iso3=None, organisation=sample["org"]))
    response = client.get("/activities/export?format=iati")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('-iati.xml"')
    titles = by_title(validated(schema, response.data))
    assert set(titles) == {"Regional course on LMO detection", "Cancelled field visit", "Planned webinar",
                           "Ongoing mentoring"}
    planned = by_title(validated(schema, client.get("/activities/export?format=iati&status=planned").data))
    assert set(planned) == {"Planned webinar"}
    assert 'href="/activities/export?format=iati"' in client.get("/activities").get_data(as_text=True)


@pytest.mark.parametrize("role, iso3, expected", [
    (PARTY_EDITOR, "PER", {"Peru workshop"}),
    (SECRETARIAT, None, {"Peru workshop", "National workshop on risk assessment", "Attended a regional meeting",
                         "Regional course on LMO detection", "Cancelled field visit", "Planned webinar",
                         "Ongoing mentoring"}),
])
def test_download_scope_for_party_users_and_the_secretariat(schema, client, sample, role, iso3, expected):
    make_activity("PER", title="Peru workshop")
    login(client, make_user(role, party_iso3=iso3))
    response = client.get("/activities/export?format=iati")
    assert set(by_title(validated(schema, response.data))) == expected


def test_download_needs_the_right_to_list(client, ctx):
    login(client, make_user(PROVIDER, party_iso3=None, organisation=None))
    assert client.get("/activities/export?format=iati").status_code == 403
