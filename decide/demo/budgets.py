"""District Budgets in its voting phase and Budget of last year in its implementation phase
(DESIGN.md §6, processes 2 and 3), with the census their voters were verified against.

Loaded as it happened, through the services: the census is uploaded and residents verify;
then each process goes through its phases in turn (proposals written, answered with costs,
imported into budgets as projects, ballots cast, winners confirmed), each phase activated
while its part happens, so every rule a service checks is that of its phase. As in
decide/demo/green_streets.py, a change that tells residents something ends its transaction
(its request), and the dates are moved afterwards to the days of the phases.

The demo data is in decide/demo/budget_data.py; README.md lists the census identities a
visitor can use. Skipped as a whole when a process of the two has a budgets component (the
demo ran before).
"""

from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from decide.comments.models import Comment
from decide.comments.services import create_comment
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import Project
from decide.components.budgets.projects import create_budget
from decide.components.budgets.projects import create_project
from decide.components.budgets.projects import import_proposals
from decide.components.budgets.projects import linked_proposal_ids
from decide.components.budgets.results import confirm_winners
from decide.components.budgets.services import add_project
from decide.components.budgets.services import cancel_order
from decide.components.budgets.services import checkout_order
from decide.components.budgets.services import enter_paper_ballot
from decide.components.budgets.services import remove_project
from decide.components.proposals.answers import answer_proposal
from decide.components.proposals.answers import publish_answers
from decide.components.proposals.models import Proposal
from decide.components.proposals.services import create_draft
from decide.components.proposals.services import publish_proposal
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.models import utcnow
from decide.demo.budget_data import ANA_LAST_YEAR
from decide.demo.budget_data import DISTRICT_BALLOTS
from decide.demo.budget_data import DISTRICT_BUDGETS
from decide.demo.budget_data import DISTRICT_PAPER_BALLOTS
from decide.demo.budget_data import DISTRICT_PROJECTS
from decide.demo.budget_data import DISTRICT_PROPOSALS
from decide.demo.budget_data import IMPORTED_KEYS
from decide.demo.budget_data import LAST_YEAR_BUDGET
from decide.demo.budget_data import LAST_YEAR_PROJECTS
from decide.demo.budget_data import LAST_YEAR_PROPOSALS
from decide.demo.budget_data import PROJECT_COMMENTS
from decide.demo.budget_data import VOTERS
from decide.demo.budget_data import BudgetProposal
from decide.demo.budget_data import DemoBudget
from decide.demo.budget_data import DemoIdentity
from decide.demo.budget_data import DemoProject
from decide.demo.budget_data import census_identities
from decide.demo.budget_data import last_year_ballots
from decide.demo.green_streets import RESIDENTS_DOMAIN
from decide.demo.green_streets import load_residents
from decide.demo.participation import RESIDENTS
from decide.extensions import db
from decide.notifications.models import Notification
from decide.spaces.models import Component
from decide.spaces.models import PhaseActivation
from decide.spaces.models import Process
from decide.spaces.models import Scope
from decide.spaces.services import activate_phase
from decide.spaces.services import add_component
from decide.spaces.services import publish_component
from decide.spaces.services import update_component
from decide.verification.models import CensusEntry
from decide.verification.services import census_status
from decide.verification.services import import_census
from decide.verification.services import verify_identity

DISTRICT_SLUG = "district-budgets"
LAST_YEAR_SLUG = "budget-of-last-year"

PROPOSALS_NAME = {"en": "Proposals", "es": "Propuestas", "ca": "Propostes",
                  "fr": "Propositions"}
BUDGETS_NAME = {"en": "Budgets", "es": "Presupuestos", "ca": "Pressupostos", "fr": "Budgets"}

PROPOSAL_SETTINGS = {"answers_enabled": True, "official_proposals_enabled": False,
                     "comments_enabled": True}
ANSWERS_PHASE = {"answers_with_costs": True, "publish_answers_immediately": False}
# By the English title of the phase (decide.demo.PHASE_NAMES).
DISTRICT_PROPOSAL_PHASES = {"Project proposals": {"creation_enabled": True},
                            "Evaluation": ANSWERS_PHASE}
LAST_YEAR_PROPOSAL_PHASES = {"Proposals": {"creation_enabled": True},
                             "Supports": {"supports_enabled": True},
                             "Evaluation": ANSWERS_PHASE}

