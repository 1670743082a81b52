"""Access decorators and the rule for where a redirect may go."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user
from flask_login import login_required

from decide.extensions import login_manager


def require_staff() -> None:
    """Abort unless staff: anonymous visitors are sent to sign in, residents get 403."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.is_staff:
        abort(403)


def staff_required(view):
    """Staff only: anonymous users are sent to sign in, residents get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_next(target) else default
