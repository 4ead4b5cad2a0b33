"""One settings module, driven by environment variables (see the configuration table in README.md).

The defaults run the demo: SQLite, tasks executed in process, console email. Setting ``DJANGO_DEBUG=0`` switches
on the production hardening that ``manage.py check --deploy`` asks for.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEMO_SECRET_KEY = "citytour-demo-only-not-a-secret"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (_DEMO_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The public address of the site, used in links that leave it (emails, QR codes on posters and tickets).
SITE_URL = os.environ.get("CITYTOUR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "citytour.apps.CityTourAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "citytour",
    "events",
    "speakers",
    "sponsors",
    "certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "citytour.urls"
WSGI_APPLICATION = "citytour.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters bound by the server, and a statement run five times on a connection is prepared there: the
    # server plans each query once per connection instead of on every request. Off behind a pooler in
    # transaction mode (PgBouncer without prepared-statement support).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each transaction takes the write lock when it begins, and waits for it: two registrations at once queue
    # instead of one failing with "database is locked" half-way through (the demo's database).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): sign in with an email address, which must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[citytour] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# Email: the console in the demo, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    # A mail server that stops answering fails the send (it is retried) instead of holding a worker.
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "citytour <noreply@citytour.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Chinese first, English second; the browser's Accept-Language picks, the switch on every page overrides.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Our texts; then our wording of some of Django's and django-allauth's (see that catalogue's header).
LOCALE_PATHS = [BASE_DIR / "citytour" / "locale", BASE_DIR / "citytour" / "locale_overrides"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# English dates and times on the 24-hour clock, as in Chinese (citytour/formats/en).
FORMAT_MODULE_PATH = ["citytour.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CITYTOUR_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("CITYTOUR_MEDIA_ROOT", BASE_DIR / "media"))
# Tickets and other files for their owner only: never under MEDIA_ROOT, never served by URL.
CITYTOUR_PRIVATE_MEDIA_ROOT = Path(os.environ.get("CITYTOUR_PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads: requests larger than this are refused before any form sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The TrueType font that draws Chinese text in PDFs and images (reportlab and Pillow both load it).
CITYTOUR_CJK_FONT = os.environ.get("CITYTOUR_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
# For the rare characters the first font lacks (CJK Extension B and later: 𠮷, 𬌗 in people's names).
CITYTOUR_CJK_FALLBACK_FONT = os.environ.get(
    "CITYTOUR_CJK_FALLBACK_FONT", "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"
)

# Date planning warns of public holidays in these countries too (ISO codes), besides China's own.
CITYTOUR_HOLIDAY_COUNTRIES = env_list("CITYTOUR_HOLIDAY_COUNTRIES", "US,GB")

# Background work. Without REDIS_URL, tasks run in the web process (the demo needs no Redis).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CITYTOUR_CELERY_QUEUE", "citytour")
# Never lose work: a task is acknowledged only once it has finished, is given back if its worker dies,
# and a worker holds one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
# Redis re-delivers an unacknowledged task after this many seconds; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Run `celery -A citytour beat` once (one process in the whole deployment) for these.
CELERY_BEAT_SCHEDULE = {
    # From 10:00 the day before, every hour until 23:00: a reminder the mail server refused goes at the next run.
    "day-before-reminders": {
        "task": "events.tasks.send_event_reminders",
        "schedule": crontab(minute=0, hour="10-23"),
    },
    # Reserving invite codes expire on their own: the seats they held go to those waiting within minutes.
    "waiting-lists": {"task": "events.tasks.promote_waiting_lists", "schedule": crontab(minute="*/10")},
    # A ticket "being prepared" for an hour never reached a worker: it is asked for again.
    "stuck-tickets": {"task": "events.tasks.request_stuck_tickets", "schedule": crontab(minute="5-59/10")},
    # A CSV import that never reached a worker, or whose worker died, is sent again.
    "imports": {"task": "events.tasks.resume_imports", "schedule": crontab(minute="3-59/5")},
    # A confirmation, waiting-list or promotion email that never reached a worker goes within minutes.
    "owed-emails": {"task": "events.tasks.send_owed_registration_emails", "schedule": crontab(minute="7-59/10")},
    # A cancellation whose notices could not be queued (the broker was down) is told within minutes of its return.
    "cancellation-notices": {
        "task": "events.tasks.send_owed_cancellation_notices",
        "schedule": crontab(minute="2-59/10"),
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "citytour.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the cache, written through to the database (they survive a cache flush).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Production hardening, on whenever DEBUG is off.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if env_bool("DJANGO_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
