"""Budgets, residents' side: the budgets, their projects, the ballot and its checkout, the
results with the published ballots and receipts, the exports."""

import re
import secrets

from flask import Response
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from sqlalchemy import BigInteger
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm import with_polymorphic

from decide.comments.services import load_thread
from decide.components.budgets import results
from decide.components.budgets import services
from decide.components.budgets.forms import ButtonForm
from decide.components.budgets.forms import ReceiptForm
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.database import paginate
from decide.core.forms import ActionForm
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.permissions import safe_next
from decide.extensions import db
from decide.notifications.services import is_following
from decide.spaces.models import Scope
from decide.spaces.services import can_see_resource
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_blueprint

bp = component_blueprint("budgets", __name__)

PAGE_SIZE = 50  # projects on a page of the list
LIST_SIZE = 100  # ballots or receipts on a page of the published lists
SEED = "budgets_seed"  # the session's random order of projects, stable while it lasts
RECEIPT = "budgets_receipt"  # the receipt code, kept for the one page that shows it
SHUFFLE_MODULUS = 2_147_483_647
ORDERS = ("random", "amount_asc", "amount_desc", "most_voted")
MAX_RECEIPT = 64  # characters of a receipt code read from the look-up form


@bp.record_once
def _register_globals(state) -> None:
    """The permission predicates, for templates: a hidden button and a 403 always agree.
    Read at call time, so this module loads whatever the services file holds."""
    state.app.jinja_env.globals.update(
        can_vote_in_budget=lambda user, budget: services.can_vote(user, budget),
        can_cancel_ballot=lambda user, budget: services.can_cancel(user, budget),
    )


# --- loading --------------------------------------------------------------------------------

def load_budget(budget_id: int) -> Budget:
    """A budget of this component, or 404."""
    if budget_id > MAX_ID:
        abort(404)
    budget = db.session.scalars(
        select(Budget).where(Budget.id == budget_id, Budget.component_id == g.component.id)
    ).first()
    if budget is None:
        abort(404)
    return budget


def load_project(budget: Budget, project_id: int) -> Project:
    """A project of this budget the visitor may see, or 404."""
    if project_id > MAX_ID:
        abort(404)
    project = db.session.scalars(
        select(Project).where(Project.id == project_id, Project.budget_id == budget.id)
    ).first()
    if project is None or not can_see_resource(current_user, project):
        abort(404)
    return project


def ballot_context(budget: Budget) -> dict:
    """What the ballot summary (and each project's button) shows: the resident's ballot, where
    it stands against the voting rule, and whether and why not they may vote here."""
    order = services.order_of(current_user, budget)
    refusal = services.vote_refusal(current_user, budget)
    return {
        "budget": budget,
        "order": order,
        "chosen": {line.project_id for line in order.lines} if order else set(),
        "progress": services.ballot_progress(budget, order),
        "rule_summary": services.rule_summary(budget),
        "refusal": refusal,
        "refusal_text": services.refusal_message(refusal) if refusal else "",
        "cancellable": services.can_cancel(current_user, budget, order),
        "voting_open": results.voting_open(budget),
        "votes_shown": results.votes_shown(budget),
        "results_public": results.results_public(budget),
    }


def back_to(budget: Budget) -> str:
    """Where a button sends the resident back: the page it was pressed on (this site only)."""
    return safe_next(request.form.get("next") or request.args.get("next"),
                     url_for(".projects", budget_id=budget.id))


# --- the budgets ----------------------------------------------------------------------------

