"""The back office of a proposals component: the list (filters, search, bulk actions), the
answer of a proposal, official proposals and the exports.

The process admins and admins do everything; a valuator of the process reaches the list, where
they see only the proposals assigned to them, and answers those (Decidim's rule). Every view
loads, authorizes, validates, calls one service, commits and redirects.
"""

import json

from flask import Response
from flask import abort
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
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.admin.views import register_log_sentences
from decide.components.proposals import answers
from decide.components.proposals.forms import ANSWER_STATE_LABELS
from decide.components.proposals.forms import AdminFilterForm
from decide.components.proposals.forms import AnswerForm
from decide.components.proposals.forms import BulkForm
from decide.components.proposals.forms import OfficialProposalForm
from decide.components.proposals.models import Proposal
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.permissions import safe_next
from decide.extensions import db
from decide.spaces.models import Scope
from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("proposals", __name__, allow=answers.can_enter_proposals_admin)

PAGE_SIZE = 30


# --- loading and the shape every view shares --------------------------------------------------

def proposal_or_404(proposal_id: int) -> Proposal:
    """A published proposal of this component; another component's (or a draft) is 404."""
    proposal = db.session.scalars(
        select(Proposal).where(Proposal.id == proposal_id,
                               Proposal.component_id == g.component.id,
                               Proposal.published_at.is_not(None))
        .options(selectinload(Proposal.valuator))
    ).first()
    if proposal is None:
        abort(404)
    return proposal


def require_manager() -> None:
    """Bulk actions, official proposals and exports: not for valuators."""
    if not answers.can_manage_proposals(current_user, g.component):
        abort(403)


def list_conditions(form: AdminFilterForm) -> list:
    """What the filters ask; a valuator sees the proposals assigned to them only."""
    conditions = [Proposal.component_id == g.component.id, Proposal.published_at.is_not(None)]
    if not answers.can_manage_proposals(current_user, g.component):
        conditions.append(Proposal.valuator_id == current_user.id)
    state = form.valid("state")
    if state == "not_answered":
        conditions += [Proposal.state.is_(None), Proposal.withdrawn_at.is_(None)]
    elif state == "unpublished":
        conditions += [Proposal.state.is_not(None), Proposal.answer_published_at.is_(None)]
    elif state == "withdrawn":
        conditions.append(Proposal.withdrawn_at.is_not(None))
    elif state:
        conditions.append(Proposal.state == state)
    if form.valid("category"):
        conditions.append(Proposal.category_id == int(form.valid("category")))
    valuator = form.valid("valuator")
    if valuator == "none":
        conditions.append(Proposal.valuator_id.is_(None))
    elif valuator:
        conditions.append(Proposal.valuator_id == int(valuator))
    words = (form.valid("q") or "").strip()
    if words:
        number = words.removeprefix("#")
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = [Proposal.title.ilike(pattern, escape="\\"),
                   Proposal.body.ilike(pattern, escape="\\")]
        if number.isascii() and number.isdigit() and len(number) < 10:
            matches.append(Proposal.id == int(number))
        conditions.append(or_(*matches))
    return conditions


# --- the list and its bulk actions ----------------------------------------------------------------

