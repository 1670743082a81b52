"""The rules of comments, at service level: threads, depth, alignment, mentions, edits,
deletion, votes and the thread's tree and orders."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.comments import services
from decide.comments.models import Comment
from decide.comments.models import CommentVote
from decide.components import CommentRules
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.moderation.services import can_report
from decide.notifications.models import Notification
from decide.notifications.services import is_following
from decide.spaces.models import Role


def notified(db, event: str) -> set[int]:
    """The ids of the residents told of `event`."""
    return set(db.session.scalars(select(Notification.user_id)
                                  .where(Notification.event == event)))


def refresh(db, *rows):
    for row in rows:
        db.session.refresh(row)


# --- who may comment --------------------------------------------------------------------------

def test_a_signed_in_resident_may_comment_where_the_kind_allows_it(note, user):
    assert services.can_comment(user, note)


def test_anonymous_visitors_cannot_comment(app, note):
    anonymous = app.login_manager.anonymous_user()
    assert not services.can_comment(anonymous, note)
    assert not services.can_comment(None, note)
    assert services.why_not_comment(anonymous, note) == "sign_in"


def test_blocked_and_deleted_accounts_cannot_comment(note, create_user):
    assert not services.can_comment(create_user(blocked_at=utcnow()), note)
    assert not services.can_comment(create_user(deleted_at=utcnow()), note)


def test_no_comments_when_the_kind_disables_or_blocks_them(note, user, notes_kind):
    notes_kind.extra["rules"] = CommentRules(enabled=False)
    assert services.why_not_comment(user, note) == "disabled"
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    assert services.why_not_comment(user, note) == "blocked"
    assert not services.can_comment(user, note)


def test_a_closed_resource_says_closed(note, user, notes_kind):
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    note.is_closed = True  # what a closed debate says
    assert services.why_not_comment(user, note) == "closed"


def test_a_kind_without_comment_rules_takes_no_comments(app, note, user, notes_kind,
                                                        monkeypatch):
    from dataclasses import replace
    monkeypatch.setitem(app.extensions["decide.components"], "notes",
                        replace(notes_kind, comment_rules=None))
    assert not services.can_comment(user, note)
    assert not services.load_thread(note, user).enabled


def test_hidden_or_invisible_resources_take_no_comments(db, note, user, create_process,
                                                        create_component, create_note):
    note.hidden_at = utcnow()
    db.session.commit()
    assert not services.can_comment(user, note)
    unpublished = create_component(create_process(), manifest_name="notes", published=False)
    assert not services.can_comment(user, create_note(unpublished))


def test_comment_refused_by_the_service_too(note, user, notes_kind):
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    with pytest.raises(DomainError):
        services.create_comment(user, note, body="Too late")


# --- creating ---------------------------------------------------------------------------------

def test_a_comment_is_plain_text_in_the_authors_language_and_counted(db, note, create_user):
    author = create_user(locale="ca")
    comment = services.create_comment(author, note, body="  <b>Bon dia</b>  ")
    db.session.commit()
    refresh(db, note)
    assert comment.body == "<b>Bon dia</b>"
    assert comment.locale == "ca"
    assert comment.depth == 0 and comment.parent_id is None
    assert comment.component_id == note.component_id
    assert note.comments_count == 1


def test_the_commenter_follows_the_resource(db, note, user):
    services.create_comment(user, note, body="Following now")
    db.session.commit()
    assert is_following(user, resource=note)


@pytest.mark.parametrize("body", ["", "   ", "\n\n"])
def test_an_empty_comment_is_refused(note, user, body):
    with pytest.raises(DomainError) as error:
        services.create_comment(user, note, body=body)
    assert error.value.field == "body"


def test_at_most_1000_characters(db, note, user):
    services.create_comment(user, note, body="x" * 1000)
    with pytest.raises(DomainError) as error:
        services.create_comment(user, note, body="x" * 1001)
    assert error.value.field == "body"


def test_replies_go_three_levels_deep_and_no_further(db, note, user, create_comment):
    comment = create_comment(note, user)
    for depth in (1, 2, 3):
        comment = create_comment(note, user, parent=comment)
        assert comment.depth == depth
    with pytest.raises(DomainError):
        services.create_comment(user, note, body="A fourth level", parent=comment)
    db.session.rollback()
    refresh(db, note)
    assert note.comments_count == 4


def test_a_reply_counts_on_its_parent_and_on_the_resource(db, note, user, create_comment):
    parent = create_comment(note, user)
    create_comment(note, user, parent=parent)
    create_comment(note, user, parent=parent)
    refresh(db, parent, note)
    assert parent.comments_count == 2
    assert note.comments_count == 3


def test_a_reply_to_a_comment_of_another_thread_is_refused(note, create_note, user,
                                                           create_comment):
    elsewhere = create_comment(create_note(), user)
    with pytest.raises(DomainError):
        services.create_comment(user, note, body="Wrong thread", parent=elsewhere)


def test_a_deleted_comment_takes_no_replies(db, note, user, create_comment):
    parent = create_comment(note, user)
    services.delete_comment(user, parent)
    db.session.commit()
    with pytest.raises(DomainError):
        services.create_comment(user, note, body="Hello?", parent=parent)


@pytest.mark.parametrize("alignment", [1, -1, 0])
def test_alignment_is_kept_where_the_kind_allows_it(note, user, notes_kind, alignment):
    notes_kind.extra["rules"] = CommentRules(alignment=True)
    assert services.create_comment(user, note, body="My view",
                                   alignment=alignment).alignment == alignment


def test_alignment_is_neutral_where_the_kind_does_not_ask(note, user):
    assert services.create_comment(user, note, body="My view", alignment=1).alignment == 0


@pytest.mark.parametrize("alignment", [2, -2, "1", None])
def test_an_unknown_alignment_is_refused(note, user, notes_kind, alignment):
    notes_kind.extra["rules"] = CommentRules(alignment=True)
    with pytest.raises(DomainError) as error:
        services.create_comment(user, note, body="My view", alignment=alignment)
    assert error.value.field == "alignment"


# --- notifications ----------------------------------------------------------------------------

def test_followers_hear_of_a_new_comment(db, note, create_user, create_comment):
    first, second = create_user(), create_user()
    create_comment(note, first)  # now follows the note
    create_comment(note, second)
    assert notified(db, "comment_created") == {first.id}


def test_the_author_of_the_parent_hears_of_a_reply(db, note, create_user, create_comment):
    first, second = create_user(), create_user()
    parent = create_comment(note, first)
    reply = create_comment(note, second, parent=parent)
    told = db.session.scalars(select(Notification).where(Notification.user_id == first.id)).all()
    # Told once, of the most specific news: the reply, not also "a new comment".
    assert [(n.event, n.data["comment_id"]) for n in told] == [("comment_reply", reply.id)]


def test_mentioned_residents_are_notified(db, note, create_user, create_comment):
    author = create_user()
    ana = create_user(nickname="ana")
    bea = create_user(nickname="bea_2")
    blocked = create_user(nickname="blocked", blocked_at=utcnow())
    create_comment(note, author, body="Hello @Ana and @bea_2, and @nobody, and @blocked, "
                                      "and me @" + author.nickname + ", mail ana@bea_2.org")
    assert notified(db, "mention") == {ana.id, bea.id}
    assert blocked.id not in notified(db, "mention")


def test_an_edit_tells_only_the_newly_mentioned(db, note, create_user, create_comment):
    author, ana, bea = create_user(), create_user(nickname="ana"), create_user(nickname="bea")
    comment = create_comment(note, author, body="Hello @ana")
    services.edit_comment(author, comment, "Hello @ana and @bea")
    db.session.commit()
    mentions = db.session.scalars(select(Notification.user_id)
                                  .where(Notification.event == "mention")).all()
    assert sorted(mentions) == sorted([ana.id, bea.id])


def test_mentions_are_read_from_the_text():
    assert services.mentioned_nicknames("@Ana, @bea_2! x@cat.org /@dan @ed @toolongnickname12345x"
                                        ) == {"ana", "bea_2"}


# --- editing and deleting -----------------------------------------------------------------------

def test_the_author_edits_and_the_comment_is_marked_edited(db, note, user, create_comment):
    comment = create_comment(note, user, body="Frist")
    services.edit_comment(user, comment, "First")
    db.session.commit()
    refresh(db, comment)
    assert comment.body == "First"
    assert comment.edited_at is not None


def test_an_edit_without_change_is_not_marked(db, note, user, create_comment):
    comment = create_comment(note, user, body="Same")
    services.edit_comment(user, comment, " Same ")
    assert comment.edited_at is None


def test_nobody_else_edits_or_deletes_a_comment(db, note, user, create_user, admin, grant,
                                                 create_comment):
    comment = create_comment(note, user)
    moderator = create_user()
    grant(moderator, note.component.process, Role.MODERATOR)
    for other in (create_user(), moderator, admin):
        assert not services.can_edit_comment(other, comment)
        assert not services.can_delete_comment(other, comment)
        with pytest.raises(DomainError):
            services.edit_comment(other, comment, "Not mine")
        with pytest.raises(DomainError):
            services.delete_comment(other, comment)
    refresh(db, comment)
    assert comment.deleted_at is None and comment.edited_at is None


def test_edits_keep_the_rules_of_new_comments(note, user, create_comment):
    comment = create_comment(note, user)
    with pytest.raises(DomainError):
        services.edit_comment(user, comment, "")
    with pytest.raises(DomainError):
        services.edit_comment(user, comment, "x" * 1001)


def test_a_deleted_comment_can_be_neither_edited_nor_deleted_again(db, note, user,
                                                                   create_comment):
    comment = create_comment(note, user)
    services.delete_comment(user, comment)
    db.session.commit()
    with pytest.raises(DomainError):
        services.edit_comment(user, comment, "Back")
    with pytest.raises(DomainError):
        services.delete_comment(user, comment)


def test_a_deleted_comment_keeps_its_place_and_its_replies(db, note, create_user,
                                                           create_comment):
    first, second = create_user(), create_user()
    parent = create_comment(note, first, body="Mine")
    reply = create_comment(note, second, parent=parent)
    services.delete_comment(first, parent)
    db.session.commit()
    refresh(db, parent, note)
    assert db.session.get(Comment, parent.id) is not None
    assert parent.deleted_at is not None and parent.body == "Mine"  # kept, never shown
    assert note.comments_count == 1
    thread = services.load_thread(note, second)
    assert [node.id for node in thread.roots] == [parent.id]
    assert thread.roots[0].is_deleted and not thread.shows_text(thread.roots[0])
    assert [node.id for node in thread.roots[0].replies] == [reply.id]
    assert thread.count == 1


def test_the_author_may_delete_after_comments_are_blocked(db, note, user, notes_kind,
                                                          create_comment):
    comment = create_comment(note, user)
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    assert not services.can_edit_comment(user, comment)
    services.delete_comment(user, comment)


# --- votes --------------------------------------------------------------------------------------

def vote_rows(db, comment) -> list[tuple[int, int]]:
    return sorted(db.session.execute(
        select(CommentVote.user_id, CommentVote.weight).where(CommentVote.comment_id == comment.id)
    ).all())


def test_a_vote_counts_and_the_same_vote_again_takes_it_back(db, note, create_user,
                                                             create_comment):
    author, voter = create_user(), create_user()
    comment = create_comment(note, author)
    assert services.vote_comment(voter, comment, 1) == 1
    db.session.commit()
    assert (comment.up_votes, comment.down_votes) == (1, 0)
    assert vote_rows(db, comment) == [(voter.id, 1)]
    assert services.vote_comment(voter, comment, 1) == 0
    db.session.commit()
    assert (comment.up_votes, comment.down_votes) == (0, 0)
    assert vote_rows(db, comment) == []


def test_a_vote_can_change(db, note, create_user, create_comment):
    author, voter = create_user(), create_user()
    comment = create_comment(note, author)
    services.vote_comment(voter, comment, 1)
    assert services.vote_comment(voter, comment, -1) == -1
    db.session.commit()
    assert (comment.up_votes, comment.down_votes) == (0, 1)
    assert vote_rows(db, comment) == [(voter.id, -1)]


def test_votes_of_several_residents_add_up(db, note, create_user, create_comment):
    comment = create_comment(note, create_user())
    for weight in (1, 1, -1, 1):
        services.vote_comment(create_user(), comment, weight)
    db.session.commit()
    assert (comment.up_votes, comment.down_votes) == (3, 1)


def test_nobody_votes_on_their_own_comment(note, user, create_comment):
    comment = create_comment(note, user)
    assert not services.can_vote_comment(user, comment)
    with pytest.raises(DomainError, match="own comment"):
        services.vote_comment(user, comment, 1)


@pytest.mark.parametrize("weight", [0, 2, -2, "1"])
def test_a_vote_is_up_or_down(note, create_user, create_comment, weight):
    comment = create_comment(note, create_user())
    with pytest.raises(DomainError):
        services.vote_comment(create_user(), comment, weight)


def test_no_votes_on_deleted_comments_nor_once_comments_are_blocked(
        db, note, create_user, notes_kind, create_comment):
    author, voter = create_user(), create_user()
    deleted, other = create_comment(note, author), create_comment(note, author)
    services.delete_comment(author, deleted)
    with pytest.raises(DomainError):
        services.vote_comment(voter, deleted, 1)
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    with pytest.raises(DomainError):
        services.vote_comment(voter, other, 1)


def _run_at_once(app, count: int, work) -> list:
    """`work(number)` in `count` threads started together, each with its own connection and
    transaction, committed; returns what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(number: int):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results[number] = work(number)
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[number] = error

    workers = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return results


