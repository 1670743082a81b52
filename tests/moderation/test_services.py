"""Moderation services (no client except for signing in): reports and the threshold, hiding,
dismissing, blocking and unblocking, each checked in the action log too."""

import pytest
from sqlalchemy import select
from sqlalchemy import update

from decide.comments.models import Comment
from decide.core.models import ActionLog
from decide.core.models import Resource
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.moderation import services
from decide.moderation.models import Report
from decide.moderation.models import UserBlock
from decide.notifications.models import Notification
from decide.spaces.models import Role
from tests.conftest import DEFAULT_PASSWORD

JUSTIFICATION = "Insults residents in every thread."


def logged(db) -> list[tuple]:
    """The action log, oldest first, as (actor id, action, resource type, resource id,
    process id)."""
    entries = db.session.scalars(select(ActionLog).order_by(ActionLog.id)).all()
    return [(e.user_id, e.action, e.resource_type, e.resource_id, e.process_id)
            for e in entries]


def told_hidden(db, user) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id,
                                   Notification.event == "content_hidden")
    ).all()


def refused(call, field=None) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call()
    assert raised.value.message
    assert raised.value.field == field
    return raised.value


@pytest.fixture
def reporters(create_user):
    return [create_user() for _ in range(4)]


@pytest.fixture
def moderator(create_user, grant, process):
    person = create_user(nickname="moderator", email="moderator@example.org")
    grant(person, process, Role.MODERATOR)
    return person


def report(db, user, **target):
    entry = services.report(user, reason=target.pop("reason", "spam"),
                            details=target.pop("details", ""), **target)
    db.session.commit()
    return entry


# --- reports and the threshold ----------------------------------------------------------

def test_a_report_is_kept_with_its_reason_and_details(db, organization, debate, user):
    entry = report(db, user, resource=debate, reason="offensive", details="  Insults.  ")
    assert (entry.user_id, entry.resource_id, entry.reported_user_id) == (user.id, debate.id,
                                                                          None)
    assert (entry.reason, entry.details, entry.dismissed_at) == ("offensive", "Insults.", None)
    assert not debate.is_hidden
    assert logged(db) == []  # residents' reports are not staff actions


def test_reaching_the_threshold_hides_and_tells_the_author_once(db, organization, debate,
                                                                author, reporters):
    report(db, reporters[0], resource=debate, reason="offensive")
    report(db, reporters[1], resource=debate, reason="spam")
    assert not debate.is_hidden
    assert told_hidden(db, author) == []

    report(db, reporters[2], resource=debate, reason="offensive")

    db.session.refresh(debate)
    assert debate.is_hidden
    [notification] = told_hidden(db, author)
    assert notification.resource_id == debate.id
    assert notification.data == {"reason": "offensive"}  # the reason given most
    [entry] = db.session.scalars(select(ActionLog)).all()
    assert (entry.user_id, entry.action, entry.resource_type, entry.process_id) == (
        None, "hide", "debate", debate.component.process_id)
    assert entry.details == {"reason": "offensive", "automatic": True}
    # A hidden item is not reported again, so nobody is told twice.
    refused(lambda: report(db, reporters[3], resource=debate))
    db.session.rollback()
    assert len(told_hidden(db, author)) == 1


def test_the_threshold_is_the_organizations(db, organization, debate, user):
    organization.report_threshold = 1
    db.session.commit()
    report(db, user, resource=debate)
    assert debate.is_hidden


def test_dismissed_reports_do_not_count_towards_the_threshold(db, organization, debate,
                                                              reporters, moderator):
    report(db, reporters[0], resource=debate)
    report(db, reporters[1], resource=debate)
    services.dismiss_reports(moderator, resource=debate)
    db.session.commit()
    report(db, reporters[2], resource=debate)
    assert not debate.is_hidden
    report(db, reporters[3], resource=debate)
    assert not debate.is_hidden  # two open reports of three


