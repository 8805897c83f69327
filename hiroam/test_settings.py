"""Settings for the test suite: the real PostgreSQL and Redis, in their own namespaces."""

import os

# Never a developer's .env: tests run on these defaults and the real environment only.
os.environ.setdefault("HIROAM_READ_DOTENV", "false")
# Defaults only: CI or a developer may still point the tests elsewhere.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtZm9yLXByb2Q=")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("SANDBOX_ALLOW_WITHOUT_DEBUG", "true")
# Retries and breakers behave as in production, only with shorter pauses.
os.environ.setdefault("PROVIDER_RETRY_BASE_DELAY_SECONDS", "0.01")
os.environ.setdefault("PROVIDER_RETRY_MAX_DELAY_SECONDS", "0.05")

from hiroam.settings import *  # noqa: F403

# Experiment views reach Redis on the request that shows them, so a test can count them.
EXPERIMENT_VIEWS_SEND_SECONDS = 0.0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Static files are not collected for tests; WhiteNoise would only warn about the empty folder.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# The live test server speaks plain HTTP; secure-only cookies would never come back.
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = False
