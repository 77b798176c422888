"""Settings for the 3D code arena.

Every setting comes from an environment variable (see `.env.example`). With none
set, everything runs on one machine with no external server: SQLite, Channels'
in-memory layer and an in-process render pool. Setting `DATABASE_URL` and
`REDIS_URL` turns on the scaled-out setup: PostgreSQL, Celery workers consuming
render jobs from Redis, and the Redis channel layer.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name}={value!r} is not a boolean")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if not value else int(value)


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if not value else float(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def envnetworks(name: str) -> list[str]:
    """A list of IP addresses or networks (10.0.0.0/8), refused at start-up if one is neither."""
    values = envlist(name, "")
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return values


DEBUG = envbool("DEBUG", True)
BUILT_IN_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = envstr("SECRET_KEY", BUILT_IN_SECRET_KEY)
if not DEBUG and SECRET_KEY == BUILT_IN_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key and DEBUG is off: set SECRET_KEY in the environment "
        "(e.g. .env) to a long random value, the same for every process (battle tokens are signed with it)"
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")
SITE_NAME = envstr("SITE_NAME", "3D Code Arena")
# Reverse proxies whose X-Forwarded-For names the client (arena/proxies.py): behind nginx and gunicorn,
# REMOTE_ADDR is nginx's address. Empty: REMOTE_ADDR is the client (no proxy, or daphne --proxy-headers).
TRUSTED_PROXIES = envnetworks("TRUSTED_PROXIES")

# Runtime data (SQLite database, media, collected static) lives outside the code.
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "arena",
    "leaderboard",
    "renderer",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "arena.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = envstr("DATABASE_URL")
DATABASES: dict[str, Any] = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "db.sqlite3"}
}
if envbool("DB_POOL", False) and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A per-process connection pool (psycopg-pool): persistent connections under daphne
    # (DB_CONN_MAX_AGE > 0) pile up per thread, a pool keeps them bounded.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": envint("DB_POOL_MAX", 8),
        "timeout": 10.0,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Concurrent writers (web, render and refresh threads) wait for the lock instead of
    # failing: IMMEDIATE takes the write lock at BEGIN, so a read-then-write never deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # Tests use a file too: an in-memory shared-cache database fails at once with
    # "table is locked" where a file database waits for the lock like production does.
    # One per process, so that two test runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"arena-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL")


def redis_channel_layer(url: str) -> dict[str, Any]:
    """The Redis channel layer. A consumer waits for messages with a blocking pop of 5 s, and redis-py ends any
    read after its socket timeout, 5 s by default: the race between the two killed idle websockets, so the
    layer's reads may take longer than its pops."""
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": url, "socket_timeout": 30, "socket_connect_timeout": 5}]},
    }


if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # A hung Redis must not hang requests: the arena treats cache errors as misses.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: used only when a broker is configured; otherwise render jobs run in an
# in-process pool (see renderer/dispatch.py).
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "arena"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 900)}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries from npm (package.json), served like our own files.
    ("vendor/three", BASE_DIR / "node_modules" / "three"),
    ("vendor/plotly", BASE_DIR / "node_modules" / "plotly.js-dist-min"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(DATA_DIR / "media")))
# In the single-machine setup Django serves media itself; behind a proxy, turn off.
SERVE_MEDIA = envbool("SERVE_MEDIA", True)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest mesh or script a researcher may upload at /renders/upload/.
UPLOAD_MAX_MB = envint("UPLOAD_MAX_MB", 50)

