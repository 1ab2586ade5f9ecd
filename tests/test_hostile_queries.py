"""Odd query strings on every list page get a page or a 4xx, never a server error."""
import itertools

import pytest

from tests.conftest import login, make_organisation, make_user
from tracker.accounts.models import PROVIDER, SECRETARIAT

LIST_PAGES = ["/offers", "/offers/export", "/needs", "/needs/heatmap", "/needs/export", "/activities",
              "/activities/export", "/admin/audit", "/admin/users", "/admin/outbox", "/admin/organisations",
              "/parties", "/my-offers", "/cycles", "/matches", "/matching/runs", "/matching/runs/compare"]
VALUES = ["abc", "-1", "99999999999999999999999", "\x00", "'; DROP TABLE offer;--", "检测", "<script>", "1e309", ""]
PARAMETERS = ["page", "q", "goal", "key_area", "group", "level", "priority", "cycle", "status", "year", "party",
              "format", "sort", "since", "until", "object_id", "actor", "role", "vetted", "offer", "a", "b"]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_odd_query_arguments_never_cause_a_server_error(client, url):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    failures = [(parameter, value, response.status_code)
                for parameter, value in itertools.product(PARAMETERS, VALUES)
                for response in [client.get(url, query_string={parameter: value})]
                if response.status_code >= 500]
    assert failures == []


def test_odd_offer_arguments_on_a_provider_s_matches_never_cause_a_server_error(client):
    login(client, make_user(PROVIDER, party_iso3=None, organisation=make_organisation("Odd", vetted=True)))
    assert [value for value in VALUES if client.get("/matches", query_string={"offer": value}).status_code >= 500] \
        == []


@pytest.mark.parametrize("url", ["/admin/users/{n}", "/activities/{n}", "/offers/{n}", "/assessments/{n}",
                                 "/assessments/{n}/versions", "/cycles/{n}", "/assessments/{n}/template.xlsx",
                                 "/matches/{n}"])
def test_huge_ids_in_urls_are_not_found(client, url):
    login(client, make_user(SECRETARIAT, party_iso3=None))
    assert client.get(url.format(n=10**30)).status_code == 404
    assert client.get(url.format(n=2**31)).status_code == 404


def test_a_nul_character_is_refused_before_it_reaches_the_database(client):
    response = client.get("/parties/%00")
    assert response.status_code == 400 and "Nothing was changed" in response.get_data(as_text=True)
    assert client.get("/offers", query_string={"q": "a\x00b"}).status_code == 400