def test_an_item_is_reported_once_per_resident(db, organization, debate, user, author):
    report(db, user, resource=debate)
    error = refused(lambda: report(db, user, resource=debate, reason="offensive"))
    assert "already reported" in error.message
    db.session.rollback()
    report(db, user, reported_user=author)
    refused(lambda: report(db, user, reported_user=author))
    db.session.rollback()
    assert db.session.query(Report).count() == 2


def test_residents_cannot_report_their_own_content_or_themselves(db, organization, debate,
                                                                 author):
    assert not services.can_report(author, resource=debate)
    assert "what you wrote" in refused(lambda: report(db, author, resource=debate)).message
    assert not services.can_report(author, reported_user=author)
    assert "yourself" in refused(lambda: report(db, author, reported_user=author)).message
    db.session.rollback()
    assert db.session.query(Report).count() == 0


def test_bad_reason_and_details_are_refused(db, organization, debate, user):
    refused(lambda: report(db, user, resource=debate, reason="boring"), field="reason")
    refused(lambda: report(db, user, resource=debate, reason=""), field="reason")
    refused(lambda: report(db, user, resource=debate, details="x" * 501), field="details")
    report(db, user, resource=debate, details="x" * 500)


def test_who_may_report_what(db, organization, debate, create_debate, user, author,
                             create_user, create_component, process):
    from flask_login import AnonymousUserMixin

    assert services.can_report(user, resource=debate)
    assert services.can_report(user, reported_user=author)
    assert not services.can_report(AnonymousUserMixin(), resource=debate)
    assert not services.can_report(None, reported_user=author)
    blocked = create_user(blocked_at=debate.created_at)
    assert not services.can_report(blocked, resource=debate)
    assert not services.can_report(user, reported_user=blocked)
    hidden = create_debate(author=author, hidden_at=debate.created_at)
    assert not services.can_report(user, resource=hidden)
    draft_component = create_component(process, manifest_name="debates", published=False)
    unseen = create_debate(author=author, component=draft_component)
    assert not services.can_report(user, resource=unseen)
    refused(lambda: report(db, user, resource=unseen))
    council = create_debate(author=None)
    assert services.can_report(user, resource=council)  # official content too


def test_a_deleted_comment_cannot_be_reported(db, organization, debate, user, author):
    comment = Comment(component_id=debate.component_id, author_id=author.id,
                      commentable_id=debate.id, body="Gone", locale="en",
                      deleted_at=debate.created_at)
    db.session.add(comment)
    db.session.commit()
    assert not services.can_report(user, resource=comment)


# --- hiding, showing again, dismissing ------------------------------------------------------

def test_a_moderator_hides_an_item_and_its_author_is_told_why(db, organization, debate,
                                                             author, user, moderator):
    report(db, user, resource=debate, reason="does_not_belong")
    services.hide_resource(moderator, debate)
    db.session.commit()
    assert debate.is_hidden
    [notification] = told_hidden(db, author)
    assert notification.data == {"reason": "does_not_belong"}
    assert logged(db) == [(moderator.id, "hide", "debate", debate.id,
                           debate.component.process_id)]
    refused(lambda: services.hide_resource(moderator, debate))


def test_a_reason_given_by_the_moderator_wins(db, organization, debate, author, moderator):
    services.hide_resource(moderator, debate, reason="spam")
    assert told_hidden(db, author)[0].data == {"reason": "spam"}
    refused(lambda: services.hide_resource(moderator, debate, reason="nope"), field="reason")


def test_hiding_council_content_tells_nobody(db, organization, create_debate, moderator):
    official = create_debate(author=None)
    services.hide_resource(moderator, official)
    assert official.is_hidden
    assert db.session.query(Notification).count() == 0


@pytest.mark.parametrize("role", [Role.COLLABORATOR, Role.VALUATOR, None])
def test_only_moderators_of_the_process_hide(db, organization, debate, create_user, grant,
                                             process, create_process, role):
    person = create_user()
    if role:
        grant(person, process, role)
    else:  # a moderator of another process
        grant(person, create_process(), Role.MODERATOR)
    refused(lambda: services.hide_resource(person, debate))
    refused(lambda: services.dismiss_reports(person, resource=debate))
    assert not debate.is_hidden


