"""Accountability services: statuses, results and their progress, timelines, follows,
notifications and the residents' confirmations. They flush, never commit, and raise
DomainError with a translatable message; every staff change goes to the action log.

A result's `progress` is always the one shown: its status's default progress while it
follows its status, the figure staff typed (`progress_manual`), or, for a result with
children, their roll-up, recomputed here whenever a child changes so that lists never
compute it. Followers hear of each change once, by its most specific event.
"""

import re
from datetime import date
from datetime import datetime
from fractions import Fraction
from math import floor

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import union
from sqlalchemy.orm import aliased
from sqlalchemy.orm import contains_eager

from decide.comments.models import Comment
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Confirmation
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.projects import INCLUDED_PROPOSALS
from decide.components.budgets.projects import MAX_AMOUNT
from decide.components.budgets.projects import MAX_ID
from decide.components.budgets.projects import WEIGHT_BOUNDS
from decide.components.budgets.projects import process_proposals_query
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.html import plain_text
from decide.core.html import sanitize_translated
from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.core.services import replace_links
from decide.extensions import db
from decide.notifications.services import follow
from decide.notifications.services import followers
from decide.notifications.services import notify
from decide.notifications.services import notify_followers
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.models import Scope

KEY_PATTERN = re.compile(r"[a-z0-9_]{1,40}")
REFERENCE_MAX = 64
NAME_MAX = 100
TITLE_MAX = 150
DESCRIPTION_MAX = 50_000

# key: name, default progress (Decidim's usual four).
DEFAULT_STATUSES = (
    ("not_started", _l("Not started"), 0),
    ("in_preparation", _l("In preparation"), 10),
    ("in_progress", _l("In progress"), 50),
    ("completed", _l("Completed"), 100),
)


# --- checks -----------------------------------------------------------------------------------

def _texts(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(code): text.strip() for code, text in value.items()
            if isinstance(text, str) and text.strip()}


def _required_texts(value, field: str, limit: int) -> dict[str, str]:
    texts = _texts(value)
    if not texts:
        raise DomainError(_("Fill in this field."), field=field)
    if any(len(text) > limit for text in texts.values()):
        raise DomainError(_("Use at most %(max)d characters.", max=limit), field=field)
    return texts


def _rich_text(value, field: str) -> dict[str, str]:
    texts = sanitize_translated(_texts(value))
    if any(len(text) > DESCRIPTION_MAX for text in texts.values()):
        raise DomainError(_("Use at most %(max)d characters.", max=DESCRIPTION_MAX),
                          field=field)
    return texts


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _an_id(value) -> bool:
    return _is_int(value) and 0 < value <= MAX_ID


def _percent(value, field: str = "progress") -> int | None:
    if value is None:
        return None
    if not _is_int(value) or not 0 <= value <= 100:
        raise DomainError(_("Enter a whole number from 0 to 100."), field=field)
    return value


def _day(value, field: str, *, required: bool = False) -> date | None:
    if value is None and not required:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise DomainError(_("Enter a date.") if value is not None else _("Fill in this field."),
                          field=field)
    return value


def _amount(value) -> int | None:
    if value is None:
        return None
    if not _is_int(value):
        raise DomainError(_("Enter a whole number, without decimals."), field="amount")
    if value < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount")
    if value > MAX_AMOUNT:
        raise DomainError(_("The amount can be at most %(max)s.", max=f"{MAX_AMOUNT:,}"),
                          field="amount")
    return value


def _weight(value) -> int:
    if not _is_int(value) or not WEIGHT_BOUNDS[0] <= value <= WEIGHT_BOUNDS[1]:
        raise DomainError(_("Enter a number from %(min)s to %(max)s.", min=WEIGHT_BOUNDS[0],
                            max=WEIGHT_BOUNDS[1]), field="weight")
    return value


def _log(actor, action: str, subject, component, **details) -> None:
    record_action(actor, action, subject, process_id=component.process_id,
                  details={"component": component.id, **details})


# --- statuses ---------------------------------------------------------------------------------

