"""Request-wide safety: headers, proxies, staff idle timeout, pending terms, rate-limit keys."""

from datetime import UTC
from datetime import datetime

from flask import abort
from flask import current_app
from flask import flash
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_login import logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from decide.core.services import needs_terms
from decide.core.services import normalize_email
from decide.extensions import limiter

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))

# Pages a user who must accept new terms can still reach.
TERMS_EXEMPT = frozenset({
    "auth.accept_terms", "auth.logout", "core.legal", "core.set_locale", "core.healthz", "static",
})
# Set at sign-in when a staff member's password does not pass the staff rules.
PASSWORD_CHANGE = "password_change_required"
# Pages such a staff member can still reach (the terms come first when both are pending).
PASSWORD_EXEMPT = TERMS_EXEMPT | {"core.password"}


def set_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def reject_null_characters():
    """No address holds a NUL character; PostgreSQL refuses them in text, so a lookup by
    such a path or query value would fail with a server error instead of a clear answer."""
    values = [request.path, *(text for pair in request.args.items(multi=True) for text in pair)]
    if any("\x00" in value for value in values):
        abort(400, description=_("The address contains characters that are not allowed."))


def expire_idle_staff():
    """Staff sessions end after STAFF_IDLE_TIMEOUT without a request."""
    if not current_user.is_authenticated or request.endpoint == "static":
        return None
    now = datetime.now(UTC).timestamp()
    last_seen = session.get("last_seen", now)
    timeout = current_app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
    if current_user.is_staff and now - last_seen > timeout:
        logout_user()
        session.clear()
        flash(_("Your session expired after a while without activity. Sign in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["last_seen"] = now
    return None


def require_current_terms():
    if (
        current_user.is_authenticated
        and request.endpoint not in TERMS_EXEMPT
        and needs_terms(current_user)
    ):
        return redirect(url_for("auth.accept_terms", next=request.full_path.rstrip("?")))
    return None


def require_password_change():
    if (
        current_user.is_authenticated
        and session.get(PASSWORD_CHANGE)
        and request.endpoint not in PASSWORD_EXEMPT
    ):
        return redirect(url_for("core.password", next=request.full_path.rstrip("?")))
    return None


def account_key() -> str:
    """Rate-limit key per account: the e-mail address typed in the form, or, on a page
    reached through a mailed link (password reset), that link: without it every reset
    would share one bucket and a few bad tries would block everyone's."""
    token = (request.view_args or {}).get("token")
    if token:
        return "link:" + token
    return "account:" + normalize_email(request.form.get("email", ""))


def address_key() -> str:
    return "address:" + (get_remote_address() or "")


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https (directly or from
    a trusted proxy), even when SESSION_COOKIE_SECURE was left off."""

    def get_cookie_secure(self, app) -> bool:
        secure = super().get_cookie_secure(app)
        return secure or (has_request_context() and request.is_secure)


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.jinja_env.globals["csrf_token"] = generate_csrf  # for forms outside a FlaskForm
    app.before_request(reject_null_characters)
    app.before_request(expire_idle_staff)
    app.before_request(require_current_terms)
    app.before_request(require_password_change)
    app.after_request(set_security_headers)


def rate_limited(view):
    """Limit POSTs per account (the e-mail typed) and, more loosely, per client address."""
    per_account = limiter.limit(
        lambda: current_app.config["RATELIMIT_ACCOUNT"], key_func=account_key, methods=["POST"]
    )
    per_address = limiter.limit(
        lambda: current_app.config["RATELIMIT_ADDRESS"], key_func=address_key, methods=["POST"]
    )
    return per_address(per_account(view))
