"""E-City settings, read from the environment.

Fail-closed: DEBUG is off unless asked for, and nothing here is a secret.

DATABASE_URL          postgres://... (default: the private cluster under var/pg, see scripts/pg.sh)
REDIS_URL             redis://... or redis+socket://... (default: the private Redis under var/redis)
SECRET_KEY            a long random value. Without it the demo generates one once into SECRET_KEY_FILE
                      (default var/secret_key, mode 600) and reuses it; ECITY_ENV=production refuses to start.
DEBUG                 "1"/"true" to enable; off otherwise (never on in production)
ALLOWED_HOSTS         comma-separated host names (default: localhost names)
CSRF_TRUSTED_ORIGINS  comma-separated origins with scheme, e.g. https://ecity.example.org (default: none)
CONN_MAX_AGE          seconds a database connection is kept (default 600; checked before reuse)
DATABASE_REPLICA_URL  postgres://... of a streaming standby (scripts/pg.sh standby-url): the read-only surfaces
                      read from it (gis/replica.py); REPLICA_MAX_LAG_SECONDS (default 5) behind or down, they read
                      the primary; REPLICA_READ_YOUR_WRITES_SECONDS (default 10) after a write a browser reads the
                      primary; REPLICA_CHECK_SECONDS (default 2) how long its health is kept per process
STATIC_ROOT           where collectstatic puts the files WhiteNoise serves (default var/static)
ECITY_ENV             "production" refuses to start on a missing secret or with DEBUG on
HTTPS                 "1" behind an HTTPS proxy: HSTS (HSTS_SECONDS, HSTS_INCLUDE_SUBDOMAINS), secure cookies,
                      redirect to HTTPS (SECURE_SSL_REDIRECT); TRUSTED_PROXIES whose X-Forwarded-For is believed
SESSION_IDLE_MINUTES  staff sessions end after this long without a request (default 60)
LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES   sign-in lockout (django-axes; default 10 failures, 30 min)
API_RATE_GEOCODING, API_RATE_PUBLIC, API_RATE_LOOKUP   anonymous API rates per address ("1200/min")
TWO_FACTOR_REQUIRED   "1": administrators and deputy mayors must sign in with a TOTP code (default off)
CITIZENS_MAX_FILINGS_PER_IP_HOUR, CITIZENS_MAX_FILINGS_PER_PHONE_HOUR   residents' filings an hour (20, 5)
OPEN311_RATE_LIMIT_PER_MINUTE   Open311 POSTs a minute per key without a rate of its own (60)
HEARTBEAT_SECONDS     how often Celery beat records the heartbeat /healthz reads (default 60)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = os.environ.get("ECITY_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = _env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("ECITY_ENV=production refuses DEBUG on.")


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _stored_secret_key(path: Path) -> str:
    """The demo's own secret: generated once into `path` (mode 600) and read back by every later process.

    Written to a private temporary file and hard-linked into place, so two processes starting at once
    (gunicorn workers, Celery) never read a half-written key and agree on one.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process won the race: its key is the one
    finally:
        tmp.unlink()
    return path.read_text().strip()


SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE") or VAR_DIR / "secret_key")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("ECITY_ENV=production needs SECRET_KEY set to a long random value.")
    SECRET_KEY = _stored_secret_key(SECRET_KEY_FILE)
if PRODUCTION and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("ECITY_ENV=production needs SECRET_KEY of at least 32 characters.")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")


def _private_database_url() -> str:
    # scripts/pg.sh keeps the cluster in var/pg (or links var/pg to it).
    sock = (VAR_DIR / "pg").resolve() / "sock"
    return f"postgres://postgres@/ecity?host={sock}"


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _private_database_url(),
        engine="django.contrib.gis.db.backends.postgis",
        # Persistent connections (a new one per request cost more than the query), checked before reuse.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# Each developer or helper may run the suite at once with its own test database.