@bp.route("/")
def index():
    budgets = db.session.scalars(
        select(Budget).where(Budget.component_id == g.component.id)
        .order_by(Budget.weight, Budget.id)
    ).all()
    if len(budgets) == 1:
        return redirect(url_for(".projects", budget_id=budgets[0].id))
    orders = {}
    if current_user.is_authenticated and budgets:
        orders = {order.budget_id: order for order in db.session.scalars(
            select(Order).where(Order.user_id == current_user.id,
                                Order.budget_id.in_([budget.id for budget in budgets]))
            .options(selectinload(Order.lines))
        )}
    counts = dict(db.session.execute(
        select(Project.budget_id, func.count()).where(
            Project.budget_id.in_([budget.id for budget in budgets]),
            Project.hidden_at.is_(None)).group_by(Project.budget_id)
    ).all()) if budgets else {}
    return render_template("components/budgets/index.html", budgets=budgets, orders=orders,
                           counts=counts,
                           public={b.id: results.results_public(b) for b in budgets})


# --- the projects ---------------------------------------------------------------------------

def list_filters(budget: Budget, shown: bool) -> dict:
    """The filters and order read from the address; whatever it says, nothing fails."""
    args = request.args
    categories = {category.id for category in g.process.categories}
    category_id = args.get("category", type=int)
    scope_id = args.get("scope", type=int)
    order = args.get("order", "")
    if order not in ORDERS or (order == "most_voted" and not shown):
        order = "random"
    return {
        "category": category_id if category_id in categories else None,
        "scope": scope_id if scope_id is not None and 0 < scope_id <= MAX_ID else None,
        "mine": args.get("mine") == "1" and current_user.is_authenticated,
        "order": order,
    }


def _ordering(order: str, seed: int) -> tuple:
    if order == "amount_asc":
        return (Project.amount, Project.id)
    if order == "amount_desc":
        return (Project.amount.desc(), Project.id)
    if order == "most_voted":
        return (Project.votes_count.desc(), Project.amount, Project.id)
    # Random, stable for the session: the same shuffle as the proposals list.
    seed %= SHUFFLE_MODULUS
    factor = (seed * 2_654_435_761 + 1_013_904_223) % SHUFFLE_MODULUS | 1
    mixed = (cast(Project.id, BigInteger) * factor + seed) % SHUFFLE_MODULUS
    return ((mixed * mixed + seed) % SHUFFLE_MODULUS, Project.id)


def list_projects(budget: Budget, *, category: int | None, scope: int | None, mine: bool,
                  order: str, seed: int, page: int) -> tuple[int, list[Project], int, int]:
    """(total, the page's projects, the page shown, the number of pages), in two queries
    whatever the number of projects (three more for a page past the end)."""
    conditions = [Project.budget_id == budget.id, Project.hidden_at.is_(None)]
    if category is not None:  # a category finds its subcategories' projects too
        ids = {category} | {each.id for each in g.process.categories
                            if each.parent_id == category}
        conditions.append(Project.category_id.in_(ids))
    if scope is not None:
        conditions.append(Project.scope_id == scope)
    if mine:
        conditions.append(Project.id.in_(
            select(OrderLine.project_id).join(Order)
            .where(Order.budget_id == budget.id, Order.user_id == current_user.id)))
    ordering = _ordering(order, seed)
    return paginate(Project, conditions, ordering, page=page, per_page=PAGE_SIZE)


@bp.route("/<int:budget_id>/projects/")
def projects(budget_id: int):
    budget = load_budget(budget_id)
    ballot = ballot_context(budget)
    filters = list_filters(budget, ballot["votes_shown"])
    seed = session.setdefault(SEED, secrets.randbelow(2**31))
    total, found, page, pages = list_projects(budget, seed=seed, page=page_number(), **filters)
    scopes = Scope.ordered()
    args = {name: ("1" if value is True else value) for name, value in filters.items()
            if value not in (None, "", False) and not (name == "order" and value == "random")}
    return render_template("components/budgets/projects.html", projects=found, total=total,
                           page=page, pages=pages, filters=filters, args=args, scopes=scopes,
                           **ballot)


