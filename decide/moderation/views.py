"""Public pages of moderation: residents report a resource or another resident."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.models import Resource
from decide.core.models import User
from decide.extensions import db
from decide.extensions import login_manager
from decide.moderation import models  # noqa: F401 - the tables
from decide.moderation import services
from decide.moderation.forms import REASON_NAMES
from decide.moderation.forms import ReportForm
from decide.spaces.services import can_see_resource
from decide.spaces.views import MAX_ID
from decide.spaces.views import resource_url

bp = Blueprint("moderation", __name__)


def visible_resource(resource_id: int) -> Resource:
    """The resource, when the visitor may see it; 404 otherwise (hidden, draft, unknown)."""
    resource = db.session.get(Resource, resource_id) if resource_id <= MAX_ID else None
    if resource is None or not can_see_resource(current_user, resource):
        abort(404)
    return resource


def profile_or_404(nickname: str) -> User:
    user = db.session.scalars(
        select(User).where(User.nickname == nickname.lower(), User.deleted_at.is_(None))
    ).first()
    if user is None:
        abort(404)
    return user


def require_sign_in() -> None:
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())


def reported(form: ReportForm, **target) -> bool:
    """Send the report and commit; a broken rule goes above the form."""
    if not saved(form, services.report, reason=form.reason.data, details=form.details.data,
                 **target):
        return False
    flash(_("Thank you, moderators will review it."), "success")
    return True


def back_to(resource: Resource) -> str:
    """The resource's page, or its component's when the report has just hidden it."""
    if can_see_resource(current_user, resource):
        return resource_url(resource)
    component = resource.component
    return url_for("processes.component", slug=component.process.slug,
                   component_id=component.id)


@bp.route("/report/<int:resource_id>", methods=["GET", "POST"])
def report_resource(resource_id: int):
    resource = visible_resource(resource_id)
    require_sign_in()
    if not services.can_report(current_user, resource=resource):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit() and reported(form, resource=resource):
        return redirect(back_to(resource))
    already = request.method == "GET" and services.has_reported(current_user, resource=resource)
    return render_form("moderation/report.html", form, resource=resource, reported_user=None,
                       back=resource_url(resource), already=already)


@bp.route("/profiles/<nickname>/report", methods=["GET", "POST"])
def report_user(nickname: str):
    user = profile_or_404(nickname)
    require_sign_in()
    if not services.can_report(current_user, reported_user=user):
        abort(403)
    form = ReportForm()
    back = url_for("core.profile", nickname=user.nickname)
    if form.validate_on_submit() and reported(form, reported_user=user):
        return redirect(back)
    already = request.method == "GET" and services.has_reported(current_user, reported_user=user)
    return render_form("moderation/report.html", form, resource=None, reported_user=user,
                       back=back, already=already)


def shows_report_link(resource=None, user=None) -> bool:
    """For the `report_link` macro, which cannot see `current_user` when imported."""
    return services.can_report(current_user, resource=resource, reported_user=user)


def init_app(app) -> None:
    app.jinja_env.globals["can_report"] = services.can_report
    app.jinja_env.globals["shows_report_link"] = shows_report_link
    # The short names of the reasons, e.g. for the "content hidden" notification.
    app.jinja_env.globals["report_reasons"] = REASON_NAMES