# Vote in your district's budget, spending 70% to 100% of it; cancel and vote again while
# voting is open; 16 or older; the greedy rule most cities use.
DISTRICT_SETTINGS = {"vote_rule": "minimum_percent", "vote_minimum_percent": 70,
                     "vote_in": "district", "can_cancel": True, "minimum_age": 16,
                     "verify_vote": True, "show_votes_after_voting": True,
                     "winner_rule": "greedy", "comments_enabled": True}
DISTRICT_PHASES = {"Voting": {"voting_enabled": True}, "Results": {"show_votes": True}}
# One city budget: 1 to 4 projects whatever they cost; the Method of Equal Shares.
LAST_YEAR_SETTINGS = {"vote_rule": "project_range", "vote_range_min": 1, "vote_range_max": 4,
                      "vote_in": "every", "can_cancel": False, "verify_vote": True,
                      "show_votes_after_voting": True, "winner_rule": "equal_shares",
                      "comments_enabled": True}
LAST_YEAR_PHASES = {"Voting": {"voting_enabled": True},
                    "Implementation": {"comments_blocked": True}}

# The days things happened, from today (inside the phases of decide.demo.PROCESSES).
LAST_YEAR_DAYS = {"census": -306, "verified": -305, "proposals": (-445, -395),
                  "answered": -335, "answers_published": -320, "budget": -310,
                  "votes": (-299, -272), "winners": -268}
DISTRICT_DAYS = {"proposals": (-95, -65), "answered": -30, "answers_published": -20,
                 "budget": -12, "votes": (-6, -1), "comments": (-5, -2), "maria": -9}


def load_budgets(council: User, accounts: dict[str, User]) -> None:
    """The census, District Budgets and Budget of last year, once: skipped when either
    process has a budgets component already."""
    district = _process(DISTRICT_SLUG)
    last_year = _process(LAST_YEAR_SLUG)
    if any(component.manifest_name == "budgets"
           for component in district.components + last_year.components):
        return
    marks = _Marks.now()
    people = {**accounts, **_green_streets_residents(), **load_voters()}
    identities = census_identities(tuple(resident.nickname for resident in RESIDENTS))
    load_census(council, identities, people, now=utcnow())
    _next_request()
    receipts: list[tuple[int, Order]] = []
    load_last_year(council, last_year, people, identities, receipts)
    load_district_budgets(council, people["jordi"], district, people, identities, receipts)
    _set_dates(marks, receipts)
    db.session.flush()


def _next_request() -> None:
    """End the transaction, as the request that made the change would."""
    db.session.commit()


def _process(slug: str) -> Process:
    return db.session.scalars(select(Process).where(Process.slug == slug)).one()


def _green_streets_residents() -> dict[str, User]:
    nicknames = [resident.nickname for resident in RESIDENTS]
    return {user.nickname: user for user in db.session.scalars(
        select(User).where(User.nickname.in_(nicknames)))}


def load_voters() -> dict[str, User]:
    """The residents who vote in District Budgets (they voted last year too), made as those
    of Green Streets."""
    return load_residents(VOTERS)


# --- the census ------------------------------------------------------------------------------

def census_csv(identities: list[DemoIdentity]) -> bytes:
    """The census as the council's file would be: one line per person."""
    lines = ["document_number,birth_date,scope"]
    lines += [f"{each.document},{each.birth_date.isoformat()},{each.scope}"
              for each in identities]
    return ("\n".join(lines) + "\n").encode()


def load_census(council: User, identities: list[DemoIdentity], people: dict, *,
                now: datetime) -> None:
    """Upload the census (unless one is there already) before last year's vote, and verify
    the accounts of the identities that have one: the residents and Ana then, Maria a few
    days ago; Lucas is left unverified."""
    if not census_status().entries:
        import_census(council, census_csv(identities))
        db.session.execute(update(CensusEntry).values(
            created_at=_day(now, LAST_YEAR_DAYS["census"])))
    for position, identity in enumerate(identity for identity in identities
                                        if identity.holder):
        verification = verify_identity(people[identity.holder], document=identity.document,
                                       birth_date=identity.birth_date)
        day = DISTRICT_DAYS["maria"] if identity.holder == "maria" \
            else LAST_YEAR_DAYS["verified"]
        verification.created_at = _day(now, day, 9 + position % 10)


