"""Ballots under concurrent requests, with real connections and committed transactions: no
ballot over the budget or past the maximum, no lost line, no double checkout, the vote
counts equal to the ballots, and one ballot per identity when an online checkout races a
paper ballot.

On PostgreSQL (`--db=postgresql`) the requests really overlap and the row locks decide; on
SQLite, BEGIN IMMEDIATE makes them queue, and the same outcome must hold.
"""

import threading
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets import services
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.services import DomainError
from decide.extensions import db as _db

THREADS = 20


def run_at_once(app, calls) -> list[str]:
    """Each call (a function of the session's rows, given by class and id) in its own thread,
    app context, session and connection, released together; "ok" or the refusal of each."""
    _db.session.commit()  # the test's own transaction ends: it holds no lock meanwhile
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def work(number, service, rows):
        with app.app_context():
            try:
                # Released together before the first query: on SQLite, the first query of a
                # writer takes the write lock (BEGIN IMMEDIATE) and the others queue.
                barrier.wait(timeout=30)
                service(*(_db.session.get(kind, key) if isinstance(kind, type) else kind
                          for kind, key in rows))
                _db.session.commit()
                outcomes[number] = "ok"
            except DomainError as error:
                _db.session.rollback()
                outcomes[number] = error.message
            except Exception as error:  # noqa: BLE001 - reported by the test
                _db.session.rollback()
                outcomes[number] = repr(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=work, args=(number, service, rows))
               for number, (service, *rows) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _db.session.expire_all()
    return outcomes


def user(person):
    return (User, person.id)


def row(item):
    return (type(item), item.id)


def lines(db, person, budget=None) -> list[int]:
    query = (select(OrderLine.project_id).join(Order, Order.id == OrderLine.order_id)
             .where(Order.user_id == person.id).order_by(OrderLine.project_id))
    if budget is not None:
        query = query.where(Order.budget_id == budget.id)
    return list(db.session.scalars(query))


def counted(db, budget) -> dict[int, int]:
    """Each project's vote count, and what the checked-out ballots say it must be."""
    stored = dict(db.session.execute(select(Project.id, Project.votes_count)
                                     .where(Project.budget_id == budget.id)).all())
    recount = dict(db.session.execute(
        select(OrderLine.project_id, func.count(OrderLine.id))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.budget_id == budget.id, Order.checked_out_at.is_not(None))
        .group_by(OrderLine.project_id)).all())
    assert stored == {key: recount.get(key, 0) for key in stored}
    return stored


@pytest.fixture
def budget(make_budget):
    return make_budget(total=100_000)


@pytest.fixture
def voter(create_user, verified):
    return verified(create_user(nickname="ana"), document="12345678Z")


def test_adds_at_once_never_pass_the_total(app, db, budget, voter, configure, make_project):
    configure(voting_enabled=True, vote_rule="minimum_percent", vote_minimum_percent=10)
    projects = [make_project(budget, amount=10_000) for _ in range(THREADS)]
    outcomes = run_at_once(app, [(services.add_project, user(voter), row(project))
                                 for project in projects])
    assert outcomes.count("ok") == 10, outcomes
    assert all(outcome == "ok" or "remove a project to make room" in outcome
               for outcome in outcomes), outcomes
    chosen = lines(db, voter)
    assert len(chosen) == 10
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_adds_at_once_stop_at_the_maximum(app, db, budget, voter, configure, make_project):
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=1,
              vote_range_max=3)
    projects = [make_project(budget) for _ in range(THREADS)]
    outcomes = run_at_once(app, [(services.add_project, user(voter), row(project))
                                 for project in projects])
    assert outcomes.count("ok") == 3, outcomes
    assert len(lines(db, voter)) == 3


