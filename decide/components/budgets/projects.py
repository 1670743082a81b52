"""Staff services of budgets: budgets, their projects, the proposals a project came from,
and the import of accepted proposals as projects.

Services flush, never commit, and raise DomainError; every change goes to the action log.
The residents' ballot is in services.py; results and winners in results.py.
"""

from flask import g
from flask import has_request_context
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.comments.models import Comment
from decide.components import Task
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.results import voting_ended
from decide.components.proposals.models import Proposal
from decide.core.html import plain_text
from decide.core.html import resident_text
from decide.core.html import sanitize_html
from decide.core.html import sanitize_translated
from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.core.services import replace_links
from decide.extensions import db
from decide.notifications.services import notify_followers
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.models import Scope
from decide.spaces.services import administered_process_ids
from decide.spaces.services import can_admin_process

# The name of the link from a project to the proposals it came from (read both ways).
INCLUDED_PROPOSALS = "included_proposals"
TITLE_MAX = 150
DESCRIPTION_MAX = 50_000
ADDRESS_MAX = 255
# The largest amount accepted: whole currency units, exact in every database and in JSON.
MAX_AMOUNT = 999_999_999_999_999
WEIGHT_BOUNDS = (-1000, 1000)
# The largest id the database's integer columns hold: a larger one matches nothing.
MAX_ID = 2**31 - 1


# --- permissions ------------------------------------------------------------------------------

def can_manage_budgets(user, component) -> bool:
    """The process admins and admins run a budgets component's back office."""
    return can_admin_process(user, component.process)


def budget_has_orders(budget: Budget) -> bool:
    """Any ballot, even one not checked out yet."""
    return db.session.scalar(
        select(Order.id).where(Order.budget_id == budget.id).limit(1)
    ) is not None


def budget_has_ballots(budget: Budget) -> bool:
    """A checked-out ballot."""
    return db.session.scalar(
        select(Order.id).where(Order.budget_id == budget.id,
                               Order.checked_out_at.is_not(None)).limit(1)
    ) is not None


def project_in_ballots(project: Project) -> bool:
    """The project is in a checked-out ballot."""
    return db.session.scalar(
        select(OrderLine.id).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.project_id == project.id, Order.checked_out_at.is_not(None)).limit(1)
    ) is not None


def _commented(project_ids) -> bool:
    """Residents have commented on one of these projects (deleted comments count too)."""
    return db.session.scalar(
        select(Comment.id).where(Comment.commentable_id.in_(project_ids)).limit(1)
    ) is not None


def budget_deletion_refusal(budget: Budget) -> str | None:
    """Why the budget cannot be deleted, or None: residents' ballots and comments stay."""
    if budget_has_orders(budget):
        return _("Residents have ballots in this budget, so it cannot be deleted.")
    if _commented(select(Project.id).where(Project.budget_id == budget.id)):
        return _("Residents have commented on projects of this budget, so it cannot be "
                 "deleted.")
    return None


def project_deletion_refusal(project: Project) -> str | None:
    if project_in_ballots(project):
        return _("This project is in ballots already cast, so it cannot be deleted.")
    if _commented([project.id]):
        return _("Residents have commented on this project, so it cannot be deleted.")
    return None


def can_delete_budget(user, budget: Budget) -> bool:
    return (can_manage_budgets(user, budget.component)
            and budget_deletion_refusal(budget) is None)


def can_delete_project(user, project: Project) -> bool:
    return (can_manage_budgets(user, project.budget.component)
            and project_deletion_refusal(project) is None)


# --- checks -----------------------------------------------------------------------------------

def _texts(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(code): text.strip() for code, text in value.items()
            if isinstance(text, str) and text.strip()}


def _title(value) -> dict[str, str]:
    title = _texts(value)
    if not title:
        raise DomainError(_("Fill in this field."), field="title")
    if any(len(text) > TITLE_MAX for text in title.values()):
        raise DomainError(_("Use at most %(max)d characters.", max=TITLE_MAX), field="title")
    return title