@bp.route("/")
def index():
    valuators = answers.valuators_of(g.process)
    form = AdminFilterForm(request.args, categories=g.process.categories, valuators=valuators)
    form.validate()
    conditions = list_conditions(form)
    total = db.session.scalar(select(func.count(Proposal.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page_number(), pages)
    proposals = db.session.scalars(
        select(Proposal).where(*conditions).options(selectinload(Proposal.valuator))
        .order_by(Proposal.published_at.desc(), Proposal.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    filters = {field.name: request.args[field.name] for field in form
               if field.name in request.args and field.type != "SubmitField"
               and request.args[field.name] and not field.errors}
    manager = answers.can_manage_proposals(current_user, g.component)
    bulk = BulkForm(valuators, formdata=None, next=request.full_path) if manager else None
    return render_template("components/proposals/admin/index.html", form=form, bulk=bulk,
                           proposals=proposals, total=total, page=page, pages=pages,
                           filters=filters, manager=manager, state_labels=ANSWER_STATE_LABELS)


@bp.route("/bulk", methods=["POST"])
def bulk():
    require_manager()
    valuators = answers.valuators_of(g.process)
    form = BulkForm(valuators)
    if form.validate_on_submit():
        done = saved(form, answers.apply_bulk_action, g.component, action=form.action.data,
                     proposal_ids=form.proposal_ids.data, valuator_id=form.valuator_id.data)
        if done:
            flash(bulk_message(form.action.data, done.result), "success")
            return redirect(safe_next(form.next.data, url_for(".index")))
    chosen = db.session.scalars(
        select(Proposal).where(Proposal.id.in_([i for i in form.proposal_ids.data or ()
                                                if 0 < i <= answers.MAX_ID]),
                               Proposal.component_id == g.component.id,
                               Proposal.published_at.is_not(None))
        .order_by(Proposal.id)
    ).all()
    return render_form("components/proposals/admin/bulk.html", form, chosen=chosen)


def bulk_message(action: str, count: int) -> str:
    if action == "publish_answers":
        return ngettext("%(num)d answer is published.", "%(num)d answers are published.", count)
    if action == "assign_valuator":
        return ngettext("The valuator is assigned to %(num)d proposal.",
                        "The valuator is assigned to %(num)d proposals.", count)
    return ngettext("%(num)d proposal has no valuator now.",
                    "%(num)d proposals have no valuator now.", count)


# --- answers ----------------------------------------------------------------------------------

@bp.route("/<int(max=2147483647):proposal_id>", methods=["GET", "POST"])
def answer(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    if not answers.can_answer(current_user, proposal):
        abort(403)
    form = AnswerForm(obj=proposal, with_costs=g.settings["answers_with_costs"])
    if form.validate_on_submit() and saved(form, answers.answer_proposal, proposal,
                                           **form.values()):
        if proposal.answer_published_at is not None:
            flash(_("The answer is saved and public."), "success")
        else:
            flash(_("The answer is saved. Residents will see it once it is published."),
                  "success")
        return redirect(url_for(".index"))
    return render_form("components/proposals/admin/answer.html", form, proposal=proposal,
                       manager=answers.can_manage_proposals(current_user, g.component),
                       state_labels=ANSWER_STATE_LABELS)


# --- official proposals -----------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    require_manager()
    scopes = Scope.ordered()
    form = OfficialProposalForm(g.process.categories, scopes)
    if form.validate_on_submit() and saved(form, answers.create_official_proposal,
                                           g.component, **form.values()):
        flash(_("The official proposal is published."), "success")
        return redirect(url_for(".index"))
    return render_form("components/proposals/admin/new.html", form,
                       enabled=g.settings["official_proposals_enabled"])


# --- exports ----------------------------------------------------------------------------------

def download(body: str, mimetype: str, extension: str) -> Response:
    filename = f"proposals-{g.component.id}.{extension}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.route("/export.csv")
def export_csv():
    require_manager()
    return download(answers.rows_as_csv(answers.export_rows(g.component)),
                    "text/csv", "csv")


@bp.route("/export.json")
def export_json():
    require_manager()
    rows = answers.export_rows(g.component)
    return download(json.dumps(rows, ensure_ascii=False, indent=2), "application/json", "json")


# --- the action log and templates -------------------------------------------------------------

LOG_SENTENCES = {
    ("hide", "proposal"): _l("%(who)s hid the proposal %(what)s"),
    ("unhide", "proposal"): _l("%(who)s showed the proposal %(what)s again"),
    ("dismiss_reports", "proposal"): _l("%(who)s dismissed the reports of the proposal %(what)s"),
    ("answer", "proposal"): _l("%(who)s answered the proposal %(what)s"),
    ("publish_answer", "proposal"): _l("%(who)s published the answer to the proposal %(what)s"),
    ("assign_valuator", "proposal"): _l("%(who)s assigned a valuator to the proposal %(what)s"),
    ("unassign_valuator", "proposal"): _l("%(who)s took the valuator away from the proposal "
                                          "%(what)s"),
    ("create", "proposal"): _l("%(who)s created the official proposal %(what)s"),
}
LOG_ACTIONS = {
    "answer": _l("Answered"),
    "publish_answer": _l("Answer published"),
    "assign_valuator": _l("Valuator assigned"),
    "unassign_valuator": _l("Valuator taken away"),
}


@bp.record_once
def _init(state) -> None:
    register_log_sentences(state.app, LOG_SENTENCES, actions=LOG_ACTIONS,
                           resource_types={"proposal": _l("Proposal")})
    state.app.jinja_env.globals["can_answer"] = answers.can_answer
    state.app.jinja_env.globals["can_manage_proposals"] = answers.can_manage_proposals
