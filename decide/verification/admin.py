"""The census and the verified accounts in the back office (organization admins only)."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from decide.admin.views import NavItem
from decide.admin.views import register_log_sentences
from decide.admin.views import register_nav
from decide.core.forms import ActionForm
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.models import User
from decide.core.permissions import admin_required
from decide.extensions import db
from decide.spaces.views import MAX_ID
from decide.verification import services
from decide.verification.forms import CensusForm
from decide.verification.forms import SearchForm

bp = Blueprint("verification_admin", __name__)

PAGE_SIZE = 50
MAX_PROBLEMS_SHOWN = 100
DEFAULT_CENSUS_MAX_SIZE = 20 * 1024 * 1024  # a city's census; other forms keep 2 MB


@bp.route("/census", methods=["GET", "POST"])
@admin_required
def census():
    # Only this form takes a file this large; the rest of the site keeps MAX_CONTENT_LENGTH.
    request.max_content_length = current_app.config.get("CENSUS_MAX_CONTENT_LENGTH",
                                                        DEFAULT_CENSUS_MAX_SIZE)
    form = CensusForm()
    problems = []
    if form.validate_on_submit():
        try:
            entries = services.import_census(current_user, form.file.data.read())
        except services.CensusFileError as error:
            db.session.rollback()
            form.add_error(error)
            problems = error.problems
        else:
            db.session.commit()
            flash(ngettext("The census is replaced: %(num)d person.",
                           "The census is replaced: %(num)d people.", entries), "success")
            return redirect(url_for(".census"), 303)
    return render_form("verification/admin/census.html", form, status=services.census_status(),
                       problems=problems[:MAX_PROBLEMS_SHOWN],
                       more_problems=max(len(problems) - MAX_PROBLEMS_SHOWN, 0))


@bp.route("/census/delete", methods=["GET", "POST"])
@admin_required
def delete_census():
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_census):
        flash(_("The census is deleted. Verified residents stay verified."), "success")
        return redirect(url_for(".census"), 303)
    return render_form("verification/admin/confirm.html", form,
                       question=_("Delete the census?"), button=_("Delete the census"),
                       explanation=_("Nobody will be able to verify until a new census is "
                                     "uploaded. Residents already verified stay verified."),
                       back=url_for(".census"), danger=True)


@bp.route("/verifications")
@admin_required
def verifications():
    search = SearchForm(request.args)
    q = search.q.data if search.validate() and search.q.data else ""
    total, rows, page, pages = services.list_verifications(q=q, page=page_number(),
                                                           per_page=PAGE_SIZE)
    return render_template("verification/admin/verifications.html", search=search,
                           rows=rows, total=total, page=page, pages=pages,
                           filters={"q": q} if q else {})


def verified_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id) if user_id <= MAX_ID else None
    if user is None or user.is_deleted or services.verification_of(user) is None:
        abort(404)
    return user


@bp.route("/verifications/<int:user_id>/revoke", methods=["GET", "POST"])
@admin_required
def revoke(user_id: int):
    person = verified_user_or_404(user_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.revoke_verification, person):
        flash(_("The verification of %(name)s is revoked.", name=person.nickname), "success")
        return redirect(url_for(".verifications"), 303)
    return render_form("verification/admin/confirm.html", form,
                       question=_("Revoke the verification of %(name)s?", name=person.nickname),
                       button=_("Revoke"),
                       explanation=_("The account is no longer verified; their identity can "
                                     "verify an account again. What they did while verified "
                                     "stays."),
                       back=url_for(".verifications"), danger=True)


LOG_SENTENCES = {
    ("upload", "census"): _l("%(who)s uploaded a new census"),
    ("delete", "census"): _l("%(who)s deleted the census"),
    ("revoke_verification", "user"): _l("%(who)s revoked the verification of %(what)s"),
}
LOG_ACTIONS = {
    "upload": _l("Uploaded"),
    "revoke_verification": _l("Verification revoked"),
}


def init_app(app) -> None:
    register_nav(app, NavItem("verification_admin.census", _l("Census"), position=300))
    register_nav(app, NavItem("verification_admin.verifications", _l("Verified residents"),
                              position=310))
    register_log_sentences(app, LOG_SENTENCES, actions=LOG_ACTIONS,
                           resource_types={"census": _l("Census")})