def component_statuses(component) -> list[Status]:
    """The statuses of the component in their order: one query."""
    return db.session.scalars(
        select(Status).where(Status.component_id == component.id)
        .order_by(Status.position, Status.id)
    ).all()


def _status_values(component, *, key, name, description, progress,
                   exclude: Status | None = None) -> dict:
    key = key.strip() if isinstance(key, str) else ""
    if not KEY_PATTERN.fullmatch(key):
        raise DomainError(_("Use 1 to 40 lower-case letters, digits or underscores."),
                          field="key")
    taken = select(Status.id).where(Status.component_id == component.id, Status.key == key)
    if exclude is not None:
        taken = taken.where(Status.id != exclude.id)
    if db.session.scalar(taken) is not None:
        raise DomainError(_("Another status of this component has this key."), field="key")
    return {"key": key, "name": _required_texts(name, "name", NAME_MAX),
            "description": _rich_text(description, "description"),
            "progress": _percent(progress)}


def create_status(actor, component, *, key, name, description, progress) -> Status:
    """A status of the component (last in the list): a key for CSV files, a translated name
    and description, the progress results take in it (None: they keep theirs)."""
    values = _status_values(component, key=key, name=name, description=description,
                            progress=progress)
    last = db.session.scalar(select(func.max(Status.position))
                             .where(Status.component_id == component.id))
    status = Status(component_id=component.id, position=(last or 0) + 1, **values)
    db.session.add(status)
    db.session.flush()
    _log(actor, "create", status, component)
    return status


def update_status(actor, status: Status, *, key, name, description, progress) -> None:
    """Edit a status; a new default progress moves the results that follow it (and their
    parents), and their followers are told."""
    component = status.component
    values = _status_values(component, key=key, name=name, description=description,
                            progress=progress, exclude=status)
    changed = sorted(field for field, value in values.items() if getattr(status, field) != value)
    for field, value in values.items():
        setattr(status, field, value)
    db.session.flush()
    _log(actor, "update", status, component, changed=changed)
    if "progress" not in changed or status.progress is None:
        return
    child = aliased(Result)
    following = db.session.scalars(
        select(Result).where(Result.status_id == status.id, Result.progress_manual.is_(False),
                             Result.progress != status.progress,
                             ~select(child.id).where(child.parent_id == Result.id).exists())
        .order_by(Result.id)
    ).all()
    for result in following:
        before = _state(result)
        result.progress = status.progress
        db.session.flush()
        _tell_followers(actor, result, before)
    _roll_up_parents(actor, {result.parent_id for result in following})


def delete_status(actor, status: Status) -> None:
    """Its results keep their progress and have no status any more."""
    component = status.component
    _log(actor, "delete", status, component)
    for result in db.session.scalars(select(Result).where(Result.status_id == status.id)):
        result.status = None
        result.status_id = None
    db.session.delete(status)
    db.session.flush()


def create_default_statuses(actor, component) -> list[Status]:
    """Not started (0 %), In preparation (10 %), In progress (50 %) and Completed (100 %),
    named in every shipped language; only for a component without statuses."""
    if db.session.scalar(select(Status.id).where(Status.component_id == component.id)
                         .limit(1)) is not None:
        raise DomainError(_("This component has statuses already."))
    languages = current_app.config["LANGUAGES"]
    statuses = []
    for position, (key, label, progress) in enumerate(DEFAULT_STATUSES, start=1):
        names = {}
        for code in languages:
            with force_locale(code):
                names[code] = str(label)
        status = Status(component_id=component.id, key=key, name=names, description={},
                        progress=progress, position=position)
        db.session.add(status)
        statuses.append(status)
    db.session.flush()
    for status in statuses:
        _log(actor, "create", status, component)
    return statuses


# --- results: checks --------------------------------------------------------------------------

def _lock(component) -> None:
    """Writers of a component's results queue here, so two never take the same reference
    (SQLite: the write transaction already does)."""
    db.session.execute(select(Component.id).where(Component.id == component.id)
                       .with_for_update())