def test_concurrent_votes_are_all_counted(app, db, note, create_user, create_comment):
    comment = create_comment(note, create_user())
    voters = [create_user().id for _ in range(6)]
    comment_id = comment.id
    db.session.close()

    def vote(number: int):
        from decide.core.models import User
        result = services.vote_comment(db.session.get(User, voters[number]),
                                       db.session.get(Comment, comment_id),
                                       1 if number % 3 else -1)
        db.session.commit()
        return result

    results = _run_at_once(app, len(voters), vote)
    assert not [r for r in results if isinstance(r, Exception)], results
    comment = db.session.get(Comment, comment_id)
    assert (comment.up_votes, comment.down_votes) == (4, 2)


def test_a_double_click_counts_one_vote(app, db, note, create_user, create_comment):
    comment = create_comment(note, create_user())
    voter_id, comment_id = create_user().id, comment.id
    db.session.close()

    def vote(number: int):
        from decide.core.models import User
        result = services.vote_comment(db.session.get(User, voter_id),
                                       db.session.get(Comment, comment_id), 1)
        db.session.commit()
        return result

    results = _run_at_once(app, 4, vote)
    assert not [r for r in results if isinstance(r, Exception)], results
    comment = db.session.get(Comment, comment_id)
    rows = vote_rows(db, comment)
    assert len(rows) <= 1
    # Whatever order the clicks ran in, the count is the number of votes stored.
    assert (comment.up_votes, comment.down_votes) == (len(rows), 0)
    assert db.session.scalar(select(func.count(CommentVote.id))) == len(rows)


