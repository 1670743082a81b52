"""The back office of participatory processes: processes, phases, components, categories,
roles, and the organization's scopes.

Organization admins do everything; a process admin edits everything inside the processes they
administer, but only organization admins create and delete processes and manage scopes (as in
Decidim). Every view loads, authorizes, validates, calls one service, commits and redirects.
"""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.admin.views import NavItem
from decide.admin.views import administers_a_process
from decide.admin.views import register_nav
from decide.components import manifests
from decide.core.forms import ActionForm
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.i18n import translate
from decide.core.permissions import admin_required
from decide.core.permissions import require_staff
from decide.core.permissions import staff_required
from decide.extensions import db
from decide.spaces import services
from decide.spaces.forms import ROLE_LABELS
from decide.spaces.forms import CategoryForm
from decide.spaces.forms import ChangeRoleForm
from decide.spaces.forms import GrantRoleForm
from decide.spaces.forms import NewComponentForm
from decide.spaces.forms import PhaseForm
from decide.spaces.forms import ProcessForm
from decide.spaces.forms import ScopeForm
from decide.spaces.forms import settings_form
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Scope

bp = Blueprint("spaces_admin", __name__)

MOVES = {"up": -1, "down": 1}
# The sections of one process's back office: (name, endpoint, label).
TABS = (
    ("information", "spaces_admin.edit_process", _l("Information")),
    ("phases", "spaces_admin.phases", _l("Phases")),
    ("components", "spaces_admin.components", _l("Components")),
    ("categories", "spaces_admin.categories", _l("Categories")),
    ("roles", "spaces_admin.roles", _l("Roles")),
)
TAB_ENDPOINTS = {tab: endpoint for tab, endpoint, _label in TABS}
STATUS_LABELS = {"active": _l("Open now"), "upcoming": _l("Upcoming"), "past": _l("Past")}


# --- loading and the shape every view shares --------------------------------------------------

def load_process(slug: str, *options) -> Process:
    """The process being administered, or 403/404: staff first, so outsiders learn nothing."""
    require_staff()
    process = db.session.scalars(
        select(Process).where(Process.slug == slug).options(*options)
    ).first()
    if process is None:
        abort(404)
    if not services.can_admin_process(current_user, process):
        abort(403)
    g.process = process
    return process


def child_or_404(items, item_id: int):
    """A phase, category, component or role of the loaded process; another process's is 404."""
    found = next((item for item in items if item.id == item_id), None)
    if found is None:
        abort(404)
    return found


def done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def confirm(form, question: str, button: str, *, danger: bool = False,
            template: str = "spaces/admin/confirm.html", **context):
    """The page of a button: shown before deleting, and again when a press was refused."""
    if "process" in g:
        endpoint = TAB_ENDPOINTS[section(request.endpoint)]
        context.setdefault("back", url_for(endpoint, slug=g.process.slug))
    return render_form(template, form, question=question, button=button, danger=danger,
                       **context)


def section(endpoint: str | None) -> str:
    """Which tab of the process back office an endpoint belongs to."""
    name = (endpoint or "").partition(".")[2]
    if not (endpoint or "").startswith("spaces_admin."):
        return "components"  # a component kind's own back office
    for word, tab in (("phase", "phases"), ("component", "components"),
                      ("categor", "categories"), ("role", "roles")):
        if word in name:
            return tab
    return "information"


# --- processes --------------------------------------------------------------------------------

@bp.route("/processes")
@staff_required
def processes():
    query = (select(Process).options(selectinload(Process.phases))
             .order_by(Process.start_date.desc(), Process.id))
    allowed = services.administered_process_ids(current_user)
    if allowed is not None:
        query = query.where(Process.id.in_(allowed))
    return render_template("spaces/admin/processes.html",
                           processes=db.session.scalars(query).all(),
                           today=services.today_here(), process_status=services.process_status,
                           status_labels=STATUS_LABELS)


@bp.route("/processes/new", methods=["GET", "POST"])
@admin_required
def new_process():
    form = ProcessForm(Scope.ordered())
    if form.validate_on_submit() and saved(form, services.create_process, **form.values()):
        return done(_("The process is created. Add its phases and components."),
                    ".edit_process", slug=form.slug.data.strip().lower())
    return render_form("spaces/admin/process_new.html", form)