def _references(component) -> set[str]:
    return set(db.session.scalars(select(Result.reference)
                                  .where(Result.component_id == component.id)))


def _next_reference(taken: set[str]) -> str:
    number = len(taken) + 1
    while f"R-{number}" in taken:
        number += 1
    return f"R-{number}"


def _reference(component, value, result: Result | None) -> str | None:
    """The given reference, free in the component; None when none was given."""
    if value is None:
        return None
    reference = value.strip() if isinstance(value, str) else ""
    if not reference:
        return None
    if len(reference) > REFERENCE_MAX:
        raise DomainError(_("Use at most %(max)d characters.", max=REFERENCE_MAX),
                          field="reference")
    taken = select(Result.id).where(Result.component_id == component.id,
                                    Result.reference == reference)
    if result is not None:
        taken = taken.where(Result.id != result.id)
    if db.session.scalar(taken) is not None:
        raise DomainError(_("Another result of this component has this reference."),
                          field="reference")
    return reference


def _status(component, status_id) -> Status | None:
    if status_id is None:
        return None
    status = db.session.get(Status, status_id) if _an_id(status_id) else None
    if status is None or status.component_id != component.id:
        raise DomainError(_("Choose one of the statuses."), field="status_id")
    return status


def _category(component, category_id) -> int | None:
    if category_id is None:
        return None
    category = db.session.get(Category, category_id) if _an_id(category_id) else None
    if category is None or category.process_id != component.process_id:
        raise DomainError(_("Choose a category of this process."), field="category_id")
    return category_id


def _scope(scope_id) -> int | None:
    if scope_id is None:
        return None
    if not _an_id(scope_id) or db.session.get(Scope, scope_id) is None:
        raise DomainError(_("Choose one of the scopes."), field="scope_id")
    return scope_id


def _has_children(result: Result | None) -> bool:
    if result is None or result.id is None:
        return False
    return db.session.scalar(select(Result.id).where(Result.parent_id == result.id)
                             .limit(1)) is not None


def _parent(component, parent_id, result: Result | None) -> Result | None:
    """Two levels, as Decidim: a parent has no parent, and a result with children gets none."""
    if parent_id is None:
        return None
    parent = db.session.get(Result, parent_id) if _an_id(parent_id) else None
    if parent is None or parent.component_id != component.id:
        raise DomainError(_("Choose a result of this component."), field="parent_id")
    if result is not None and parent.id == result.id:
        raise DomainError(_("A result cannot be its own parent."), field="parent_id")
    if parent.parent_id is not None:
        raise DomainError(_("Choose a result without a parent: results have two levels."),
                          field="parent_id")
    if _has_children(result):
        raise DomainError(_("This result has results under it, so it cannot go under "
                            "another one."), field="parent_id")
    return parent


def _chosen_ids(values, field: str, message: str) -> list[int]:
    ids = sorted(set(values or ()))
    if any(not _an_id(each) for each in ids):
        raise DomainError(message, field=field)
    return ids


def _proposal_ids(component, values) -> list[int]:
    """Published proposals of the component's process."""
    message = _("Choose proposals of this process.")
    ids = _chosen_ids(values, "proposal_ids", message)
    if ids and set(db.session.scalars(
            process_proposals_query(component).with_only_columns(Proposal.id)
            .where(Proposal.id.in_(ids)))) != set(ids):
        raise DomainError(message, field="proposal_ids")
    return ids


def _project_ids(component, values) -> list[int]:
    """Projects of the budgets components of the component's process."""
    message = _("Choose projects of this process.")
    ids = _chosen_ids(values, "project_ids", message)
    if ids and set(db.session.scalars(
            select(Project.id).join(Component, Component.id == Project.component_id)
            .where(Project.id.in_(ids), Component.process_id == component.process_id,
                   Component.manifest_name == "budgets"))) != set(ids):
        raise DomainError(message, field="project_ids")
    return ids