# --- proposals -----------------------------------------------------------------------------

def _add_component(council, process, kind: str, name: dict, settings: dict,
                   phases: dict) -> Component:
    component = add_component(council, process, manifest_name=kind, name=name)
    by_title = {phase.title["en"]: phase.id for phase in process.phases}
    update_component(council, component, name=name, settings=settings,
                     phase_settings={by_title[title]: values
                                     for title, values in phases.items()})
    publish_component(council, component)
    db.session.flush()
    return component


def _activate(council, process, title: str) -> None:
    [phase] = [phase for phase in process.phases if phase.title["en"] == title]
    activate_phase(council, phase)
    db.session.flush()


def _ids(model, column) -> dict[str, int]:
    return dict(db.session.execute(select(column, model.id)).all())


def load_proposals(council, process, component, demos: tuple[BudgetProposal, ...],
                   people, *, evaluation: str) -> list[Proposal]:
    """Written and published by their authors in the proposals phase; answered with costs
    by the council in the evaluation phase; the answers published together."""
    categories = {category.name["en"]: category.id for category in process.categories}
    scopes = dict(db.session.execute(select(Scope.code, Scope.id)).all())
    proposals = []
    for demo in demos:
        author = people[demo.author]
        proposal = create_draft(author, component, title=demo.title, body=demo.body,
                                category_id=categories[demo.category],
                                scope_id=scopes[demo.scope] if demo.scope else None,
                                address=demo.address, locale=demo.locale)
        publish_proposal(author, proposal)
        proposals.append(proposal)
    _next_request()
    _activate(council, process, evaluation)
    for demo, proposal in zip(demos, proposals, strict=True):
        answer_proposal(council, proposal, state=demo.state,
                        answer={code: f"<p>{text}</p>" for code, text in demo.answer.items()},
                        cost=demo.cost)
    _next_request()
    publish_answers(council, proposals)
    _next_request()
    return proposals


# --- budgets and projects --------------------------------------------------------------------

def load_projects(council, process, component, budgets: tuple[DemoBudget, ...],
                  projects: tuple[DemoProject, ...], demos: tuple[BudgetProposal, ...],
                  proposals: list[Proposal]) -> tuple[dict[str, Budget], dict[str, Project]]:
    """The budgets, the council's projects, and the accepted proposals imported (their
    authors are told)."""
    categories = {category.name["en"]: category.id for category in process.categories}
    scopes = dict(db.session.execute(select(Scope.code, Scope.id)).all())
    made_budgets = {}
    for weight, demo in enumerate(budgets):
        made_budgets[demo.key] = create_budget(
            council, component, title=demo.title, description=demo.description,
            total=demo.total, scope_id=scopes[demo.scope] if demo.scope else None,
            weight=weight)
    made = {}
    for demo in projects:
        budget = made_budgets[demo.budget]
        made[demo.key] = create_project(
            council, budget, title=demo.title, description=demo.description,
            amount=demo.amount, category_id=categories[demo.category],
            scope_id=budget.scope_id, address=demo.address)
    for key, budget in made_budgets.items():
        chosen = [proposal.id for demo, proposal in zip(demos, proposals, strict=True)
                  if demo.budget == key]
        for project in import_proposals(council, budget, chosen):
            [proposal] = [p for p in proposals if p.id in _included(project)]
            made[IMPORTED_KEYS[proposal.title]] = project
    _next_request()
    return made_budgets, made


def _included(project: Project) -> set[int]:
    return set(linked_proposal_ids([project])[project.id])


# --- ballots ---------------------------------------------------------------------------------

def _vote(user, projects: list[Project], receipts: list) -> Order:
    """The resident puts the projects in the ballot and checks it out."""
    for project in projects:
        add_project(user, project)
    budget = projects[0].budget
    checkout_order(user, budget)
    order = _order_of(user, budget)
    receipts.append((_last_message(user), order))
    return order


def _order_of(user, budget) -> Order:
    return db.session.scalars(select(Order).where(Order.budget_id == budget.id,
                                                  Order.user_id == user.id)).one()


def _last_message(user) -> int:
    db.session.flush()
    return db.session.scalar(select(func.max(OutboxMessage.id))
                             .where(OutboxMessage.user_id == user.id))


