"""Accountability, residents' side: the progress overview, the results with filters, a
result's page (progress, dates, timeline, where it came from, confirmations, comments)."""

from dataclasses import dataclass

from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm import with_polymorphic

from decide.comments.services import load_thread
from decide.components.accountability import confirmations
from decide.components.accountability import services
from decide.components.accountability.forms import ConfirmForm
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Confirmation
from decide.components.accountability.models import Result
from decide.components.budgets.results import votes_shown
from decide.core.database import paginate
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.extensions import db
from decide.notifications.services import is_following
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Scope
from decide.spaces.services import can_see_resource
from decide.spaces.services import component_settings
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_blueprint
from decide.verification.services import needs_verification
from decide.verification.views import verify_first

bp = component_blueprint("accountability", __name__)

PAGE_SIZE = 25  # results on a page of the list
NO_STATUS = "none"  # the status filter's value for results without a status


def progress_percent(value: int | None) -> str:
    """A progress as a percentage in the reader's locale: "50%", "50 %"."""
    return format_percent((value or 0) / 100)


@bp.record_once
def _register_globals(state) -> None:
    """What proposal and project pages call to say which result they became, without
    importing this kind (an app without it has no `result_for`: the line is left out).
    Read at call time, so this module loads whatever the services file holds."""
    state.app.jinja_env.globals.update(
        result_for=lambda resource: services.result_for(resource),
        progress_percent=progress_percent,
    )


# --- progress, aggregated in SQL ------------------------------------------------------------

def _top_level() -> tuple:
    """The results the overview and the list count: this component's, not hidden, without a
    parent (children are counted in their parent's progress)."""
    return (Result.component_id == g.component.id, Result.hidden_at.is_(None),
            Result.parent_id.is_(None))


@dataclass(frozen=True)
class Bar:
    """One labelled progress bar of the overview, with the list filter it links to."""

    name: dict  # the category's or scope's translated name
    progress: int
    count: int
    args: dict


def _bars(model, column, name: str) -> list[Bar]:
    """A bar per category (or scope) that has results, in one query."""
    rows = db.session.execute(
        select(model, *services.progress_columns()).join(Result, column == model.id)
        .where(*_top_level()).group_by(model.id).order_by(model.position, model.id)
    ).all()
    return [Bar(name=row[0].name, progress=services.average_progress(*row[1:]), count=row[1],
                args={name: row[0].id}) for row in rows]


@bp.route("/")
def index():
    statuses = services.component_statuses(g.component)
    overall = db.session.execute(select(*services.progress_columns()).where(*_top_level())).one()
    counts = dict(db.session.execute(
        select(Result.status_id, func.count(Result.id)).where(*_top_level())
        .group_by(Result.status_id)
    ).all())
    by_status = [(status, counts.get(status.id, 0)) for status in statuses]
    return render_template(
        "components/accountability/index.html", total=overall[0],
        overall=services.average_progress(*overall), by_status=by_status,
        without_status=counts.get(None, 0), no_status=NO_STATUS,
        by_category=_bars(Category, Result.category_id, "category"),
        by_scope=_bars(Scope, Result.scope_id, "scope"),
    )


# --- the results ----------------------------------------------------------------------------

def list_filters(statuses, scopes) -> dict:
    """The filters read from the address; an unknown value is ignored, nothing fails."""
    args = request.args
    status = args.get("status", "")
    known_statuses = {str(each.id) for each in statuses} | {NO_STATUS}
    category = args.get("category", type=int)
    scope = args.get("scope", type=int)
    return {
        "status": status if status in known_statuses else None,
        "category": category if category in {each.id for each in g.process.categories}
        else None,
        "scope": scope if scope in {each.id for each in scopes} else None,
    }


def list_results(*, status: str | None, category: int | None, scope: int | None,
                 page: int) -> tuple[int, list[Result], int, int]:
    """(total, the page's results, the page shown, the number of pages), in two queries
    whatever the number of results (three more for a page past the end)."""
    conditions = list(_top_level())
    if status == NO_STATUS:
        conditions.append(Result.status_id.is_(None))
    elif status is not None:
        conditions.append(Result.status_id == int(status))
    if category is not None:  # a category finds its subcategories' results too
        ids = {category} | {each.id for each in g.process.categories
                            if each.parent_id == category}
        conditions.append(Result.category_id.in_(ids))
    if scope is not None:
        conditions.append(Result.scope_id == scope)
    ordering = (Result.weight, Result.id)
    return paginate(Result, conditions, ordering, page=page, per_page=PAGE_SIZE)


