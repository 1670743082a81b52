"""The demo city's accountability (decide/demo/accountability.py): Budget of last year's
winners carried out, with statuses, parts, timelines, followers and confirmations, told as
it happened; what README.md promises a visitor signed in as Maria. A second run adds
nothing."""

from fractions import Fraction
from math import floor
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability.confirmations import can_confirm
from decide.components.accountability.confirmations import confirm_result
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
from decide.components.proposals.models import Proposal
from decide.core.models import ActionLog
from decide.core.models import OutboxMessage
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.models import utcnow
from decide.demo import DEMO_ACCOUNTS
from decide.demo import load_demo
from decide.demo.accountability_data import CONFIRMATIONS
from decide.demo.accountability_data import MARIA_FOLLOWS
from decide.demo.accountability_data import MARIA_TO_CONFIRM
from decide.demo.accountability_data import RESULTS
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.services import today_here

README = Path(__file__).resolve().parents[2] / "README.md"
LOCALES = {"en", "es", "ca", "fr"}
STATUSES = {"not_started", "in_preparation", "in_progress", "completed"}


@pytest.fixture
def demo(db):
    load_demo()
    db.session.commit()
    return {user.nickname: user for user in db.session.scalars(select(User))}


def _process(db) -> Process:
    return db.session.scalars(select(Process).where(Process.slug == "budget-of-last-year")).one()


def _component(db) -> Component:
    [component] = [c for c in _process(db).components if c.manifest_name == "accountability"]
    return component


def _results(db, component) -> list[Result]:
    return db.session.scalars(select(Result).where(Result.component_id == component.id)
                              .order_by(Result.id)).all()


def _by_title(results: list[Result]) -> dict[str, Result]:
    return {result.title["en"]: result for result in results}


def _demo_result(db, key: str) -> Result:
    [demo] = [each for each in RESULTS if each.key == key]
    return _by_title(_results(db, _component(db)))[demo.title["en"]]


def _links(db, result: Result, name: str) -> set[int]:
    return set(db.session.scalars(select(ResourceLink.to_id).where(
        ResourceLink.from_id == result.id, ResourceLink.name == name)))


def _followers(db, result: Result) -> set[int]:
    return set(db.session.scalars(select(Follow.user_id).where(Follow.resource_id == result.id)))


def _half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def test_the_winners_are_results_in_every_status_with_parts_and_timelines(app, db, demo):
    process = _process(db)
    component = _component(db)
    results = _results(db, component)
    [budget] = db.session.scalars(select(Budget).join(Budget.component)
                                  .where(Component.process_id == process.id)).all()
    selected = db.session.scalars(select(Project).where(Project.budget_id == budget.id,
                                                        Project.selected_at.is_not(None))).all()

    assert component.is_published and set(component.name) == LOCALES
    assert component.name["en"] == "What we are doing"
    statuses = db.session.scalars(select(Status).where(Status.component_id == component.id)
                                  ).all()
    assert {status.key for status in statuses} == STATUSES
    assert all(set(status.name) == LOCALES for status in statuses)
    assert len(results) >= 12
    assert {result.status.key for result in results} == STATUSES  # every status is used
    assert all(set(result.title) == LOCALES and set(result.description) == LOCALES
               for result in results)
    assert all(result.start_date and result.end_date and result.category_id
               for result in results)
    assert sum(1 for result in results if result.scope_id) >= 10

    # Each winner is one top-level result, linked to its project and that project's proposals.
    top = [result for result in results if result.parent_id is None]
    assert len(top) == len(selected)
    for project in selected:
        [result] = [each for each in top if _links(db, each, PROJECT_LINK) == {project.id}]
        assert result.amount == project.amount
        assert _links(db, result, PROPOSAL_LINK) == set(db.session.scalars(
            select(ResourceLink.to_id).where(ResourceLink.from_id == project.id,
                                             ResourceLink.name == INCLUDED_PROPOSALS)))
    assert sum(1 for result in top if _links(db, result, PROPOSAL_LINK)) == 3

    # Two winners carried out in parts: the parent's progress is its parts' roll-up,
    # weighted by their amounts, and it counts them.
    parents = [result for result in top if result.children_count]
    assert len(parents) == 2
    for parent in parents:
        children = [result for result in results if result.parent_id == parent.id]
        assert 2 <= len(children) == parent.children_count <= 3
        assert not parent.progress_manual
        assert parent.progress == _half_up(Fraction(
            sum(child.progress * child.amount for child in children),
            sum(child.amount for child in children)))
        assert 0 < parent.progress < 100
        assert sum(child.amount for child in children) == parent.amount
    assert sorted(result.progress for result in results if result.progress_manual) == [60, 65]
    for result in results:  # the others follow their status
        if not result.progress_manual and not result.children_count:
            assert result.progress == result.status.progress, result.title["en"]

    # Completed ones, dated; timelines of 1 to 4 entries in the four languages, in the past.
    completed = [result for result in results if result.is_completed]
    assert len(completed) >= 4
    assert all(result.completed_at and result.completed_at < utcnow() for result in completed)
    assert all(result.status.key == "completed" for result in completed)
    for result in results:
        assert 1 <= len(result.timeline) <= 4, result.title["en"]
        for entry in result.timeline:
            assert set(entry.title) == LOCALES and set(entry.description) == LOCALES
            assert entry.date <= today_here()
    titles = {entry.title["en"] for result in results for entry in result.timeline}
    assert {"Tender published", "Works started", "Halfway", "Opened to the public"} <= titles

    # The dates are those of the implementation phase, which began after the winners.
    implementation = next(p for p in process.phases if p.title["en"] == "Implementation")
    assert all(implementation.start_date <= result.created_at.date() <= today_here()
               for result in results)
    assert min(result.created_at for result in results) > budget.winners_confirmed_at
    logged = db.session.scalars(select(ActionLog).where(
        ActionLog.resource_type == "result", ActionLog.process_id == process.id)).all()
    assert logged and all(row.created_at.date() >= implementation.start_date for row in logged)


