"""Proposals, residents' side: the list, a proposal's page, writing in two steps (write,
preview with the similar proposals, publish), editing, withdrawing, supports, endorsements."""

import secrets

from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm import with_polymorphic

from decide.comments.services import load_thread
from decide.components.proposals import services
from decide.components.proposals.forms import ProposalForm
from decide.components.proposals.models import Proposal
from decide.components.proposals.services import can_create
from decide.components.proposals.services import can_edit
from decide.components.proposals.services import can_endorse
from decide.components.proposals.services import can_support
from decide.components.proposals.services import can_withdraw
from decide.components.proposals.services import must_verify_to_create
from decide.components.proposals.services import must_verify_to_support
from decide.core.forms import ActionForm
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.extensions import db
from decide.notifications.services import is_following
from decide.spaces.models import Component
from decide.spaces.models import Scope
from decide.spaces.services import can_see_resource
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_blueprint
from decide.verification.views import verify_first

bp = component_blueprint("proposals", __name__)

PAGE_SIZE = 20
MAX_QUERY = 100  # characters of a search kept
SEED = "proposals_seed"  # the session's random order, stable while it lasts
# The link from a budget project (or any later kind) to the proposals it carries out.
INCLUDED_PROPOSALS = "included_proposals"


@bp.record_once
def _register_globals(state) -> None:
    """The permission predicates, for templates: a hidden button and a 403 always agree."""
    state.app.jinja_env.globals.update(
        can_create_proposal=can_create,
        can_edit_proposal=can_edit,
        can_withdraw_proposal=can_withdraw,
        can_support_proposal=can_support,
        can_endorse_proposal=can_endorse,
        must_verify_to_create_proposal=must_verify_to_create,
        must_verify_to_support_proposal=must_verify_to_support,
    )


def load_proposal(proposal_id: int) -> Proposal:
    """A proposal of this component the visitor may see (a draft: its author only), or 404."""
    if proposal_id > MAX_ID:
        abort(404)
    proposal = db.session.scalars(
        select(Proposal).where(Proposal.id == proposal_id,
                               Proposal.component_id == g.component.id)
    ).first()
    if proposal is None or not can_see_resource(current_user, proposal):
        abort(404)
    return proposal


def load_draft(proposal_id: int) -> Proposal:
    proposal = load_proposal(proposal_id)
    if proposal.is_published or proposal.author_id != current_user.id:
        abort(404)
    return proposal


def confirm(form, proposal: Proposal, question: str, button: str, *, danger: bool = False,
            explanation: str = ""):
    """The page of a button: shown before withdrawing or discarding, and again when a press
    was refused (an expired form, a broken rule)."""
    back = url_for(".preview" if not proposal.is_published else ".show",
                   proposal_id=proposal.id)
    return render_form("components/proposals/confirm.html", form, proposal=proposal,
                       question=question, button=button, danger=danger, back=back,
                       explanation=explanation)


def proposal_form(**kwargs) -> ProposalForm:
    scopes = Scope.ordered()
    return ProposalForm(body_length=g.settings["proposal_length"],
                        categories=g.process.categories, scopes=scopes, **kwargs)


# --- the list -------------------------------------------------------------------------------

def list_filters() -> dict:
    """The filters and order read from the address; whatever it says, nothing fails."""
    args = request.args
    categories = {category.id for category in g.process.categories}
    category_id = args.get("category", type=int)
    scope_id = args.get("scope", type=int)
    order = args.get("order", "")
    if order not in services.ORDERS or (order == "most_supported"
                                        and g.settings["supports_hidden"]):
        order = "random"
    state = args.get("state", "")
    return {
        "state": state if state in services.LIST_STATES else "",
        "category": category_id if category_id in categories else None,
        "scope": scope_id if scope_id is not None and 0 < scope_id <= MAX_ID else None,
        "mine": args.get("mine") == "1" and current_user.is_authenticated,
        "q": " ".join(args.get("q", "").split())[:MAX_QUERY],
        "order": order,
    }


@bp.route("/")
def index():
    filters = list_filters()
    seed = session.setdefault(SEED, secrets.randbelow(2**31))
    total, proposals, page, pages = services.list_proposals(
        g.component, viewer=current_user, seed=seed, page=page_number(), per_page=PAGE_SIZE,
        **filters)
    scopes = Scope.ordered()
    # Only the filters that are set go into the links of other pages.
    args = {name: ("1" if value is True else value) for name, value in filters.items()
            if value not in (None, "", False) and not (name == "order" and value == "random")}
    return render_template(
        "components/proposals/index.html", proposals=proposals, total=total, page=page,
        pages=pages, filters=filters, args=args, scopes=scopes,
        draft=services.draft_of(current_user, g.component),
    )


# --- a proposal -----------------------------------------------------------------------------

@bp.route("/<int:proposal_id>")
def show(proposal_id: int):
    proposal = load_proposal(proposal_id)
    if not proposal.is_published:  # the author's draft
        return redirect(url_for(".preview", proposal_id=proposal.id))
    return render_template(
        "components/proposals/show.html", proposal=proposal, form=ActionForm(),
        thread=load_thread(proposal, current_user, request.args.get("order", "best")),
        following=is_following(current_user, resource=proposal),
        supported=services.has_supported(current_user, proposal),
        endorsed=services.has_endorsed(current_user, proposal),
        endorsers=services.endorsers(proposal),
        remaining=services.remaining_supports(current_user, g.component),
        pending=services.supports_pending(current_user, g.component),
        editable_until=services.editable_until(proposal, g.settings),
        became=carried_out_by(proposal),
    )


