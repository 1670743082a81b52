"""Public pages of processes, the loading of a component's context, and the home block."""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint
from flask import abort
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.components import get_manifest
from decide.components import manifests
from decide.core.i18n import translate
from decide.core.mail import public_url_for
from decide.core.permissions import require_staff
from decide.extensions import db
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.models import Scope
from decide.spaces.services import active_phase
from decide.spaces.services import can_admin_process
from decide.spaces.services import can_moderate
from decide.spaces.services import can_preview
from decide.spaces.services import can_see_component
from decide.spaces.services import can_see_process
from decide.spaces.services import can_see_resource
from decide.spaces.services import component_settings
from decide.spaces.services import process_status
from decide.spaces.services import today_here

bp = Blueprint("processes", __name__)

STATUSES = ("active", "upcoming", "past")
# Past processes shown on the home page; /processes?status=past lists them all.
HOME_PAST = 3


def visible_processes() -> list[Process]:
    """Published processes with what their cards show, in a fixed number of queries.

    The scope is joined (Process.scope is lazy="joined"); phases and categories come in one
    query each, whatever the number of processes.
    """
    return db.session.scalars(
        select(Process)
        .where(Process.published_at.is_not(None))
        .options(selectinload(Process.phases), selectinload(Process.categories))
        .order_by(Process.promoted.desc(), Process.start_date.desc(), Process.id)
    ).all()


def sort_by_status(processes, today: date) -> dict[str, list[Process]]:
    """Open, upcoming and past processes; the promoted ones first within each group.

    Open ones by the end of their active phase (what closes soonest first), upcoming ones by
    their start, past ones by their end, the latest first.
    """
    groups = {status: [] for status in STATUSES}
    for process in processes:
        groups[process_status(process, today)].append(process)

    def closing(process):
        phase = active_phase(process)
        return phase.end_date if phase and phase.end_date >= today else process.end_date

    groups["active"].sort(key=lambda p: (not p.promoted, closing(p), p.id))
    groups["upcoming"].sort(key=lambda p: (not p.promoted, p.start_date, p.id))
    groups["past"].sort(key=lambda p: (not p.promoted, -p.end_date.toordinal(), p.id))
    return groups


def render_home_block() -> Markup:
    today = today_here()
    groups = sort_by_status(visible_processes(), today)
    more_past = len(groups["past"]) > HOME_PAST
    groups["past"] = groups["past"][:HOME_PAST]
    return Markup(render_template("spaces/_home.html", groups=groups, today=today,
                                  more_past=more_past))


def category_names(processes) -> list[str]:
    """The names of the categories of these processes, in the reader's language.

    Categories belong to a process (there is no organization-wide list), so the filter offers
    each translated name once: "Mobility" in two processes is one choice that finds both.
    Subcategories are offered by their own name too.
    """
    names = {translate(c.name) for p in processes for c in p.categories}
    return sorted((name for name in names if name), key=str.casefold)


def filter_processes(processes, today: date, *, status: str, scope_id: int | None,
                     category: str) -> list[Process]:
    if status:
        processes = [p for p in processes if process_status(p, today) == status]
    if scope_id is not None:
        processes = [p for p in processes if p.scope_id == scope_id]
    if category:
        processes = [p for p in processes
                     if any(translate(c.name) == category for c in p.categories)]
    return processes


@bp.route("/processes")
def index():
    # A GET form, so it works without JavaScript. Whatever an address says, nothing fails:
    # an unknown status is ignored, a scope that is not a number is ignored, and a category
    # is compared as a plain string with the names (an unknown or overlong one finds nothing).
    today = today_here()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    scope_id = request.args.get("scope", type=int)
    category = request.args.get("category", "").strip()
    published = visible_processes()
    groups = sort_by_status(published, today)
    ordered = [process for each in STATUSES for process in groups[each]]
    processes = filter_processes(ordered, today, status=status, scope_id=scope_id,
                                 category=category)
    scopes = Scope.ordered()
    return render_template(
        "spaces/index.html", processes=processes, today=today, statuses=STATUSES,
        status=status, scopes=scopes, scope_id=scope_id, categories=category_names(published),
        category=category, filtered=bool(status or scope_id is not None or category),
    )


def load_process(slug: str) -> Process:
    process = db.session.scalars(
        select(Process).where(Process.slug == slug)
        .options(selectinload(Process.phases), selectinload(Process.components))
    ).first()
    if process is None or not can_see_process(current_user, process):
        abort(404)
    return process


def _registered(component: Component) -> bool:
    """A component of a kind no longer listed in DECIDE_COMPONENTS is left out, not a 500."""
    return component.manifest_name in manifests()


@bp.route("/processes/<slug>")
def show(slug: str):
    process = load_process(slug)
    components = [c for c in process.components
                  if _registered(c) and can_see_component(current_user, c)]
    summaries = {c.id: get_manifest(c.manifest_name).summary(c) for c in components}
    return render_template(
        "spaces/show.html", process=process, components=components, summaries=summaries,
        phase=active_phase(process), today=today_here(),
    )


@bp.route("/processes/<slug>/f/<int:component_id>/")
def component(slug: str, component_id: int):
    """The bare component address redirects to the component kind's own index."""
    process = load_process(slug)
    found = next((c for c in process.components if c.id == component_id), None)
    if found is None or not _registered(found) or not can_see_component(current_user, found):
        abort(404)
    return redirect(url_for(f"{found.manifest_name}.index", slug=slug, component_id=found.id))


# --- what every component blueprint shares --------------------------------------------

# The largest id a PostgreSQL integer column holds: a larger number in an address would make
# the database fail (SQLite: OverflowError; PostgreSQL: out of range) instead of a 404.
MAX_ID = 2**31 - 1


def _load_component(name: str, values: dict) -> Component:
    slug, component_id = values.pop("slug"), values.pop("component_id")
    if component_id > MAX_ID:
        abort(404)
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


def component_admin_blueprint(name: str, import_name: str,
                              allow: Callable[[Any, Process], bool] = can_admin_process
                              ) -> Blueprint:
    """A component kind's back-office blueprint: the process admins and admins only, unless
    `allow(user, process)` lets more staff in (valuators of proposals); the kind's views then
    check what each of them may do."""
    blueprint = Blueprint(f"{name}_admin", import_name)

    @blueprint.url_value_preprocessor
    def load(endpoint, values):
        # Who asks comes first: the back office never tells outsiders what exists.
        require_staff()
        component = _load_component(name, values)
        if not allow(current_user, component.process):
            abort(403)

    blueprint.url_defaults(_put_back_ids)
    return blueprint


def resource_url(resource, external: bool = False) -> str:
    """The public address of any resource (a comment's is its thread's, with an anchor);
    `external` for e-mails, on the configured public address."""
    endpoint, values = resource.link()
    values = dict(values)
    anchor = values.pop("_anchor", None)
    url = public_url_for(endpoint, **values) if external else url_for(endpoint, **values)
    return f"{url}#{anchor}" if anchor else url


def init_app(app) -> None:
    app.jinja_env.globals["resource_url"] = resource_url
    app.jinja_env.globals["can_see_resource"] = can_see_resource
    app.jinja_env.globals["can_moderate"] = can_moderate
    app.jinja_env.globals["can_preview"] = can_preview
    app.jinja_env.globals["process_status"] = process_status
    app.jinja_env.globals["active_phase"] = active_phase
    app.jinja_env.globals["can_admin_process"] = can_admin_process
    app.extensions.setdefault("decide.home_blocks", []).append(render_home_block)
