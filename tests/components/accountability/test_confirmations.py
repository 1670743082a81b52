"""The residents' side of a result: whom to offer to follow it (`follow_offer`), who may say
whether a completed result was done as promised (`can_confirm`, `confirm_result`, once per
resident, even when two answers arrive at once) and the summary of their answers."""

from datetime import timedelta

import pytest
from flask import g
from flask_login import AnonymousUserMixin
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability import confirmations
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Confirmation
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.proposals.models import Support
from decide.core.models import ResourceLink
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.notifications.services import follow
from tests.components.budgets.test_concurrency import run_at_once


@pytest.fixture
def completed(make_result):
    return make_result(progress=100)


@pytest.fixture
def follower(db, create_user, completed):
    person = create_user(nickname="lucia")
    follow(person, resource=completed)
    db.session.commit()
    return person


def answers(db, result) -> list[tuple[int, str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Confirmation.user_id, Confirmation.answer, Confirmation.comment)
        .where(Confirmation.result_id == result.id).order_by(Confirmation.id))]


# --- follow_offer -----------------------------------------------------------------------------

@pytest.fixture
def linked(db, make_result, make_proposal, make_budget, make_project):
    """A result carrying out a proposal and a project."""
    result = make_result()
    proposal = make_proposal()
    project = make_project(make_budget(), selected_at=utcnow())
    db.session.add_all([ResourceLink(from_id=result.id, to_id=proposal.id, name=PROPOSAL_LINK),
                        ResourceLink(from_id=result.id, to_id=project.id, name=PROJECT_LINK)])
    db.session.commit()
    return result, proposal, project


def vote(db, user, project, *, checked_out=True) -> None:
    db.session.add(Order(budget_id=project.budget_id, user_id=user.id,
                         checked_out_at=utcnow() if checked_out else None,
                         lines=[OrderLine(project_id=project.id)]))
    db.session.commit()


def test_the_author_is_offered_to_follow_first(db, linked, count_queries):
    result, proposal, project = linked
    author = db.session.get(User, proposal.author_id)
    db.session.add(Support(proposal_id=proposal.id, user_id=author.id))
    db.session.commit()
    vote(db, author, project)
    db.session.refresh(author)
    db.session.refresh(result)
    with count_queries() as counter:
        assert confirmations.follow_offer(author, result) == "author"
    assert counter.count <= 3


def test_a_supporter_and_a_voter_are_offered_to_follow(db, linked, create_user):
    result, proposal, project = linked
    supporter, voter, undecided = create_user(), create_user(), create_user()
    db.session.add(Support(proposal_id=proposal.id, user_id=supporter.id))
    db.session.commit()
    vote(db, supporter, project)
    vote(db, voter, project)
    vote(db, undecided, project, checked_out=False)
    assert confirmations.follow_offer(supporter, result) == "supporter"
    assert confirmations.follow_offer(voter, result) == "voter"
    assert confirmations.follow_offer(undecided, result) is None  # a ballot not cast


def test_nothing_is_offered_to_followers_strangers_or_visitors(db, linked, create_user):
    result, proposal, _project = linked
    author = db.session.get(User, proposal.author_id)
    follow(author, resource=result)
    db.session.commit()
    assert confirmations.follow_offer(author, result) is None
    assert confirmations.follow_offer(create_user(), result) is None
    assert confirmations.follow_offer(AnonymousUserMixin(), result) is None
    assert confirmations.follow_offer(None, result) is None


# --- can_confirm and confirm_result -----------------------------------------------------------

def test_a_follower_confirms_a_completed_result_once(db, completed, follower):
    assert confirmations.can_confirm(follower, completed)
    confirmation = confirmations.confirm_result(follower, completed, answer="partly",
                                           comment="  The benches are missing.  ")
    db.session.commit()
    assert (confirmation.user_id, confirmation.answer) == (follower.id, "partly")
    assert answers(db, completed) == [(follower.id, "partly", "The benches are missing.")]
    assert not confirmations.can_confirm(follower, completed)
    with pytest.raises(DomainError) as error:
        confirmations.confirm_result(follower, completed, answer="yes")
    assert "already" in error.value.message
    db.session.rollback()
    assert len(answers(db, completed)) == 1


def test_a_result_not_completed_cannot_be_confirmed(db, make_result, create_user):
    result, person = make_result(progress=99), create_user()
    follow(person, resource=result)
    db.session.commit()
    assert not confirmations.can_confirm(person, result)
    with pytest.raises(DomainError):
        confirmations.confirm_result(person, result, answer="yes")
    assert answers(db, result) == []


def test_only_followers_are_asked(db, completed, create_user):
    stranger = create_user()
    assert not confirmations.can_confirm(stranger, completed)
    with pytest.raises(DomainError) as error:
        confirmations.confirm_result(stranger, completed, answer="yes")
    assert "follow" in error.value.message


