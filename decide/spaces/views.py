"""Public pages of processes, the loading of a component's context, and the home block."""

from datetime import date

from flask import Blueprint
from flask import abort
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.components import get_manifest
from decide.core.i18n import current_organization
from decide.core.i18n import translate
from decide.core.permissions import require_staff
from decide.extensions import db
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.models import Scope
from decide.spaces.services import active_phase
from decide.spaces.services import can_admin_process
from decide.spaces.services import can_preview
from decide.spaces.services import can_see_component
from decide.spaces.services import can_see_process
from decide.spaces.services import component_settings
from decide.spaces.services import process_status
from decide.spaces.services import today_here

bp = Blueprint("processes", __name__)

STATUSES = ("active", "upcoming", "past")


def visible_processes():
    """Published processes, with what their cards show loaded in a fixed number of queries."""
    return db.session.scalars(
        select(Process)
        .where(Process.published_at.is_not(None))
        .options(selectinload(Process.phases), selectinload(Process.categories))
        .order_by(Process.promoted.desc(), Process.start_date.desc(), Process.id)
    ).all()


def sort_by_status(processes, today: date) -> dict[str, list[Process]]:
    groups = {status: [] for status in STATUSES}
    for process in processes:
        groups[process_status(process, today)].append(process)
    groups["upcoming"].sort(key=lambda p: p.start_date)
    return groups


def render_home_block() -> Markup:
    today = today_here()
    groups = sort_by_status(visible_processes(), today)
    return Markup(render_template("spaces/_home.html", groups=groups, today=today))


@bp.route("/processes")
def index():
    today = today_here()
    processes = visible_processes()
    status = request.args.get("status", "")
    scope_id = request.args.get("scope", type=int)
    category = request.args.get("category", "").strip()[:200]
    if status in STATUSES:
        processes = [p for p in processes if process_status(p, today) == status]
    if scope_id:
        processes = [p for p in processes if p.scope_id == scope_id]
    categories = sorted({translate(c.name) for p in processes for c in p.categories},
                        key=str.casefold)
    if category:
        processes = [p for p in processes
                     if any(translate(c.name) == category for c in p.categories)]
    scopes = db.session.scalars(select(Scope).order_by(Scope.position, Scope.id)).all()
    return render_template(
        "spaces/index.html", processes=processes, today=today, statuses=STATUSES,
        status=status if status in STATUSES else "", scopes=scopes, scope_id=scope_id,
        categories=categories, category=category, locale=str(get_locale()),
    )


def load_process(slug: str) -> Process:
    process = db.session.scalars(
        select(Process).where(Process.slug == slug)
        .options(selectinload(Process.phases), selectinload(Process.components))
    ).first()
    if process is None or not can_see_process(current_user, process):
        abort(404)
    return process


@bp.route("/processes/<slug>")
def show(slug: str):
    process = load_process(slug)
    components = [c for c in process.components if can_see_component(current_user, c)]
    return render_template(
        "spaces/show.html", process=process, components=components,
        phase=active_phase(process), today=today_here(), get_manifest=get_manifest,
    )


@bp.route("/processes/<slug>/f/<int:component_id>/")
def component(slug: str, component_id: int):
    """The bare component address redirects to the component kind's own index."""
    process = load_process(slug)
    found = next((c for c in process.components if c.id == component_id), None)
    if found is None or not can_see_component(current_user, found):
        abort(404)
    return redirect(url_for(f"{found.manifest_name}.index", slug=slug, component_id=found.id))


# --- what every component blueprint shares --------------------------------------------

def _load_component(name: str, values: dict) -> Component:
    slug, component_id = values.pop("slug"), values.pop("component_id")
    component = db.session.scalars(
        select(Component).where(Component.id == component_id)
        .options(selectinload(Component.process).selectinload(Process.phases))
    ).first()
    if component is None or component.process.slug != slug or component.manifest_name != name:
        abort(404)
    g.process, g.component = component.process, component
    g.settings = component_settings(component)
    return component


def _put_back_ids(endpoint: str, values: dict) -> None:
    if "component" in g and "component_id" not in values:
        values.setdefault("slug", g.process.slug)
        values["component_id"] = g.component.id


def component_blueprint(name: str, import_name: str) -> Blueprint:
    """A component kind's public blueprint: loads g.process, g.component and g.settings.

    404 for a component of another process or kind, and, for residents, an unpublished one.
    """
    blueprint = Blueprint(name, import_name)

    @blueprint.url_value_preprocessor
    def load(endpoint, values):
        component = _load_component(name, values)
        if not can_see_component(current_user, component):
            abort(404)

    blueprint.url_defaults(_put_back_ids)
    return blueprint


def component_admin_blueprint(name: str, import_name: str) -> Blueprint:
    """A component kind's back-office blueprint: the process admins and admins only."""
    blueprint = Blueprint(f"{name}_admin", import_name)

    @blueprint.url_value_preprocessor
    def load(endpoint, values):
        # Who asks comes first: the back office never tells outsiders what exists.
        require_staff()
        component = _load_component(name, values)
        if not can_admin_process(current_user, component.process):
            abort(403)

    blueprint.url_defaults(_put_back_ids)
    return blueprint


def init_app(app) -> None:
    app.jinja_env.globals["can_preview"] = can_preview
    app.jinja_env.globals["can_admin_process"] = can_admin_process
    app.extensions.setdefault("decide.home_blocks", []).append(render_home_block)