def load_last_year(council, process, people, identities, receipts) -> None:
    """Budget of last year, from its proposals to its confirmed winners: the residents of
    Green Streets and District Budgets and Ana voted online, the others of the census on
    paper (entered by the council at the polling stations)."""
    _activate(council, process, "Proposals")
    proposals_component = _add_component(council, process, "proposals", PROPOSALS_NAME,
                                         PROPOSAL_SETTINGS, LAST_YEAR_PROPOSAL_PHASES)
    proposals = load_proposals(council, process, proposals_component, LAST_YEAR_PROPOSALS,
                               people, evaluation="Evaluation")
    component = _add_component(council, process, "budgets", BUDGETS_NAME,
                               LAST_YEAR_SETTINGS, LAST_YEAR_PHASES)
    budgets, projects = load_projects(council, process, component, (LAST_YEAR_BUDGET,),
                                      LAST_YEAR_PROJECTS, LAST_YEAR_PROPOSALS, proposals)
    _activate(council, process, "Voting")
    ballots = last_year_ballots()
    ballots.remove(ANA_LAST_YEAR)
    online = [resident.nickname for resident in RESIDENTS + VOTERS]
    for nickname, ballot in zip(online, ballots, strict=False):
        _vote(people[nickname], [projects[key] for key in ballot], receipts)
    _vote(people["ana"], [projects[key] for key in ANA_LAST_YEAR], receipts)
    paper = [identity for identity in identities if not identity.holder and not identity.use]
    for identity, ballot in zip(paper, ballots[len(online):], strict=True):
        enter_paper_ballot(council, budgets["city"], document=identity.document,
                           birth_date=identity.birth_date,
                           project_ids=[projects[key].id for key in ballot])
    _next_request()
    _activate(council, process, "Implementation")
    confirm_winners(council, budgets["city"])
    _next_request()


def load_district_budgets(council, process_admin, process, people, identities,
                          receipts) -> None:
    """District Budgets, from its proposals to the ballots of the voting phase: cast,
    drafts, cancelled and cast again, on paper; and a few comments on projects."""
    _activate(council, process, "Project proposals")
    proposals_component = _add_component(council, process, "proposals", PROPOSALS_NAME,
                                         PROPOSAL_SETTINGS, DISTRICT_PROPOSAL_PHASES)
    proposals = load_proposals(council, process, proposals_component, DISTRICT_PROPOSALS,
                               people, evaluation="Evaluation")
    component = _add_component(council, process, "budgets", BUDGETS_NAME, DISTRICT_SETTINGS,
                               DISTRICT_PHASES)
    budgets, projects = load_projects(council, process, component, DISTRICT_BUDGETS,
                                      DISTRICT_PROJECTS, DISTRICT_PROPOSALS, proposals)
    _activate(council, process, "Voting")
    for nickname, (state, ballot, *change) in DISTRICT_BALLOTS.items():
        user = people[nickname]
        chosen = [projects[key] for key in ballot]
        if state == "draft":
            for project in chosen:
                add_project(user, project)
            continue
        order = _vote(user, chosen, receipts)
        if state == "redone":
            removed, added = change
            budget = order.budget
            cancel_order(user, budget)
            for key in removed:
                remove_project(user, projects[key])
            _vote(user, [projects[key] for key in added], receipts)
    paper = [identity for identity in identities if not identity.holder and not identity.use]
    for index, ballot in DISTRICT_PAPER_BALLOTS:
        identity = paper[index]
        budget = budgets[identity.scope]
        enter_paper_ballot(process_admin, budget, document=identity.document,
                           birth_date=identity.birth_date,
                           project_ids=[projects[key].id for key in ballot])
    _next_request()
    load_comments(projects, people)


def load_comments(projects: dict[str, Project], people) -> None:
    thread: list[Comment] = []
    for key, author, locale, alignment, body, reply_to in PROJECT_COMMENTS:
        thread.append(create_comment(people[author], projects[key], body=body,
                                     alignment=alignment, locale=locale,
                                     parent=thread[reply_to] if reply_to is not None
                                     else None))
        _next_request()


# --- dates -----------------------------------------------------------------------------------

class _Marks:
    """The last ids before the loader ran: what comes after is its own."""

    def __init__(self, notification: int, activation: int):
        self.notification = notification
        self.activation = activation

    @classmethod
    def now(cls) -> "_Marks":
        return cls(db.session.scalar(select(func.max(Notification.id))) or 0,
                   db.session.scalar(select(func.max(PhaseActivation.id))) or 0)


