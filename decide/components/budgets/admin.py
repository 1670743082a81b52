"""The back office of a budgets component: budgets, projects, importing accepted proposals,
paper ballots, confirming the winners.

The process admins and admins do everything here (the blueprint checks). Every view loads,
authorizes, validates, calls one service, commits and redirects.
"""

import csv
import io

from flask import Response
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import SelectChoice

from decide.admin.views import register_log_sentences
from decide.components.budgets import projects as staff
from decide.components.budgets import results
from decide.components.budgets import services as ballots
from decide.components.budgets.forms import BudgetForm
from decide.components.budgets.forms import ImportProposalsForm
from decide.components.budgets.forms import PaperBallotForm
from decide.components.budgets.forms import ProjectForm
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Project
from decide.components.budgets.views import load_budget
from decide.components.budgets.views import load_project
from decide.core.forms import ActionForm
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.i18n import format_money
from decide.core.i18n import translate
from decide.core.spreadsheets import spreadsheet_safe
from decide.spaces.models import Scope
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("budgets", __name__)

BUDGET = f"<int(max={MAX_ID}):budget_id>"
PROJECT = f"<int(max={MAX_ID}):project_id>"


# --- loading ------------------------------------------------------------------------------------

def done(message: str, endpoint: str = ".index", **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


# --- budgets ------------------------------------------------------------------------------------

@bp.route("/")
def index():
    return render_template("components/budgets/admin/index.html",
                           rows=staff.budget_rows(g.component))


@bp.route("/new", methods=["GET", "POST"])
def new_budget():
    form = BudgetForm(Scope.ordered())
    if form.validate_on_submit() and saved(form, staff.create_budget, g.component,
                                           **form.values()):
        return done(_("The budget is saved."))
    return render_form("components/budgets/admin/budget_form.html", form, budget=None)


@bp.route(f"/{BUDGET}/edit", methods=["GET", "POST"])
def edit_budget(budget_id: int):
    budget = load_budget(budget_id)
    form = BudgetForm(Scope.ordered(), budget=budget)
    if form.validate_on_submit() and saved(form, staff.update_budget, budget, **form.values()):
        return done(_("The budget is saved."))
    return render_form("components/budgets/admin/budget_form.html", form, budget=budget)


@bp.route(f"/{BUDGET}/delete", methods=["GET", "POST"])
def delete_budget(budget_id: int):
    budget = load_budget(budget_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, staff.delete_budget, budget):
        return done(_("The budget is deleted."))
    title = translate(budget.title)
    refusal = staff.budget_deletion_refusal(budget)
    return render_form("components/budgets/admin/delete.html", form, refusal=refusal,
                       deletable=refusal is None,
                       question=_("Delete the budget “%(title)s” and its projects? This cannot "
                                  "be undone.", title=title),
                       button=_("Delete the budget"), back=url_for(".index"))


# --- projects -----------------------------------------------------------------------------------

@bp.route(f"/{BUDGET}/projects/")
def projects(budget_id: int):
    budget = load_budget(budget_id)
    rows = staff.budget_projects(budget)
    return render_template("components/budgets/admin/projects.html", budget=budget,
                           projects=rows, linked=staff.linked_proposal_ids(rows),
                           voted=staff.projects_in_ballots(rows),
                           votes_shown=results.votes_shown(budget))


def project_form(budget: Budget, project: Project | None = None) -> ProjectForm:
    linked = staff.linked_proposal_ids([project])[project.id] if project is not None else ()
    return ProjectForm(g.process, Scope.ordered(), staff.linkable_proposals(g.component),
                       project=project, linked=linked)


@bp.route(f"/{BUDGET}/projects/new", methods=["GET", "POST"])
def new_project(budget_id: int):
    budget = load_budget(budget_id)
    form = project_form(budget)
    if form.validate_on_submit() and saved(form, staff.create_project, budget, **form.values()):
        return done(_("The project is saved."), ".projects", budget_id=budget.id)
    return render_form("components/budgets/admin/project_form.html", form, budget=budget,
                       project=None)


@bp.route(f"/{BUDGET}/projects/{PROJECT}", methods=["GET", "POST"])
def edit_project(budget_id: int, project_id: int):
    budget = load_budget(budget_id)
    project = load_project(budget, project_id)
    form = project_form(budget, project)
    if form.validate_on_submit() and saved(form, staff.update_project, project,
                                           **form.values()):
        return done(_("The project is saved."), ".projects", budget_id=budget.id)
    return render_form("components/budgets/admin/project_form.html", form, budget=budget,
                       project=project)


@bp.route(f"/{BUDGET}/projects/{PROJECT}/delete", methods=["GET", "POST"])
def delete_project(budget_id: int, project_id: int):
    budget = load_budget(budget_id)
    project = load_project(budget, project_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, staff.delete_project, project):
        return done(_("The project is deleted."), ".projects", budget_id=budget.id)
    refusal = staff.project_deletion_refusal(project)
    return render_form("components/budgets/admin/delete.html", form, refusal=refusal,
                       deletable=refusal is None,
                       question=_("Delete the project “%(title)s”? This cannot be undone.",
                                  title=translate(project.title)),
                       button=_("Delete the project"),
                       back=url_for(".projects", budget_id=budget.id))


# --- importing accepted proposals ---------------------------------------------------------------

@bp.route(f"/{BUDGET}/import", methods=["GET", "POST"])
def import_proposals(budget_id: int):
    budget = load_budget(budget_id)
    proposals = staff.importable_proposals(budget)
    ready = [proposal.id for proposal in proposals if proposal.cost is not None]
    form = ImportProposalsForm(data={"proposal_ids": ready})
    form.proposal_ids.choices = [SelectChoice(proposal.id, proposal.title)
                                 for proposal in proposals]
    if form.validate_on_submit():
        done_ = saved(form, staff.import_proposals, budget, form.proposal_ids.data)
        if done_:
            count = len(done_.result)
            message = ngettext("%(num)d proposal is now a project of this budget.",
                               "%(num)d proposals are now projects of this budget.", count) \
                if count else _("These proposals were imported already: nothing new.")
            return done(message, ".projects", budget_id=budget.id)
    return render_form("components/budgets/admin/import.html", form, budget=budget,
                       proposals=proposals, closed=budget.is_closed)


# --- results and winners ------------------------------------------------------------------------

def can_confirm(budget: Budget) -> bool:
    return results.voting_ended(budget) and budget.winners_confirmed_at is None


@bp.route(f"/{BUDGET}/results")
def results_page(budget_id: int):
    budget = load_budget(budget_id)
    rows = results.project_results(budget)
    outcome = results.compute_winners(budget)
    return render_template("components/budgets/admin/results.html", budget=budget, rows=rows,
                           outcome=outcome, winners=set(outcome.winners),
                           rule=results.describe_rule(budget),
                           ended=results.voting_ended(budget), can_confirm=can_confirm(budget))


@bp.route(f"/{BUDGET}/confirm", methods=["GET", "POST"])
def confirm_winners(budget_id: int):
    budget = load_budget(budget_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, results.confirm_winners, budget):
        return done(_("The winners are confirmed: their projects are marked as selected."),
                    ".results_page", budget_id=budget.id)
    outcome = results.compute_winners(budget) if can_confirm(budget) else None
    chosen = ()
    if outcome is not None:
        by_reference = {project.reference: project for project in staff.budget_projects(budget)}
        chosen = [by_reference[reference] for reference in outcome.winners
                  if reference in by_reference]
    return render_form("components/budgets/admin/confirm.html", form, budget=budget,
                       outcome=outcome, chosen=chosen, rule=results.describe_rule(budget),
                       ended=results.voting_ended(budget))


# --- paper ballots -------------------------------------------------------------------------------

@bp.route(f"/{BUDGET}/paper-ballots", methods=["GET", "POST"])
def paper_ballot(budget_id: int):
    """A paper ballot typed in at a help desk; the receipt code is shown once, to hand over."""
    budget = load_budget(budget_id)
    choices = [project for project in staff.budget_projects(budget) if not project.is_hidden]
    form = PaperBallotForm()
    form.project_ids.choices = [
        SelectChoice(project.id, f"{translate(project.title)} · {format_money(project.amount)}")
        for project in choices]
    if form.validate_on_submit():
        entered = saved(form, ballots.enter_paper_ballot, budget, document=form.document.data,
                        birth_date=form.birth_date.data, project_ids=form.project_ids.data)
        if entered:  # signed-in pages are not stored by the browser (private, no-store)
            return render_template("components/budgets/admin/paper_ballot_done.html",
                                   budget=budget, code=entered.result)
    return render_form("components/budgets/admin/paper_ballot.html", form, budget=budget,
                       projects=choices, open=results.voting_open(budget),
                       rule=ballots.rule_summary(budget),
                       counted=ballots.paper_ballots_count(budget))


@bp.record_once
def _init_paper_ballots(state) -> None:
    register_log_sentences(state.app, {
        ("enter_paper_ballot", "budget"): _l("%(who)s entered a paper ballot in the budget "
                                             "%(what)s"),
    }, actions={"enter_paper_ballot": _l("Paper ballot entered")})


# --- the export ---------------------------------------------------------------------------------

EXPORT_COLUMNS = ("id", "reference", "budget_id", "budget", "title", "description", "amount",
                  "category", "scope", "address", "votes", "selected", "proposals", "comments",
                  "hidden")

@bp.route("/export.csv")
def export_csv():
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in staff.export_rows(g.component):
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="projects-{g.component.id}.csv"',
        "Cache-Control": "no-store",
    })