@bp.route("/processes/<slug>", methods=["GET", "POST"])
def edit_process(slug: str):
    process = load_process(slug)
    form = ProcessForm(Scope.ordered(), obj=process)
    if form.validate_on_submit() and saved(form, services.update_process, process,
                                           **form.values()):
        return done(_("The process is saved."), ".edit_process", slug=process.slug)
    return render_form("spaces/admin/process_edit.html", form, process=process)


@bp.route("/processes/<slug>/publish", methods=["POST"])
def publish_process(slug: str):
    process = load_process(slug)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.publish_process, process):
        return done(_("The process is published: residents can see it."), ".edit_process",
                    slug=slug)
    return confirm(form, _("Publish this process?"), _("Publish"))


@bp.route("/processes/<slug>/unpublish", methods=["POST"])
def unpublish_process(slug: str):
    process = load_process(slug)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.unpublish_process, process):
        return done(_("The process is unpublished: only its staff can see it."),
                    ".edit_process", slug=slug)
    return confirm(form, _("Unpublish this process?"), _("Unpublish"))


@bp.route("/processes/<slug>/delete", methods=["GET", "POST"])
def delete_process(slug: str):
    process = load_process(slug)
    if not current_user.admin:
        abort(403)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_process, process):
        return done(_("The process is deleted."), ".processes")
    return confirm(form, _("Delete this process with its phases, components and categories? "
                           "This cannot be undone."), _("Delete the process"), danger=True)


# --- phases -----------------------------------------------------------------------------------

@bp.route("/processes/<slug>/phases")
def phases(slug: str):
    process = load_process(slug, selectinload(Process.phases))
    return render_template("spaces/admin/phases.html", process=process)


@bp.route("/processes/<slug>/phases/new", methods=["GET", "POST"])
def new_phase(slug: str):
    process = load_process(slug)
    form = PhaseForm()
    if form.validate_on_submit() and saved(form, services.create_phase, process,
                                           **form.values()):
        return done(_("The phase is added."), ".phases", slug=slug)
    return render_form("spaces/admin/phase_form.html", form, phase=None)


@bp.route("/processes/<slug>/phases/<int:phase_id>", methods=["GET", "POST"])
def edit_phase(slug: str, phase_id: int):
    phase = child_or_404(load_process(slug).phases, phase_id)
    form = PhaseForm(obj=phase)
    if form.validate_on_submit() and saved(form, services.update_phase, phase, **form.values()):
        return done(_("The phase is saved."), ".phases", slug=slug)
    return render_form("spaces/admin/phase_form.html", form, phase=phase)


@bp.route("/processes/<slug>/phases/<int:phase_id>/<any(up, down):direction>",
          methods=["POST"])
def move_phase(slug: str, phase_id: int, direction: str):
    phase = child_or_404(load_process(slug).phases, phase_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.move_phase, phase, MOVES[direction]):
        return done(_("The order of the phases is saved."), ".phases", slug=slug)
    return confirm(form, _("Move the phase “%(title)s”?", title=translate(phase.title)),
                   _("Move up") if direction == "up" else _("Move down"))


@bp.route("/processes/<slug>/phases/<int:phase_id>/activate", methods=["POST"])
def activate_phase(slug: str, phase_id: int):
    phase = child_or_404(load_process(slug).phases, phase_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.activate_phase, phase):
        return done(_("“%(title)s” is now the active phase.", title=translate(phase.title)),
                    ".phases", slug=slug)
    return confirm(form, _("Make “%(title)s” the active phase?", title=translate(phase.title)),
                   _("Activate"))


@bp.route("/processes/<slug>/phases/<int:phase_id>/delete", methods=["GET", "POST"])
def delete_phase(slug: str, phase_id: int):
    phase = child_or_404(load_process(slug).phases, phase_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_phase, phase):
        return done(_("The phase is deleted."), ".phases", slug=slug)
    return confirm(form, _("Delete the phase “%(title)s” and the component settings of this "
                           "phase?", title=translate(phase.title)),
                   _("Delete the phase"), danger=True)


# --- categories -------------------------------------------------------------------------------

def parent_choices(process: Process, category=None) -> list:
    return [c for c in process.categories if c.parent_id is None and c is not category]


@bp.route("/processes/<slug>/categories")
def categories(slug: str):
    process = load_process(slug, selectinload(Process.categories))
    return render_template("spaces/admin/categories.html", process=process)