# --- the thread ---------------------------------------------------------------------------------

def _aged(db, comment, minutes: int):
    comment.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()
    return comment


@pytest.fixture
def sortable(db, note, create_user, create_comment):
    """Three comments: old (score 0, 2 replies), middle (score 2), new (score -1)."""
    authors = [create_user() for _ in range(3)]
    old = _aged(db, create_comment(note, authors[0], body="old"), 30)
    middle = _aged(db, create_comment(note, authors[1], body="middle"), 20)
    new = _aged(db, create_comment(note, authors[2], body="new"), 10)
    first_reply = _aged(db, create_comment(note, authors[1], parent=old), 9)
    _aged(db, create_comment(note, authors[2], parent=first_reply), 8)
    second_reply = _aged(db, create_comment(note, authors[2], parent=old), 5)
    for voter in authors[:1] + [create_user()]:
        services.vote_comment(voter, middle, 1)
    services.vote_comment(authors[0], new, -1)
    db.session.commit()
    return {"old": old.id, "middle": middle.id, "new": new.id,
            "replies": [first_reply.id, second_reply.id], "voter": authors[0]}


@pytest.mark.parametrize(("order", "expected"), [
    ("best", ["middle", "old", "new"]),
    ("recent", ["new", "middle", "old"]),
    ("oldest", ["old", "middle", "new"]),
    ("most_discussed", ["old", "middle", "new"]),
    ("no-such-order", ["middle", "old", "new"]),
])
def test_orders_of_a_thread(note, sortable, order, expected):
    thread = services.load_thread(note, sortable["voter"], order)
    assert [node.id for node in thread.roots] == [sortable[name] for name in expected]
    assert thread.order in services.ORDERS


