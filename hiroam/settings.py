"""HIROAM settings: everything comes from the environment (see .env.example)."""

import warnings
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from hiroam.csp import POLICY as CSP_POLICY

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (created by `make run` from .env.example) is read when present; real
# environment variables always win over it. HIROAM_READ_DOTENV=false skips it (tests do).
if env.bool("HIROAM_READ_DOTENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_text(name: str, default: str) -> str:
    """A string setting where an empty value (``NAME=`` in .env) means "use the default"."""
    return env.str(name, default="") or default


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env_text("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:  # refusing to start is safer than running with a guessable key
        raise ImproperlyConfigured("Set SECRET_KEY (required when DEBUG is off).")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789"  # noqa: S105
# Previous keys, still accepted for what they signed (sessions, reset and verification links,
# guest order links): docs/runbooks/secrets-rotation.md.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Keys for columns encrypted at rest (hiroam.encryption): Fernet keys, comma-separated, the
# first encrypts. Make one with: python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())".
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS (required when DEBUG is off).")
    FIELD_ENCRYPTION_KEYS = ["ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTEyMzQ="]  # development only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Proxies (IPs or CIDRs) whose X-Forwarded-For we believe; see hiroam.api.client_ip.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# The header those proxies append the client's address to (a comma-separated list).
TRUSTED_PROXY_HEADER = env_text("TRUSTED_PROXY_HEADER", "X-Forwarded-For")

APP_URL = env_text("APP_URL", "http://127.0.0.1:8000").rstrip("/")
try:
    _package_version = metadata.version("hiroam")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    _package_version = "0.0.0"
APP_VERSION = env_text("APP_VERSION", _package_version)

INSTALLED_APPS = [
    "hiroam.apps.HiroamAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served by us: no CDN in the CSP
    "csp",
    "django_celery_beat",
    "hiroam.apps.HiroamConfig",
    "accounts",
    "catalog",
    "pricing",
    "orders",
    "refunds",
    "points",
    "storefront",
    "monitoring",
    "retention",
    "analytics",
]

MIDDLEWARE = [
    "hiroam.api.request_id.RequestIdMiddleware",
    "hiroam.observability.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "hiroam.csp.AreaCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "storefront.middleware.VisitSourceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hiroam.api.throttling.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "hiroam.urls"
WSGI_APPLICATION = "hiroam.wsgi.application"

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
                "storefront.context.shop",
            ],
        },
    },
]

