"""The back office of an accountability component: statuses, results, timelines, results
from a budget's selected projects, CSV import and export.

The process admins and admins do everything here (the blueprint checks). Every view loads,
authorizes, validates, calls one service, commits and redirects.
"""

from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy import select

from decide.admin.views import register_log_sentences
from decide.components.accountability import files
from decide.components.accountability import services
from decide.components.accountability.forms import FromBudgetForm
from decide.components.accountability.forms import ImportForm
from decide.components.accountability.forms import ProgressForm
from decide.components.accountability.forms import ResultForm
from decide.components.accountability.forms import StatusForm
from decide.components.accountability.forms import TimelineEntryForm
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Project
from decide.components.proposals.models import Proposal
from decide.core.forms import ActionForm
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.i18n import translate
from decide.core.models import ResourceLink
from decide.extensions import db
from decide.spaces.models import Component
from decide.spaces.models import Scope
from decide.spaces.services import today_here
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("accountability", __name__)

RESULT = f"<int(max={MAX_ID}):result_id>"
STATUS = f"<int(max={MAX_ID}):status_id>"
ENTRY = f"<int(max={MAX_ID}):entry_id>"
PAGE_SIZE = 50  # top-level results per page; their sub-results come along
DEFAULT_IMPORT_MAX_SIZE = 10 * 1024 * 1024  # descriptions in four languages add up
MAX_PROBLEMS_SHOWN = 100
TEMPLATES = "components/accountability/admin"


# --- loading ---------------------------------------------------------------------------------

def load_result(result_id: int) -> Result:
    """Any result of this component, hidden ones too; another component's is 404."""
    result = db.session.scalars(
        select(Result).where(Result.id == result_id, Result.component_id == g.component.id)
    ).first()
    if result is None:
        abort(404)
    return result


def load_status(status_id: int) -> Status:
    status = db.session.scalars(
        select(Status).where(Status.id == status_id, Status.component_id == g.component.id)
    ).first()
    if status is None:
        abort(404)
    return status


def load_entry(result: Result, entry_id: int) -> TimelineEntry:
    entry = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.id == entry_id,
                                    TimelineEntry.result_id == result.id)
    ).first()
    if entry is None:
        abort(404)
    return entry


def top_level_results() -> list[Result]:
    """The results that may hold sub-results: those under none."""
    return db.session.scalars(
        select(Result).where(Result.component_id == g.component.id, Result.parent_id.is_(None))
        .order_by(Result.weight, Result.id)
    ).all()


def linked_ids(result: Result) -> dict[str, list[int]]:
    """{"proposal_ids": [...], "project_ids": [...]} the result carries out: one query."""
    found = {"proposal_ids": [], "project_ids": []}
    names = {PROPOSAL_LINK: "proposal_ids", PROJECT_LINK: "project_ids"}
    for name, to_id in db.session.execute(
        select(ResourceLink.name, ResourceLink.to_id)
        .where(ResourceLink.from_id == result.id, ResourceLink.name.in_(names))
        .order_by(ResourceLink.to_id)
    ):
        found[names[name]].append(to_id)
    return found


def linked_items(linked: dict[str, list[int]]) -> tuple[list[Proposal], list[Project]]:
    """The proposals and projects behind those ids, to name them beside the numbers."""
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.id.in_(linked["proposal_ids"])).order_by(Proposal.id)
    ).all() if linked["proposal_ids"] else []
    projects = db.session.scalars(
        select(Project).where(Project.id.in_(linked["project_ids"])).order_by(Project.id)
    ).all() if linked["project_ids"] else []
    return proposals, projects


def process_budgets() -> list[Budget]:
    """The budgets of every budgets component of this process."""
    return db.session.scalars(
        select(Budget).join(Component, Component.id == Budget.component_id)
        .where(Component.process_id == g.process.id, Component.manifest_name == "budgets")
        .order_by(Component.weight, Component.id, Budget.weight, Budget.id)
    ).all()


def selected_counts(budgets: list[Budget]) -> dict[int, int]:
    ids = [budget.id for budget in budgets]
    return dict(db.session.execute(
        select(Project.budget_id, func.count(Project.id))
        .where(Project.budget_id.in_(ids), Project.selected_at.is_not(None))
        .group_by(Project.budget_id)
    ).all()) if ids else {}