def included_proposals(project: Project) -> list[Resource]:
    """The proposals the project came from that the visitor may see, in one query (their
    components come with them)."""
    linked = with_polymorphic(Resource, "*")
    found = db.session.scalars(
        select(linked).join(ResourceLink, ResourceLink.to_id == linked.id)
        .where(ResourceLink.from_id == project.id, ResourceLink.name == "included_proposals")
        .options(selectinload(linked.component))
        .order_by(linked.id)
    ).all()
    return [each for each in found if can_see_resource(current_user, each)]


@bp.route("/<int:budget_id>/projects/<int:project_id>")
def project(budget_id: int, project_id: int):
    budget = load_budget(budget_id)
    found = load_project(budget, project_id)
    return render_template(
        "components/budgets/project.html", project=found, proposals=included_proposals(found),
        thread=load_thread(found, current_user, request.args.get("order", "best")),
        following=is_following(current_user, resource=found), **ballot_context(budget),
    )


# --- the ballot -----------------------------------------------------------------------------

def _button(budget_id: int, project_id: int, service, done: str, question: str,
            button: str):
    """Add or remove a project: redirect (303) back to the page of the button; a refused
    press (an expired form, a broken rule) shows the button's page with why."""
    budget = load_budget(budget_id)
    found = load_project(budget, project_id)
    if services.vote_refusal(current_user, budget) == "verify":
        return redirect(url_for("verification.verify", next=back_to(budget)), 303)
    form = ButtonForm()
    if form.validate_on_submit() and saved(form, service, found):
        flash(done, "success")
        return redirect(back_to(budget), 303)
    form.next.data = back_to(budget)
    return render_form("components/budgets/confirm.html", form, question=question,
                       button=button, back=form.next.data, subject=found.title,
                       **ballot_context(budget))


@bp.route("/<int:budget_id>/projects/<int:project_id>/add", methods=["POST"])
@login_required
def add(budget_id: int, project_id: int):
    return _button(budget_id, project_id, services.add_project,
                   _("The project is in your ballot."), _("Add this project to your ballot?"),
                   _("Add to my ballot"))


@bp.route("/<int:budget_id>/projects/<int:project_id>/remove", methods=["POST"])
@login_required
def remove(budget_id: int, project_id: int):
    return _button(budget_id, project_id, services.remove_project,
                   _("The project is out of your ballot."),
                   _("Remove this project from your ballot?"), _("Remove from my ballot"))


@bp.route("/<int:budget_id>/checkout", methods=["GET", "POST"])
@login_required
def checkout(budget_id: int):
    budget = load_budget(budget_id)
    form = ActionForm()
    if form.validate_on_submit():
        done = saved(form, services.checkout_order, budget)
        if done:
            session[RECEIPT] = {"budget": budget.id, "code": done.result}
            return redirect(url_for(".voted", budget_id=budget.id), 303)
    return render_form("components/budgets/checkout.html", form, **ballot_context(budget))


@bp.route("/<int:budget_id>/voted")
@login_required
def voted(budget_id: int):
    """The receipt code, shown once: a reload shows the ballot without it."""
    budget = load_budget(budget_id)
    kept = session.get(RECEIPT)
    code = None
    if kept and kept.get("budget") == budget.id:
        code = session.pop(RECEIPT)["code"]
    ballot = ballot_context(budget)
    if ballot["order"] is None or not ballot["order"].is_checked_out:
        return redirect(url_for(".projects", budget_id=budget.id))
    return render_template("components/budgets/voted.html", code=code, **ballot)