@bp.route("/results/")
def results():
    statuses = services.component_statuses(g.component)
    scopes = Scope.ordered()
    filters = list_filters(statuses, scopes)
    total, found, page, pages = list_results(page=page_number(), **filters)
    args = {name: value for name, value in filters.items() if value is not None}
    return render_template(
        "components/accountability/results.html", results=found, total=total, page=page,
        pages=pages, filters=filters, args=args, statuses=statuses, scopes=scopes,
        no_status=NO_STATUS,
    )


# --- a result -------------------------------------------------------------------------------

def load_result(result_id: int) -> Result:
    """A result of this component the visitor may see, or 404."""
    if result_id > MAX_ID:
        abort(404)
    result = db.session.scalars(
        select(Result).where(Result.id == result_id, Result.component_id == g.component.id)
    ).first()
    if result is None or not can_see_resource(current_user, result):
        abort(404)
    return result


def linked_resources(result: Result) -> list[Resource]:
    """The proposals and projects the result carries out that the visitor may see, in one
    query (their components and processes come with them)."""
    linked = with_polymorphic(Resource, "*")
    found = db.session.scalars(
        select(linked).join(ResourceLink, ResourceLink.to_id == linked.id)
        .where(ResourceLink.from_id == result.id,
               ResourceLink.name.in_((PROPOSAL_LINK, PROJECT_LINK)))
        .options(selectinload(linked.component).selectinload(Component.process))
        .order_by(linked.id)
    ).all()
    return [each for each in found if can_see_resource(current_user, each)]


def my_confirmation(result: Result) -> Confirmation | None:
    if not current_user.is_authenticated:
        return None
    return db.session.scalars(select(Confirmation).where(
        Confirmation.result_id == result.id, Confirmation.user_id == current_user.id)).first()


def must_verify_to_confirm(result: Result, following: bool, answered: bool) -> bool:
    """The resident would be asked, once verified against the census."""
    return (current_user.is_authenticated and result.is_completed and following
            and not answered and needs_verification(current_user, g.component, "confirm"))


def result_context(result: Result) -> dict:
    linked = linked_resources(result)
    projects = [each for each in linked if each.kind == "project"]
    following = is_following(current_user, resource=result)
    answer = my_confirmation(result)
    proposals = [each for each in linked if each.kind == "proposal"]
    return {
        "result": result,
        "children": [each for each in result.children if can_see_resource(current_user, each)],
        "proposals": proposals,
        "supports_shown": {proposal.id: not component_settings(proposal.component)
                           .get("supports_hidden") for proposal in proposals},
        "projects": projects,
        "votes_shown": {project.id: votes_shown(project.budget) for project in projects},
        "summary": confirmations.confirmation_summary(result),
        "my_answer": answer,
        "confirmable": confirmations.can_confirm(current_user, result),
        "must_verify": must_verify_to_confirm(result, following, answer is not None),
        "offer": confirmations.follow_offer(current_user, result),
        "following": following,
        "thread": load_thread(result, current_user, request.args.get("order", "best")),
    }


@bp.route("/results/<int:result_id>")
def result(result_id: int):
    found = load_result(result_id)
    return render_template("components/accountability/result.html", form=ConfirmForm(),
                           **result_context(found))


@bp.route("/results/<int:result_id>/confirm", methods=["POST"])
@login_required
def confirm(result_id: int):
    found = load_result(result_id)
    if not confirmations.can_confirm(current_user, found):
        following = is_following(current_user, resource=found)
        if must_verify_to_confirm(found, following, my_confirmation(found) is not None):
            return verify_first(url_for(".result", result_id=found.id, _anchor="confirmation"))
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit() and saved(form, confirmations.confirm_result, found,
                                           answer=form.answer.data,
                                           comment=form.comment.data or ""):
        flash(_("Thank you: your answer is counted and shown on this page."), "success")
        return redirect(url_for(".result", result_id=found.id, _anchor="confirmation"), 303)
    return render_form("components/accountability/result.html", form,
                       **result_context(found))
