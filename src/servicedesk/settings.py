"""Django settings, read from environment variables (see README)."""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from servicedesk.paths import var_dir

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = var_dir()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


DEBUG = _env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]

#: The policy file (TOML); empty means the one shipped in the package.
SERVICEDESK_POLICY = os.environ.get("SERVICEDESK_POLICY") or None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "servicedesk.runtime",  # before django-tasks-db: its `db_worker` command is ours (refused, see there)
    "servicedesk.core.apps.TaskQueueConfig",  # django-tasks-db
    "servicedesk.core",
    "servicedesk.customers",
    "servicedesk.tickets",
    "servicedesk.outbox",
    "servicedesk.mail",
    "servicedesk.demo",
    "servicedesk.desk",
    "servicedesk.manuals",
    "servicedesk.billing",
    "servicedesk.oncall",
    "servicedesk.portal",
    "servicedesk.projects",
    "servicedesk.reports",
    "servicedesk.api",
    "servicedesk.webhooks",
    "servicedesk.contracts",
    "django.forms",  # Django's widget templates, after ours (core/templates/django/forms/widgets/)
]

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SERVICEDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servicedesk.core.content_security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.desk.context.desk_navigation",
                "servicedesk.core.content_security.csp_nonce",
            ],
        },
    },
]
# Forms render through Django's templates; our field template sets the layout (core/form_renderer.py).
FORM_RENDERER = "servicedesk.core.form_renderer.FormRenderer"