def _description(value) -> dict[str, str]:
    description = sanitize_translated(_texts(value))
    if any(len(text) > DESCRIPTION_MAX for text in description.values()):
        raise DomainError(_("Use at most %(max)d characters.", max=DESCRIPTION_MAX),
                          field="description")
    return description


def _whole_number(value, field: str, *, least: int) -> int:
    """An amount in whole currency units, from `least` to MAX_AMOUNT."""
    if value is None:
        raise DomainError(_("Fill in this field."), field=field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("Enter a whole number, without decimals."), field=field)
    if value < least:
        message = (_("The amount must be more than 0.") if least > 0
                   else _("The amount cannot be negative."))
        raise DomainError(message, field=field)
    if value > MAX_AMOUNT:
        raise DomainError(_("The amount can be at most %(max)s.", max=f"{MAX_AMOUNT:,}"),
                          field=field)
    return value


def _scope(scope_id) -> int | None:
    if scope_id is None:
        return None
    if (isinstance(scope_id, bool) or not isinstance(scope_id, int)
            or not 0 < scope_id <= MAX_ID or db.session.get(Scope, scope_id) is None):
        raise DomainError(_("Choose one of the scopes."), field="scope_id")
    return scope_id


def _category(component, category_id) -> int | None:
    if category_id is None:
        return None
    category = (db.session.get(Category, category_id)
                if isinstance(category_id, int) and 0 < category_id <= MAX_ID else None)
    if category is None or category.process_id != component.process_id:
        raise DomainError(_("Choose a category of this process."), field="category_id")
    return category_id


def _address(address) -> str:
    address = (address or "").strip() if isinstance(address, str) else ""
    if len(address) > ADDRESS_MAX:
        raise DomainError(_("Use at most %(max)d characters.", max=ADDRESS_MAX),
                          field="address")
    return address


def _log(actor, action: str, resource, component, **details) -> None:
    record_action(actor, action, resource, process_id=component.process_id,
                  details={"component": component.id, **details})


# --- budgets ----------------------------------------------------------------------------------

def _budget_values(*, title, description, total, scope_id=None, weight=0,
                   add1_stops_when_exhaustive=True, greedy_completion=True,
                   receipts_linked=False) -> dict:
    if isinstance(weight, bool) or not isinstance(weight, int) \
            or not WEIGHT_BOUNDS[0] <= weight <= WEIGHT_BOUNDS[1]:
        raise DomainError(_("Enter a number from %(min)s to %(max)s.", min=WEIGHT_BOUNDS[0],
                            max=WEIGHT_BOUNDS[1]), field="weight")
    return {
        "title": _title(title),
        "description": _description(description),
        "total": _whole_number(total, "total", least=1),
        "scope_id": _scope(scope_id),
        "weight": weight,
        "add1_stops_when_exhaustive": bool(add1_stops_when_exhaustive),
        "greedy_completion": bool(greedy_completion),
        "receipts_linked": bool(receipts_linked),
    }


def create_budget(actor, component, **values) -> Budget:
    """A budget of the component: a translated title, a rich-text description, a total in
    whole units (more than 0), a scope, a weight (its place in lists), the two options of
    the Method of Equal Shares and whether receipts are published next to their ballots."""
    budget = Budget(component_id=component.id, component=component, **_budget_values(**values))
    db.session.add(budget)
    db.session.flush()
    _log(actor, "create", budget, component)
    return budget


def update_budget(actor, budget: Budget, **values) -> Budget:
    """Once residents hold ballots here the total no longer changes (it is part of the
    voting rule) and receipts cannot become linked (voters were promised they were not);
    once the winners are confirmed, the options of the winner rule no longer change."""
    cleaned = _budget_values(**values)
    if cleaned["total"] != budget.total and budget_has_orders(budget):
        raise DomainError(_("Residents already have ballots in this budget: its total can no "
                            "longer change."), field="total")
    if cleaned["receipts_linked"] and not budget.receipts_linked and budget_has_ballots(budget):
        raise DomainError(_("Residents have voted believing their receipt would not show how "
                            "they voted: receipts cannot be linked to ballots now."),
                          field="receipts_linked")
    rule_options = ("add1_stops_when_exhaustive", "greedy_completion")
    if budget.winners_confirmed_at is not None and any(
            cleaned[name] != getattr(budget, name) for name in rule_options):
        raise DomainError(_("The winners are confirmed: the options of the winner rule can no "
                            "longer change."), field="add1_stops_when_exhaustive")
    changed = sorted(name for name, value in cleaned.items() if getattr(budget, name) != value)
    for name, value in cleaned.items():
        setattr(budget, name, value)
    db.session.flush()
    _log(actor, "update", budget, budget.component, changed=changed)
    return budget


