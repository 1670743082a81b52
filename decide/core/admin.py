"""Organization settings in the back office (admins only)."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from decide.admin.views import NavItem
from decide.admin.views import register_nav
from decide.core.forms import OrganizationForm
from decide.core.forms import render_form
from decide.core.i18n import current_organization
from decide.core.permissions import admin_required
from decide.core.services import DomainError
from decide.core.services import update_organization
from decide.extensions import db

bp = Blueprint("core_admin", __name__)


@bp.route("/organization", methods=["GET", "POST"])
@admin_required
def organization():
    current = current_organization()
    form = OrganizationForm(current_app.config["LANGUAGES"], obj=current)
    if form.validate_on_submit():
        try:
            update_organization(
                current,
                current_user,
                name=form.name.data,
                time_zone=form.time_zone.data,
                default_locale=form.default_locale.data,
                available_locales=form.available_locales.data,
                terms_of_service=form.terms_of_service.data,
                privacy_policy=form.privacy_policy.data,
                accessibility_statement=form.accessibility_statement.data,
                new_terms_version=form.new_terms_version.data,
                report_threshold=form.report_threshold.data,
            )
        except DomainError as error:
            form.add_error(error)
        else:
            db.session.commit()
            flash(_("The settings are saved."), "success")
            return redirect(url_for("core_admin.organization"))
    return render_form("core/admin/organization.html", form)


def init_app(app) -> None:
    register_nav(app, NavItem("core_admin.organization", _l("Organization settings")))