def _day(now: datetime, offset: int, hours: float = 10) -> datetime:
    """`offset` days from now, at `hours` after the start of that day (UTC)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=offset)
    return min(start + timedelta(hours=hours), now)


def _spread(now: datetime, span: tuple[int, int], position: int, count: int) -> datetime:
    """The `position`-th of `count` moments spread over the days of `span`."""
    first, last = span
    start = _day(now, first, 8)
    end = _day(now, last, 20)
    return start + (end - start) * ((position + 1) / (count + 1))


def _set_dates(marks: _Marks, receipts: list[tuple[int, Order]]) -> None:
    now = utcnow()
    last_year = _process(LAST_YEAR_SLUG)
    district = _process(DISTRICT_SLUG)
    for process, days in ((last_year, LAST_YEAR_DAYS), (district, DISTRICT_DAYS)):
        _date_process(process, days, now)
    _date_comments(district, now)
    for message_id, order in receipts:
        message = db.session.get(OutboxMessage, message_id)
        message.created_at = order.checked_out_at
        if not message.to_address.endswith("@" + RESIDENTS_DOMAIN):
            continue  # a demo account's: waits for the mail worker (README.md)
        message.sent_at = message.created_at  # delivered back then
    db.session.flush()
    _date_notifications(marks)
    # The phases went by as history: nobody is told of them now.
    db.session.execute(update(PhaseActivation).where(PhaseActivation.id > marks.activation)
                       .values(notified_at=PhaseActivation.activated_at))


def _date_process(process: Process, days: dict, now: datetime) -> None:
    ids = [component.id for component in process.components
           if component.manifest_name in ("proposals", "budgets")]
    proposals = db.session.scalars(select(Proposal).where(Proposal.component_id.in_(ids))
                                   .order_by(Proposal.id)).all()
    for position, proposal in enumerate(proposals):
        proposal.published_at = _spread(now, days["proposals"], position, len(proposals))
        proposal.created_at = proposal.published_at - timedelta(minutes=30)
        proposal.answered_at = _day(now, days["answered"], 9 + position)
        proposal.answer_published_at = _day(now, days["answers_published"])
    budgets = db.session.scalars(select(Budget).where(Budget.component_id.in_(ids))).all()
    for budget in budgets:
        budget.created_at = _day(now, days["budget"], 9)
        if budget.winners_confirmed_at is not None:
            budget.winners_confirmed_at = _day(now, days["winners"])
    projects = db.session.scalars(select(Project).where(Project.component_id.in_(ids))).all()
    for project in projects:
        project.created_at = _day(now, days["budget"], 11)
        if project.selected_at is not None:
            project.selected_at = _day(now, days["winners"])
    orders = db.session.scalars(
        select(Order).where(Order.budget_id.in_([budget.id for budget in budgets]))
        .order_by(Order.id)).all()
    for position, order in enumerate(orders):
        order.created_at = _spread(now, days["votes"], position, len(orders))
        if order.checked_out_at is not None:
            order.checked_out_at = order.created_at + timedelta(minutes=12)


def _date_comments(process: Process, now: datetime) -> None:
    ids = [component.id for component in process.components]
    comments = db.session.scalars(
        select(Comment).where(Comment.commentable_id.in_(
            select(Project.id).where(Project.component_id.in_(ids))))
        .order_by(Comment.id)).all()
    for position, comment in enumerate(comments):
        comment.created_at = _spread(now, DISTRICT_DAYS["comments"], position, len(comments))


# When each event happened: the attribute of the notification's resource that says so.
EVENT_TIMES = {"proposal_published": "published_at", "proposal_answered": "answer_published_at",
               "comment_created": "created_at", "comment_reply": "created_at",
               "mention": "created_at"}


def _date_notifications(marks: _Marks) -> None:
    """Each notification the loader made at the time of its event."""
    for notification in db.session.scalars(
            select(Notification).where(Notification.id > marks.notification)):
        if notification.event == "proposal_imported":  # when the project was made
            moment = db.session.get(Project, notification.data["project_id"]).created_at
        else:
            attribute = EVENT_TIMES.get(notification.event)
            moment = getattr(notification.resource, attribute) if attribute else None
        if moment is not None:
            notification.created_at = moment