def delete_budget(actor, budget: Budget) -> None:
    """A budget without ballots (drafts included) nor comments, with its projects."""
    refusal = budget_deletion_refusal(budget)
    if refusal:
        raise DomainError(refusal)
    component = budget.component
    _log(actor, "delete", budget, component)
    # The projects' shared rows go first: their budgets_projects rows follow by cascade.
    db.session.execute(delete(Resource).where(
        Resource.id.in_(select(Project.id).where(Project.budget_id == budget.id))
    ), execution_options={"synchronize_session": False})
    db.session.delete(budget)
    db.session.flush()


# --- projects ---------------------------------------------------------------------------------

def process_proposals_query(component):
    """The published proposals of the component's process, of every proposals component."""
    return (
        select(Proposal)
        .join(Component, Component.id == Proposal.component_id)
        .where(Component.process_id == component.process_id,
               Proposal.published_at.is_not(None))
    )


def linkable_proposals(component) -> list[Proposal]:
    """The proposals a project of this component may name as its origin (hidden ones are
    left out), newest first."""
    return db.session.scalars(
        process_proposals_query(component).where(Proposal.hidden_at.is_(None))
        .order_by(Proposal.published_at.desc(), Proposal.id.desc())
    ).all()


def linked_proposal_ids(projects) -> dict[int, list[int]]:
    """{project id: [proposal ids]} of the proposals each project came from: one query."""
    ids = [project.id for project in projects]
    found: dict[int, list[int]] = {id_: [] for id_ in ids}
    if ids:
        for from_id, to_id in db.session.execute(
            select(ResourceLink.from_id, ResourceLink.to_id)
            .where(ResourceLink.from_id.in_(ids), ResourceLink.name == INCLUDED_PROPOSALS)
            .order_by(ResourceLink.to_id)
        ):
            found[from_id].append(to_id)
    return found


def _proposal_ids(component, proposal_ids) -> list[int]:
    """The chosen ids, each a published proposal of the component's process."""
    ids = sorted(set(proposal_ids or ()))
    if not ids:
        return []
    if any(isinstance(each, bool) or not isinstance(each, int) or not 0 < each <= MAX_ID
           for each in ids):
        raise DomainError(_("Choose proposals of this process."), field="proposal_ids")
    found = set(db.session.scalars(
        process_proposals_query(component).with_only_columns(Proposal.id)
        .where(Proposal.id.in_(ids))
    ))
    if found != set(ids):
        raise DomainError(_("Choose proposals of this process."), field="proposal_ids")
    return ids


def _link_proposals(project: Project, proposal_ids: list[int]) -> None:
    replace_links(project.id, INCLUDED_PROPOSALS,
                  set(linked_proposal_ids([project])[project.id]), set(proposal_ids))


def _project_values(component, *, title, description, amount, category_id=None,
                    scope_id=None, address="", proposal_ids=()) -> tuple[dict, list[int]]:
    return {
        "title": _title(title),
        "description": _description(description),
        "amount": _whole_number(amount, "amount", least=0),
        "category_id": _category(component, category_id),
        "scope_id": _scope(scope_id),
        "address": _address(address),
    }, _proposal_ids(component, proposal_ids)


def create_project(actor, budget: Budget, **values) -> Project:
    """A project of the budget: a translated title, a rich-text description, an amount in
    whole units (0 or more), a category of the process, a scope, an address, and the
    published proposals of the process it came from."""
    if budget.is_closed:
        raise DomainError(_("This budget was imported for a recount: its projects are those "
                            "of the file."))
    component = budget.component
    cleaned, proposal_ids = _project_values(component, **values)
    project = Project(budget=budget, component_id=component.id, **cleaned)
    db.session.add(project)
    db.session.flush()
    _link_proposals(project, proposal_ids)
    _log(actor, "create", project, component, budget=budget.id)
    return project


