"""Password hashing (Argon2id) and the password rules.

Rules follow NIST SP 800-63B: a minimum length (longer for staff), no composition rules,
and a refusal of the most common passwords.
"""

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app
from flask_babel import gettext as _

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-a-timing-equalizer")


@cache
def common_passwords() -> frozenset[str]:
    text = files("decide.core").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(
    password: str, staff: bool = False, personal: tuple[str, ...] = ()
) -> str | None:
    """A translated reason why the password is not acceptable, or None."""
    minimum = current_app.config[
        "STAFF_PASSWORD_MIN_LENGTH" if staff else "PASSWORD_MIN_LENGTH"
    ]
    if len(password) < minimum:
        return _("Use at least %(min)d characters.", min=minimum)
    if len(password) > 256:
        return _("Use at most %(max)d characters.", max=256)
    lowered = password.lower()
    if lowered in common_passwords():
        return _("This password is too common. Choose one that is harder to guess.")
    if any(item and item.lower() in lowered for item in personal if len(item) >= 4):
        return _("Do not use your name, nickname or e-mail address in your password.")
    return None