def test_process_admins_and_admins_moderate(db, organization, create_debate, create_user,
                                            grant, process, admin):
    process_admin = create_user()
    grant(process_admin, process, Role.PROCESS_ADMIN)
    for person in (process_admin, admin):
        item = create_debate()
        services.hide_resource(person, item)
        services.unhide_resource(person, item)
        assert not item.is_hidden


def test_showing_again_keeps_the_reports(db, organization, debate, reporters, moderator):
    for reporter in reporters[:3]:
        report(db, reporter, resource=debate)
    assert debate.is_hidden
    services.unhide_resource(moderator, debate)
    db.session.commit()
    assert not debate.is_hidden
    assert db.session.query(Report).filter(Report.dismissed_at.is_(None)).count() == 3
    assert logged(db)[-1] == (moderator.id, "unhide", "debate", debate.id,
                              debate.component.process_id)
    refused(lambda: services.unhide_resource(moderator, debate))
    # As in Decidim: the reports still count, so the next one hides it again.
    report(db, reporters[3], resource=debate)
    assert debate.is_hidden


def test_dismissing_closes_the_open_reports_and_does_not_show_the_item(
        db, organization, debate, reporters, moderator):
    for reporter in reporters[:3]:
        report(db, reporter, resource=debate)
    assert services.dismiss_reports(moderator, resource=debate) == 3
    db.session.commit()
    reports = db.session.scalars(select(Report)).all()
    assert {(r.dismissed_by_id, r.dismissed_at is not None) for r in reports} == {
        (moderator.id, True)}
    assert debate.is_hidden
    assert logged(db)[-1][:4] == (moderator.id, "dismiss_reports", "debate", debate.id)
    refused(lambda: services.dismiss_reports(moderator, resource=debate))


def test_reports_about_a_participant_are_dismissed_by_admins_only(db, organization, user,
                                                                  author, moderator, admin):
    report(db, user, reported_user=author)
    refused(lambda: services.dismiss_reports(moderator, reported_user=author))
    assert services.dismiss_reports(admin, reported_user=author) == 1
    assert logged(db)[-1] == (admin.id, "dismiss_reports", "user", author.id, None)


# --- blocking ---------------------------------------------------------------------------

def test_blocking_keeps_why_and_by_whom_and_leaves_content_alone(db, organization, admin,
                                                                 author, debate):
    block = services.block_user(admin, author, justification=f"  {JUSTIFICATION}  ")
    db.session.commit()
    assert author.is_blocked and not author.is_active
    assert (block.user_id, block.blocked_by_id, block.justification, block.hide_content) == (
        author.id, admin.id, JUSTIFICATION, False)
    assert not debate.is_hidden
    [entry] = db.session.scalars(select(ActionLog)).all()
    assert (entry.user_id, entry.action, entry.resource_type, entry.resource_id) == (
        admin.id, "block", "user", author.id)
    assert entry.details == {"hide_content": False, "hidden": 0}
    refused(lambda: services.block_user(admin, author, justification=JUSTIFICATION))


def test_blocking_can_hide_everything_the_participant_wrote(db, organization, admin, author,
                                                            user, debate, create_debate):
    second = create_debate(author=author)
    comment = Comment(component_id=debate.component_id, author_id=author.id,
                      commentable_id=debate.id, body="Rude", locale="en")
    others = create_debate(author=user)
    db.session.add(comment)
    db.session.commit()

    services.block_user(admin, author, justification=JUSTIFICATION, hide_content=True)
    db.session.commit()

    for item in (debate, second, comment, others):
        db.session.refresh(item)
    assert debate.is_hidden and second.is_hidden and comment.is_hidden
    assert not others.is_hidden
    assert logged(db)[-1][1] == "block"
    assert db.session.scalars(select(ActionLog)).all()[-1].details == {
        "hide_content": True, "hidden": 3}
    assert told_hidden(db, author) == []  # a blocked account is not notified