# --- the action log and templates ---------------------------------------------------------------

LOG_SENTENCES = {
    ("create", "budget"): _l("%(who)s created the budget %(what)s"),
    ("update", "budget"): _l("%(who)s edited the budget %(what)s"),
    ("delete", "budget"): _l("%(who)s deleted the budget %(what)s"),
    ("import_proposals", "budget"): _l("%(who)s imported accepted proposals into the budget "
                                       "%(what)s"),
    ("confirm_winners", "budget"): _l("%(who)s confirmed the winners of the budget %(what)s"),
    ("create", "project"): _l("%(who)s created the project %(what)s"),
    ("update", "project"): _l("%(who)s edited the project %(what)s"),
    ("delete", "project"): _l("%(who)s deleted the project %(what)s"),
    ("hide", "project"): _l("%(who)s hid the project %(what)s"),
    ("unhide", "project"): _l("%(who)s showed the project %(what)s again"),
    ("dismiss_reports", "project"): _l("%(who)s dismissed the reports of the project %(what)s"),
}
LOG_ACTIONS = {
    "import_proposals": _l("Proposals imported"),
    "confirm_winners": _l("Winners confirmed"),
}


@bp.record_once
def _init(state) -> None:
    register_log_sentences(state.app, LOG_SENTENCES, actions=LOG_ACTIONS,
                           resource_types={"budget": _l("Budget"), "project": _l("Project")})
    state.app.jinja_env.globals.update(
        can_manage_budgets=staff.can_manage_budgets,
        can_delete_budget=staff.can_delete_budget,
        can_delete_project=staff.can_delete_project,
    )
