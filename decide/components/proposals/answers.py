"""Staff services of proposals: answers, valuators, bulk actions, official proposals and
the export. The residents' side is in services.py."""


import csv
import io

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.components.proposals.models import STATES
from decide.components.proposals.models import Proposal
from decide.components.proposals.services import ADDRESS_MAX_LENGTH
from decide.components.proposals.services import TITLE_LENGTH
from decide.core.html import plain_text
from decide.core.html import sanitize_translated
from decide.core.i18n import available_locales
from decide.core.i18n import default_locale
from decide.core.i18n import translate
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.core.spreadsheets import spreadsheet_safe
from decide.extensions import db
from decide.notifications.services import notify_followers
from decide.spaces.models import Category
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope
from decide.spaces.services import can_admin_process
from decide.spaces.services import component_settings
from decide.spaces.services import role_in
from decide.spaces.views import resource_url

# The largest cost the database's integer column holds.
MAX_COST = 2**31 - 1
# The largest id the database's integer columns hold: a larger one matches nothing.
MAX_ID = 2**31 - 1
OFFICIAL_BODY_LENGTH = 10_000
BULK_ACTIONS = ("publish_answers", "assign_valuator", "unassign_valuator")
EXPORT_COLUMNS = (
    "id", "title", "body", "language", "author", "category", "scope", "address", "state",
    "answer_published", "withdrawn", "hidden", "supports", "endorsements", "comments",
    "valuator", "created_at", "published_at", "answered_at", "answer_published_at", "cost",
    "url",
)  # then the answer in each language: answer_en, answer_es...


def is_valuator(user, process) -> bool:
    return role_in(user, process) == Role.VALUATOR


def can_enter_proposals_admin(user, process) -> bool:
    """Who reaches the proposals back office at all: the process admins and admins, and the
    process's valuators, who see there only the proposals assigned to them."""
    return can_admin_process(user, process) or is_valuator(user, process)


def can_manage_proposals(user, component) -> bool:
    """Publishing answers, assigning valuators, official proposals and exports."""
    return can_admin_process(user, component.process)


def can_answer(user, proposal: Proposal) -> bool:
    """The process admins and admins answer every proposal; a valuator of the process, only
    those assigned to them (Decidim's rule)."""
    process = proposal.component.process
    if can_admin_process(user, process):
        return True
    return (is_valuator(user, process) and proposal.valuator_id is not None
            and proposal.valuator_id == user.id)


def valuators_of(process) -> list[User]:
    """The valuators of a process, by name."""
    return db.session.scalars(
        select(User).join(ProcessRole, ProcessRole.user_id == User.id)
        .where(ProcessRole.process_id == process.id, ProcessRole.role == Role.VALUATOR)
        .order_by(func.lower(User.name), User.id)
    ).all()


def _has_text(html: str) -> bool:
    return bool(Markup(html).striptags().strip())  # noqa: S704 - only stripped, never shown


def _checked_cost(cost) -> int:
    if cost is None:
        raise DomainError(_("Give the cost of an accepted proposal."), field="cost")
    if isinstance(cost, bool) or not isinstance(cost, int):
        raise DomainError(_("Enter a whole number, without decimals."), field="cost")
    if cost < 0:
        raise DomainError(_("The cost cannot be negative."), field="cost")
    if cost > MAX_COST:
        raise DomainError(_("The cost can be at most %(max)s.", max=format_decimal(MAX_COST)),
                          field="cost")
    return cost


def _announce_answer(actor, proposal: Proposal) -> None:
    """Tell the author and the followers; `notify` leaves out the actor and repeated people."""
    notify_followers("proposal_answered", proposal, actor=actor,
                     also=[proposal.author] if proposal.author else [], state=proposal.state)