def update_project(actor, project: Project, **values) -> Project:
    """Edit a project; its amount no longer changes once it is in a checked-out ballot
    (those ballots were checked out against it)."""
    component = project.budget.component
    cleaned, proposal_ids = _project_values(component, **values)
    if cleaned["amount"] != project.amount and project_in_ballots(project):
        raise DomainError(_("Residents have voted for this project: its amount can no longer "
                            "change."), field="amount")
    changed = sorted(name for name, value in cleaned.items() if getattr(project, name) != value)
    for name, value in cleaned.items():
        setattr(project, name, value)
    db.session.flush()
    if set(proposal_ids) != set(linked_proposal_ids([project])[project.id]):
        changed.append("proposal_ids")
    _link_proposals(project, proposal_ids)
    _log(actor, "update", project, component, budget=project.budget_id, changed=changed)
    return project


def delete_project(actor, project: Project) -> None:
    """A project in no checked-out ballot (it leaves the ballots not checked out yet) and
    without comments."""
    refusal = project_deletion_refusal(project)
    if refusal:
        raise DomainError(refusal)
    _log(actor, "delete", project, project.budget.component, budget=project.budget_id)
    db.session.delete(project)
    db.session.flush()


# --- importing accepted proposals -------------------------------------------------------------

def importable_proposals(budget: Budget) -> list[Proposal]:
    """The process's proposals accepted by a published answer and not yet the origin of a
    project of this component, oldest first; those without a cost are listed too (they
    cannot be imported: `proposal.cost is None`)."""
    component = budget.component
    already = (
        select(ResourceLink.id)
        .join(Project, Project.id == ResourceLink.from_id)
        .where(ResourceLink.to_id == Proposal.id, ResourceLink.name == INCLUDED_PROPOSALS,
               Project.component_id == component.id)
    )
    return db.session.scalars(
        process_proposals_query(component)
        .where(Proposal.state == "accepted", Proposal.answer_published_at.is_not(None),
               Proposal.withdrawn_at.is_(None), Proposal.hidden_at.is_(None),
               ~exists(already))
        .order_by(Proposal.published_at, Proposal.id)
    ).all()


def _description_of(proposal: Proposal) -> dict[str, str]:
    """The resident's text, escaped, in paragraphs (links kept clickable)."""
    html = sanitize_html(str(resident_text(proposal.body)))
    return {proposal.locale: html} if html else {}


def import_proposals(actor, budget: Budget, proposal_ids) -> list[Project]:
    """One project per chosen proposal (an accepted one with a cost, see
    `importable_proposals`): its title and text in the author's language, the answer's cost
    as the amount, its category, scope and address, the link to it; the authors and
    followers of each proposal are told. A proposal imported already (by a run before, or
    at the same time) is left out, so running it twice imports nothing twice. One entry in
    the action log per run. Returns the new projects."""
    if budget.is_closed:
        raise DomainError(_("This budget was imported for a recount: its projects are those "
                            "of the file."))
    component = budget.component
    chosen = set(proposal_ids or ())
    if not chosen:
        raise DomainError(_("Choose at least one proposal."), field="proposal_ids")
    if any(isinstance(each, bool) or not isinstance(each, int) for each in chosen):
        raise DomainError(_("Choose proposals from the list."), field="proposal_ids")
    # Concurrent imports into the component queue here (SQLite: the write transaction).
    db.session.execute(select(Component.id).where(Component.id == component.id)
                       .with_for_update())
    waiting = {proposal.id: proposal for proposal in importable_proposals(budget)}
    imported_already = set(db.session.scalars(
        select(ResourceLink.to_id).join(Project, Project.id == ResourceLink.from_id)
        .where(ResourceLink.to_id.in_([i for i in chosen if 0 < i <= MAX_ID]),
               ResourceLink.name == INCLUDED_PROPOSALS, Project.component_id == component.id)
    ))
    unknown = chosen - waiting.keys() - imported_already
    if unknown:
        raise DomainError(_("Choose accepted proposals of this process from the list."),
                          field="proposal_ids")
    proposals = [waiting[i] for i in sorted(chosen - imported_already)]
    without_cost = [proposal for proposal in proposals if proposal.cost is None]
    if without_cost:
        raise DomainError(_("The answer to “%(title)s” has no cost: give it one before "
                            "importing it.", title=without_cost[0].title),
                          field="proposal_ids")
    projects = []
    for proposal in proposals:
        project = Project(
            budget=budget, component_id=component.id, title={proposal.locale: proposal.title},
            description=_description_of(proposal), amount=proposal.cost,
            category_id=proposal.category_id, scope_id=proposal.scope_id,
            address=proposal.address or "",
        )
        db.session.add(project)
        projects.append(project)
    db.session.flush()
    db.session.add_all(ResourceLink(from_id=project.id, to_id=proposal.id,
                                    name=INCLUDED_PROPOSALS)
                       for project, proposal in zip(projects, proposals, strict=True))
    db.session.flush()
    if projects:
        _log(actor, "import_proposals", budget, component,
             proposals=[proposal.id for proposal in proposals],
             projects=[project.id for project in projects])
    for project, proposal in zip(projects, proposals, strict=True):
        notify_followers("proposal_imported", proposal, actor=actor,
                         also=[proposal.author] if proposal.author else [],
                         budget_title=dict(budget.title), project_id=project.id)
    return projects


