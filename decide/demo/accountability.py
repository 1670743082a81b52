"""Budget of last year in its implementation phase (DESIGN.md §6, process 3): the results
of its winning projects, their progress, timelines, followers and the residents'
confirmations.

Loaded as it happened, through the accountability services, one change at a time: the council
publishes the component and makes a result of each winner (their voters and authors are
told); voters choose to follow; the council splits two winners into parts and publishes
progress updates over the months (followers are told each time); once a result is completed
some followers say whether it was done as promised. Each change ends its transaction (its
request), so every notification is sent as it would be, and everything it wrote is moved to
its day. The data is in decide/demo/accountability_data.py. Skipped as a whole when the
process has an accountability component already (the demo ran before).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update

from decide.components.accountability.confirmations import confirm_result
from decide.components.accountability.models import Confirmation
from decide.components.accountability.models import Result
from decide.components.accountability.models import TimelineEntry
from decide.components.accountability.services import add_timeline_entry
from decide.components.accountability.services import create_default_statuses
from decide.components.accountability.services import create_result
from decide.components.accountability.services import results_from_budget
from decide.components.accountability.services import update_result
from decide.components.accountability.services import update_result_progress
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.models import ActionLog
from decide.core.models import OutboxMessage
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.models import utcnow
from decide.demo.accountability_data import CONFIRMATIONS
from decide.demo.accountability_data import FOLLOWED
from decide.demo.accountability_data import FOLLOWING_VOTERS
from decide.demo.accountability_data import MARIA_FOLLOWED
from decide.demo.accountability_data import MARIA_FOLLOWS
from decide.demo.accountability_data import NAME
from decide.demo.accountability_data import PART_FOLLOWERS
from decide.demo.accountability_data import PUBLISHED
from decide.demo.accountability_data import RESULTS
from decide.demo.accountability_data import SETTINGS
from decide.demo.accountability_data import DemoConfirmation
from decide.demo.accountability_data import DemoResult
from decide.demo.accountability_data import Update
from decide.demo.budget_data import IMPORTED_KEYS
from decide.demo.budget_data import LAST_YEAR_PROJECTS
from decide.demo.budgets import LAST_YEAR_SLUG
from decide.demo.budgets import _add_component
from decide.demo.budgets import _day
from decide.demo.budgets import _process
from decide.extensions import db
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.notifications.services import follow
from decide.spaces.models import Component
from decide.spaces.models import Scope
from decide.spaces.services import today_here

# Every column a service sets to "now" that the loader moves to the day of its change
# (updated_at last: moving another column of the row sets it again).
DATED = (Notification.created_at, Follow.created_at, ActionLog.created_at,
         OutboxMessage.created_at, Resource.created_at, ResourceLink.created_at,
         TimelineEntry.created_at, Confirmation.created_at, Component.created_at,
         Component.published_at, Component.updated_at, Result.completed_at, Result.updated_at)


class _Clock:
    """Moves what each change wrote to the moment it happened. The rows a change wrote are
    those stamped after the loader started: earlier changes' rows are in the past by then."""

    def __init__(self):
        self.started = utcnow()
        self.hour: dict[int, float] = {}

    def moment(self, day: int) -> datetime:
        """From 9 in the morning, half an hour after the day's previous change."""
        hours = self.hour.get(day, 9.0)
        self.hour[day] = hours + 0.5
        return _day(self.started, day, hours)

    def done(self, day: int) -> None:
        """End the change's request, dated `day`."""
        moment = self.moment(day)
        db.session.flush()
        for column in DATED:
            db.session.execute(update(column.class_.__table__)
                               .where(column >= self.started).values({column.key: moment}))
        db.session.commit()


@dataclass
class _Made:
    """The rows made so far, by the keys of the data."""

    component: Component
    statuses: dict[str, int]
    results: dict[str, Result]
    people: dict[str, User]


def load_accountability(council: User) -> None:
    """The accountability component of Budget of last year, once."""
    process = _process(LAST_YEAR_SLUG)
    if any(component.manifest_name == "accountability" for component in process.components):
        return
    budget = db.session.scalars(
        select(Budget).join(Budget.component).where(Component.process_id == process.id,
                                                    Budget.winners_confirmed_at.is_not(None))
    ).first()
    if budget is None:
        return  # no winners to carry out
    clock = _Clock()
    component = _add_component(council, process, "accountability", NAME, SETTINGS, {})
    statuses = {status.key: status.id for status in create_default_statuses(council, component)}
    made = _Made(component, statuses, _from_budget(council, component, budget), _people())
    for weight, demo in enumerate(RESULTS):
        if not demo.parent:
            _shape(council, made, made.results[demo.key], demo, weight)
    clock.done(PUBLISHED)
    _follow_winners(made, clock)
    for day, change in _changes():
        change(council, made)
        clock.done(day)


def _from_budget(council, component, budget) -> dict[str, Result]:
    """A result of each selected project, by the project's key."""
    keys = {demo.title["en"]: demo.key for demo in LAST_YEAR_PROJECTS} | IMPORTED_KEYS
    made = results_from_budget(council, component, budget)
    titles = dict(db.session.execute(
        select(ResourceLink.from_id, Project.title).join(Project, Project.id == ResourceLink.to_id)
        .where(ResourceLink.from_id.in_([result.id for result in made]))).all())
    # A council project is titled in English; an imported one in its proposal's language.
    return {keys[_first_title(titles[result.id])]: result for result in made}