@bp.route("/processes/<slug>/categories/new", methods=["GET", "POST"])
def new_category(slug: str):
    process = load_process(slug)
    form = CategoryForm(parent_choices(process))
    if form.validate_on_submit() and saved(form, services.create_category, process,
                                           **form.values()):
        return done(_("The category is added."), ".categories", slug=slug)
    return render_form("spaces/admin/category_form.html", form, category=None)


@bp.route("/processes/<slug>/categories/<int:category_id>", methods=["GET", "POST"])
def edit_category(slug: str, category_id: int):
    process = load_process(slug)
    category = child_or_404(process.categories, category_id)
    form = CategoryForm(parent_choices(process, category), obj=category)
    if form.validate_on_submit() and saved(form, services.update_category, category,
                                           **form.values()):
        return done(_("The category is saved."), ".categories", slug=slug)
    return render_form("spaces/admin/category_form.html", form, category=category)


@bp.route("/processes/<slug>/categories/<int:category_id>/delete", methods=["GET", "POST"])
def delete_category(slug: str, category_id: int):
    category = child_or_404(load_process(slug).categories, category_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_category, category):
        return done(_("The category is deleted."), ".categories", slug=slug)
    return confirm(form, _("Delete the category “%(name)s” and its subcategories?",
                           name=translate(category.name)),
                   _("Delete the category"), danger=True)


# --- components -------------------------------------------------------------------------------

@bp.route("/processes/<slug>/components")
def components(slug: str):
    process = load_process(slug, selectinload(Process.components))
    return render_template("spaces/admin/components.html", process=process,
                           kinds=manifests())


@bp.route("/processes/<slug>/components/new", methods=["GET", "POST"])
def new_component(slug: str):
    process = load_process(slug)
    form = NewComponentForm(manifests())
    if form.validate_on_submit() and saved(form, services.add_component, process,
                                           manifest_name=form.manifest_name.data,
                                           name=form.name.data):
        return done(_("The component is added, unpublished. Check its settings, then publish "
                      "it."), ".components", slug=slug)
    return render_form("spaces/admin/component_new.html", form)


@bp.route("/processes/<slug>/components/<int:component_id>", methods=["GET", "POST"])
def edit_component(slug: str, component_id: int):
    process = load_process(slug, selectinload(Process.phases))
    component = child_or_404(process.components, component_id)
    manifest = manifests().get(component.manifest_name)
    if manifest is None:  # a kind no longer in the configuration
        abort(404)
    form_class = settings_form(manifest.settings, manifest.phase_settings, process.phases)
    form = form_class(data=form_class.initial(component))
    if form.validate_on_submit() and saved(form, services.update_component, component,
                                           name=form.name.data,
                                           settings=form.settings_values(),
                                           phase_settings=form.phase_values()):
        return done(_("The component is saved."), ".components", slug=slug)
    return render_form("spaces/admin/component_form.html", form, component=component,
                       manifest=manifest)


@bp.route("/processes/<slug>/components/<int:component_id>/<any(up, down):direction>",
          methods=["POST"])
def move_component(slug: str, component_id: int, direction: str):
    component = child_or_404(load_process(slug).components, component_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.move_component, component,
                                           MOVES[direction]):
        return done(_("The order of the components is saved."), ".components", slug=slug)
    return confirm(form, _("Move the component “%(name)s”?", name=translate(component.name)),
                   _("Move up") if direction == "up" else _("Move down"))


@bp.route("/processes/<slug>/components/<int:component_id>/publish", methods=["POST"])
def publish_component(slug: str, component_id: int):
    component = child_or_404(load_process(slug).components, component_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.publish_component, component):
        return done(_("The component is published."), ".components", slug=slug)
    return confirm(form, _("Publish the component “%(name)s”?", name=translate(component.name)),
                   _("Publish"))


@bp.route("/processes/<slug>/components/<int:component_id>/unpublish", methods=["POST"])
def unpublish_component(slug: str, component_id: int):
    component = child_or_404(load_process(slug).components, component_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.unpublish_component, component):
        return done(_("The component is unpublished."), ".components", slug=slug)
    return confirm(form, _("Unpublish the component “%(name)s”?",
                           name=translate(component.name)), _("Unpublish"))