def answer_proposal(actor, proposal: Proposal, *, state: str, answer: dict,
                    cost: int | None = None, cost_report: dict | None = None,
                    execution_period: dict | None = None) -> Proposal:
    """Write (or change) the answer: evaluating, accepted or rejected (with a text).

    The cost, its report and the execution period belong to accepted proposals, when the
    active phase answers with costs. The answer is public at once when the phase publishes
    answers immediately, else once `publish_answers` runs; an answer already public stays
    public, and its followers hear again when the state changes.
    """
    settings = component_settings(proposal.component)
    if not settings["answers_enabled"]:
        raise DomainError(_("Answers are switched off in the settings of this component."))
    if actor is not None and not can_answer(actor, proposal):
        raise DomainError(_("Only the admins of the process and the valuator assigned to this "
                            "proposal can answer it."))
    if not proposal.is_published:
        raise DomainError(_("A draft cannot be answered."))
    if proposal.is_withdrawn:
        raise DomainError(_("This proposal was withdrawn by its author: it cannot be answered."))
    if state not in STATES:
        raise DomainError(_("Choose a state: evaluating, accepted or rejected."), field="state")
    answer = sanitize_translated(answer or {})
    if state == "rejected" and not any(_has_text(text) for text in answer.values()):
        raise DomainError(_("Say why the proposal is rejected."), field="answer")
    with_costs = settings["answers_with_costs"]
    if not with_costs and (cost is not None or cost_report or execution_period):
        raise DomainError(_("Answers in this phase have no cost."), field="cost")

    previous_state = proposal.state
    proposal.state, proposal.answer, proposal.answered_at = state, answer, utcnow()
    if state == "accepted" and with_costs:
        proposal.cost = _checked_cost(cost)
        proposal.cost_report = sanitize_translated(cost_report or {})
        proposal.execution_period = sanitize_translated(execution_period or {})
    elif state != "accepted":  # a cost belongs to an accepted proposal only
        proposal.cost, proposal.cost_report, proposal.execution_period = None, {}, {}
    publish = (proposal.answer_published_at is None
               and settings["publish_answers_immediately"])
    if publish:
        proposal.answer_published_at = utcnow()
    db.session.flush()
    record_action(actor, "answer", proposal, process_id=proposal.component.process_id,
                  details={"state": state, "published": proposal.answer_published_at
                           is not None})
    if publish or (proposal.answer_published_at is not None and state != previous_state):
        _announce_answer(actor, proposal)
    return proposal


def publish_answers(actor, proposals) -> int:
    """Make the answers of these proposals public (those not answered or already public are
    left alone); each author and follower hears once per proposal. Returns how many."""
    waiting = [proposal for proposal in proposals
               if proposal.state is not None and proposal.answer_published_at is None]
    if not waiting:
        raise DomainError(_("None of the chosen proposals has an answer waiting to be "
                            "published."), field="proposal_ids")
    for proposal in waiting:
        proposal.answer_published_at = utcnow()
        record_action(actor, "publish_answer", proposal,
                      process_id=proposal.component.process_id,
                      details={"state": proposal.state})
    db.session.flush()
    for proposal in waiting:
        _announce_answer(actor, proposal)
    return len(waiting)


def _same_process(proposals) -> Process:
    if not proposals:
        raise DomainError(_("Choose at least one proposal."), field="proposal_ids")
    process = proposals[0].component.process
    if any(proposal.component.process_id != process.id for proposal in proposals):
        raise DomainError(_("Choose proposals of one process."), field="proposal_ids")
    return process


def assign_valuator(actor, proposals, valuator: User | None) -> int:
    """The valuator (who must hold the valuator role in the process) answers these."""
    process = _same_process(proposals)
    if valuator is None or not is_valuator(valuator, process):
        raise DomainError(_("Choose a valuator of this process."), field="valuator_id")
    for proposal in proposals:
        proposal.valuator_id = valuator.id
        record_action(actor, "assign_valuator", proposal, process_id=process.id,
                      details={"valuator_id": valuator.id})
    db.session.flush()
    return len(proposals)


def unassign_valuator(actor, proposals) -> int:
    process = _same_process(proposals)
    for proposal in proposals:
        if proposal.valuator_id is not None:
            record_action(actor, "unassign_valuator", proposal, process_id=process.id,
                          details={"valuator_id": proposal.valuator_id})
        proposal.valuator_id = None
    db.session.flush()
    return len(proposals)


def apply_bulk_action(actor, component, *, action: str, proposal_ids, valuator_id=None) -> int:
    """One of BULK_ACTIONS on the chosen published proposals of `component`: an id of another
    component (or a draft) refuses the whole action. Returns how many proposals changed."""
    if action not in BULK_ACTIONS:
        raise DomainError(_("Choose an action."), field="action")
    ids = set(proposal_ids or ())
    if not ids:
        raise DomainError(_("Choose at least one proposal."), field="proposal_ids")
    found = db.session.scalars(
        select(Proposal).where(Proposal.id.in_([i for i in ids if 0 < i <= MAX_ID]),
                               Proposal.component_id == component.id,
                               Proposal.published_at.is_not(None))
        .order_by(Proposal.id)
    ).all()
    if len(found) != len(ids):
        raise DomainError(_("Choose proposals of this component only."), field="proposal_ids")
    if action == "publish_answers":
        return publish_answers(actor, found)
    if action == "unassign_valuator":
        return unassign_valuator(actor, found)
    valuator = db.session.get(User, valuator_id) if valuator_id and 0 < valuator_id <= MAX_ID \
        else None
    return assign_valuator(actor, found, valuator)


