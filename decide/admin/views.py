"""The back-office home."""

from flask import Blueprint
from flask import render_template

from decide.core.permissions import staff_required
from decide.core.services import count_users

bp = Blueprint("admin", __name__)


@bp.route("/")
@staff_required
def dashboard():
    return render_template("admin/dashboard.html", users=count_users())