def test_voters_and_authors_follow_and_were_told(app, db, demo):
    component = _component(db)
    results = _results(db, component)
    top = [result for result in results if result.parent_id is None]

    for result in top:
        followers = _followers(db, result)
        authors = set(db.session.scalars(select(Proposal.author_id).where(
            Proposal.id.in_(_links(db, result, PROPOSAL_LINK)))))
        voters = set(db.session.scalars(
            select(Order.user_id).join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.project_id.in_(_links(db, result, PROJECT_LINK)),
                   Order.user_id.is_not(None))))
        assert authors <= followers  # authors follow by themselves
        assert len(followers & voters) >= len(voters) // 2, result.title["en"]
        # Everyone behind it was invited to follow it, once.
        invited = db.session.scalars(select(Notification.user_id).where(
            Notification.event == "result_created", Notification.resource_id == result.id)
        ).all()
        assert sorted(invited) == sorted(voters | authors)
    assert demo["ana"].id in _followers(db, _demo_result(db, "P4"))

    # Followers heard of the changes, each at the time it happened.
    events = dict(db.session.execute(
        select(Notification.event, func.count()).where(Notification.event.like("result_%"))
        .group_by(Notification.event)).all())
    assert set(events) == {"result_created", "result_status_changed", "result_progress_updated",
                           "result_timeline_added", "result_completed"}
    told = db.session.scalars(select(Notification).where(Notification.event.like("result_%"))
                              ).all()
    assert all(component.published_at <= n.created_at < utcnow() for n in told)
    assert len({notification.created_at.date() for notification in told}) > 10  # over months
    completed = {result.id: result for result in results if result.is_completed}
    for notification in told:
        if notification.event == "result_completed":
            assert notification.created_at == completed[notification.resource_id].completed_at
            assert notification.user_id in _followers(db, notification.resource)


def test_residents_said_whether_it_was_done_and_maria_can_answer_one(app, db, demo):
    maria, lucas = demo["maria"], demo["lucas"]
    confirmations = db.session.scalars(select(Confirmation)).all()

    assert len(confirmations) == len(CONFIRMATIONS)
    assert {confirmation.answer for confirmation in confirmations} == {"yes", "partly", "no"}
    for confirmation in confirmations:
        result = confirmation.result
        assert result.is_completed and confirmation.created_at > result.completed_at
        assert confirmation.user_id in _followers(db, result)
        assert confirmation.comment
    assert {c.user.locale for c in confirmations} >= {"en", "es", "ca", "fr"}
    answered = {c.result_id for c in confirmations if c.user_id == maria.id}
    assert len(answered) >= 2

    # Maria follows a completed result she has not answered yet: its page asks her.
    result = _demo_result(db, MARIA_TO_CONFIRM)
    assert MARIA_TO_CONFIRM in MARIA_FOLLOWS
    assert result.is_completed and result.id not in answered
    assert maria.id in _followers(db, result)
    assert can_confirm(maria, result)
    assert not any(can_confirm(maria, db.session.get(Result, each)) for each in answered)
    assert not can_confirm(lucas, result)
    asked = db.session.scalars(select(Notification).where(
        Notification.user_id == maria.id, Notification.event == "result_completed",
        Notification.resource_id == result.id)).one()
    assert asked.read_at is None
    # Maria prefers every notification by e-mail: the question is in her outbox too.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == maria.id, OutboxMessage.created_at == asked.created_at)) == 1
    confirm_result(maria, result, answer="yes", comment="Funciona molt bé.")
    db.session.commit()
    assert not can_confirm(maria, result)


def test_maria_is_asked_on_the_page_of_the_one_she_has_not_answered(app, db, demo, client,
                                                                    login):
    [account] = [each for each in DEMO_ACCOUNTS if each.nickname == "maria"]
    asked, answered = _demo_result(db, MARIA_TO_CONFIRM), _demo_result(db, "P5")
    process = _process(db)
    base = f"/processes/{process.slug}/f/{asked.component_id}/accountability"

    login(demo["maria"], account.password)
    page = client.get(f"{base}/results/{asked.id}").get_data(as_text=True)
    assert 'class="confirm-form"' in page
    page = client.get(f"{base}/results/{answered.id}").get_data(as_text=True)
    assert 'class="confirm-form"' not in page
    assert "Els nois el fan servir cada dia" in page  # her answer, among the residents'
    overview = client.get(f"{base}/")
    results = client.get(f"{base}/results/")
    assert overview.status_code == results.status_code == 200
    assert f'id="result-{asked.id}"' in results.get_data(as_text=True)


def test_loading_the_demo_twice_adds_nothing(app, db, demo):
    tables = (Result, Status, TimelineEntry, Confirmation, Follow, Notification, ActionLog,
              ResourceLink, OutboxMessage)

    def counts():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in tables}

    before = counts()
    load_demo()
    db.session.commit()

    assert counts() == before
    assert len([c for c in _process(db).components if c.manifest_name == "accountability"]) == 1


@pytest.mark.nodb
def test_the_readme_says_where_the_results_are_and_who_follows_what():
    text = README.read_text("utf-8")

    assert "Budget of last year → What we are doing" in text
    assert f"{len(RESULTS)} results" in text
    for key in MARIA_FOLLOWS:
        [demo] = [each for each in RESULTS if each.key == key]
        assert f'"{demo.title["en"]}"' in text