def _result_values(component, result: Result | None, *, title, description, reference=None,
                   status_id=None, progress=None, start_date=None, end_date=None,
                   category_id=None, scope_id=None, amount=None, parent_id=None,
                   proposal_ids=(), project_ids=(), weight=0) -> dict:
    values = {
        "title": _required_texts(title, "title", TITLE_MAX),
        "description": _rich_text(description, "description"),
        "reference": _reference(component, reference, result),
        "status": _status(component, status_id),
        "progress": _percent(progress),
        "start_date": _day(start_date, "start_date"),
        "end_date": _day(end_date, "end_date"),
        "category_id": _category(component, category_id),
        "scope_id": _scope(scope_id),
        "amount": _amount(amount),
        "parent": _parent(component, parent_id, result),
        "proposal_ids": _proposal_ids(component, proposal_ids),
        "project_ids": _project_ids(component, project_ids),
        "weight": _weight(weight),
    }
    if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
        raise DomainError(_("The end date cannot be before the start date."), field="end_date")
    return values


# --- results: progress, roll-up, who is told --------------------------------------------------

def _state(result: Result) -> tuple[int | None, int]:
    """What followers are told about when it changes: the status and the progress."""
    return (result.status.id if result.status is not None else None), result.progress


def _set_progress(result: Result, status: Status | None, progress: int | None) -> None:
    """A typed progress is kept (set by hand); None follows the status. A parent's progress
    is its children's roll-up whatever was typed."""
    if _has_children(result):
        result.progress_manual = False
    elif progress is None:
        result.progress_manual = False
        result.progress = status.progress if status is not None and status.progress is not None \
            else 0
    else:
        result.progress_manual = True
        result.progress = progress


def _tell_followers(actor, result: Result, before: tuple[int | None, int],
                    entry: TimelineEntry | None = None) -> None:
    """One notification per follower, of the most specific event: completed (the first
    time only: they are asked whether it was done as promised), then status changed, then
    progress moved, then a timeline entry added."""
    status_before, progress_before = before
    if result.progress >= 100 and result.completed_at is None:
        result.completed_at = utcnow()
        db.session.flush()
        notify_followers("result_completed", result, actor=actor)
    elif result.status is not None and result.status.id != status_before:
        notify_followers("result_status_changed", result, actor=actor,
                         status=dict(result.status.name))
    elif result.progress != progress_before:
        notify_followers("result_progress_updated", result, actor=actor,
                         progress=result.progress)
    elif entry is not None:
        notify_followers("result_timeline_added", result, actor=actor, entry=dict(entry.title))


def progress_columns() -> tuple:
    """What an average progress is made of, as SQL aggregates: how many results, the plain
    sum of their progress and, for the amount-weighted average, the number of results with
    an amount and the sums over them. The parents' roll-up and the residents' overview
    both read these, so the rule lives once (`average_progress`)."""
    with_amount = Result.amount > 0
    return (
        func.count(Result.id),
        func.coalesce(func.sum(Result.progress), 0),
        func.coalesce(func.sum(case((with_amount, 1), else_=0)), 0),
        func.coalesce(func.sum(case((with_amount, Result.progress * Result.amount), else_=0)), 0),
        func.coalesce(func.sum(case((with_amount, Result.amount), else_=0)), 0),
    )


def average_progress(count, total, amounted, weighted, amounts) -> int:
    """The average progress, weighted by amount when every result has one above 0; rounded
    half up to a whole percent (0 without results)."""
    if not count:
        return 0
    if amounted == count and amounts:
        average = Fraction(int(weighted), int(amounts))
    else:
        average = Fraction(int(total), int(count))
    return floor(average + Fraction(1, 2))


def _roll_up(actor, parent: Result) -> None:
    """Recompute a parent from its children (with none left it keeps its last progress)."""
    db.session.flush()
    figures = db.session.execute(select(*progress_columns())
                                 .where(Result.parent_id == parent.id)).one()
    before = _state(parent)
    parent.children_count = figures[0]
    if figures[0]:
        parent.progress = average_progress(*figures)
        parent.progress_manual = False
    db.session.flush()
    db.session.expire(parent, ["children"])
    _tell_followers(actor, parent, before)