def _first_title(title: dict[str, str]) -> str:
    return title.get("en") or next(iter(title.values()))


def _people() -> dict[str, User]:
    return {user.nickname: user for user in db.session.scalars(select(User))}


def _date(day: int) -> date:
    """`day` days from today in the organization's time zone."""
    return today_here() + timedelta(days=day)


def _fields(made: _Made, demo: DemoResult) -> dict:
    """What the council writes of a result, whatever the project said."""
    scopes = dict(db.session.execute(select(Scope.code, Scope.id)).all())
    categories = {category.name["en"]: category.id
                  for category in made.component.process.categories}
    return {"title": demo.title, "description": demo.description,
            "start_date": _date(demo.start), "end_date": _date(demo.end),
            "scope_id": scopes[demo.scope] if demo.scope else None,
            **({"category_id": categories[demo.category]} if demo.category else {})}


def _shape(council, made: _Made, result: Result, demo: DemoResult, weight: int) -> None:
    """A winner's result as the council words it, in every language, with its dates."""
    fields = _fields(made, demo)
    fields.setdefault("category_id", result.category_id)
    update_result(council, result, **fields, reference=result.reference,
                  status_id=result.status_id, progress=None, amount=result.amount,
                  parent_id=None, proposal_ids=_linked(result, "proposal"),
                  project_ids=_linked(result, "project"), weight=weight)


def _linked(result: Result, kind: str) -> list[int]:
    return list(db.session.scalars(
        select(ResourceLink.to_id).join(Resource, Resource.id == ResourceLink.to_id)
        .where(ResourceLink.from_id == result.id, Resource.kind == kind)
        .order_by(ResourceLink.to_id)))


def _voters(project_ids: list[int]) -> list[int]:
    """Who voted online for these projects, in the order of their accounts."""
    return list(db.session.scalars(
        select(Order.user_id).join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.project_id.in_(project_ids), Order.user_id.is_not(None),
               Order.checked_out_at.is_not(None))
        .distinct().order_by(Order.user_id)))


def _follow_winners(made: _Made, clock: _Clock) -> None:
    """Two voters of three follow the result of the project they voted for, and those who
    answer later or follow all theirs; each resident on one day, spread over the days after
    the offer."""
    confirming = {(each.result, each.nickname) for each in CONFIRMATIONS}
    chosen: dict[int, list[Result]] = {}
    for demo in RESULTS:
        if demo.parent:
            continue
        result = made.results[demo.key]
        for position, user_id in enumerate(_voters(_linked(result, "project"))):
            nickname = db.session.get(User, user_id).nickname
            if position % 3 != 2 or (demo.key, nickname) in confirming \
                    or nickname in FOLLOWING_VOTERS:
                chosen.setdefault(user_id, []).append(result)
    first, last = FOLLOWED
    for position, (user_id, results) in enumerate(sorted(chosen.items())):
        user = db.session.get(User, user_id)
        for result in results:
            follow(user, resource=result)
        clock.done(first + (last - first) * position // max(1, len(chosen) - 1))


Change = Callable[[User, _Made], None]


def _changes() -> list[tuple[int, Change]]:
    """Every later change of the data in the order of its day (stable: the data's order
    within a day)."""
    changes = []
    for demo in RESULTS:
        parts = [part for part in RESULTS if part.parent == demo.key]
        for number, step in enumerate(demo.story):
            if number == 0 and parts:  # the council splits the winner before updating it
                changes.append((step.day, _splitter(demo, parts)))
                for part in parts:
                    for nickname in PART_FOLLOWERS.get(part.key, ()):
                        changes.append((step.day + 1, _follower(part.key, nickname)))
            changes.append((step.day, _updater(demo.key, step)))
    for key in MARIA_FOLLOWS:
        changes.append((MARIA_FOLLOWED, _follower(key, "maria")))
    for confirmation in CONFIRMATIONS:
        changes.append((confirmation.day, _confirmer(confirmation)))
    return sorted(changes, key=lambda change: change[0])


def _splitter(parent: DemoResult, parts: list[DemoResult]) -> Change:
    def split(council, made: _Made) -> None:
        result = made.results[parent.key]
        for weight, part in enumerate(parts):
            made.results[part.key] = create_result(
                council, made.component, **_fields(made, part), amount=part.amount,
                status_id=made.statuses["not_started"], parent_id=result.id, weight=weight)
    return split


def _updater(key: str, step: Update) -> Change:
    def publish(council, made: _Made) -> None:
        result = made.results[key]
        entry = None
        if step.entry is not None:
            title, description = step.entry
            entry = {"date": _date(step.day), "title": title, "description": description}
        if step.status is None and step.progress is None:
            add_timeline_entry(council, result, **entry)
            return
        status_id = made.statuses[step.status] if step.status else result.status_id
        update_result_progress(council, result, status_id=status_id, progress=step.progress,
                               entry=entry)
    return publish


def _follower(key: str, nickname: str) -> Change:
    def choose(council, made: _Made) -> None:
        follow(made.people[nickname], resource=made.results[key])
    return choose


def _confirmer(confirmation: DemoConfirmation) -> Change:
    def answer(council, made: _Made) -> None:
        confirm_result(made.people[confirmation.nickname], made.results[confirmation.result],
                       answer=confirmation.answer, comment=confirmation.comment)
    return answer
