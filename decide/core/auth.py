"""Sign-up, e-mail confirmation, sign-in and out, password reset, terms acceptance."""

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from decide.core.database import writes_on_get
from decide.core.forms import ActionForm
from decide.core.forms import EmailForm
from decide.core.forms import Form
from decide.core.forms import NewPasswordForm
from decide.core.forms import SignInForm
from decide.core.forms import SignUpForm
from decide.core.forms import render_form
from decide.core.i18n import select_locale
from decide.core.models import User
from decide.core.permissions import safe_next
from decide.core.security import PASSWORD_CHANGE
from decide.core.security import rate_limited
from decide.core.services import DomainError
from decide.core.services import UnconfirmedEmail
from decide.core.services import accept_terms as accept_terms_service
from decide.core.services import authenticate
from decide.core.services import confirm_email
from decide.core.services import must_change_password
from decide.core.services import register_user
from decide.core.services import request_password_reset
from decide.core.services import resend_confirmation
from decide.core.services import reset_password
from decide.core.services import user_for_reset
from decide.extensions import db

bp = Blueprint("auth", __name__)


def start_session(user: User) -> None:
    """A fresh session on sign-in (nothing from before survives but the language)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session.permanent = True
    session["last_seen"] = datetime.now(UTC).timestamp()


@bp.route("/signup", methods=["GET", "POST"])
@rate_limited
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignUpForm(locale=select_locale())
    if form.validate_on_submit():
        try:
            user = register_user(
                name=form.name.data, nickname=form.nickname.data, email=form.email.data,
                password=form.password.data, locale=form.locale.data,
            )
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            return render_template("core/auth/check_email.html", email=user.email)
    return render_form("core/auth/signup.html", form)


@bp.route("/confirm/<token>")
@writes_on_get
def confirm(token: str):
    try:
        confirm_email(token)
    except DomainError as error:
        return render_template("core/auth/link_error.html", message=error.message), 400
    db.session.commit()
    flash(_("Your e-mail address is confirmed. Welcome!"), "success")
    return redirect(url_for("core.home" if current_user.is_authenticated else "auth.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@rate_limited
def resend():
    form = EmailForm()
    if form.validate_on_submit():
        resend_confirmation(form.email.data)
        db.session.commit()
        return render_template("core/auth/check_email.html", email=form.email.data)
    return render_form("core/auth/resend.html", form)


@bp.route("/signin", methods=["GET", "POST"])
@rate_limited
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm(next=request.args.get("next", ""))
    unconfirmed = False
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except DomainError as error:
            form.add_error(error)
            unconfirmed = isinstance(error, UnconfirmedEmail)
        else:
            db.session.commit()
            start_session(user)
            if must_change_password(user, form.password.data):
                session[PASSWORD_CHANGE] = True  # asked for before anything else
            return redirect(safe_next(form.next.data, url_for("core.home")))
    return render_form("core/auth/login.html", form, unconfirmed=unconfirmed)


@bp.route("/signout", methods=["POST"])
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You have signed out."), "success")
        return redirect(url_for("core.home"))
    # Refused, never sent back to the Referer: a cross-site form could name any address there.
    abort(400, description=" ".join(form.csrf_token.errors))


@bp.route("/password/forgot", methods=["GET", "POST"])
@rate_limited
def forgot():
    form = EmailForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        db.session.commit()
        return render_template("core/auth/check_email.html", email=form.email.data, reset=True)
    return render_form("core/auth/forgot.html", form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@rate_limited
def reset(token: str):
    try:
        user_for_reset(token)
    except DomainError as error:
        return render_template("core/auth/link_error.html", message=error.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset_password(token, form.password.data)
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            start_session(user)
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("core.home"))
    return render_form("core/auth/reset.html", form)


@bp.route("/terms/accept", methods=["GET", "POST"])
@login_required
def accept_terms():
    form = Form()
    if form.validate_on_submit():
        accept_terms_service(current_user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    return render_form("core/auth/accept_terms.html", form)