def test_first_adds_at_once_lose_no_line(app, db, budget, voter, configure, make_project):
    """The ballot does not exist yet: every request wants to create it."""
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=1,
              vote_range_max=1000)
    projects = [make_project(budget) for _ in range(THREADS)]
    outcomes = run_at_once(app, [(services.add_project, user(voter), row(project))
                                 for project in projects])
    assert outcomes == ["ok"] * THREADS
    assert lines(db, voter) == sorted(project.id for project in projects)
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_adding_and_removing_at_once(app, db, budget, voter, configure, make_project):
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=1,
              vote_range_max=1000)
    leaving = [make_project(budget) for _ in range(THREADS // 2)]
    for project in leaving:
        services.add_project(voter, project)
    arriving = [make_project(budget) for _ in range(THREADS // 2)]
    outcomes = run_at_once(app, [
        *((services.remove_project, user(voter), row(project)) for project in leaving),
        *((services.add_project, user(voter), row(project)) for project in arriving),
    ])
    assert outcomes == ["ok"] * THREADS
    assert lines(db, voter) == sorted(project.id for project in arriving)


def test_the_same_project_pressed_many_times_is_one_line(app, db, budget, voter, configure,
                                                         make_project):
    configure(voting_enabled=True)
    project = make_project(budget)
    outcomes = run_at_once(app, [(services.add_project, user(voter), row(project))] * THREADS)
    assert outcomes == ["ok"] * THREADS
    assert lines(db, voter) == [project.id]


def test_a_double_checkout_counts_once(app, db, budget, voter, configure, make_project):
    configure(voting_enabled=True)
    projects = [make_project(budget, amount=40_000), make_project(budget, amount=35_000)]
    for project in projects:
        services.add_project(voter, project)
    outcomes = run_at_once(app, [(services.checkout_order, user(voter), row(budget))]
                           * THREADS)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "You have already voted in this budget."}
    assert counted(db, budget) == {project.id: 1 for project in projects}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_an_add_racing_the_checkout(app, db, budget, voter, configure, make_project):
    """Either the project went in before the checkout, and counts, or it is refused."""
    configure(voting_enabled=True)
    services.add_project(voter, make_project(budget, amount=80_000))
    late = make_project(budget, amount=5_000)
    outcomes = run_at_once(app, [(services.checkout_order, user(voter), row(budget)),
                                 (services.add_project, user(voter), row(late))])
    assert outcomes[0] == "ok", outcomes
    votes = counted(db, budget)
    assert votes[late.id] == (1 if outcomes[1] == "ok" else 0)
    assert outcomes[1] in ("ok", "Your vote is cast: your ballot can no longer change.")


def test_many_residents_checking_out_shared_projects_at_once(app, db, budget, create_user,
                                                             verified, configure, make_project):
    """Each ballot holds the same projects, added in a different order: the vote counts
    change in the same rows, locked in id order (no deadlock on PostgreSQL)."""
    configure(voting_enabled=True, vote_rule="project_range", vote_range_min=1,
              vote_range_max=10)
    projects = [make_project(budget) for _ in range(5)]
    residents = [verified(create_user()) for _ in range(THREADS)]
    for number, resident in enumerate(residents):
        for project in projects[number % 5:] + projects[:number % 5]:
            services.add_project(resident, project)
    outcomes = run_at_once(app, [(services.checkout_order, user(resident), row(budget))
                                 for resident in residents])
    assert outcomes == ["ok"] * THREADS
    assert counted(db, budget) == {project.id: THREADS for project in projects}


def test_cancels_and_checkouts_at_once_keep_the_counts(app, db, budget, create_user, verified,
                                                       configure, make_project):
    configure(voting_enabled=True, can_cancel=True)
    projects = [make_project(budget, amount=40_000), make_project(budget, amount=40_000)]
    residents = [verified(create_user()) for _ in range(THREADS // 2)]
    for resident in residents:
        for project in projects:
            services.add_project(resident, project)
        services.checkout_order(resident, budget)
    outcomes = run_at_once(app, [
        *((services.cancel_order, user(resident), row(budget)) for resident in residents),
        *((services.checkout_order, user(resident), row(budget)) for resident in residents),
    ])
    assert "ok" in outcomes
    votes = counted(db, budget)
    cast = db.session.scalar(select(func.count(Order.id)).where(
        Order.checked_out_at.is_not(None)))
    assert votes == {project.id: cast for project in projects}
    # Each resident: cancel first then check out again (both ok, still cast), or checkout
    # first (refused: already voted) then cancel (ok, not cast).
    for number, resident in enumerate(residents):
        cancel, checkout = outcomes[number], outcomes[THREADS // 2 + number]
        order = services.order_of(resident, budget)
        assert cancel == "ok"
        assert order.is_checked_out == (checkout == "ok")


def test_one_budget_mode_holds_at_once(app, db, make_budget, voter, configure, make_project):
    configure(voting_enabled=True, vote_in="one")
    first, second = make_budget(), make_budget()
    calls = []
    for number in range(THREADS):
        target = first if number % 2 else second
        calls.append((services.add_project, user(voter), row(make_project(target))))
    outcomes = run_at_once(app, calls)
    assert outcomes.count("ok") >= 1
    in_first, in_second = lines(db, voter, first), lines(db, voter, second)
    assert bool(in_first) != bool(in_second), (in_first, in_second)


def enter_paper(document: str, birth_date: date, project_ids: list[int]):
    def enter(actor, budget):
        services.enter_paper_ballot(actor, budget, document=document, birth_date=birth_date,
                                    project_ids=project_ids)
    return enter


def test_online_checkouts_racing_paper_ballots_end_with_one_ballot_each(
        app, db, budget, create_user, verified, census, admin, configure, make_project):
    configure(voting_enabled=True)
    online, paper = make_project(budget, amount=80_000), make_project(budget, amount=75_000)
    birth = date(1990, 5, 17)
    calls = []
    for number in range(THREADS // 2):
        document = f"RACE{number:04d}"
        census(document, birth)
        resident = verified(create_user(), document=document, birth_date=birth)
        services.add_project(resident, online)
        calls.append((services.checkout_order, user(resident), row(budget)))
        calls.append((enter_paper(document, birth, [paper.id]), user(admin), row(budget)))
    outcomes = run_at_once(app, calls)
    for number in range(THREADS // 2):
        pair = outcomes[2 * number: 2 * number + 2]
        assert pair.count("ok") == 1, outcomes
        assert pair[0] in ("ok", services.refusal_message("paper"))
        assert pair[1] in ("ok", "This person has already voted in this budget.")
    assert db.session.scalar(select(func.count(Order.id)).where(
        Order.checked_out_at.is_not(None))) == THREADS // 2
    votes = counted(db, budget)
    assert votes[online.id] + votes[paper.id] == THREADS // 2
    assert votes[online.id] == outcomes[0::2].count("ok")


def test_two_desks_entering_the_same_person_at_once(app, db, budget, census, admin,
                                                    create_user, grant, process, configure,
                                                    make_project):
    configure(voting_enabled=True)
    census("55555555K", date(1980, 1, 2))
    project = make_project(budget, amount=80_000)
    desk = create_user(nickname="desk")
    grant(desk, process)
    outcomes = run_at_once(app, [
        (enter_paper("55555555K", date(1980, 1, 2), [project.id]),
         user(admin if number % 2 else desk), row(budget))
        for number in range(THREADS)])
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "This person has already voted in this budget."}
    assert counted(db, budget) == {project.id: 1}
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert db.session.get(Budget, budget.id) is not None