def create_official_proposal(actor, component, *, title: str, body: str,
                             category_id: int | None = None, scope_id: int | None = None,
                             address: str = "", locale: str | None = None) -> Proposal:
    """A proposal of the council (no author, marked official), published at once."""
    if not component_settings(component)["official_proposals_enabled"]:
        raise DomainError(_("Official proposals are switched off in the settings of this "
                            "component."))
    title, body, address = title.strip(), body.strip(), (address or "").strip()
    shortest, longest = TITLE_LENGTH
    if not shortest <= len(title) <= longest:
        raise DomainError(_("Use between %(min)d and %(max)d characters.", min=shortest,
                            max=longest), field="title")
    if not body:
        raise DomainError(_("Fill in this field."), field="body")
    if len(body) > OFFICIAL_BODY_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=OFFICIAL_BODY_LENGTH),
                          field="body")
    if len(address) > ADDRESS_MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=ADDRESS_MAX_LENGTH),
                          field="address")
    if category_id is not None:
        category = db.session.get(Category, category_id) if 0 < category_id <= MAX_ID else None
        if category is None or category.process_id != component.process_id:
            raise DomainError(_("Choose a category of this process."), field="category_id")
    if scope_id is not None and (not 0 < scope_id <= MAX_ID
                                 or db.session.get(Scope, scope_id) is None):
        raise DomainError(_("Choose one of the scopes."), field="scope_id")
    if locale not in available_locales():
        locale = actor.locale if actor is not None and actor.locale in available_locales() \
            else default_locale()
    proposal = Proposal(component_id=component.id, author_id=None, official=True, title=title,
                        body=body, locale=locale, category_id=category_id, scope_id=scope_id,
                        address=address, published_at=utcnow())
    db.session.add(proposal)
    db.session.flush()
    record_action(actor, "create", proposal, process_id=component.process_id,
                  details={"official": True})
    return proposal


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else ""



def export_rows(component) -> list[dict]:
    """The published proposals of a component for staff (the manifest's `export` hook):
    the internal state and whether it is public, the answer in each language as plain text.
    Two queries, whatever the number of proposals."""
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.component_id == component.id, Proposal.published_at.is_not(None))
        .options(selectinload(Proposal.valuator))
        .order_by(Proposal.id)
    ).all()
    locales = available_locales()
    rows = []  # the keys in the order of export_columns()
    for proposal in proposals:
        row = {
            "id": proposal.id,
            "title": proposal.title,
            "body": proposal.body,
            "language": proposal.locale,
            "author": "official" if proposal.official or proposal.author is None
            else proposal.author.nickname,
            "category": translate(proposal.category.name) if proposal.category else "",
            "scope": translate(proposal.scope.name) if proposal.scope else "",
            "address": proposal.address,
            "state": proposal.state or "not_answered",
            "answer_published": proposal.answer_published_at is not None,
            "withdrawn": proposal.is_withdrawn,
            "hidden": proposal.is_hidden,
            "supports": proposal.supports_count,
            "endorsements": proposal.endorsements_count,
            "comments": proposal.comments_count,
            "valuator": proposal.valuator.nickname if proposal.valuator else "",
            "created_at": _iso(proposal.created_at),
            "published_at": _iso(proposal.published_at),
            "answered_at": _iso(proposal.answered_at),
            "answer_published_at": _iso(proposal.answer_published_at),
            "cost": proposal.cost,
            "url": resource_url(proposal, external=True),
        }
        for code in locales:
            row[f"answer_{code}"] = plain_text((proposal.answer or {}).get(code, ""))
        rows.append(row)
    return rows


def export_columns() -> list[str]:
    return [*EXPORT_COLUMNS, *(f"answer_{code}" for code in available_locales())]


def rows_as_csv(rows: list[dict]) -> str:
    """The export as CSV, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export_columns(), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()
