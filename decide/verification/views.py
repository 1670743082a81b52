"""Residents verify their identity against the census, and are brought back to what they
were doing (`next`). Components send them here with `verify_first(next_url)` and show the
`verify_link` macro (templates/_macros/verification.html) in place of a button."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import has_request_context
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_login import login_required

from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.permissions import safe_next
from decide.extensions import limiter
from decide.verification import services
from decide.verification.forms import VerificationForm

bp = Blueprint("verification", __name__)

# A few tries per account (a typo, the wrong document), and more per address, where a help
# desk may verify many residents from one machine; guessing a date of birth needs thousands.
DEFAULT_LIMIT_ACCOUNT = "5 per 15 minutes"
DEFAULT_LIMIT_ADDRESS = "30 per 15 minutes"


def _account_key() -> str:
    if current_user.is_authenticated:
        return f"verify-account:{current_user.id}"
    return "verify-address:" + (get_remote_address() or "")


def _address_key() -> str:
    return "verify-address:" + (get_remote_address() or "")


def _limited(view):
    """POSTs limited per account and per client address (the sign-in limiter's store)."""
    per_account = limiter.limit(
        lambda: current_app.config.get("RATELIMIT_VERIFICATION_ACCOUNT", DEFAULT_LIMIT_ACCOUNT),
        key_func=_account_key, methods=["POST"])
    per_address = limiter.limit(
        lambda: current_app.config.get("RATELIMIT_VERIFICATION_ADDRESS", DEFAULT_LIMIT_ADDRESS),
        key_func=_address_key, methods=["POST"])
    return per_address(per_account(view))


def verification_url(next_url: str | None = None) -> str:
    """The verification page, coming back to `next_url` (this page by default)."""
    if next_url is None:
        next_url = request.full_path.rstrip("?") if has_request_context() else None
    return url_for("verification.verify", next=safe_next(next_url, "") or None)


def verify_first(next_url: str):
    """The answer of an action that needs a verified resident: to the verification page,
    then back to `next_url`."""
    flash(_("Verify your identity first: this needs a resident of the census."), "info")
    return redirect(verification_url(next_url), 303)


@bp.route("/verification", methods=["GET", "POST"])
@login_required
@_limited
def verify():
    verification = services.verification_of(current_user)
    form = VerificationForm(next=request.args.get("next", ""))
    back = safe_next(form.next.data, "")
    if verification is None and form.validate_on_submit():
        done = saved(form, services.verify_identity, document=form.document.data,
                     birth_date=form.birth_date.data)
        if done:
            flash(_("Your identity is verified."), "success")
            return redirect(back or url_for("core.account"), 303)
    return render_form("verification/verify.html", form, verification=verification, back=back)


def init_app(app) -> None:
    app.jinja_env.globals.update(
        needs_verification=services.needs_verification,
        is_verified=services.is_verified,
        verification_of=services.verification_of,
        verification_url=verification_url,
    )
