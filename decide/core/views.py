"""Public pages of core: home, language switch, profiles, the account, legal pages, health."""

import json

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
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
from sqlalchemy import select

from decide.core.database import database_answers
from decide.core.database import writes_on_get
from decide.core.forms import ChangeEmailForm
from decide.core.forms import ChangePasswordForm
from decide.core.forms import DeleteAccountForm
from decide.core.forms import LocaleForm
from decide.core.forms import ProfileForm
from decide.core.forms import render_form
from decide.core.i18n import available_locales
from decide.core.models import User
from decide.core.permissions import safe_next
from decide.core.security import PASSWORD_CHANGE
from decide.core.services import DomainError
from decide.core.services import change_password
from decide.core.services import confirm_email_change as confirm_email_change_service
from decide.core.services import delete_account as delete_account_service
from decide.core.services import export_user_data
from decide.core.services import request_email_change
from decide.core.services import set_locale as set_locale_service
from decide.core.services import update_profile
from decide.extensions import db

bp = Blueprint("core", __name__)

LEGAL_PAGES = {
    "terms": "terms_of_service",
    "privacy": "privacy_policy",
    "accessibility": "accessibility_statement",
}


@bp.route("/")
def home():
    # Modules add their sections (the processes, later more) as home blocks, as
    # Decidim's content blocks do: core does not know them.
    blocks = [render() for render in current_app.extensions.get("decide.home_blocks", ())]
    return render_template("core/home.html", blocks=blocks)


@bp.route("/healthz")
def healthz():
    if database_answers():
        return {"status": "ok"}
    return {"status": "database unavailable"}, 503


@bp.route("/locale", methods=["POST"])
def set_locale():
    form = LocaleForm()
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        abort(400, description=" ".join(form.csrf_token.errors))
    if not valid or form.locale.data not in available_locales():
        abort(400, description=_("This language is not available."))
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        set_locale_service(current_user, form.locale.data)
        db.session.commit()
    return redirect(safe_next(form.next.data, url_for("core.home")))


@bp.route("/pages/<any(terms, privacy, accessibility):page>")
def legal(page: str):
    return render_template("core/legal.html", page=page, attribute=LEGAL_PAGES[page])


@bp.route("/profiles/<nickname>")
def profile(nickname: str):
    user = db.session.scalars(
        select(User).where(User.nickname == nickname.lower(), User.deleted_at.is_(None))
    ).first()
    if user is None:
        abort(404)
    return render_template("core/profile.html", profile=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            update_profile(current_user, name=form.name.data, nickname=form.nickname.data,
                           locale=form.locale.data)
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            session["locale"] = current_user.locale
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("core.account"))
    return render_form("core/account/profile.html", form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            request_email_change(current_user, form.email.data, form.password.data)
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            flash(_("We have sent a link to %(email)s. Your address changes when you follow it.",
                    email=form.email.data), "success")
            return redirect(url_for("core.change_email"))
    return render_form("core/account/email.html", form)


@bp.route("/account/email/confirm/<token>")
@writes_on_get
def confirm_email_change(token: str):
    try:
        user = confirm_email_change_service(token)
    except DomainError as error:
        return render_template("core/auth/link_error.html", message=error.message), 400
    db.session.commit()
    flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("core.account" if current_user.is_authenticated else "auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if current_user.is_staff:
        form.password.description = _(
            "At least %(min)d characters, as for every staff account. A few unrelated words "
            "make a strong password.", min=current_app.config["STAFF_PASSWORD_MIN_LENGTH"])
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            # The session identity changed with the password; login_user needs the user
            # itself, not the current_user proxy (which would then point at itself).
            login_user(current_user._get_current_object())
            session.pop(PASSWORD_CHANGE, None)
            flash(_("Your new password is saved."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.password")))
    return render_form("core/account/password.html", form,
                       must_change=session.get(PASSWORD_CHANGE, False))


@bp.route("/account/data")
@login_required
def download_data():
    body = json.dumps(export_user_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="decide-{current_user.nickname}.json"'
        },
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_account_service(current_user, form.password.data)
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("core.home"))
    return render_form("core/account/delete.html", form)