@pytest.mark.parametrize("length, accepted", [(14, False), (15, True), (1000, True),
                                              (1001, False)])
def test_the_justification_is_15_to_1000_characters(db, organization, admin, author, length,
                                                    accepted):
    call = lambda: services.block_user(admin, author, justification="x" * length)  # noqa: E731
    if accepted:
        call()
        assert author.is_blocked
    else:
        refused(call, field="justification")
        assert not author.is_blocked


def test_only_admins_block_and_never_themselves_or_another_admin(db, organization, admin,
                                                                 create_user, author,
                                                                 moderator, grant, process):
    process_admin = create_user()
    grant(process_admin, process, Role.PROCESS_ADMIN)
    for person in (moderator, process_admin, author):
        refused(lambda person=person: services.block_user(person, author if person is not
                                                          author else moderator,
                                                          justification=JUSTIFICATION))
    refused(lambda: services.block_user(admin, admin, justification=JUSTIFICATION))
    other_admin = create_user(admin=True)
    refused(lambda: services.block_user(admin, other_admin, justification=JUSTIFICATION))
    assert not any(p.is_blocked for p in (moderator, author, admin, other_admin))
    assert logged(db) == []


def test_a_blocked_participant_cannot_sign_in_and_their_session_ends(app, db, organization,
                                                                     admin, author, login):
    resident = app.test_client()
    response = resident.post("/signin", data={"email": author.email,
                                              "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert resident.get("/account").status_code == 200

    services.block_user(admin, author, justification=JUSTIFICATION)
    db.session.commit()

    assert resident.get("/account").status_code == 302  # back to sign-in: the session ended
    refused_page = resident.post("/signin", data={"email": author.email,
                                                  "password": DEFAULT_PASSWORD})
    assert refused_page.status_code == 400
    assert "has been blocked" in refused_page.get_data(as_text=True)
    # A wrong password says nothing about the block.
    guess = resident.post("/signin", data={"email": author.email, "password": "not-it-at-all"})
    assert guess.status_code == 400
    assert "blocked" not in guess.get_data(as_text=True)
    assert resident.get("/account").status_code == 302


def test_unblocking_restores_the_account_but_not_the_hidden_content(app, db, organization,
                                                                    admin, author, debate):
    services.block_user(admin, author, justification=JUSTIFICATION, hide_content=True)
    db.session.commit()
    services.unblock_user(admin, author)
    db.session.commit()
    assert not author.is_blocked
    [block] = db.session.scalars(select(UserBlock)).all()
    assert block.unblocked_by_id == admin.id and block.unblocked_at is not None
    db.session.refresh(debate)
    assert debate.is_hidden
    assert [e[1] for e in logged(db)] == ["block", "unblock"]
    refused(lambda: services.unblock_user(admin, author))
    response = app.test_client().post("/signin", data={"email": author.email,
                                                       "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_only_admins_unblock(db, organization, admin, author, moderator):
    services.block_user(admin, author, justification=JUSTIFICATION)
    refused(lambda: services.unblock_user(moderator, author))
    assert author.is_blocked


def test_an_item_hidden_meanwhile_by_another_request_is_not_hidden_twice(db, organization,
                                                                         debate, author,
                                                                         reporters):
    report(db, reporters[0], resource=debate)
    report(db, reporters[1], resource=debate)
    assert not debate.is_hidden  # as this request loaded it
    # Another request hides it in the database meanwhile (the ORM object is not told).
    db.session.execute(update(Resource).where(Resource.id == debate.id)
                       .values(hidden_at=utcnow())
                       .execution_options(synchronize_session=False))

    services.report(reporters[2], resource=debate, reason="spam")

    assert debate.is_hidden
    assert told_hidden(db, author) == []  # the other request tells the author, not this one
    assert logged(db) == []