def test_replies_sit_under_their_parent_oldest_first(note, sortable):
    for order in services.ORDERS:
        thread = services.load_thread(note, None, order)
        old = next(node for node in thread.roots if node.id == sortable["old"])
        assert [node.id for node in old.replies] == sortable["replies"]
        assert old.descendants == 3


def test_the_thread_knows_the_readers_votes(note, sortable):
    thread = services.load_thread(note, sortable["voter"])
    votes = {node.id: node.my_vote for node in thread}
    assert votes[sortable["middle"]] == 1
    assert votes[sortable["new"]] == -1
    assert votes[sortable["old"]] == 0


def test_a_hidden_comment_shows_its_text_to_moderators_only(db, note, create_user, grant,
                                                            create_comment):
    author, reader, moderator = create_user(), create_user(), create_user()
    grant(moderator, note.component.process, Role.MODERATOR)
    hidden = create_comment(note, author)
    create_comment(note, reader, parent=hidden)
    hidden.hidden_at = utcnow()
    db.session.commit()
    for user, shown in ((reader, False), (moderator, True)):
        thread = services.load_thread(note, user)
        node = thread.roots[0]
        assert node.is_hidden and thread.shows_text(node) is shown
        assert len(node.replies) == 1  # the replies keep their place
        assert not thread.can_reply(node) and not thread.can_vote(node)
        assert thread.count == 1


def test_the_threads_permissions_answer_as_the_services_do(db, note, create_user, grant,
                                                           create_comment):
    # The thread answers for hundreds of comments at once; its answers are the services' ones
    # (and moderation's for reports), for every reader and every state of a comment.
    author, other, blocked, moderator = (create_user() for _ in range(4))
    grant(moderator, note.component.process, Role.MODERATOR)
    shown = create_comment(note, author)
    deepest = shown
    for _level in range(3):
        deepest = create_comment(note, other, parent=deepest)
    hidden = create_comment(note, author)
    hidden.hidden_at = utcnow()
    gone = create_comment(note, other)
    services.delete_comment(other, gone)
    blocked.blocked_at = utcnow()
    db.session.commit()
    for reader in (None, author, other, blocked, moderator):
        thread = services.load_thread(note, reader)
        for node in thread:
            comment = node.comment
            assert (thread.can_reply(node), thread.can_vote(node), thread.can_edit(node),
                    thread.can_delete(node), thread.can_report(node)) == (
                services.can_reply(reader, comment), services.can_vote_comment(reader, comment),
                services.can_edit_comment(reader, comment),
                services.can_delete_comment(reader, comment),
                can_report(reader, resource=comment)), (reader, comment.id)
