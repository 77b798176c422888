"""A study's row is cached for its participants' requests, and a change made by staff applies at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from arena.study_selectors import study_for_participants
from tests.arena.test_study_flow import arrive, post, study  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_participants_requests_read_the_study_once_in_a_while(study, django_assert_num_queries):  # noqa: F811
    assert study_for_participants("shapes") == study
    with django_assert_num_queries(0):
        assert study_for_participants("shapes") == study
    assert study_for_participants("nowhere") is None


def test_closing_a_study_applies_to_the_next_request(study, client: Client):  # noqa: F811
    arrive(client)
    assert post(client, "/study/shapes/api/battles/")[0] == 200
    study.closes_at = timezone.now() - timedelta(minutes=1)
    study.save()
    status, body = post(client, "/study/shapes/api/battles/")
    assert status == 403 and "closed" in body["error"]


def test_a_deleted_study_is_gone_at_once(study, client: Client):  # noqa: F811
    assert study_for_participants("shapes") is not None
    study.delete()
    assert study_for_participants("shapes") is None
    assert client.get("/study/shapes/").status_code == 404