def _roll_up_parents(actor, parent_ids) -> None:
    ids = sorted(each for each in parent_ids if each is not None)
    if ids:
        for parent in db.session.scalars(select(Result).where(Result.id.in_(ids))
                                         .order_by(Result.id)):
            _roll_up(actor, parent)


# --- results: links and the people behind them ------------------------------------------------

def _linked_ids(result: Result) -> tuple[list[int], list[int]]:
    rows = db.session.execute(select(ResourceLink.name, ResourceLink.to_id)
                              .where(ResourceLink.from_id == result.id,
                                     ResourceLink.name.in_((PROPOSAL_LINK, PROJECT_LINK)))
                              .order_by(ResourceLink.to_id)).all()
    return ([to_id for name, to_id in rows if name == PROPOSAL_LINK],
            [to_id for name, to_id in rows if name == PROJECT_LINK])


def _link(result: Result, proposal_ids, project_ids) -> None:
    """Replace the result's links by these (unchanged links stay as they are)."""
    current_proposals, current_projects = _linked_ids(result)
    replace_links(result.id, PROPOSAL_LINK, set(current_proposals), set(proposal_ids))
    replace_links(result.id, PROJECT_LINK, set(current_projects), set(project_ids))


def _people_behind(proposal_ids, project_ids) -> set[int]:
    """The authors and supporters of these proposals and the online voters of these
    projects (checked-out ballots): one query, whatever their number."""
    queries = []
    if proposal_ids:
        queries.append(select(Proposal.author_id.label("user_id"))
                       .where(Proposal.id.in_(proposal_ids), Proposal.author_id.is_not(None)))
        queries.append(select(Support.user_id).where(Support.proposal_id.in_(proposal_ids)))
    if project_ids:
        queries.append(select(Order.user_id).join(OrderLine, OrderLine.order_id == Order.id)
                       .where(OrderLine.project_id.in_(project_ids),
                              Order.checked_out_at.is_not(None), Order.user_id.is_not(None)))
    if not queries:
        return set()
    query = queries[0] if len(queries) == 1 else union(*queries)
    return set(db.session.scalars(query))


def _follow_authors(result: Result, proposal_ids) -> None:
    """The authors of these proposals (active accounts) follow the result."""
    if not proposal_ids:
        return
    for author in db.session.scalars(
        select(User).join(Proposal, Proposal.author_id == User.id)
        .where(Proposal.id.in_(proposal_ids), User.deleted_at.is_(None),
               User.blocked_at.is_(None)).distinct().order_by(User.id)
    ).all():
        follow(author, resource=result)


def _invite(actor, result: Result, proposal_ids, project_ids, known=frozenset()) -> None:
    """Tell the people behind these proposals and projects (but those in `known`) that the
    result exists, inviting them to follow it."""
    invited = _people_behind(proposal_ids, project_ids) - set(known)
    if invited:
        notify("result_created", invited, resource=result, actor=actor)


# --- results ----------------------------------------------------------------------------------

def _new_result(actor, component, values: dict, reference: str, **logged) -> Result:
    status, parent = values["status"], values["parent"]
    result = Result(
        component_id=component.id, author_id=None, reference=reference,
        title=values["title"], description=values["description"], status=status,
        status_id=status.id if status is not None else None,
        start_date=values["start_date"], end_date=values["end_date"],
        category_id=values["category_id"], scope_id=values["scope_id"],
        amount=values["amount"], weight=values["weight"],
        parent_id=parent.id if parent is not None else None, children_count=0,
    )
    _set_progress(result, status, values["progress"])
    db.session.add(result)
    db.session.flush()
    _link(result, values["proposal_ids"], values["project_ids"])
    _log(actor, "create", result, component, **logged)
    _follow_authors(result, values["proposal_ids"])
    # Created complete: its followers (the authors) are asked at once; the invitation then
    # goes to the others (a resident hears once per change).
    _tell_followers(actor, result, _state(result))
    _invite(actor, result, values["proposal_ids"], values["project_ids"])
    if parent is not None:
        _roll_up(actor, parent)
    return result