# --- lists --------------------------------------------------------------------------------

def budget_rows(component) -> list[tuple[Budget, int, int]]:
    """The budgets of the component with their number of projects and of checked-out
    ballots, in their order: three queries whatever their number."""
    budgets = db.session.scalars(
        select(Budget).where(Budget.component_id == component.id)
        .order_by(Budget.weight, Budget.id)
    ).all()
    ids = [budget.id for budget in budgets]
    projects = dict(db.session.execute(
        select(Project.budget_id, func.count(Project.id))
        .where(Project.budget_id.in_(ids)).group_by(Project.budget_id)
    ).all()) if ids else {}
    ballots = dict(db.session.execute(
        select(Order.budget_id, func.count(Order.id))
        .where(Order.budget_id.in_(ids), Order.checked_out_at.is_not(None))
        .group_by(Order.budget_id)
    ).all()) if ids else {}
    return [(budget, projects.get(budget.id, 0), ballots.get(budget.id, 0))
            for budget in budgets]


def budget_projects(budget: Budget) -> list[Project]:
    """The projects of a budget, by title order of creation: one query."""
    return db.session.scalars(
        select(Project).where(Project.budget_id == budget.id).order_by(Project.id)
    ).all()


def projects_in_ballots(projects) -> set[int]:
    """Which of these projects are in a checked-out ballot: one query."""
    ids = [project.id for project in projects]
    if not ids:
        return set()
    return set(db.session.scalars(
        select(OrderLine.project_id).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.project_id.in_(ids), Order.checked_out_at.is_not(None)).distinct()
    ))



def export_rows(component) -> list[dict]:
    """The projects of every budget of the component, for staff (the manifest's `export`
    hook): titles in the reader's language, descriptions as plain text, the counted ballots
    (shown to residents or not yet), the proposals each came from. Three queries."""
    rows = db.session.scalars(
        select(Project).join(Budget, Budget.id == Project.budget_id)
        .where(Budget.component_id == component.id)
        .order_by(Budget.weight, Budget.id, Project.id)
    ).all()
    linked = linked_proposal_ids(rows)
    return [{
        "id": project.id,
        "reference": project.reference,
        "budget_id": project.budget_id,
        "budget": translate(project.budget.title),
        "title": translate(project.title),
        "description": plain_text(translate(project.description)),
        "amount": project.amount,
        "category": translate(project.category.name) if project.category else "",
        "scope": translate(project.scope.name) if project.scope else "",
        "address": project.address,
        "votes": project.votes_count,
        "selected": project.is_selected,
        "proposals": " ".join(str(each) for each in linked[project.id]),
        "comments": project.comments_count,
        "hidden": project.is_hidden,
    } for project in rows]


