"""Account and organization services. They flush, never commit, and raise DomainError."""

import re
from datetime import date
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from decide.core.html import sanitize_translated
from decide.core.i18n import current_organization
from decide.core.mail import public_url_for
from decide.core.mail import queue_email
from decide.core.models import ActionLog
from decide.core.models import Organization
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.models import new_token
from decide.core.models import utcnow
from decide.core.passwords import check_password
from decide.core.passwords import hash_password
from decide.core.passwords import needs_rehash
from decide.core.passwords import password_problem
from decide.core.personal_data import declared_personal_data
from decide.extensions import db


class DomainError(Exception):
    """A rule was broken; `message` is translated and shown to the user (next to `field`)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class UnconfirmedEmail(DomainError):
    """The password was right but the address is not confirmed yet."""


# --- signed tokens --------------------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"decide.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise DomainError(_("This link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise DomainError(_("This link is not valid. Check that you copied all of it.")) from error


# --- sign-up and confirmation ---------------------------------------------------------

def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None))
    ).first()


# Deleted accounts are renamed "deleted-<id>" (delete_account): nobody may take those names.
DELETED_NICKNAME = re.compile(r"deleted-[0-9]+")


def _check_free(email: str | None = None, nickname: str | None = None, exclude: User | None = None):
    if nickname is not None and DELETED_NICKNAME.fullmatch(nickname):
        raise DomainError(_("This nickname is taken. Choose another one."), field="nickname")
    for column, value, field, message in (
        (User.email, email, "email", _l("An account with this e-mail address already exists.")),
        (User.nickname, nickname, "nickname", _l("This nickname is taken. Choose another one.")),
    ):
        if value is None:
            continue
        query = select(User.id).where(column == value)
        if exclude is not None:
            query = query.where(User.id != exclude.id)
        if db.session.scalar(query) is not None:
            raise DomainError(str(message), field=field)


def _personal(user: User) -> tuple[str, ...]:
    return (user.nickname, user.name, user.email.split("@")[0])


def _check_password(password: str, user: User, staff: bool | None = None) -> None:
    problem = password_problem(
        password,
        staff=user.is_staff if staff is None else staff,
        personal=_personal(user),
    )
    if problem:
        raise DomainError(problem, field="password")


def register_user(*, name: str, nickname: str, email: str, password: str, locale: str) -> User:
    email, nickname = normalize_email(email), nickname.strip().lower()
    _check_free(email=email, nickname=nickname)
    user = User(
        name=name.strip(),
        nickname=nickname,
        email=email,
        locale=locale,
        accepted_terms_version=current_organization().terms_version,
        accepted_terms_at=utcnow(),
    )
    _check_password(password, user)
    user.password_hash = hash_password(password)
    try:
        with db.session.begin_nested():  # a concurrent sign-up may have won the race
            db.session.add(user)
    except IntegrityError as error:
        raise DomainError(_("An account with this e-mail address already exists."),
                          field="email") from error
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    token = make_token("confirm", {"u": user.id, "e": user.email})
    queue_email(
        user,
        _l("Confirm your e-mail address"),
        "core/confirm",
        link=public_url_for("auth.confirm", token=token),
    )


def confirm_email(token: str) -> User:
    payload = read_token("confirm", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("u"))
    if user is None or user.is_deleted or user.email != payload.get("e"):
        raise DomainError(_("This link is not valid. Check that you copied all of it."))
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    return user


def resend_confirmation(email: str) -> None:
    """Sends again when the account exists and is unconfirmed; silent otherwise."""
    user = find_user_by_email(email)
    if user is not None and not user.is_confirmed:
        send_confirmation(user)


# --- sign-in --------------------------------------------------------------------------

def authenticate(email: str, password: str) -> User:
    user = find_user_by_email(email)
    if not check_password(user.password_hash if user else None, password):
        raise DomainError(_("The e-mail address or the password is not right."))
    # Only after the password: a guesser learns nothing about blocked accounts.
    if user.is_blocked:
        raise DomainError(_("This account has been blocked by the administrators of the "
                            "organization, so you cannot sign in. Contact them if you think "
                            "it is a mistake."))
    if not user.is_confirmed:
        raise UnconfirmedEmail(
            _("Confirm your e-mail address first: follow the link we sent you. "
              "You can ask for a new link below.")
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    return user


def must_change_password(user: User, password: str) -> bool:
    """Staff whose password, typed at sign-in, does not pass the staff rules: a resident who
    was given a process role, or rules tightened since. Only sign-in sees the plaintext."""
    if not user.is_staff:
        return False
    return password_problem(password, staff=True, personal=_personal(user)) is not None


def needs_terms(user: User) -> bool:
    return user.accepted_terms_version < current_organization().terms_version


def accept_terms(user: User) -> None:
    user.accepted_terms_version = current_organization().terms_version
    user.accepted_terms_at = utcnow()


# --- password reset -------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Mails a reset link when the account exists; the caller says the same either way."""
    user = find_user_by_email(email)
    if user is None:
        return
    token = make_token("reset", {"u": user.id, "h": user.password_hash[-16:]})
    queue_email(
        user,
        _l("Choose a new password"),
        "core/reset",
        link=public_url_for("auth.reset", token=token),
    )