def carried_out_by(proposal: Proposal) -> list:
    """The budget projects this proposal became (links named "included_proposals" that
    point at it) that the visitor may see: one query, whatever their number, for any kind."""
    kinds = with_polymorphic(Resource, "*")
    found = db.session.scalars(
        select(kinds).join(ResourceLink, ResourceLink.from_id == kinds.id)
        .where(ResourceLink.to_id == proposal.id, ResourceLink.name == INCLUDED_PROPOSALS)
        .options(selectinload(kinds.component).selectinload(Component.process))
        .order_by(kinds.id)
    ).all()
    return [resource for resource in found if can_see_resource(current_user, resource)]


# --- writing: write, preview, publish -------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if must_verify_to_create(current_user, g.component):
        return verify_first(url_for(".new"))
    if not can_create(current_user, g.component):
        abort(403)
    draft = services.draft_of(current_user, g.component)
    if draft is not None:
        flash(_("You have a draft here: finish it or discard it first."), "info")
        return redirect(url_for(".preview", proposal_id=draft.id))
    form = proposal_form()
    if form.validate_on_submit():
        done = saved(form, services.create_draft, g.component, locale=str(get_locale()),
                     **form.values())
        if done:
            return redirect(url_for(".preview", proposal_id=done.result.id))
    return render_form("components/proposals/form.html", form, proposal=None)


@bp.route("/<int:proposal_id>/preview")
@login_required
def preview(proposal_id: int):
    proposal = load_draft(proposal_id)
    similar = services.similar_proposals(g.component, proposal.title, proposal.body,
                                         exclude=proposal)
    return render_template("components/proposals/preview.html", proposal=proposal,
                           similar=similar, form=ActionForm())


@bp.route("/<int:proposal_id>/publish", methods=["POST"])
@login_required
def publish(proposal_id: int):
    proposal = load_draft(proposal_id)
    if must_verify_to_create(current_user, g.component):
        return verify_first(url_for(".preview", proposal_id=proposal.id))
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.publish_proposal, proposal):
        flash(_("Your proposal is published."), "success")
        return redirect(url_for(".show", proposal_id=proposal.id))
    return confirm(form, proposal, _("Publish your proposal?"), _("Publish"))


@bp.route("/<int:proposal_id>/discard", methods=["GET", "POST"])
@login_required
def discard(proposal_id: int):
    proposal = load_draft(proposal_id)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.discard_draft, proposal):
        flash(_("Your draft is discarded."), "success")
        return redirect(url_for(".index"))
    return confirm(form, proposal, _("Discard this draft?"), _("Discard the draft"),
                   danger=True, explanation=_("The draft will be deleted."))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = load_proposal(proposal_id)
    if not can_edit(current_user, proposal):
        abort(403)
    form = proposal_form(obj=proposal)
    service = services.edit_proposal if proposal.is_published else services.update_draft
    if form.validate_on_submit() and saved(form, service, proposal, **form.values()):
        if not proposal.is_published:
            return redirect(url_for(".preview", proposal_id=proposal.id))
        flash(_("Your proposal is saved."), "success")
        return redirect(url_for(".show", proposal_id=proposal.id))
    return render_form("components/proposals/form.html", form, proposal=proposal)


@bp.route("/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(proposal_id: int):
    proposal = load_proposal(proposal_id)
    if not can_withdraw(current_user, proposal):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.withdraw_proposal, proposal):
        flash(_("Your proposal is withdrawn."), "success")
        return redirect(url_for(".show", proposal_id=proposal.id))
    return confirm(form, proposal, _("Withdraw this proposal?"), _("Withdraw the proposal"),
                   danger=True,
                   explanation=_("It stays visible, marked as withdrawn, and can no longer be "
                                 "supported. This cannot be undone."))


# --- supports and endorsements --------------------------------------------------------------

def _button(proposal_id: int, allowed, service, done: str, question: str, button: str,
            must_verify=None):
    proposal = load_proposal(proposal_id)
    if must_verify is not None and must_verify(current_user, proposal):
        return verify_first(url_for(".show", proposal_id=proposal.id, _anchor="supports"))
    if not allowed(current_user, proposal):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, service, proposal):
        flash(done, "success")
        return redirect(url_for(".show", proposal_id=proposal.id, _anchor="supports"))
    return confirm(form, proposal, question, button)


@bp.route("/<int:proposal_id>/support", methods=["POST"])
@login_required
def support(proposal_id: int):
    return _button(proposal_id, can_support, services.support_proposal,
                   _("You support this proposal."), _("Support this proposal?"), _("Support"),
                   must_verify=must_verify_to_support)


@bp.route("/<int:proposal_id>/unsupport", methods=["POST"])
@login_required
def unsupport(proposal_id: int):
    return _button(proposal_id, can_support, services.unsupport_proposal,
                   _("Your support is withdrawn."), _("Withdraw your support?"),
                   _("Withdraw my support"), must_verify=must_verify_to_support)


@bp.route("/<int:proposal_id>/endorse", methods=["POST"])
@login_required
def endorse(proposal_id: int):
    return _button(proposal_id, can_endorse, services.endorse_proposal,
                   _("You endorse this proposal."), _("Endorse this proposal?"), _("Endorse"))


@bp.route("/<int:proposal_id>/unendorse", methods=["POST"])
@login_required
def unendorse(proposal_id: int):
    return _button(proposal_id, can_endorse, services.unendorse_proposal,
                   _("Your endorsement is withdrawn."), _("Withdraw your endorsement?"),
                   _("Withdraw my endorsement"))