# --- the manifest's hooks -------------------------------------------------------------------

def _counts_of_process(process) -> dict[int, tuple[int, int]]:
    """{component id: (budgets, projects)} of every budgets component of the process, in
    two queries, kept for the request (the process page asks each component)."""
    cache = g.setdefault("budgets_by_process", {}) if has_request_context() else {}
    if process.id not in cache:
        ids = [c.id for c in process.components if c.manifest_name == "budgets"]
        budgets = dict(db.session.execute(
            select(Budget.component_id, func.count(Budget.id))
            .where(Budget.component_id.in_(ids)).group_by(Budget.component_id)
        ).all()) if ids else {}
        projects = dict(db.session.execute(
            select(Project.component_id, func.count(Project.id))
            .where(Project.component_id.in_(ids), Project.hidden_at.is_(None))
            .group_by(Project.component_id)
        ).all()) if ids else {}
        cache[process.id] = {id_: (budgets.get(id_, 0), projects.get(id_, 0)) for id_ in ids}
    return cache[process.id]


def summary(component) -> str:
    """The line on the process page: "2 budgets · 14 projects"."""
    budgets, projects = _counts_of_process(component.process).get(component.id, (0, 0))
    return " · ".join((ngettext("%(num)d budget", "%(num)d budgets", budgets),
                       ngettext("%(num)d project", "%(num)d projects", projects)))


def stats(components) -> dict[int, dict]:
    """Budgets, projects and checked-out ballots per component: three queries."""
    ids = [component.id for component in components]

    def per_component(query) -> dict[int, int]:
        return dict(db.session.execute(query).all()) if ids else {}

    budgets = per_component(
        select(Budget.component_id, func.count(Budget.id))
        .where(Budget.component_id.in_(ids)).group_by(Budget.component_id))
    projects = per_component(
        select(Project.component_id, func.count(Project.id))
        .where(Project.component_id.in_(ids)).group_by(Project.component_id))
    ballots = per_component(
        select(Budget.component_id, func.count(Order.id))
        .join(Order, Order.budget_id == Budget.id)
        .where(Budget.component_id.in_(ids), Order.checked_out_at.is_not(None))
        .group_by(Budget.component_id))
    return {id_: {_l("Budgets"): budgets.get(id_, 0), _l("Projects"): projects.get(id_, 0),
                  _l("Ballots cast"): ballots.get(id_, 0)} for id_ in ids}


def has_participation(component) -> bool:
    """Any ballot, even one not checked out: deleting the component would lose votes."""
    return db.session.scalar(
        select(Order.id).join(Budget, Budget.id == Order.budget_id)
        .where(Budget.component_id == component.id).limit(1)
    ) is not None


def tasks(user) -> list[Task]:
    """Budgets whose voting has ended and whose winners are not confirmed, per component of
    the processes the user administers (all for admins): three queries."""
    allowed = administered_process_ids(user)
    if allowed is not None and not allowed:
        return []
    query = (
        select(Budget).join(Component, Component.id == Budget.component_id)
        .where(Budget.winners_confirmed_at.is_(None), Component.manifest_name == "budgets")
        .options(selectinload(Budget.component).selectinload(Component.process)
                 .selectinload(Process.phases))
        .order_by(Component.process_id, Component.weight, Component.id, Budget.weight,
                  Budget.id)
    )
    if allowed is not None:
        query = query.where(Component.process_id.in_(allowed))
    waiting: dict[int, list[Budget]] = {}
    for budget in db.session.scalars(query):
        if voting_ended(budget):
            waiting.setdefault(budget.component_id, []).append(budget)
    found = []
    for budgets in waiting.values():
        component = budgets[0].component
        values = {"slug": component.process.slug, "component_id": component.id}
        url = (url_for("budgets_admin.results_page", budget_id=budgets[0].id, **values)
               if len(budgets) == 1 else url_for("budgets_admin.index", **values))
        found.append(Task(_("Winners to confirm in %(process)s: %(component)s",
                            process=translate(component.process.title),
                            component=translate(component.name)), url, len(budgets)))
    return found
