from flask import g
from flask import render_template

from decide.components.pages.services import page_of
from decide.spaces.views import component_blueprint

bp = component_blueprint("pages", __name__)


@bp.route("/")
def index():
    return render_template("components/pages/index.html", page=page_of(g.component))
