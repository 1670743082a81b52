"""Verification: the census, residents' verifications, and what components ask of them."""

import hashlib
import hmac
import re

from flask import current_app
from flask import g
from sqlalchemy import select

from decide.extensions import db
from decide.spaces.services import component_settings
from decide.verification.models import Verification

# What a document number is compared on: letters and digits, upper case ("12.345.678-z"
# and "12345678Z" are the same document).
NOT_SIGNIFICANT = re.compile(r"[^0-9A-Z]")


def normalize_document(document: str) -> str:
    return NOT_SIGNIFICANT.sub("", (document or "").upper())


def identity_hash(document: str) -> str:
    """The keyed hash an identity is stored and compared as (never the number itself)."""
    key = current_app.config["CENSUS_KEY"].encode()
    return hmac.new(key, normalize_document(document).encode(), hashlib.sha256).hexdigest()


def verification_of(user) -> Verification | None:
    """The user's verification, read once per request."""
    if user is None or not user.is_authenticated:
        return None
    cache = g.setdefault("verifications", {})
    if user.id not in cache:
        cache[user.id] = db.session.scalars(
            select(Verification).where(Verification.user_id == user.id)
        ).first()
    return cache[user.id]


def is_verified(user) -> bool:
    return verification_of(user) is not None


def needs_verification(user, component, action: str) -> bool:
    """The component asks a verified resident for `action`, and `user` is not one yet."""
    return bool(component_settings(component).get(f"verify_{action}")) and not is_verified(user)