def create_result(actor, component, *, title, description, reference=None, status_id=None,
                  progress=None, start_date=None, end_date=None, category_id=None,
                  scope_id=None, amount=None, parent_id=None, proposal_ids=(), project_ids=(),
                  weight=0) -> Result:
    """A result of the component, linked to the proposals and projects it carries out (their
    authors follow it; their authors, supporters and voters are told). `progress` None
    follows the status; a reference None takes the next free "R-<n>"."""
    _lock(component)
    values = _result_values(
        component, None, title=title, description=description, reference=reference,
        status_id=status_id, progress=progress, start_date=start_date, end_date=end_date,
        category_id=category_id, scope_id=scope_id, amount=amount, parent_id=parent_id,
        proposal_ids=proposal_ids, project_ids=project_ids, weight=weight)
    reference = values["reference"] or _next_reference(_references(component))
    return _new_result(actor, component, values, reference)


def update_result(actor, result: Result, *, title, description, reference=None,
                  status_id=None, progress=None, start_date=None, end_date=None,
                  category_id=None, scope_id=None, amount=None, parent_id=None,
                  proposal_ids=(), project_ids=(), weight=0) -> None:
    """Edit a result with the fields of `create_result` (its links become the given ones; a
    reference None keeps its own). Followers are told once, of the most specific change;
    authors of newly linked proposals follow it and the people behind new links are told."""
    component = result.component
    _lock(component)
    values = _result_values(
        component, result, title=title, description=description, reference=reference,
        status_id=status_id, progress=progress, start_date=start_date, end_date=end_date,
        category_id=category_id, scope_id=scope_id, amount=amount, parent_id=parent_id,
        proposal_ids=proposal_ids, project_ids=project_ids, weight=weight)
    before = _state(result)
    old_parent_id = result.parent_id
    old_proposals, old_projects = _linked_ids(result)
    status, parent = values["status"], values["parent"]
    fields = {
        "title": values["title"], "description": values["description"],
        "reference": values["reference"] or result.reference,
        "status_id": status.id if status is not None else None,
        "start_date": values["start_date"], "end_date": values["end_date"],
        "category_id": values["category_id"], "scope_id": values["scope_id"],
        "amount": values["amount"], "weight": values["weight"],
        "parent_id": parent.id if parent is not None else None,
    }
    changed = [name for name, value in fields.items() if getattr(result, name) != value]
    for name, value in fields.items():
        setattr(result, name, value)
    result.status = status
    _set_progress(result, status, values["progress"])
    if result.progress != before[1]:
        changed.append("progress")
    db.session.flush()
    db.session.expire(result, ["category", "scope", "parent"])
    if (old_proposals, old_projects) != (values["proposal_ids"], values["project_ids"]):
        changed.append("links")
    _link(result, values["proposal_ids"], values["project_ids"])
    _log(actor, "update", result, component, changed=sorted(changed))
    _tell_followers(actor, result, before)
    new_proposals = sorted(set(values["proposal_ids"]) - set(old_proposals))
    new_projects = sorted(set(values["project_ids"]) - set(old_projects))
    if new_proposals or new_projects:
        known = _people_behind(old_proposals, old_projects) | followers(result)
        _follow_authors(result, new_proposals)
        _invite(actor, result, new_proposals, new_projects, known=known)
    _roll_up_parents(actor, {old_parent_id, result.parent_id})


def _entry_values(*, date, title, description, prefix: str = "") -> dict:
    return {"date": _day(date, f"{prefix}date", required=True),
            "title": _required_texts(title, f"{prefix}title", TITLE_MAX),
            "description": _rich_text(description, f"{prefix}description")}