@bp.route("/<int:budget_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(budget_id: int):
    budget = load_budget(budget_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.cancel_order, budget):
        flash(_("Your vote is cancelled. Your ballot is kept: change it and vote again "
                "before voting closes."), "success")
        return redirect(url_for(".projects", budget_id=budget.id), 303)
    ballot = ballot_context(budget)
    if request.method == "GET" and not ballot["cancellable"]:
        abort(403)
    return render_form("components/budgets/cancel.html", form, **ballot)


# --- after the vote -------------------------------------------------------------------------

@bp.route("/<int:budget_id>/results", endpoint="results")
def budget_results(budget_id: int):
    budget = load_budget(budget_id)
    public = results.results_public(budget)
    rows = results.project_results(budget) if public else []
    return render_template(
        "components/budgets/results.html", budget=budget, public=public, rows=rows,
        funded=sum(row.project.amount for row in rows if row.selected),
        rule=results.describe_rule(budget),
        confirmed=budget.winners_confirmed_at is not None,
        ballot_count=db.session.scalar(
            select(func.count()).select_from(Order)
            .where(Order.budget_id == budget.id, Order.checked_out_at.is_not(None))
        ) if public else 0,
    )


def _paged(items: list, name: str) -> tuple[list, int, int]:
    pages = max(1, -(-len(items) // LIST_SIZE))
    page = min(page_number(request.args.get(name)), pages)
    return items[(page - 1) * LIST_SIZE:page * LIST_SIZE], page, pages


HASH = re.compile(r"^[0-9a-f]{64}$")


@bp.route("/<int:budget_id>/ballots")
def ballots(budget_id: int):
    """The published ballots and receipts, and the receipt look-up: a code typed in is
    answered with a redirect to its hash (`?receipt=`), so the code itself stays in no
    address, history or page; the hash is then looked for in the published list."""
    budget = load_budget(budget_id)
    public = results.results_public(budget)
    form = ReceiptForm(request.args, meta={"csrf": False})
    if public and "code" in request.args and form.validate():
        checked = results.receipt_hash(form.code.data)
        return redirect(url_for(".ballots", budget_id=budget.id, receipt=checked,
                                _anchor="check-title"), 303)
    form.code.data = ""  # the code typed is never written back into the page
    checked = request.args.get("receipt", "")
    context = {"budget": budget, "public": public, "form": form, "page_size": LIST_SIZE,
               "checked_hash": checked if HASH.match(checked) else None, "found": None}
    if public:
        every = results.anonymous_ballots(budget)
        hashes = results.receipt_hashes(budget)
        if context["checked_hash"]:
            context["found"] = context["checked_hash"] in set(hashes)
        rows, ballot_page, ballot_pages = _paged(every, "ballots_page")
        shown, hash_page, hash_pages = _paged(hashes, "receipts_page")
        references = {p.reference: p for p in db.session.scalars(
            select(Project).where(Project.budget_id == budget.id))}
        context.update(rows=rows, ballot_page=ballot_page, ballot_pages=ballot_pages,
                       ballot_total=len(every), hashes=shown, hash_page=hash_page,
                       hash_pages=hash_pages, references=references)
    status = 400 if public and "code" in request.args else 200
    return render_template("components/budgets/ballots.html", **context), status


def _download(budget_id: int, export, mimetype: str, filename: str) -> Response:
    budget = load_budget(budget_id)
    if not results.results_public(budget):
        abort(404)
    name = f"{g.process.slug}-budget-{budget.id}-{filename}"
    return Response(export(budget), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<int:budget_id>/results.csv")
def results_csv(budget_id: int):
    return _download(budget_id, lambda b: results.results_csv(b), "text/csv", "results.csv")


@bp.route("/<int:budget_id>/ballots.csv")
def ballots_csv(budget_id: int):
    return _download(budget_id, lambda b: results.ballots_csv(b), "text/csv", "ballots.csv")


@bp.route("/<int:budget_id>/budget.pb")
def budget_pb(budget_id: int):
    return _download(budget_id, lambda b: results.export_pb(b), "text/plain", "budget.pb")


@bp.route("/how-winners-are-chosen")
def how_winners_are_chosen():
    budgets = db.session.scalars(
        select(Budget).where(Budget.component_id == g.component.id)
        .order_by(Budget.weight, Budget.id)
    ).all()
    return render_template("components/budgets/how.html", budgets=budgets,
                           rules={budget.id: results.describe_rule(budget) for budget in budgets})