def _database() -> dict:
    default_sqlite = f"sqlite:///{VAR_DIR / 'servicedesk.sqlite3'}"
    url = os.environ.get("DATABASE_URL") or default_sqlite
    # Persistent connections: opening a PostgreSQL connection costs more than most pages.
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")), conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Server-side cursors cost round trips for small result sets and break behind pgbouncer.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        # No JIT compilation: it starts for queries the planner thinks expensive (a billing run's chunk of
        # tickets), and compiling them costs more than running them.
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
        # Values bound by the server, and a statement run a fifth time on a connection prepared: parsed and
        # planned once, then only executed. DATABASE_PREPARE_THRESHOLD=off for a connection pooler that cannot
        # keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
        threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
        if threshold != "off":
            if not threshold.isascii() or not threshold.isdigit():
                raise ImproperlyConfigured(
                    f"DATABASE_PREPARE_THRESHOLD={threshold!r}: give the runs before a statement is prepared "
                    "(a whole number, 0 prepares at once), or off"
                )
            options["server_side_binding"] = True
            options["prepare_threshold"] = int(threshold)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] not in ("", ":memory:"):
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock when a transaction
            # begins, so two transactions that read first and write later cannot deadlock; a writer waits up to
            # `timeout` seconds for the lock. A page cache of 64 MB a connection (SQLite's default is 2 MB): a
            # billing run writes a million lines into a table of several indexes in one transaction, and with the
            # default each index page went back and forth through the OS.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file too, so that other processes (the worker, servers) can share it.
        config["TEST"] = {"NAME": os.environ.get("SERVICEDESK_TEST_DB") or str(VAR_DIR / "test-servicedesk.sqlite3")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The API docs page's Swagger UI, from the static files django-ninja ships (no CDN). Not by listing `ninja` as an
# app: that imports ninja and pydantic in every process, the mail pipe's one-mail processes too.
STATICFILES_DIRS = [Path(importlib.util.find_spec("ninja").origin).parent / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed files served by whitenoise; without DEBUG run `servicedesk collectstatic` once.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# CACHE_URL (e.g. redis://127.0.0.1:6379/0): a cache every process shares, which then also holds the sessions
# (read from the cache, written to both). Without it each process has a cache of its own, which must never hold
# anything another process could change (a signed-out session), so sessions are read from the database.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Long work (billing runs) reports its progress through files that every process reads.
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "progress"),
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if CACHE_URL else "django.contrib.sessions.backends.db"

# Outgoing mail: SMTP when EMAIL_HOST is set, else files under var/sent-mail (development, demo).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "sent-mail"
DEFAULT_FROM_EMAIL = os.environ.get("SERVICEDESK_FROM", "Servicedesk <servicedesk@localhost>")
# The authserv-id of our receiving mail server: when set, mail needs its dmarc=pass (POLICY.md §7).
SERVICEDESK_AUTHSERV_ID = os.environ.get("SERVICEDESK_AUTHSERV_ID", "")
SERVICEDESK_MAIL_DOMAIN = os.environ.get("SERVICEDESK_MAIL_DOMAIN", "servicedesk.localhost")
# Seconds a worker holds the outgoing mail it claimed (renewed while it sends): after a worker died, its unsent
# mail waits this long for another. Longer than one message may take to send (EMAIL_TIMEOUT).
SERVICEDESK_DELIVERY_LEASE = float(os.environ.get("SERVICEDESK_DELIVERY_LEASE", "120"))
# Seconds after its last sign of life that a worker counts as dead and its running tasks are run again.
SERVICEDESK_WORKER_LEASE = float(os.environ.get("SERVICEDESK_WORKER_LEASE", "60"))
# A mail loop that marks nothing automatic (another system answering every mail): more new tickets from one
# sender in the window than this are added to that sender's latest ticket instead, and the agents told once.
SERVICEDESK_MAIL_TICKETS_PER_SENDER = int(os.environ.get("SERVICEDESK_MAIL_TICKETS_PER_SENDER", "5"))
SERVICEDESK_MAIL_WINDOW_MINUTES = int(os.environ.get("SERVICEDESK_MAIL_WINDOW_MINUTES", "10"))

# Production behind HTTPS (SERVICEDESK_HTTPS=1): secure cookies, redirect to HTTPS, HSTS.
# `servicedesk check --deploy` is clean with these and a SECRET_KEY from the environment.
HTTPS = _env_bool("SERVICEDESK_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SERVICEDESK_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS and _env_bool("SERVICEDESK_HSTS_PRELOAD", True)
BEHIND_PROXY = _env_bool("SERVICEDESK_BEHIND_PROXY", False)
if BEHIND_PROXY:  # a reverse proxy that terminates TLS sets this header
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _trusted_proxies() -> int:
    text = os.environ.get("SERVICEDESK_TRUSTED_PROXIES", "").strip()
    if not text:
        return 1 if BEHIND_PROXY else 0
    if not (text.isascii() and text.isdigit()):
        raise ImproperlyConfigured(
            f"SERVICEDESK_TRUSTED_PROXIES={text!r}: give the number of proxies in front of the site (0 for none)"
        )
    return int(text)


#: Proxies in front of the site that add the address they got a request from to X-Forwarded-For: the client's
#: address for rate limiting is the one the outermost of them saw.
SERVICEDESK_TRUSTED_PROXIES = _trusted_proxies()
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"

# The provider as invoices name it (Dutch invoice requirements: name, address, KvK, VAT number, IBAN).
SERVICEDESK_PROVIDER = {
    "name": os.environ.get("SERVICEDESK_PROVIDER_NAME", "QiQQ B.V."),
    "street": os.environ.get("SERVICEDESK_PROVIDER_STREET", "Voorbeeldstraat 1"),
    "postal_code": os.environ.get("SERVICEDESK_PROVIDER_POSTAL_CODE", "1234 AB"),
    "city": os.environ.get("SERVICEDESK_PROVIDER_CITY", "Utrecht"),
    "country": os.environ.get("SERVICEDESK_PROVIDER_COUNTRY", "NL"),
    "kvk": os.environ.get("SERVICEDESK_PROVIDER_KVK", "12345678"),
    "vat_number": os.environ.get("SERVICEDESK_PROVIDER_VAT", "NL000099998B57"),
    "iban": os.environ.get("SERVICEDESK_PROVIDER_IBAN", "NL91ABNA0417164300"),
    "bic": os.environ.get("SERVICEDESK_PROVIDER_BIC", "ABNANL2A"),
    "email": os.environ.get("SERVICEDESK_PROVIDER_EMAIL", "facturen@qiqq.example"),
}

# The phone system's webhook (after-hours urgent line): shared secret for its HMAC signature, and where
# office-hours calls go. Alerts to the on-call engineer can also go to a webhook (SMS gateway, chat).
SERVICEDESK_PHONE_SECRET = os.environ.get("SERVICEDESK_PHONE_SECRET", "")
SERVICEDESK_DESK_PHONE = os.environ.get("SERVICEDESK_DESK_PHONE", "+31881234567")
SERVICEDESK_ONCALL_WEBHOOK_URL = os.environ.get("SERVICEDESK_ONCALL_WEBHOOK_URL", "")

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # agents, by user name
    "servicedesk.portal.auth.ContactBackend",  # contacts, by e-mail address
]
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # invitation and reset links work once, for three days
# Seconds a webhook's receiver has to answer; a delivery not answered in time is tried again later.
SERVICEDESK_WEBHOOK_TIMEOUT = float(os.environ.get("SERVICEDESK_WEBHOOK_TIMEOUT", "10"))
#: Where the site is reached, for links in mail (invitations, password resets).
SERVICEDESK_BASE_URL = os.environ.get("SERVICEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
#: The phone number for urgent reports outside office hours, shown in the portal.
SERVICEDESK_URGENT_PHONE = os.environ.get("SERVICEDESK_URGENT_PHONE", "088 123 45 67")
MAX_UPLOAD_SIZE = int(os.environ.get("SERVICEDESK_MAX_UPLOAD", str(20 * 1024 * 1024)))  # per file, bytes
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


def _agent_second_factor() -> str:
    value = os.environ.get("SERVICEDESK_AGENT_SECOND_FACTOR", "optional").strip().lower()
    if value not in ("optional", "required"):
        raise ImproperlyConfigured(f"SERVICEDESK_AGENT_SECOND_FACTOR={value!r}: give optional or required")
    return value


#: Agents' second factor (an authenticator app): "optional", or "required" (an agent sets one up before using
#: the desk).
SERVICEDESK_AGENT_SECOND_FACTOR = _agent_second_factor()

#: Requests per API token per minute; over it the API answers 429 with Retry-After.
SERVICEDESK_API_RATE_LIMIT = int(os.environ.get("SERVICEDESK_API_RATE_LIMIT", "300"))

LOGIN_URL = "desk:login"
LOGIN_REDIRECT_URL = "/desk/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "servicedesk": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Every unexpected server error with its traceback, also without DEBUG (Django's default only mails
        # them to ADMINS); what users did wrong (4xx) is not an error of ours.
        "django.request": {"handlers": ["console"], "level": "ERROR"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}


def _alert_priorities() -> dict[str, str]:
    text = os.environ.get(
        "SERVICEDESK_ALERT_PRIORITIES", "critical=direct,major=high,minor=standard,warning=standard,info=standard"
    )
    pairs = dict(part.strip().split("=", 1) for part in text.split(",") if "=" in part)
    severities = {"critical", "major", "minor", "warning", "info"}
    if set(pairs) != severities or not set(pairs.values()) <= {"standard", "high", "direct"}:
        raise ImproperlyConfigured(
            f"SERVICEDESK_ALERT_PRIORITIES={text!r}: give severity=priority for each of critical, major, minor, "
            "warning and info, with priority standard, high or direct"
        )
    return pairs


#: Monitoring alerts (POST /api/v1/alerts): the priority of the ticket a severity opens; at most this many
#: tickets per customer per 10 minutes (the rest join one "alert storm" ticket); and whether a resolved alert
#: closes its ticket when no agent worked on it.
SERVICEDESK_ALERT_PRIORITIES = _alert_priorities()
SERVICEDESK_ALERT_TICKETS_PER_WINDOW = int(os.environ.get("SERVICEDESK_ALERT_TICKETS_PER_WINDOW", "5"))
SERVICEDESK_ALERT_CLOSE_RESOLVED = _env_bool("SERVICEDESK_ALERT_CLOSE_RESOLVED", True)