# Where media (sources, GLBs, clay renders) live: the local file system under MEDIA_ROOT,
# or an S3-compatible object store, so render workers need not share a disk with the web.
MEDIA_STORAGE = envstr("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE not in ("filesystem", "s3"):
    raise ValueError(f"MEDIA_STORAGE={MEDIA_STORAGE!r}: expected 'filesystem' or 's3'")
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if MEDIA_STORAGE == "s3":
    if not envstr("AWS_STORAGE_BUCKET_NAME"):
        raise ValueError("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": envstr("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": envstr("AWS_S3_ENDPOINT_URL") or None,
            "region_name": envstr("AWS_S3_REGION_NAME") or None,
            "access_key": envstr("AWS_ACCESS_KEY_ID") or None,
            "secret_key": envstr("AWS_SECRET_ACCESS_KEY") or None,
            "location": envstr("AWS_LOCATION"),
            "addressing_style": envstr("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            # Private objects; browsers get short-lived signed URLs (staff pages) or
            # battle-scoped URLs that the web server streams (annotators).
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": envint("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": True,
            # Files read back (render inputs, metrics, battle files) spool to disk above this.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }

# A reverse proxy sends the arena's battle files: with a prefix set (e.g. /protected/), a battle
# file is answered with an empty response whose X-Accel-Redirect names `<prefix><storage name>`,
# and nginx serves that file from MEDIA_ROOT through an `internal` location (deploy/nginx.conf).
# Empty: the web process streams them. Local file storage only: with S3 they are always streamed.
ARENA_ACCEL_REDIRECT = envstr("ARENA_ACCEL_REDIRECT", "")
if ARENA_ACCEL_REDIRECT and not (ARENA_ACCEL_REDIRECT.startswith("/") and ARENA_ACCEL_REDIRECT.endswith("/")):
    raise ImproperlyConfigured(
        f"ARENA_ACCEL_REDIRECT={ARENA_ACCEL_REDIRECT!r}: expected an internal location of the proxy that "
        "starts and ends with '/' (e.g. /protected/), or nothing to stream battle files from Django"
    )
if ARENA_ACCEL_REDIRECT and MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured(
        f"ARENA_ACCEL_REDIRECT={ARENA_ACCEL_REDIRECT!r} needs MEDIA_STORAGE=filesystem (the proxy reads the files "
        f"under MEDIA_ROOT); with MEDIA_STORAGE={MEDIA_STORAGE} leave it empty: battle files are streamed"
    )

# With Redis, sessions are read from that shared cache, the database being the record
# (config/sessions.py); a process's own memory would go stale beside other processes.
SESSION_ENGINE = "config.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/arena/"

# The render backend (renderer/runtime/config.py holds the defaults of the Blender side).
RENDER_WORKERS = envint("RENDER_WORKERS", 2)
RENDER_TIMEOUT = envfloat("RENDER_TIMEOUT", 240.0)
RENDER_MEMORY_MB = envint("RENDER_MEMORY_MB", 6144)
RENDER_VIEWS = envint("RENDER_VIEWS", 4)
RENDER_SIZE = envint("RENDER_SIZE", 512)
RENDER_ENGINE = envstr("RENDER_ENGINE", "workbench")
# "fit": every view shows the whole bounding box; "reference": the reference benchmark's camera (may crop).
RENDER_FRAMING = envstr("RENDER_FRAMING", "fit")
# The browser GLB: meshopt (gltfpack on the host, the default), draco (in Blender) or none.
RENDER_COMPRESS = envstr("RENDER_COMPRESS", "meshopt")
# Opting out of the sandbox runs untrusted code unconfined: every job logs a warning.
RENDER_SANDBOX = envbool("RENDER_SANDBOX", True)

# The gallery and asset pages name the generators: public in the demo, staff-only in production.
GALLERY_PUBLIC = envbool("GALLERY_PUBLIC", DEBUG)

# The arena's quality controls.
ARENA_BATTLE_TOKEN_MAX_AGE = envint("ARENA_BATTLE_TOKEN_MAX_AGE", 60 * 60)
ARENA_MIN_VOTE_SECONDS = envfloat("ARENA_MIN_VOTE_SECONDS", 2.0)
ARENA_VOTES_PER_HOUR = envint("ARENA_VOTES_PER_HOUR", 300)
ARENA_VOTES_PER_HOUR_PER_IP = envint("ARENA_VOTES_PER_HOUR_PER_IP", 1000)
ARENA_GOLD_RATE = envfloat("ARENA_GOLD_RATE", 0.0)
ARENA_SAMPLER = envstr("ARENA_SAMPLER", "active")
ARENA_OUTLIER_P = envfloat("ARENA_OUTLIER_P", 0.001)
ARENA_EXPORT_SALT = envstr("ARENA_EXPORT_SALT", SECRET_KEY[:16])

# The leaderboard.
LEADERBOARD_BOOTSTRAP = envint("LEADERBOARD_BOOTSTRAP", 1000)
LEADERBOARD_SEED = envint("LEADERBOARD_SEED", 0)
LEADERBOARD_MIN_VOTES = envint("LEADERBOARD_MIN_VOTES", 20)
# A category gets a board of its own (per task too) from this many counted votes on it (docs/rating.md).
LEADERBOARD_CATEGORY_MIN_VOTES = envint("LEADERBOARD_CATEGORY_MIN_VOTES", 100)
# The overall and task boards are also fitted controlled for these features (see docs/rating.md),
# with their own, smaller number of bootstrap rounds: each round is a full refit.
LEADERBOARD_CONTROL_FEATURES = envlist("LEADERBOARD_CONTROL_FEATURES", "triangles,objects,code_chars")
LEADERBOARD_CONTROL_BOOTSTRAP = envint("LEADERBOARD_CONTROL_BOOTSTRAP", 100)
LEADERBOARD_DEBOUNCE_SECONDS = envfloat("LEADERBOARD_DEBOUNCE_SECONDS", 2.0)

# Automatic metrics: learned-embedding backends load weights from here (one folder
# per backend: siglip/, dino/), never from a hub. Empty: those metrics are absent.
METRICS_WEIGHTS_DIR = envstr("METRICS_WEIGHTS_DIR", "")
# A Uni3D point encoder (config.json + model.pt, optional text/): see docs/metrics.md.
METRICS_UNI3D_DIR = envstr("METRICS_UNI3D_DIR", "")
CORRELATION_BOOTSTRAP = envint("CORRELATION_BOOTSTRAP", 1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}