def user_for_reset(token: str) -> User:
    payload = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("u"))
    # The token carries a piece of the old hash: once used, it no longer matches.
    if user is None or user.is_deleted or user.password_hash[-16:] != payload.get("h"):
        raise DomainError(_("This link has already been used or is not valid. Ask for a new one."))
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset(token)
    _set_password(user, password)
    # Following the link proves the address too.
    user.confirmed_at = user.confirmed_at or utcnow()
    return user


def _set_password(user: User, password: str) -> None:
    _check_password(password, user)
    user.password_hash = hash_password(password)
    user.session_token = new_token()  # signs out every other session


# --- the account ----------------------------------------------------------------------

def update_profile(user: User, *, name: str, nickname: str, locale: str) -> None:
    nickname = nickname.strip().lower()
    _check_free(nickname=nickname, exclude=user)
    user.name, user.nickname, user.locale = name.strip(), nickname, locale


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def change_password(user: User, current: str, new: str) -> None:
    if not check_password(user.password_hash, current):
        raise DomainError(_("This is not your current password."), field="current_password")
    _set_password(user, new)


def request_email_change(user: User, new_email: str, password: str) -> None:
    new_email = normalize_email(new_email)
    if not check_password(user.password_hash, password):
        raise DomainError(_("This is not your current password."), field="password")
    if new_email == user.email:
        raise DomainError(_("This is already your e-mail address."), field="email")
    _check_free(email=new_email)
    token = make_token("change-email", {"u": user.id, "e": new_email, "old": user.email})
    queue_email(
        user,
        _l("Confirm your new e-mail address"),
        "core/change_email",
        to_address=new_email,
        link=public_url_for("core.confirm_email_change", token=token),
        new_email=new_email,
    )
    queue_email(user, _l("Your e-mail address is about to change"), "core/email_change_notice",
                new_email=new_email)