@pytest.mark.parametrize("who", ["anonymous", "none", "blocked", "deleted"])
def test_visitors_and_closed_accounts_cannot_confirm(db, completed, follower, who):
    if who == "blocked":
        follower.blocked_at = utcnow()
    if who == "deleted":
        follower.deleted_at = utcnow()
    db.session.commit()
    user = {"anonymous": AnonymousUserMixin(), "none": None}.get(who, follower)
    assert not confirmations.can_confirm(user, completed)
    with pytest.raises(DomainError):
        confirmations.confirm_result(user, completed, answer="yes")


def test_a_hidden_result_cannot_be_confirmed(db, completed, follower):
    completed.hidden_at = utcnow()
    db.session.commit()
    assert not confirmations.can_confirm(follower, completed)


@pytest.mark.parametrize("answer", ["", "maybe", "YES", None, 1, ["yes"]])
def test_an_unknown_answer_is_refused(db, completed, follower, answer):
    with pytest.raises(DomainError) as error:
        confirmations.confirm_result(follower, completed, answer=answer)
    assert error.value.field == "answer"
    assert answers(db, completed) == []


def test_a_comment_is_at_most_1000_characters_of_plain_text(db, completed, follower,
                                                            create_user):
    with pytest.raises(DomainError) as error:
        confirmations.confirm_result(follower, completed, answer="no", comment="x" * 1001)
    assert error.value.field == "comment"
    confirmations.confirm_result(follower, completed, answer="no",
                            comment="<script>alert(1)</script>" + "x" * 975)
    db.session.commit()
    [(_user, _answer, comment)] = answers(db, completed)
    assert comment.startswith("<script>")  # kept as typed: escaped where it is shown


def test_verification_is_asked_when_the_component_says_so(db, completed, follower, configure,
                                                          verified):
    configure(verify_confirm=True)
    assert not confirmations.can_confirm(follower, completed)
    with pytest.raises(DomainError) as error:
        confirmations.confirm_result(follower, completed, answer="yes")
    assert "Verify" in error.value.message
    verified(follower)
    g.pop("verifications", None)  # read once per request: this is a new one
    assert confirmations.can_confirm(follower, completed)


def test_a_second_answer_racing_the_first_is_refused_by_the_database(db, completed, follower,
                                                                     monkeypatch):
    confirmations.confirm_result(follower, completed, answer="yes")
    db.session.commit()
    # As if the second request had checked before the first one was written.
    monkeypatch.setattr(confirmations, "confirmation_refusal", lambda user, result: None)
    with pytest.raises(DomainError) as error:
        confirmations.confirm_result(follower, completed, answer="no")
    assert "already" in error.value.message
    db.session.commit()  # the savepoint was rolled back: the transaction goes on
    assert answers(db, completed) == [(follower.id, "yes", "")]


def test_two_answers_at_once_make_one(app, db, completed, follower):
    outcomes = run_at_once(app, [
        (lambda user, result, answer=answer: confirmations.confirm_result(user, result,
                                                                     answer=answer),
         (User, follower.id), (type(completed), completed.id))
        for answer in ("yes", "no", "partly", "yes")])
    assert outcomes.count("ok") == 1, outcomes
    assert all(outcome == "ok" or "already" in outcome for outcome in outcomes), outcomes
    assert db.session.scalar(select(func.count(Confirmation.id))) == 1


# --- confirmation_summary ---------------------------------------------------------------------

def test_the_summary_counts_answers_and_shows_the_latest_comments(db, completed, create_user,
                                                                  count_queries):
    start = utcnow()
    for number, answer in enumerate(["yes"] * 3 + ["partly"] * 2 + ["no"] * 20):
        db.session.add(Confirmation(
            result_id=completed.id, user_id=create_user().id, answer=answer,
            comment=f"Comment {number}" if answer == "no" else "",
            created_at=start + timedelta(minutes=number)))
    db.session.commit()
    db.session.expire_all()
    db.session.refresh(completed)
    with count_queries() as counter:
        summary = confirmations.confirmation_summary(completed)
        names = [confirmation.user.nickname for confirmation in summary["comments"]]
    assert counter.count == 2
    assert {key: summary[key] for key in ("yes", "partly", "no", "total")} == {
        "yes": 3, "partly": 2, "no": 20, "total": 25}
    assert len(summary["comments"]) == len(names) == 20
    assert [c.comment for c in summary["comments"][:2]] == ["Comment 24", "Comment 23"]


def test_the_summary_of_a_result_without_answers(db, completed):
    assert confirmations.confirmation_summary(completed) == {
        "yes": 0, "partly": 0, "no": 0, "total": 0, "comments": []}


def test_an_answer_stays_counted_after_its_author_leaves(db, completed, follower):
    confirmations.confirm_result(follower, completed, answer="yes", comment="Great")
    db.session.commit()
    db.session.execute(Confirmation.__table__.update().values(user_id=None))
    db.session.commit()
    summary = confirmations.confirmation_summary(completed)
    assert summary["total"] == 1 and summary["comments"][0].user is None