def update_result_progress(actor, result: Result, *, status_id, progress,
                           entry: dict | None = None) -> None:
    """The progress update staff publish: a status, a progress (None follows the status;
    a parent keeps its roll-up) and, optionally, a timeline entry {"date", "title",
    "description"} (errors on its fields are "entry_date", "entry_title"...). Followers are
    told once, of the most specific change."""
    component = result.component
    status = _status(component, status_id)
    progress = _percent(progress)
    entry_values = None
    if entry is not None:
        entry_values = _entry_values(date=entry.get("date"), title=entry.get("title"),
                                     description=entry.get("description"), prefix="entry_")
    before = _state(result)
    result.status = status
    result.status_id = status.id if status is not None else None
    _set_progress(result, status, progress)
    added = None
    if entry_values is not None:
        added = TimelineEntry(result_id=result.id, **entry_values)
        db.session.add(added)
    db.session.flush()
    if added is not None:
        db.session.expire(result, ["timeline"])
    _log(actor, "update_progress", result, component, status=result.status_id,
         progress=result.progress, entry=added.id if added is not None else None)
    _tell_followers(actor, result, before, added)
    _roll_up_parents(actor, {result.parent_id})


def delete_result(actor, result: Result) -> None:
    """The result goes with its children, their timelines, links, follows, confirmations and
    comments; its parent rolls up again."""
    component = result.component
    parent_id = result.parent_id
    _log(actor, "delete", result, component)
    ids = [result.id, *db.session.scalars(select(Result.id).where(Result.parent_id == result.id))]
    comments = db.session.scalars(select(Comment.id).where(Comment.commentable_id.in_(ids))).all()
    gone = set(ids) | set(comments)
    # The shared rows go: the results', timelines', comments' rows follow by cascade (and
    # the comments would otherwise stay behind as rows of no kind).
    db.session.execute(delete(Resource).where(Resource.id.in_(gone)),
                       execution_options={"synchronize_session": False})
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Resource) and instance.id in gone:
            db.session.expunge(instance)
    db.session.flush()
    _roll_up_parents(actor, {parent_id})


def results_from_budget(actor, component, budget: Budget) -> list[Result]:
    """One result per selected project of the budget that no result of the component comes
    from yet (running it twice creates nothing twice): its title, description, amount,
    scope and (when of this process) category, the first status, links to the project and
    to the proposals it came from. Returns the new results."""
    budget_component = budget.component
    if budget_component.manifest_name != "budgets" \
            or budget_component.process_id != component.process_id:
        raise DomainError(_("Choose a budget of this process."), field="budget_id")
    _lock(component)
    done = (select(ResourceLink.id).join(Result, Result.id == ResourceLink.from_id)
            .where(ResourceLink.to_id == Project.id, ResourceLink.name == PROJECT_LINK,
                   Result.component_id == component.id).exists())
    projects = db.session.scalars(
        select(Project).where(Project.budget_id == budget.id, Project.selected_at.is_not(None),
                              ~done)
        .order_by(Project.id)
    ).all()
    if not projects:
        return []
    origins: dict[int, list[int]] = {project.id: [] for project in projects}
    for from_id, to_id in db.session.execute(
        select(ResourceLink.from_id, ResourceLink.to_id)
        .where(ResourceLink.from_id.in_(origins), ResourceLink.name == INCLUDED_PROPOSALS)
        .order_by(ResourceLink.to_id)
    ):
        origins[from_id].append(to_id)
    process_categories = set(db.session.scalars(
        select(Category.id).where(Category.process_id == component.process_id)))
    statuses = component_statuses(component)
    status = statuses[0] if statuses else None
    taken = _references(component)
    created = []
    for project in projects:
        reference = _next_reference(taken)
        taken.add(reference)
        values = {
            "title": dict(project.title), "description": dict(project.description or {}),
            "status": status, "progress": None, "start_date": None, "end_date": None,
            "category_id": project.category_id if project.category_id in process_categories
            else None,
            "scope_id": project.scope_id, "amount": project.amount, "weight": 0,
            "parent": None, "proposal_ids": origins[project.id], "project_ids": [project.id],
        }
        created.append(_new_result(actor, component, values, reference, budget=budget.id,
                                   project=project.id))
    return created


# --- timeline ---------------------------------------------------------------------------------

