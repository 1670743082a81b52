"""The back-office shell: the dashboard and the navigation, built from what modules register."""

from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from decide.core.permissions import staff_required
from decide.core.services import count_users

bp = Blueprint("admin", __name__)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    admins_only: bool = True  # False: every staff member (process roles included) sees it


def register_nav(app, item: NavItem) -> None:
    """Modules add their back-office sections here; the layout lists them in this order."""
    app.extensions.setdefault("decide.admin_nav", []).append(item)


def admin_nav() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [
        item for item in current_app.extensions.get("decide.admin_nav", ())
        if current_user.admin or not item.admins_only
    ]


@bp.route("/")
@staff_required
def dashboard():
    return render_template("admin/dashboard.html", users=count_users())


def init_app(app) -> None:
    app.jinja_env.globals["admin_nav"] = admin_nav
    register_nav(app, NavItem("admin.dashboard", _l("Dashboard"), admins_only=False))