DATABASES["default"]["TEST"] = {"NAME": "test_ecity_" + os.environ.get("ECITY_TEST_DB", "main")}

# A streaming standby for the read-only surfaces (gis/replica.py decides which reads go there, and when not).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")), conn_health_checks=True)
    # A standby that is gone must not hold a request for long (the health check then sends reads to the primary).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # In tests the alias names the test database (on whichever server it points at), never the real one.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["gis.replica.PrimaryReplicaRouter"]
REPLICA_READS = _env_bool("REPLICA_READS", True)
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_READ_YOUR_WRITES_SECONDS = float(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS", "10"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "2"))
if REPLICA_READ_YOUR_WRITES_SECONDS < REPLICA_MAX_LAG_SECONDS:
    # A writer's next reads could then come from a standby that has not replayed the write yet.
    raise ImproperlyConfigured("REPLICA_READ_YOUR_WRITES_SECONDS must be at least REPLICA_MAX_LAG_SECONDS.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "audit",
    "layers",
    "geocoding",
    "outages",
    "appeals",
    "webmap",
    "importers",
    "reports",
    "citizens",
    "citizens.open311",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gis.static.StaticFilesMiddleware",
    # Marks the read-only surfaces' requests that may read from the standby; stamps writers (gis/replica.py).
    "gis.replica.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gis.locale.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor (appeals.two_factor)?
    "django_otp.middleware.OTPMiddleware",
    "appeals.two_factor_views.TwoFactorRequiredMiddleware",
    "gis.throttling.AnonymousAPIThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the Ukrainian lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gis.urls"
WSGI_APPLICATION = "gis.wsgi.application"
ASGI_APPLICATION = "gis.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gis" / "templates", BASE_DIR / "webmap" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gis.context_processors.attribution",
                "appeals.context_processors.staff",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name, or from one
# address, sign-in is refused (the right password too) for LOGIN_LOCKOUT_MINUTES or until an administrator
# deletes the entry under Admin → Axes → Access attempts (or `manage.py axes_reset_username NAME`).
AUTHENTICATION_BACKENDS = [
    "gis.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "errors/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "gis.security.client_ip"
# Second factor (TOTP, django-otp; appeals/two_factor.py) for administrators and deputy mayors: anyone of
# them may enrol at /accounts/two-factor/; TWO_FACTOR_REQUIRED=1 makes it required for them (off in the demo,
# whose accounts sign in with the password alone until they enrol). Wrong codes wait 1, 2, 4 … s each
# (OTP_TOTP_THROTTLE_FACTOR) and count as failed sign-ins for the lockout above.
TWO_FACTOR_REQUIRED = _env_bool("TWO_FACTOR_REQUIRED", False)
TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "E-City 1505")
OTP_TOTP_ISSUER = TWO_FACTOR_ISSUER
OTP_TOTP_THROTTLE_FACTOR = 1
# Proxies whose X-Forwarded-For is believed (nginx on the same machine); see gis/security.py.
TRUSTED_PROXIES = _env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Українська")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch (Django's set_language) keeps the choice in this cookie; browsers' Accept-Language
# is not followed (gis.locale): the interface is Ukrainian unless a user switches.
LANGUAGE_COOKIE_NAME = "ecity_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
# collectstatic writes hashed names plus .gz and .br copies; gis.static (WhiteNoise) serves them before any
# view runs, hashed names with a one-year max-age (a changed file gets a new name), others for 60 s.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# JS/CSS from the npm registry, copied by scripts/vendor.sh; served by us, never from a CDN.
# Source maps are for developers' tools only: not worth compressing (ol.js.map alone is 4 MB).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz",
                                       "br", "swf", "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v",
                                       "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map")
STATICFILES_DIRS = [("vendor", VAR_DIR / "vendor")]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A huge upload gets a clear 400, not a full disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Vector imports read and write this many rows at a time (less memory on a small machine; the fault drill
# sets it low to kill an import between batches).
IMPORT_BATCH_ROWS = int(os.environ.get("IMPORT_BATCH_ROWS", "50000"))

# GDAL 3.6 is what Debian 12 ships; Django 5.2 warns it is older than it supports.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The browsable API is a developer's tool (and its pages carry style="" that the CSP refuses): JSON only
    # unless DEBUG is on.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # Every API error: {"detail": Ukrainian text, "code": stable English code[, "errors": {field: [...]}]}.
    "EXCEPTION_HANDLER": "gis.api_errors.api_exception_handler",
    # Requests per client address for the anonymous APIs (gis/throttling.py); generous, so a resident's
    # map or a dispatcher's typing never meets them, a scraper does.
    "DEFAULT_THROTTLE_RATES": {
        "geocoding": os.environ.get("API_RATE_GEOCODING", "1200/min"),
        "public": os.environ.get("API_RATE_PUBLIC", "1200/min"),
        "lookup": os.environ.get("API_RATE_LOOKUP", "600/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "E-City API",
    "DESCRIPTION": "Geocoding, routing, appeals and maps of the Kramatorsk 1505 contact centre.",
    "VERSION": "1.0.0",
    # The Open311 paths are plain Django views: their description is added by a hook (citizens/open311/schema.py).
    # So are the OGC API – Features paths (webmap/ogc.py, which also serves them alone at /ogc/api).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "citizens.open311.schema.add_paths",
                             "webmap.ogc.add_schema_paths", "webmap.api_schema.add_paths"],
}


def _private_redis_url() -> str:
    return f"redis+socket://{VAR_DIR / 'redis' / 'redis.sock'}"


REDIS_URL = os.environ.get("REDIS_URL") or _private_redis_url()
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
# Appeals escalated per transaction by the sweep (appeals.control): a worker killed mid-sweep loses at most
# the batch in flight, which rolls back and is taken by the next run.
APPEALS_SWEEP_BATCH = int(os.environ.get("APPEALS_SWEEP_BATCH", "2000"))
# How often Celery beat records a heartbeat for /healthz (stale after three periods).
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "60"))

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# The demo city's geometry is generated; every place that shows it says so.
DEMO_ATTRIBUTION = "Демо-місто: геометрія синтетична (згенерована); межа громади © OpenStreetMap contributors (ODbL)"
# An online basemap is an option, never a need: empty means our own offline basemap.
BASEMAP_TILE_URL = os.environ.get("BASEMAP_TILE_URL", "")
# The public map shows appeals of at most this many days (they fade with age and then drop off).
PUBLIC_MAP_WINDOW_DAYS = int(os.environ.get("PUBLIC_MAP_WINDOW_DAYS", "90"))
# Buildings with fewer flats (and every private house) are shown to the public at street level, never
# the house (appeals.precision). After a change run `manage.py migrate` (or rebuild_map_cells).
# Personal data of appeals closed more than this many years ago is erased nightly (appeals.retention;
# README "Retention of personal data" gives the legal basis).
APPEALS_PERSONAL_DATA_YEARS = float(os.environ.get("APPEALS_PERSONAL_DATA_YEARS", "3"))
PUBLIC_EXACT_MIN_FLATS = int(os.environ.get("PUBLIC_EXACT_MIN_FLATS", "20"))
# An external geocoder (a Nominatim server, through geopy) asked only when our gazetteer finds nothing.
# Off (empty) by default; its answers are flagged "approximate", never "exact".
GEOCODER_FALLBACK_URL = os.environ.get("GEOCODER_FALLBACK_URL", "")
GEOCODER_FALLBACK_TIMEOUT = float(os.environ.get("GEOCODER_FALLBACK_TIMEOUT", "3"))

