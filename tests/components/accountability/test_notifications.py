"""Closing the loop: the authors of the proposals behind a result follow it; its authors,
supporters and voters are told it exists; its followers hear of each change once, by the
most specific event, and are asked once whether a completed result was done as promised."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability import services
from decide.components.accountability.models import Result
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.proposals.models import Support
from decide.core.models import utcnow
from decide.extensions import db as _db
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.notifications.services import describe
from decide.notifications.services import follow
from decide.spaces.models import Role
from tests.components.accountability.test_services import create
from tests.components.accountability.test_services import update


def told(db, event: str | None = None) -> list[tuple[int, str]]:
    """(user id, event) of every notification, in order."""
    query = select(Notification.user_id, Notification.event).order_by(Notification.id)
    if event is not None:
        query = query.where(Notification.event == event)
    return [tuple(row) for row in db.session.execute(query)]


def sentence(app, notification, reader) -> str:
    with app.test_request_context():
        return describe(notification, reader).text


def followers_of(db, result) -> set[int]:
    return set(db.session.scalars(select(Follow.user_id).where(Follow.resource_id == result.id)))


@pytest.fixture
def actor(create_user, grant, process):
    person = create_user(nickname="pat")
    grant(person, process, Role.PROCESS_ADMIN)
    return person


@pytest.fixture
def people(db, create_user, make_proposal, make_budget, make_project, ballot):
    """A proposal with its author and a supporter, a selected project with a voter, a ballot
    not checked out, and a resident who took no part."""
    author, supporter, bystander = (create_user(nickname=name)
                                    for name in ("author", "supporter", "bystander"))
    proposal = make_proposal(author_id=author.id)
    db.session.add(Support(proposal_id=proposal.id, user_id=supporter.id))
    budget = make_budget()
    project = make_project(budget, selected_at=utcnow())
    voter = ballot(budget, project).user
    draft = ballot(budget, project, checked_out=False).user
    db.session.commit()
    return {"author": author, "supporter": supporter, "voter": voter, "draft": draft,
            "bystander": bystander, "proposal": proposal, "project": project,
            "budget": budget}


@pytest.fixture
def statuses(default_statuses):
    return default_statuses()


def test_a_new_result_tells_the_people_behind_it_once_and_authors_follow(db, actor,
                                                                        component, people):
    result = create(actor, component, proposal_ids=[people["proposal"].id],
                    project_ids=[people["project"].id])
    db.session.commit()
    assert followers_of(db, result) == {people["author"].id}
    assert sorted(told(db)) == sorted((people[name].id, "result_created")
                                      for name in ("author", "supporter", "voter"))


def test_a_resident_behind_it_in_several_ways_is_told_once(db, actor, component, people):
    author, proposal, project = people["author"], people["proposal"], people["project"]
    db.session.add(Support(proposal_id=proposal.id, user_id=author.id))
    db.session.add(Order(budget_id=people["budget"].id, user_id=author.id,
                         checked_out_at=utcnow(), lines=[OrderLine(project_id=project.id)]))
    db.session.commit()
    create(actor, component, proposal_ids=[proposal.id], project_ids=[project.id])
    db.session.commit()
    assert sorted(told(db)) == sorted((people[name].id, "result_created")
                                      for name in ("author", "supporter", "voter"))


def test_the_actor_is_never_told(db, actor, component, people):
    db.session.add(Support(proposal_id=people["proposal"].id, user_id=actor.id))
    db.session.commit()
    create(actor, component, proposal_ids=[people["proposal"].id])
    db.session.commit()
    assert actor.id not in {user_id for user_id, _event in told(db)}


def test_inviting_many_voters_reads_the_same_number_of_times(app, db, actor, component,
                                                             make_budget, make_project, ballot):
    """The people behind a result are read in one go, whatever their number (each of their
    notifications is one row written)."""
    def reads(voters: int) -> int:
        budget = make_budget()
        project = make_project(budget, selected_at=utcnow())
        for _ in range(voters):
            ballot(budget, project).user.notifications_email = "daily"  # no e-mail at once
        db.session.commit()
        statements = []

        def seen(_connection, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", seen)
        try:
            create(actor, component, project_ids=[project.id])
        finally:
            event.remove(_db.engine, "before_cursor_execute", seen)
        db.session.commit()
        return sum(1 for statement in statements if statement.lstrip().startswith("SELECT"))

    assert reads(3) == reads(30)
    assert len(told(db, "result_created")) == 33


def test_newly_linked_proposals_bring_their_people_in(db, actor, component, people,
                                                      make_proposal, create_user):
    result = create(actor, component, project_ids=[people["project"].id])
    db.session.commit()
    newcomer = create_user()
    later = make_proposal(author_id=newcomer.id)
    update(actor, result, proposal_ids=[later.id], project_ids=[people["project"].id])
    db.session.commit()
    assert followers_of(db, result) == {newcomer.id}
    assert told(db, "result_created") == [(people["voter"].id, "result_created"),
                                          (newcomer.id, "result_created")]


def test_a_status_change_tells_each_follower_once(app, db, actor, component, statuses, create_user):
    result = create(actor, component, status_id=statuses["not_started"].id)
    fans = [create_user(), create_user()]
    for fan in fans:
        follow(fan, resource=result)
    follow(actor, resource=result)
    db.session.commit()
    services.update_result_progress(
        actor, result, status_id=statuses["in_progress"].id, progress=None,
        entry={"date": date(2026, 5, 1), "title": {"en": "Works"}, "description": {}})
    db.session.commit()
    assert told(db) == [(fan.id, "result_status_changed") for fan in fans]
    notification = db.session.scalars(select(Notification)).first()
    assert notification.data == {"status": statuses["in_progress"].name}
    assert sentence(app, notification, fans[0]) == "The result “A new park” is now “In progress”."


def test_a_progress_change_tells_followers(app, db, actor, component, statuses, create_user):
    result = create(actor, component, status_id=statuses["in_progress"].id)
    fan = create_user(locale="fr")
    follow(fan, resource=result)
    db.session.commit()
    services.update_result_progress(actor, result, status_id=statuses["in_progress"].id,
                                    progress=65)
    db.session.commit()
    [notification] = db.session.scalars(select(Notification)).all()
    assert (notification.event, notification.data) == ("result_progress_updated",
                                                       {"progress": 65})
    assert sentence(app, notification, fan) == "The result “A new park” is now 65% done."
    with app.test_request_context(), force_locale("fr"):
        assert "65\u00a0%" in describe(notification, fan).text  # the reader's percent sign


def test_a_timeline_entry_alone_tells_followers(app, db, actor, component, create_user):
    result = create(actor, component)
    fan = create_user()
    follow(fan, resource=result)
    db.session.commit()
    services.add_timeline_entry(actor, result, date=date(2026, 5, 1),
                                title={"en": "Tender published"}, description={})
    db.session.commit()  # one change per transaction: each is told
    services.update_result_progress(actor, result, status_id=None, progress=0,
                                    entry={"date": date(2026, 5, 2),
                                           "title": {"en": "Works began"}, "description": {}})
    db.session.commit()
    notifications = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.data for n in notifications] == [{"entry": {"en": "Tender published"}},
                                               {"entry": {"en": "Works began"}}]
    assert {n.event for n in notifications} == {"result_timeline_added"}
    assert sentence(app, notifications[0], fan) == (
        "New step in the result “A new park”: Tender published.")


def test_nothing_changed_tells_nobody(db, actor, component, statuses, create_user):
    result = create(actor, component, status_id=statuses["in_progress"].id)
    follow(create_user(), resource=result)
    db.session.commit()
    update(actor, result, status_id=statuses["in_progress"].id, title={"en": "Renamed"})
    db.session.commit()
    assert told(db) == []


def test_completion_asks_followers_once(app, db, actor, component, statuses, create_user):
    result = create(actor, component, status_id=statuses["in_progress"].id)
    fan = create_user()
    follow(fan, resource=result)
    db.session.commit()
    services.update_result_progress(actor, result, status_id=statuses["completed"].id,
                                    progress=None)
    db.session.commit()
    completed_at = result.completed_at
    assert completed_at is not None
    [notification] = db.session.scalars(select(Notification)).all()
    assert notification.event == "result_completed"
    assert sentence(app, notification, fan) == (
        "The result “A new park” is completed. Is it done as promised? Tell us on its page.")

    services.update_result_progress(actor, result, status_id=statuses["completed"].id,
                                    progress=90)
    db.session.commit()
    services.update_result_progress(actor, result, status_id=statuses["completed"].id,
                                    progress=100)
    db.session.commit()
    assert told(db) == [(fan.id, "result_completed"), (fan.id, "result_progress_updated"),
                        (fan.id, "result_progress_updated")]
    assert result.completed_at == completed_at


def test_a_result_created_complete_asks_its_authors_at_once(db, actor, component, people):
    result = create(actor, component, progress=100, proposal_ids=[people["proposal"].id])
    db.session.commit()
    assert result.completed_at is not None
    assert sorted(told(db)) == sorted([(people["author"].id, "result_completed"),
                                       (people["supporter"].id, "result_created")])


def test_a_parent_completed_by_its_children_asks_its_followers(db, actor, component,
                                                               create_user):
    parent = create(actor, component)
    child = create(actor, component, parent_id=parent.id, progress=50)
    parent_fan, child_fan = create_user(), create_user()
    follow(parent_fan, resource=parent)
    follow(child_fan, resource=child)
    db.session.commit()
    services.update_result_progress(actor, child, status_id=None, progress=100)
    db.session.commit()
    assert sorted(told(db)) == sorted([(parent_fan.id, "result_completed"),
                                       (child_fan.id, "result_completed")])
    assert parent.completed_at is not None


def test_a_new_status_progress_tells_the_followers_of_the_results_it_moves(
        db, actor, component, make_status, create_user):
    status = make_status(progress=10)
    result = create(actor, component, status_id=status.id)
    fan = create_user()
    follow(fan, resource=result)
    db.session.commit()
    services.update_status(actor, status, key=status.key, name=status.name, description={},
                           progress=30)
    db.session.commit()
    assert told(db) == [(fan.id, "result_progress_updated")]


def test_the_result_created_sentence_invites_to_follow(app, db, actor, component, people):
    create(actor, component, proposal_ids=[people["proposal"].id])
    db.session.commit()
    notification = db.session.scalars(select(Notification)).first()
    assert sentence(app, notification, people["supporter"]) == (
        "Something you took part in is now the result “A new park” of the council: follow "
        "it to hear how it goes.")


def test_residents_are_not_told_about_an_unpublished_component(db, actor, component, people):
    component.published_at = None
    db.session.commit()
    result = create(actor, component, proposal_ids=[people["proposal"].id])
    db.session.commit()
    assert told(db) == []
    assert followers_of(db, result) == {people["author"].id}
    assert db.session.scalar(select(func.count(Result.id))) == 1