def add_timeline_entry(actor, result: Result, *, date, title, description) -> TimelineEntry:
    """A dated step of the result ("Works started"); its followers are told."""
    entry = TimelineEntry(result_id=result.id,
                          **_entry_values(date=date, title=title, description=description))
    db.session.add(entry)
    db.session.flush()
    db.session.expire(result, ["timeline"])
    _log(actor, "create", entry, result.component, result=result.id)
    _tell_followers(actor, result, _state(result), entry)
    return entry


def update_timeline_entry(actor, entry: TimelineEntry, *, date, title, description) -> None:
    values = _entry_values(date=date, title=title, description=description)
    changed = sorted(name for name, value in values.items() if getattr(entry, name) != value)
    for name, value in values.items():
        setattr(entry, name, value)
    db.session.flush()
    _log(actor, "update", entry, entry.result.component, result=entry.result_id,
         changed=changed)


def delete_timeline_entry(actor, entry: TimelineEntry) -> None:
    result = entry.result
    _log(actor, "delete", entry, result.component, result=result.id)
    db.session.delete(entry)
    db.session.flush()
    db.session.expire(result, ["timeline"])


# --- residents --------------------------------------------------------------------------------

def result_for(resource) -> Result | None:
    """The result residents can see (not hidden, its component and process published) that
    carries out this proposal or project, the first by id: one query."""
    return db.session.scalars(
        select(Result)
        .join(ResourceLink, ResourceLink.from_id == Result.id)
        .join(Result.component).join(Component.process)
        .where(ResourceLink.to_id == resource.id,
               ResourceLink.name.in_((PROPOSAL_LINK, PROJECT_LINK)),
               Result.hidden_at.is_(None), Component.published_at.is_not(None),
               Process.published_at.is_not(None))
        .options(contains_eager(Result.component).contains_eager(Component.process))
        .order_by(Result.id).limit(1)
    ).first()


# --- manifest hooks -----------------------------------------------------------------------

def _count_results(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Result.component_id, func.count(Result.id))
        .where(Result.component_id.in_(ids), Result.hidden_at.is_(None))
        .group_by(Result.component_id)).all())


def summary(component) -> str:
    """The line on the process page: "12 results"."""
    count = _count_results([component.id]).get(component.id, 0)
    return ngettext("%(num)d result", "%(num)d results", count)


def stats(components) -> dict[int, dict]:
    """Results and residents' confirmations per component: two queries."""
    ids = [component.id for component in components]
    results = _count_results(ids)
    confirmations = dict(db.session.execute(
        select(Result.component_id, func.count(Confirmation.id))
        .join(Confirmation, Confirmation.result_id == Result.id)
        .where(Result.component_id.in_(ids)).group_by(Result.component_id)).all()) if ids else {}
    return {id_: {_l("Results"): results.get(id_, 0),
                  _l("Confirmations"): confirmations.get(id_, 0)} for id_ in ids}


def has_participation(component) -> bool:
    """Residents' confirmations or comments: deleting the component would lose them."""
    return db.session.scalar(
        select(Result.id).outerjoin(Confirmation, Confirmation.result_id == Result.id)
        .where(Result.component_id == component.id,
               (Confirmation.id.is_not(None)) | (Result.comments_count > 0)).limit(1)
    ) is not None


def export_rows(component) -> list[dict]:
    """The results of the component for staff (the manifest's `export` hook), one query."""
    rows = db.session.scalars(
        select(Result).where(Result.component_id == component.id)
        .order_by(Result.weight, Result.id)).all()
    return [{
        "id": result.id,
        "reference": result.reference,
        "parent_id": result.parent_id or "",
        "title": translate(result.title),
        "description": plain_text(translate(result.description)),
        "status": result.status.label if result.status else "",
        "progress": result.progress,
        "start_date": result.start_date.isoformat() if result.start_date else "",
        "end_date": result.end_date.isoformat() if result.end_date else "",
        "category": translate(result.category.name) if result.category else "",
        "scope": translate(result.scope.name) if result.scope else "",
        "amount": result.amount if result.amount is not None else "",
        "comments": result.comments_count,
        "hidden": result.is_hidden,
    } for result in rows]
