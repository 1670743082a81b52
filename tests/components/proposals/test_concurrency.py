"""Supports under concurrent requests, with real connections and committed transactions:
never two supports of one resident for one proposal, never past the resident's limit or the
proposal's threshold, and supports_count always equal to the rows.

On PostgreSQL the requests really overlap and the row locks decide; on SQLite, BEGIN
IMMEDIATE makes them queue, and the same outcome must hold.
"""

import threading

from sqlalchemy import func
from sqlalchemy import select

from decide.components.proposals import services
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.models import User
from decide.core.services import DomainError
from decide.extensions import db as _db
from decide.notifications.models import Notification
from decide.notifications.services import follow

THREADS = 8


def run_at_once(app, calls) -> list[str]:
    """Each call (user id, proposal id, service) in its own thread, app context, session and
    connection, released together; returns "ok" or the refusal of each."""
    _db.session.commit()  # the test's own transaction ends: it holds no lock meanwhile
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def work(number, user_id, proposal_id, service):
        with app.app_context():
            try:
                # Released together before the first query: on SQLite, the first query of a
                # writer takes the write lock (BEGIN IMMEDIATE) and the others queue.
                barrier.wait(timeout=30)
                user = _db.session.get(User, user_id)
                proposal = _db.session.get(Proposal, proposal_id)
                service(user, proposal)
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

    threads = [threading.Thread(target=work, args=(number, *call))
               for number, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _db.session.expire_all()
    return outcomes


def rows(db, **where) -> int:
    query = select(func.count(Support.id))
    for name, value in where.items():
        query = query.where(getattr(Support, name) == value)
    return db.session.scalar(query)


def test_one_resident_pressing_support_many_times_at_once(app, db, neighbour, configure,
                                                          make_proposal):
    configure(supports_enabled=True)
    proposal = make_proposal()
    outcomes = run_at_once(app, [(neighbour.id, proposal.id, services.support_proposal)]
                           * THREADS)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "You already support this proposal."}
    assert rows(db, proposal_id=proposal.id) == 1
    assert db.session.get(Proposal, proposal.id).supports_count == 1


def test_one_resident_supporting_many_proposals_at_once_stops_at_the_limit(
        app, db, neighbour, configure, make_proposal):
    configure(supports_enabled=True, support_limit=3)
    proposals = [make_proposal() for _ in range(THREADS)]
    outcomes = run_at_once(app, [(neighbour.id, p.id, services.support_proposal)
                                 for p in proposals])
    assert outcomes.count("ok") == 3, outcomes
    assert rows(db, user_id=neighbour.id) == 3
    assert sum(db.session.get(Proposal, p.id).supports_count for p in proposals) == 3


def test_many_residents_at_once_stop_at_the_threshold_and_followers_hear_once(
        app, db, create_user, configure, make_proposal):
    configure(supports_enabled=True, threshold_per_proposal=3)
    proposal = make_proposal()
    follow(proposal.author, resource=proposal)
    supporters = [create_user() for _ in range(THREADS)]
    outcomes = run_at_once(app, [(user.id, proposal.id, services.support_proposal)
                                 for user in supporters])
    assert outcomes.count("ok") == 3, outcomes
    assert rows(db, proposal_id=proposal.id) == 3
    fresh = db.session.get(Proposal, proposal.id)
    assert fresh.supports_count == 3 and fresh.threshold_reached_at is not None
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.event == "support_threshold_reached")).all()
    assert told == [proposal.author_id]


def test_supports_and_withdrawals_at_once_keep_the_count(app, db, create_user, configure,
                                                         make_proposal):
    configure(supports_enabled=True)
    proposal = make_proposal()
    leaving = [create_user() for _ in range(THREADS // 2)]
    for user in leaving:
        services.support_proposal(user, proposal)
    arriving = [create_user() for _ in range(THREADS // 2)]
    outcomes = run_at_once(app, [
        *((user.id, proposal.id, services.unsupport_proposal) for user in leaving),
        *((user.id, proposal.id, services.support_proposal) for user in arriving),
    ])
    assert outcomes == ["ok"] * THREADS
    assert db.session.get(Proposal, proposal.id).supports_count == rows(
        db, proposal_id=proposal.id) == len(arriving)


def test_a_withdrawal_and_a_support_at_once(app, db, neighbour, configure, make_proposal):
    """Either the support came first and the withdrawal is refused, or the other way round:
    never a withdrawn proposal with a support."""
    configure(supports_enabled=True)
    proposal = make_proposal()
    outcomes = run_at_once(app, [
        (proposal.author_id, proposal.id, services.withdraw_proposal),
        (neighbour.id, proposal.id, services.support_proposal),
    ])
    assert outcomes.count("ok") == 1, outcomes
    fresh = db.session.get(Proposal, proposal.id)
    assert fresh.is_withdrawn != (rows(db, proposal_id=proposal.id) == 1)


def test_reaching_the_minimum_at_once_counts_each_support_once(app, db, neighbour, configure,
                                                               make_proposal):
    configure(supports_enabled=True, minimum_supports_per_user=3)
    proposals = [make_proposal() for _ in range(THREADS)]
    outcomes = run_at_once(app, [(neighbour.id, p.id, services.support_proposal)
                                 for p in proposals])
    assert outcomes == ["ok"] * THREADS
    assert [db.session.get(Proposal, p.id).supports_count for p in proposals] == [1] * THREADS


def test_residents_crossing_the_minimum_at_once_on_shared_proposals(app, db, create_user,
                                                                    configure, make_proposal):
    """Each resident already supports every proposal but one and gives the last support at the
    same time: each crossing recounts all the proposals another resident is supporting now.
    Taken in any order, the row locks would deadlock on PostgreSQL."""
    configure(supports_enabled=True, minimum_supports_per_user=THREADS)
    proposals = [make_proposal() for _ in range(THREADS)]
    residents = [create_user() for _ in range(THREADS)]
    for index, resident in enumerate(residents):
        db.session.add_all(Support(proposal_id=p.id, user_id=resident.id)
                           for number, p in enumerate(proposals) if number != index)
    db.session.commit()

    outcomes = run_at_once(app, [(resident.id, proposals[index].id, services.support_proposal)
                                 for index, resident in enumerate(residents)])

    assert outcomes == ["ok"] * THREADS
    assert [db.session.get(Proposal, p.id).supports_count for p in proposals] == [THREADS] * THREADS