# Uploaded files (appeal photos, under content-hash names). Served by the web server in production.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"

# Outgoing e-mail (Django's mail framework over SMTP). Notifications are queued in the database first
# (appeals.notifications) and sent by Celery, so nothing is lost while Redis or the SMTP server is down.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "1505 Краматорськ <noreply@localhost>")
# SMS: "log" writes to the log (demo); "http" posts JSON to a gateway (see appeals.notifications.HttpSmsBackend).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_FORMAT = os.environ.get("SMS_GATEWAY_FORMAT", "turbosms")  # turbosms | smsfly | alphasms
SMS_SENDER = os.environ.get("SMS_SENDER", "1505")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
# A message that failed this many times is marked failed and left for a person.
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "5"))
# Confirmation after a fix: an unanswered callback is tried again up to CALLBACK_MAX_ATTEMPTS times in all,
# spread over CALLBACK_RETRY_DAYS days; then the appeal is closed as "не вдалося підтвердити".
CALLBACK_MAX_ATTEMPTS = int(os.environ.get("CALLBACK_MAX_ATTEMPTS", "3"))
CALLBACK_RETRY_DAYS = float(os.environ.get("CALLBACK_RETRY_DAYS", "3"))
# The PBX auto-dialler's token for /api/v1/callbacks/ (empty: the API is off).
PBX_API_TOKEN = os.environ.get("PBX_API_TOKEN", "")
# The public address of the site, for links in messages.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000")
# Open311 GeoReport v2 (citizens/open311): one jurisdiction; requests/min per key unless the key sets its own.
OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "kramatorsk.gov.ua")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "Єдиний контакт-центр 1505, м. Краматорськ, тел. 1505")
OPEN311_KEY_SERVICE = os.environ.get("OPEN311_KEY_SERVICE", "Ключ видає адміністратор E-City (manage.py open311_keys add NAME)")
OPEN311_RATE_LIMIT_PER_MINUTE = int(os.environ.get("OPEN311_RATE_LIMIT_PER_MINUTE", "60"))
# Residents' filings (online and Open311) an hour per client address and per phone (citizens.ratelimit).
CITIZENS_MAX_FILINGS_PER_IP_HOUR = int(os.environ.get("CITIZENS_MAX_FILINGS_PER_IP_HOUR", "20"))
CITIZENS_MAX_FILINGS_PER_PHONE_HOUR = int(os.environ.get("CITIZENS_MAX_FILINGS_PER_PHONE_HOUR", "5"))
# Open311 places appeals by the public map's one rule: PUBLIC_EXACT_MIN_FLATS (appeals.precision).

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Live outage detection at intake (outages.detection): appeals of a listed category from at least
# min_buildings distinct buildings within radius_m metres and window_minutes minutes make a suspected
# outage for the dispatcher to confirm. {} takes outages.detection.LIVE_DEFAULTS (3, 300 m, 60 min).
OUTAGE_DETECTION = {
    "no_cold_water": {},
    "no_hot_water": {},
    "no_heating": {"window_minutes": 120},
    "no_power": {"radius_m": 400},
    "sewage": {},
    "gas_smell": {"min_buildings": 2, "radius_m": 200},
}

# --- Security headers (SecurityMiddleware, XFrameOptionsMiddleware, django-csp) ---
HTTPS = _env_bool("HTTPS", False)  # the site is served over HTTPS (nginx in front): HSTS and secure cookies
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    # nginx terminates TLS and says so in X-Forwarded-Proto (see docs/nginx-ecity.conf).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitoring on localhost asks over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Staff sessions end after this many minutes without a request (each request moves the end forward).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True

# Content-Security-Policy: our own scripts and styles only, no inline code or style="" anywhere
# (templates pass data with json_script or data-* attributes). Map tiles may come from BASEMAP_TILE_URL.
_basemap_origin = urlsplit(BASEMAP_TILE_URL.replace("{s}", "a"))
_TILE_HOSTS = [f"{_basemap_origin.scheme}://{_basemap_origin.netloc}"] if _basemap_origin.netloc else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *_TILE_HOSTS],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, *_TILE_HOSTS],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}