# ---------------------------------------------------------------- data stores
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hiroam"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
    "DATABASE_CONNECT_TIMEOUT_SECONDS", default=5
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# `manage.py backup_database` writes here (docs/runbooks/backup-and-restore.md); the PostgreSQL
# client tools come from POSTGRES_BIN_DIR when set (e.g. /usr/lib/postgresql/17/bin), else PATH.
BACKUP_DIR = Path(env_text("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
POSTGRES_BIN_DIR = env_text("POSTGRES_BIN_DIR", "")

REDIS_URL = env_text("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "hiroam.redis_cache.PooledRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "hiroam",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# ---------------------------------------------------------------- users and auth
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A verification link works this long after it is sent; a new one can always be asked for.
EMAIL_VERIFICATION_LINK_DAYS = env.int("EMAIL_VERIFICATION_LINK_DAYS", default=3)

# ---------------------------------------------------------------- i18n, time, static
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# ---------------------------------------------------------------- security (DEBUG off)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: forms carry the token, and the API authenticates by JWT.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy for every response; per-area changes and reasons in hiroam/csp.py.
CONTENT_SECURITY_POLICY = CSP_POLICY
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------- monitoring
# /metrics answers a bearer token (METRICS_TOKEN) or these addresses (the client address as
# hiroam.api.client_ip works it out behind trusted proxies); everyone else gets a 404.
METRICS_TOKEN = env_text("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Celery queues whose length /metrics reports.
MONITORED_CELERY_QUEUES = env.list("MONITORED_CELERY_QUEUES", default=["celery"])

# ---------------------------------------------------------------- API
THROTTLING_ENABLED = env.bool("THROTTLING_ENABLED", default=True)
# Requests per window per client, by endpoint scope (plan section 15). Any rate may be
# overridden from the environment, e.g. THROTTLE_RATES="checkout=20/min,login=5/min".
THROTTLE_RATES = {
    "packages": "100/min",
    "checkout": "10/min",
    "checkout_email": "10/min",  # per customer email, from any client
    "validate_discount": "20/min",
    "orders": "30/min",
    "order_detail": "30/min",
    "login": "10/min",
    "login_email": "10/hour",  # per email address tried, from any client
    "register": "5/min",
    "token_refresh": "30/min",
    "me": "60/min",
    "points": "30/min",
    "me_export": "5/hour",  # a whole account's data: a heavy read, rarely needed
    "me_erase": "5/hour",  # DELETE /me checks the password: no guessing through it
    "verify_email": "30/min",
    "verify_email_resend": "5/hour",  # each one sends an email
    "password_reset": "10/hour",  # the shop's "forgot your password": each one sends an email
    "password_reset_email": "3/hour",  # per address asked for, from any client
} | env.dict("THROTTLE_RATES", default={})

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["hiroam.api.envelope.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["hiroam.api.throttling.ScopedRedisThrottle"],
    "DEFAULT_PAGINATION_CLASS": "hiroam.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "hiroam.api.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a hash of the password hash (claim REVOKE_TOKEN_CLAIM) and are refused once
    # it no longer matches: a password change ends every session.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "HIROAM API",
    "DESCRIPTION": (
        "eSIM data packages for travellers. Every answer is an envelope: "
        '`{"success": true, "data": ...}` or `{"success": false, "error": {"code", "message", '
        '"details", "request_id"}}`.'
    ),
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Request and response components apart, so inputs that refuse blank strings say so
    # (minLength 1) while outputs may be blank; hiroam.api.schema keeps the input names.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hiroam.api.schema.wrap_in_envelope",
        "hiroam.api.schema.drop_request_suffix",
    ],
}

# ---------------------------------------------------------------- Celery
CELERY_BROKER_URL = env_text("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None  # tasks record their outcome in the database, not in results
CELERY_RESULT_EXPIRES = None  # no results to expire: beat adds no celery.backend_cleanup job
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# A task is acknowledged only when it finishes; if its worker dies it goes back to the queue.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_SECONDS", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_SECONDS", default=360)
# A message a worker took but never acknowledged (the worker was killed) goes back to the queue
# after this many seconds. Must exceed the longest countdown/ETA we schedule and the longest
# task, or Redis redelivers the message early (tasks are idempotent; it would only cost work).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT_SECONDS", default=2 * 3600)
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---------------------------------------------------------------- providers (plan 12.5)
# `local` means the built-in sandbox (hiroam.sandbox), served by this very process under
# /sandbox/, with the development credentials below. Switching to live is configuration only.
ESIM_ACCESS_ENVIRONMENT = env_text("ESIM_ACCESS_ENVIRONMENT", "local")
PADDLE_ENVIRONMENT = env_text("PADDLE_ENVIRONMENT", "local")
if ESIM_ACCESS_ENVIRONMENT not in ("local", "production"):
    raise ImproperlyConfigured("ESIM_ACCESS_ENVIRONMENT must be local or production.")
if PADDLE_ENVIRONMENT not in ("local", "sandbox", "production"):
    raise ImproperlyConfigured("PADDLE_ENVIRONMENT must be local, sandbox or production.")


def provider_secret(name: str, environment: str, sandbox_default: str) -> str:
    """Sandbox credentials default to working development values; live ones must be given."""
    value = env_text(name, sandbox_default if environment == "local" else "")
    if not value:
        raise ImproperlyConfigured(f"Set {name} (required when the provider is not local).")
    return value


ESIM_API_URL = env_text(
    "ESIM_API_URL",
    f"{APP_URL}/sandbox/esim-access"
    if ESIM_ACCESS_ENVIRONMENT == "local"
    else "https://api.esimaccess.com",
).rstrip("/")
ESIM_ACCESS_CODE = provider_secret(
    "ESIM_ACCESS_CODE", ESIM_ACCESS_ENVIRONMENT, "sandbox-access-code"
)
ESIM_SECRET_KEY = provider_secret("ESIM_SECRET_KEY", ESIM_ACCESS_ENVIRONMENT, "sandbox-secret-key")
# eSIM Access allows 8 requests a second per account: shared by every process (0 = no limit,
# for benchmarks against the sandbox only).
ESIM_ACCESS_REQUESTS_PER_SECOND = env.float("ESIM_ACCESS_REQUESTS_PER_SECOND", default=8.0)
# Provider orders the refund job settles at once (its calls still keep the rate limit).
REFUND_JOB_WORKERS = env.int("REFUND_JOB_WORKERS", default=4)

PADDLE_API_URL = env_text(
    "PADDLE_API_URL",
    {
        "local": f"{APP_URL}/sandbox/paddle",
        "sandbox": "https://sandbox-api.paddle.com",
        "production": "https://api.paddle.com",
    }[PADDLE_ENVIRONMENT],
).rstrip("/")
PADDLE_API_KEY = provider_secret("PADDLE_API_KEY", PADDLE_ENVIRONMENT, "sandbox-paddle-api-key")
# Comma-separated during a secret rotation: a webhook signed with any of them is accepted.
PADDLE_WEBHOOK_SECRETS = [
    secret.strip()
    for secret in provider_secret(
        "PADDLE_WEBHOOK_SECRET", PADDLE_ENVIRONMENT, "pdl_ntf_sandbox_local_webhook_secret"
    ).split(",")
    if secret.strip()
]
# Paddle.js's client-side token (public, "live_..." or "test_..."): the shop's /pay page, which
# Paddle's default payment link points at, opens the checkout with it.
PADDLE_CLIENT_TOKEN = env_text("PADDLE_CLIENT_TOKEN", "")
PADDLE_WEBHOOK_TOLERANCE_SECONDS = env.int("PADDLE_WEBHOOK_TOLERANCE_SECONDS", default=5)

# How every provider call behaves (hiroam.integrations.calls).
PROVIDER_CONNECT_TIMEOUT_SECONDS = env.float("PROVIDER_CONNECT_TIMEOUT_SECONDS", default=3.05)
PROVIDER_READ_TIMEOUT_SECONDS = env.float("PROVIDER_READ_TIMEOUT_SECONDS", default=20.0)
PROVIDER_RETRY_ATTEMPTS = env.int("PROVIDER_RETRY_ATTEMPTS", default=3)
PROVIDER_RETRY_BASE_DELAY_SECONDS = env.float("PROVIDER_RETRY_BASE_DELAY_SECONDS", default=0.5)
PROVIDER_RETRY_MAX_DELAY_SECONDS = env.float("PROVIDER_RETRY_MAX_DELAY_SECONDS", default=5.0)
PROVIDER_CIRCUIT_FAILURE_THRESHOLD = env.int("PROVIDER_CIRCUIT_FAILURE_THRESHOLD", default=5)
PROVIDER_CIRCUIT_RESET_SECONDS = env.float("PROVIDER_CIRCUIT_RESET_SECONDS", default=60.0)

# ---------------------------------------------------------------- the provider sandbox
SANDBOX_ENABLED = "local" in (ESIM_ACCESS_ENVIRONMENT, PADDLE_ENVIRONMENT)
if SANDBOX_ENABLED and not DEBUG and not env.bool("SANDBOX_ALLOW_WITHOUT_DEBUG", default=False):
    raise ImproperlyConfigured(
        "A provider is set to `local` (the built-in sandbox) while DEBUG is off. Configure the "
        "live providers, or set SANDBOX_ALLOW_WITHOUT_DEBUG=true for a staging demo."
    )
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("hiroam.sandbox")
# Seconds the fake eSIM Access takes to allocate an order's profiles (the real one: ~30 s).
SANDBOX_ESIM_ALLOCATION_SECONDS = env.float("SANDBOX_ESIM_ALLOCATION_SECONDS", default=5.0)
SANDBOX_ESIM_STARTING_BALANCE_CENTS = env.int(
    "SANDBOX_ESIM_STARTING_BALANCE_CENTS", default=1_000_000
)
SANDBOX_PADDLE_REFUND_APPROVAL_SECONDS = env.float(
    "SANDBOX_PADDLE_REFUND_APPROVAL_SECONDS", default=3.0
)
# How long an injected `timeout` fault hangs (longer than the client's read timeout).
SANDBOX_TIMEOUT_FAULT_SECONDS = env.float("SANDBOX_TIMEOUT_FAULT_SECONDS", default=25.0)
# How long an injected `slow` fault delays a call that then succeeds (within the read timeout).
SANDBOX_SLOW_FAULT_SECONDS = env.float("SANDBOX_SLOW_FAULT_SECONDS", default=5.0)
# Where eSIM Access's webhooks may come from (it signs nothing; PROVIDERS.md). The sandbox
# sends from this machine.
ESIM_WEBHOOK_ALLOWED_IPS = env.list(
    "ESIM_WEBHOOK_ALLOWED_IPS",
    default=["3.1.131.226", "54.254.74.88", "18.136.190.97", "18.136.60.197", "18.136.19.137"]
    + (["127.0.0.1", "::1"] if ESIM_ACCESS_ENVIRONMENT == "local" else []),
)
SANDBOX_ESIM_WEBHOOK_URL = env_text("SANDBOX_ESIM_WEBHOOK_URL", f"{APP_URL}/webhooks/esim-access")
SANDBOX_PADDLE_WEBHOOK_URL = env_text("SANDBOX_PADDLE_WEBHOOK_URL", f"{APP_URL}/webhooks/paddle")

# ---------------------------------------------------------------- email
# Sent through Django's email API with django-anymail: SendGrid in production, the console
# (the terminal of `make run`) in development and on the sandbox. Content lives in
# templates/emails/ (text + HTML).
# How long a password reset link works (it also stops once the password changes).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=2 * 3600)
DEFAULT_FROM_EMAIL = env_text("DEFAULT_FROM_EMAIL", "HIROAM <orders@hiroam.local>")
SENDGRID_API_KEY = env_text("SENDGRID_API_KEY", "")
ANYMAIL = {"SENDGRID_API_KEY": SENDGRID_API_KEY}
EMAIL_BACKEND = env_text(
    "EMAIL_BACKEND",
    "anymail.backends.sendgrid.EmailBackend"
    if SENDGRID_API_KEY
    else "django.core.mail.backends.console.EmailBackend",
)
if EMAIL_BACKEND.endswith("console.EmailBackend") and not (DEBUG or SANDBOX_ENABLED):
    raise ImproperlyConfigured(
        "Set SENDGRID_API_KEY (or EMAIL_BACKEND): without it, customers' emails would only be "
        "printed to the log."
    )
# Anymail keeps shipping its SendGrid backend while no longer supporting it officially; we use
# it knowingly (PROVIDERS.md), so its warning on every connection is noise.
warnings.filterwarnings(
    "ignore", message="django-anymail has dropped official support for SendGrid"
)

# ---------------------------------------------------------------- logging
LOG_LEVEL = env_text("LOG_LEVEL", "INFO")
LOG_FORMAT = env_text("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "hiroam.logging.RequestIdFilter"},
        "redact": {"()": "hiroam.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "json": {"()": "hiroam.logging.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},  # our exception handler logs failures itself
        "celery": {"level": LOG_LEVEL},
    },
}

# Used once, by `manage.py ensure_demo_admin`, when the database has no user yet.
DEMO_ADMIN_PASSWORD = env.str("DEMO_ADMIN_PASSWORD", default="")

# ---------------------------------------------------------------- catalogue
# New packages from the provider: shown at once, or only after an admin activates them.
CATALOG_NEW_PACKAGES_ACTIVE = env.bool("CATALOG_NEW_PACKAGES_ACTIVE", default=True)
# Their first selling price: `markup` on the provider cost, or the provider's `retail` price.
CATALOG_PRICE_RULE = env_text("CATALOG_PRICE_RULE", "markup")
CATALOG_MARKUP_BPS = env.int("CATALOG_MARKUP_BPS", default=5_000)  # +50 %
CATALOG_USD_TO_IDR_RATE = env.int("CATALOG_USD_TO_IDR_RATE", default=16_000)  # IDR per USD
CATALOG_IDR_ROUNDING_STEP = env.int("CATALOG_IDR_ROUNDING_STEP", default=1_000)
# A sync that would discontinue more than this share of the shop at once is refused (bps).
CATALOG_SYNC_MAX_VANISHED_BPS = env.int("CATALOG_SYNC_MAX_VANISHED_BPS", default=2_000)
# The longest a cached catalogue answer lives (it is also dropped at once on any change).
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
if CATALOG_PRICE_RULE not in ("markup", "retail"):
    raise ImproperlyConfigured("CATALOG_PRICE_RULE must be markup or retail.")

# ---------------------------------------------------------------- pricing
# What the payment provider keeps of each sale (Paddle: 5 % + $0.50). The pricing console warns
# when a price, schedule or promo code would sell below provider cost plus this fee.
PAYMENT_FEE_BPS = env.int("PAYMENT_FEE_BPS", default=500)
PAYMENT_FEE_FIXED_CENTS = env.int("PAYMENT_FEE_FIXED_CENTS", default=50)
# A web process sends the views of experiment prices it served to Redis this often, in one
# round trip (0: each at once, on the request).
EXPERIMENT_VIEWS_SEND_SECONDS = env.float("EXPERIMENT_VIEWS_SEND_SECONDS", default=0.5)

# ---------------------------------------------------------------- points
# Earned points expire this many days after they were earned (first in, first out).
POINTS_EXPIRE_AFTER_DAYS = env.int("POINTS_EXPIRE_AFTER_DAYS", default=365)
# Redeeming at checkout: this many points take a dollar off, up to this share (basis points) of
# what is left to pay after a promo code. Below 100 %: Paddle cannot take a zero payment.
POINTS_REDEMPTION_POINTS_PER_DOLLAR = env.int("POINTS_REDEMPTION_POINTS_PER_DOLLAR", default=100)
POINTS_REDEMPTION_MAX_SHARE_BPS = env.int("POINTS_REDEMPTION_MAX_SHARE_BPS", default=5000)
if POINTS_REDEMPTION_POINTS_PER_DOLLAR < 1:
    raise ImproperlyConfigured("POINTS_REDEMPTION_POINTS_PER_DOLLAR must be at least 1.")
if not 0 <= POINTS_REDEMPTION_MAX_SHARE_BPS < 10_000:
    raise ImproperlyConfigured("POINTS_REDEMPTION_MAX_SHARE_BPS must be from 0 to 9999.")

# ---------------------------------------------------------------- orders
# An order not paid within this many minutes expires; its stock and promo code use go back.
ORDER_PAYMENT_WINDOW_MINUTES = env.int("ORDER_PAYMENT_WINDOW_MINUTES", default=60)