def done(message: str, endpoint: str = ".index", **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


# --- results ---------------------------------------------------------------------------------

@bp.route("/")
def index():
    """The top-level results, a page at a time, each followed by its sub-results: three
    queries whatever their number."""
    conditions = (Result.component_id == g.component.id, Result.parent_id.is_(None))
    total = db.session.scalar(select(func.count(Result.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page_number(), pages)
    parents = db.session.scalars(
        select(Result).where(*conditions).order_by(Result.weight, Result.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    children: dict[int, list[Result]] = {parent.id: [] for parent in parents}
    if children:
        for child in db.session.scalars(
            select(Result).where(Result.parent_id.in_(children))
            .order_by(Result.weight, Result.id)
        ):
            children[child.parent_id].append(child)
    return render_template(f"{TEMPLATES}/index.html", parents=parents, children=children,
                           total=total, page=page, pages=pages)


def result_form(result: Result | None = None, linked: dict | None = None) -> ResultForm:
    form = ResultForm(g.process, services.component_statuses(g.component), Scope.ordered(),
                      top_level_results(), result=result, linked=linked)
    if result is None and request.method == "GET":
        # "Add a sub-result" links from a result's row name it as the parent.
        form.parent_id.data = form.parent_id.coerce(request.args.get("parent_id"))
    return form


@bp.route("/results/new", methods=["GET", "POST"])
def new():
    form = result_form()
    if form.validate_on_submit() and saved(form, services.create_result, g.component,
                                           **form.values()):
        return done(_("The result is saved."))
    return render_form(f"{TEMPLATES}/result_form.html", form, result=None)


@bp.route(f"/results/{RESULT}", methods=["GET", "POST"])
def edit(result_id: int):
    result = load_result(result_id)
    linked = linked_ids(result)
    form = result_form(result, linked)
    if form.validate_on_submit() and saved(form, services.update_result, result,
                                           **form.values()):
        return done(_("The result is saved."))
    proposals, projects = linked_items(linked)
    return render_form(f"{TEMPLATES}/result_form.html", form, result=result,
                       proposals=proposals, projects=projects)


@bp.route(f"/results/{RESULT}/progress", methods=["GET", "POST"])
def progress(result_id: int):
    result = load_result(result_id)
    form = ProgressForm(services.component_statuses(g.component), result=result,
                        today=today_here())
    if form.validate_on_submit() and saved(
            form, services.update_result_progress, result, status_id=form.status_id.data,
            progress=form.progress.data, entry=form.entry()):
        return done(_("The progress update is published."))
    return render_form(f"{TEMPLATES}/progress.html", form, result=result)


@bp.route(f"/results/{RESULT}/delete", methods=["GET", "POST"])
def delete(result_id: int):
    result = load_result(result_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_result, result):
        return done(_("The result is deleted."))
    title = translate(result.title)
    question = ngettext(
        "Delete the result “%(title)s” and its %(num)d sub-result? This cannot be undone.",
        "Delete the result “%(title)s” and its %(num)d sub-results? This cannot be undone.",
        result.children_count, title=title) if result.children_count else _(
        "Delete the result “%(title)s”? This cannot be undone.", title=title)
    return render_form(f"{TEMPLATES}/confirm.html", form, question=question,
                       button=_("Delete the result"), back=url_for(".index"), danger=True)


# --- the timeline ----------------------------------------------------------------------------

@bp.route(f"/results/{RESULT}/timeline", methods=["GET", "POST"])
def timeline(result_id: int):
    result = load_result(result_id)
    form = TimelineEntryForm(data={"date": today_here()} if request.method == "GET" else None)
    if form.validate_on_submit() and saved(form, services.add_timeline_entry, result,
                                           **form.values()):
        return done(_("The timeline entry is added."), ".timeline", result_id=result.id)
    return render_form(f"{TEMPLATES}/timeline.html", form, result=result)


@bp.route(f"/results/{RESULT}/timeline/{ENTRY}", methods=["GET", "POST"])
def edit_entry(result_id: int, entry_id: int):
    result = load_result(result_id)
    entry = load_entry(result, entry_id)
    form = TimelineEntryForm(obj=entry)
    if form.validate_on_submit() and saved(form, services.update_timeline_entry, entry,
                                           **form.values()):
        return done(_("The timeline entry is saved."), ".timeline", result_id=result.id)
    return render_form(f"{TEMPLATES}/entry_form.html", form, result=result, entry=entry)


@bp.route(f"/results/{RESULT}/timeline/{ENTRY}/delete", methods=["GET", "POST"])
def delete_entry(result_id: int, entry_id: int):
    result = load_result(result_id)
    entry = load_entry(result, entry_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_timeline_entry, entry):
        return done(_("The timeline entry is deleted."), ".timeline", result_id=result.id)
    return render_form(f"{TEMPLATES}/confirm.html", form,
                       question=_("Delete the timeline entry “%(title)s” of “%(result)s”?",
                                  title=translate(entry.title), result=translate(result.title)),
                       button=_("Delete the entry"),
                       back=url_for(".timeline", result_id=result.id), danger=True)


# --- statuses --------------------------------------------------------------------------------

def statuses_page(defaults_form: ActionForm):
    return render_form(f"{TEMPLATES}/statuses.html", defaults_form,
                       statuses=services.component_statuses(g.component))


@bp.route("/statuses/")
def statuses():
    return statuses_page(ActionForm())


@bp.route("/statuses/defaults", methods=["POST"])
def default_statuses():
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.create_default_statuses,
                                           g.component):
        return done(_("The usual statuses are created."), ".statuses")
    return statuses_page(form)


@bp.route("/statuses/new", methods=["GET", "POST"])
def new_status():
    form = StatusForm()
    if form.validate_on_submit() and saved(form, services.create_status, g.component,
                                           **form.values()):
        return done(_("The status is saved."), ".statuses")
    return render_form(f"{TEMPLATES}/status_form.html", form, status=None)


@bp.route(f"/statuses/{STATUS}", methods=["GET", "POST"])
def edit_status(status_id: int):
    status = load_status(status_id)
    form = StatusForm(obj=status)
    if form.validate_on_submit() and saved(form, services.update_status, status,
                                           **form.values()):
        return done(_("The status is saved."), ".statuses")
    return render_form(f"{TEMPLATES}/status_form.html", form, status=status)


@bp.route(f"/statuses/{STATUS}/delete", methods=["GET", "POST"])
def delete_status(status_id: int):
    status = load_status(status_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_status, status):
        return done(_("The status is deleted."), ".statuses")
    return render_form(f"{TEMPLATES}/confirm.html", form,
                       question=_("Delete the status “%(name)s”?", name=status.label),
                       explanation=_("Its results keep their progress and no longer have a "
                                     "status."),
                       button=_("Delete the status"), back=url_for(".statuses"), danger=True)


# --- results from a budget -------------------------------------------------------------------

@bp.route("/from-budget", methods=["GET", "POST"])
def from_budget():
    budgets = process_budgets()
    form = FromBudgetForm(budgets)
    if form.validate_on_submit():
        created = saved(form, services.results_from_budget, g.component, form.budget)
        if created:
            count = len(created.result)
            message = ngettext(
                "%(num)d result was created from the selected projects.",
                "%(num)d results were created from the selected projects.", count,
            ) if count else _("Every selected project of this budget has a result already: "
                              "nothing new.")
            return done(message)
    return render_form(f"{TEMPLATES}/from_budget.html", form, budgets=budgets,
                       selected=selected_counts(budgets))


# --- CSV -------------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"], endpoint="import")
def import_csv():
    # Only this form takes a file this large; the rest of the site keeps MAX_CONTENT_LENGTH.
    request.max_content_length = current_app.config.get("ACCOUNTABILITY_IMPORT_MAX_SIZE",
                                                        DEFAULT_IMPORT_MAX_SIZE)
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            counts = files.import_file(current_user._get_current_object(), g.component,
                                       form.file.data.read())
        except files.CsvError as error:
            db.session.rollback()
            form.form_errors.append(_("Nothing was imported: correct these lines and upload "
                                      "the file again."))
            problems = error.errors
        else:
            db.session.commit()
            return done(_("The file is imported. Created: %(created)d. Updated: %(updated)d. "
                          "Unchanged: %(unchanged)d.", created=counts.created,
                          updated=counts.updated, unchanged=counts.unchanged))
    return render_form(f"{TEMPLATES}/import.html", form, columns=files.columns(),
                       problems=problems[:MAX_PROBLEMS_SHOWN],
                       more_problems=max(len(problems) - MAX_PROBLEMS_SHOWN, 0))


@bp.route("/export.csv", endpoint="export")
def export_csv():
    return Response(files.results_csv(g.component), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="results-{g.component.id}.csv"',
        "Cache-Control": "no-store",
    })


# --- the action log --------------------------------------------------------------------------

LOG_SENTENCES = {
    ("create", "result"): _l("%(who)s created the result %(what)s"),
    ("update", "result"): _l("%(who)s edited the result %(what)s"),
    ("update_progress", "result"): _l("%(who)s published a progress update of the result "
                                      "%(what)s"),
    ("delete", "result"): _l("%(who)s deleted the result %(what)s"),
    ("create", "timelineentry"): _l("%(who)s added the timeline entry %(what)s"),
    ("update", "timelineentry"): _l("%(who)s edited the timeline entry %(what)s"),
    ("delete", "timelineentry"): _l("%(who)s deleted the timeline entry %(what)s"),
    ("create", "status"): _l("%(who)s created the status %(what)s"),
    ("update", "status"): _l("%(who)s edited the status %(what)s"),
    ("delete", "status"): _l("%(who)s deleted the status %(what)s"),
}
LOG_ACTIONS = {"update_progress": _l("Progress update published")}


@bp.record_once
def _init(state) -> None:
    register_log_sentences(state.app, LOG_SENTENCES, actions=LOG_ACTIONS,
                           resource_types={"result": _l("Result"), "status": _l("Status"),
                                           "timelineentry": _l("Timeline entry")})
