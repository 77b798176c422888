from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/arena/vote/", "/admin/arena/generator/", "/admin/leaderboard/snapshot/"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_the_admin_sends_anonymous_visitors_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_the_admin_refuses_a_signed_in_annotator_who_is_not_staff(client, url):
    client.force_login(User.objects.create_user("annotator", password="x-long-password"))
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_see_the_vote_review(client):
    client.force_login(User.objects.create_superuser("admin", password="x-long-password"))
    assert client.get("/admin/arena/vote/").status_code == 200


def test_the_gallery_is_staff_only_when_not_public(client, settings):
    settings.GALLERY_PUBLIC = False
    assert client.get("/renders/").status_code == 403
    client.force_login(User.objects.create_user("staff", password="x-long-password", is_staff=True))
    assert client.get("/renders/").status_code == 200
