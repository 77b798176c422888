"""Sessions read from the cache, written to both: Django's cached_db, robust to an unreachable cache.

Every request of a participant reads the session; from the cache it costs no database round
trip (a study launch spends about a fifth of its queries there otherwise). The database stays
the record: a cache that is unreachable, restarting or was emptied (Redis, a worker's memory)
is a miss, and the session is read from the database as by the plain database engine.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            log.warning("cache unreachable: session read from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            log.warning("cache unreachable: session not cached", exc_info=True)
        return data

    def exists(self, session_key: str) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            log.warning("cache unreachable: session looked up in the database", exc_info=True)
        return DatabaseStore.exists(self, session_key)

    def delete(self, session_key: str | None = None) -> None:
        DatabaseStore.delete(self, session_key)
        key = session_key or self.session_key
        if key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + key)
        except Exception:
            log.warning("cache unreachable: a deleted session stays cached until it expires", exc_info=True)