def confirm_email_change(token: str) -> User:
    payload = read_token("change-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("u"))
    if user is None or user.is_deleted or user.email != payload.get("old"):
        raise DomainError(_("This link has already been used or is not valid. Ask for a new one."))
    _check_free(email=payload["e"], exclude=user)
    user.email = payload["e"]
    user.confirmed_at = utcnow()
    return user


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_user_data(user: User) -> dict:
    """Everything about the user, as the registry declares it."""
    data = {
        "account": {
            column: _plain(getattr(user, column))
            for column in ("id", "name", "nickname", "email", "locale", "created_at",
                           "confirmed_at", "last_sign_in_at", "accepted_terms_version",
                           "accepted_terms_at")
        },
    }
    for (table, column), (model, entry) in sorted(declared_personal_data(db.Model).items()):
        rows = db.session.scalars(
            select(model).where(getattr(model, column) == user.id).order_by(model.id)
        ).all()
        data.setdefault(table, []).extend(
            {"id": row.id, **{name: _plain(getattr(row, name)) for name in entry.export}}
            for row in rows
        )
    return data


def delete_account(user: User, password: str) -> None:
    """Anonymize the account; what the user wrote stays, shown as by a deleted participant."""
    if not check_password(user.password_hash, password):
        raise DomainError(_("This is not your current password."), field="password")
    for (_table, column), (model, entry) in declared_personal_data(db.Model).items():
        owned = getattr(model, column) == user.id
        if entry.erase == "delete":
            db.session.execute(delete(model).where(owned))
        elif entry.erase == "nullify":
            db.session.execute(update(model).where(owned).values({column: None}))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.nickname = f"deleted-{user.id}"
    user.name = ""
    user.password_hash = "!"  # matches no password
    user.admin = False
    user.confirmed_at = None
    user.last_sign_in_at = None
    user.deleted_at = utcnow()
    user.session_token = new_token()


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.deleted_at.is_(None)))


# --- the organization -----------------------------------------------------------------

def update_organization(
    organization: Organization,
    actor: User,
    *,
    name: str,
    time_zone: str,
    default_locale: str,
    available_locales: list[str],
    terms_of_service: dict,
    privacy_policy: dict,
    accessibility_statement: dict,
    new_terms_version: bool,
    report_threshold: int | None = None,
) -> Organization:
    if default_locale not in available_locales:
        raise DomainError(
            _("The default language must be one of the available languages."),
            field="default_locale",
        )
    if report_threshold is not None and not 1 <= report_threshold <= 100:
        raise DomainError(_("Enter a number from %(min)s to %(max)s.", min=1, max=100),
                          field="report_threshold")
    if organization.id is None:
        db.session.add(organization)
    organization.name = name.strip()
    organization.time_zone = time_zone
    organization.default_locale = default_locale
    organization.available_locales = list(available_locales)
    organization.terms_of_service = sanitize_translated(terms_of_service)
    organization.privacy_policy = sanitize_translated(privacy_policy)
    organization.accessibility_statement = sanitize_translated(accessibility_statement)
    if report_threshold is not None:
        organization.report_threshold = report_threshold
    if new_terms_version:
        organization.terms_version = (organization.terms_version or 1) + 1
        accept_terms(actor)  # whoever publishes the terms has read them
    db.session.flush()
    record_action(actor, "update", organization,
                  details={"new_terms_version": organization.terms_version}
                  if new_terms_version else {})
    return organization


# --- the action log -------------------------------------------------------------------

def _label_of(resource) -> dict[str, str]:
    for attribute in ("title", "name", "nickname"):
        value = getattr(resource, attribute, None)
        if isinstance(value, dict):
            return dict(value)
        if value:
            return {"": str(value)}
    return {}


def record_action(actor: User | None, action: str, resource, *, process_id: int | None = None,
                  details: dict | None = None) -> ActionLog:
    """Write who did what to which resource; the caller's transaction commits it."""
    entry = ActionLog(
        user_id=actor.id if actor is not None else None,
        process_id=process_id,
        action=action,
        resource_type=type(resource).__name__.lower(),
        resource_id=getattr(resource, "id", None),
        resource_label=_label_of(resource),
        details=details or {},
    )
    db.session.add(entry)
    return entry


def replace_links(from_id: int, name: str, current: set[int], wanted: set[int]) -> None:
    """Point a resource's links of one name (ResourceLink) at `wanted` instead of `current`;
    the links in both stay as they are."""
    if current - wanted:
        db.session.execute(delete(ResourceLink).where(
            ResourceLink.from_id == from_id, ResourceLink.name == name,
            ResourceLink.to_id.in_(current - wanted)
        ), execution_options={"synchronize_session": False})
    db.session.add_all(ResourceLink(from_id=from_id, to_id=to_id, name=name)
                       for to_id in sorted(wanted - current))
    db.session.flush()
