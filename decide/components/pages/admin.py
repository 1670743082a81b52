from flask import flash
from flask import g
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from decide.components.pages.forms import PageForm
from decide.components.pages.services import page_of
from decide.components.pages.services import save_page
from decide.core.forms import render_form
from decide.extensions import db
from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("pages", __name__)


@bp.route("/", methods=["GET", "POST"])
def edit():
    page = page_of(g.component)
    form = PageForm(obj=page)
    if form.validate_on_submit():
        save_page(current_user, g.component, body=form.body.data)
        db.session.commit()
        flash(_("The page is saved."), "success")
        return redirect(url_for("pages_admin.edit"))
    return render_form("components/pages/admin/edit.html", form, page=page)
