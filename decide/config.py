"""Configuration, read from the environment by plain names.

Every value has a default that is safe for the demo; production sets DECIDE_ENV=production
and must then give a real SECRET_KEY (create_app refuses to start otherwise).
"""

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "demo-secret-key-change-me"
DEFAULT_CENSUS_KEY = "demo-census-key-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ROOT = ROOT
    INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))

    ENV = os.environ.get("DECIDE_ENV", "development")
    DEMO_MODE = _env_bool("DEMO_MODE", False)
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    CENSUS_KEY = os.environ.get("CENSUS_KEY", DEFAULT_CENSUS_KEY)

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'decide.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Where links in e-mails point; behind a proxy this is the public address.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    # Number of reverse-proxy hops whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # smtp://user:password@host:port (smtps:// for TLS, ?starttls=1 for STARTTLS);
    # empty: messages are written as .eml files under MAIL_DIR.
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Decide <no-reply@decide.example>")
    MAIL_DIR = Path(os.environ.get("MAIL_DIR", INSTANCE_PATH / "mail"))

    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    # Per account: a few guesses; per address: enough for a help desk where many
    # residents sign in from one machine.
    RATELIMIT_ACCOUNT = os.environ.get("RATELIMIT_ACCOUNT", "10 per 15 minutes")
    RATELIMIT_ADDRESS = os.environ.get("RATELIMIT_ADDRESS", "300 per hour")
    # Census verification: a few tries per account, more per address (a help desk).
    RATELIMIT_VERIFICATION_ACCOUNT = os.environ.get("RATELIMIT_VERIFICATION_ACCOUNT",
                                                    "5 per 15 minutes")
    RATELIMIT_VERIFICATION_ADDRESS = os.environ.get("RATELIMIT_VERIFICATION_ADDRESS",
                                                    "30 per 15 minutes")

    LANGUAGES = ("en", "es", "ca", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    STAFF_IDLE_TIMEOUT = timedelta(minutes=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    CENSUS_MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # the census upload only (a city's census)

    EMAIL_TOKEN_MAX_AGE = timedelta(days=2)
    RESET_TOKEN_MAX_AGE = timedelta(hours=2)
    PASSWORD_MIN_LENGTH = 10
    STAFF_PASSWORD_MIN_LENGTH = 15

    CURRENCY = os.environ.get("CURRENCY", "EUR")

    # The component kinds this installation offers, in the order the admin lists them.
    DECIDE_COMPONENTS: tuple[str, ...] = ("proposals", "debates", "budgets", "accountability",
                                         "pages")