@bp.route("/processes/<slug>/components/<int:component_id>/delete", methods=["GET", "POST"])
def delete_component(slug: str, component_id: int):
    component = child_or_404(load_process(slug).components, component_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_component, component):
        return done(_("The component is deleted."), ".components", slug=slug)
    return confirm(form, _("Delete the component “%(name)s” and everything in it?",
                           name=translate(component.name)),
                   _("Delete the component"), danger=True)


# --- roles ------------------------------------------------------------------------------------

@bp.route("/processes/<slug>/roles")
def roles(slug: str):
    process = load_process(
        slug, selectinload(Process.roles).selectinload(ProcessRole.user)
    )
    holders = sorted(process.roles, key=lambda r: (r.user.name.casefold(), r.id))
    return render_template("spaces/admin/roles.html", process=process, holders=holders,
                           role_labels=ROLE_LABELS)


@bp.route("/processes/<slug>/roles/new", methods=["GET", "POST"])
def new_role(slug: str):
    process = load_process(slug)
    form = GrantRoleForm()
    if form.validate_on_submit() and saved(form, services.grant_role, process,
                                           identifier=form.identifier.data,
                                           role=form.role.data):
        return done(_("The role is given."), ".roles", slug=slug)
    return render_form("spaces/admin/role_form.html", form, assignment=None)


@bp.route("/processes/<slug>/roles/<int:role_id>", methods=["GET", "POST"])
def edit_role(slug: str, role_id: int):
    process = load_process(slug)
    assignment = child_or_404(process.roles, role_id)
    form = ChangeRoleForm(obj=assignment)
    if form.validate_on_submit() and saved(form, services.grant_role, process,
                                           identifier=assignment.user.email,
                                           role=form.role.data):
        return done(_("The role is changed."), ".roles", slug=slug)
    return render_form("spaces/admin/role_form.html", form, assignment=assignment)


@bp.route("/processes/<slug>/roles/<int:role_id>/revoke", methods=["POST"])
def revoke_role(slug: str, role_id: int):
    assignment = child_or_404(load_process(slug).roles, role_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.revoke_role, assignment):
        if not services.can_admin_process(current_user, g.process):
            return done(_("The role is taken away."), ".processes")  # one's own
        return done(_("The role is taken away."), ".roles", slug=slug)
    return confirm(form, _("Take away the role of %(name)s?", name=assignment.user.name),
                   _("Take the role away"), danger=True)


# --- scopes (organization admins) -------------------------------------------------------------

@bp.route("/scopes")
@admin_required
def scopes():
    return render_template("spaces/admin/scopes.html", scopes=Scope.ordered())


@bp.route("/scopes/new", methods=["GET", "POST"])
@admin_required
def new_scope():
    form = ScopeForm()
    if form.validate_on_submit() and saved(form, services.create_scope, **form.values()):
        return done(_("The scope is added."), ".scopes")
    return render_form("spaces/admin/scope_form.html", form, scope=None)


def scope_or_404(scope_id: int) -> Scope:
    """The id is looked up in the database: the route caps it at the column's largest value."""
    scope = db.session.get(Scope, scope_id)
    if scope is None:
        abort(404)
    return scope


@bp.route("/scopes/<int(max=2147483647):scope_id>", methods=["GET", "POST"])
@admin_required
def edit_scope(scope_id: int):
    scope = scope_or_404(scope_id)
    form = ScopeForm(obj=scope)
    if form.validate_on_submit() and saved(form, services.update_scope, scope, **form.values()):
        return done(_("The scope is saved."), ".scopes")
    return render_form("spaces/admin/scope_form.html", form, scope=scope)


@bp.route("/scopes/<int(max=2147483647):scope_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_scope(scope_id: int):
    scope = scope_or_404(scope_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_scope, scope):
        return done(_("The scope is deleted."), ".scopes")
    return confirm(form, _("Delete the scope “%(name)s”?", name=translate(scope.name)),
                   _("Delete the scope"), danger=True, template="spaces/admin/scope_delete.html")


def init_app(app) -> None:
    app.jinja_env.globals["process_admin_section"] = section
    app.jinja_env.globals["process_admin_tabs"] = TABS
    register_nav(app, NavItem("spaces_admin.processes", _l("Processes"), admins_only=False,
                              shown_to=administers_a_process))
    register_nav(app, NavItem("spaces_admin.scopes", _l("Scopes")))
