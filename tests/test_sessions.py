"""Sessions through the cache (config/sessions.py): the database is the record, the cache only saves reads."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test.utils import override_settings

from config.sessions import SessionStore

pytestmark = pytest.mark.django_db

WORKING = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions-test"}}
# A Redis that is not there: connection refused at once.
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def stored(data: dict[str, str]) -> str:
    session = SessionStore()
    session.update(data)
    session.save()
    assert session.session_key is not None
    return session.session_key


@override_settings(CACHES=WORKING)
def test_a_cached_session_is_read_without_the_database(django_assert_num_queries):
    key = stored({"annotator": "abc"})
    with django_assert_num_queries(0):
        assert SessionStore(key).load() == {"annotator": "abc"}
    assert Session.objects.filter(session_key=key).exists()  # the database keeps the record


@override_settings(CACHES=WORKING)
def test_a_session_missing_from_the_cache_comes_from_the_database_and_is_cached(django_assert_num_queries):
    key = stored({"annotator": "abc"})
    from django.core.cache import cache

    cache.clear()  # a restarted Redis, or another process's memory
    with django_assert_num_queries(1):
        assert SessionStore(key).load() == {"annotator": "abc"}
    with django_assert_num_queries(0):
        assert SessionStore(key).load() == {"annotator": "abc"}


@override_settings(CACHES=WORKING)
def test_a_deleted_session_is_gone_from_both():
    key = stored({"annotator": "abc"})
    SessionStore(key).delete()
    assert SessionStore(key).load() == {}
    assert not Session.objects.filter(session_key=key).exists()
    assert not SessionStore().exists(key)


@override_settings(CACHES=UNREACHABLE)
def test_with_the_cache_unreachable_sessions_are_read_and_written_in_the_database(caplog):
    key = stored({"annotator": "abc"})
    session = SessionStore(key)
    assert session.load() == {"annotator": "abc"}
    assert session.exists(key)
    session["participant"] = "p1"
    session.save()
    assert SessionStore(key).load() == {"annotator": "abc", "participant": "p1"}
    SessionStore(key).delete()
    assert not Session.objects.filter(session_key=key).exists()
    assert "cache unreachable" in caplog.text
