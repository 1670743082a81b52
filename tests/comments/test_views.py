"""The comment views: who may do what, bad input, and the thread as the page shows it."""

import re

import pytest
from flask import current_app
from flask import render_template_string
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext
from flask_login import login_user
from sqlalchemy import func
from sqlalchemy import select

from decide.comments import services
from decide.comments.models import Comment
from decide.comments.models import CommentVote
from decide.comments.views import url_for_ids
from decide.components import CommentRules
from decide.components.debates.models import Debate
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import delete_account
from decide.spaces.models import Role
from decide.spaces.views import resource_url
from tests.comments.conftest import Note
from tests.conftest import DEFAULT_PASSWORD
from tests.conftest import STAFF_PASSWORD

THREAD = ('{% from "comments/_thread.html" import comments_section %}'
          '{{ comments_section(resource, thread) }}')


def render_thread(app, resource, user=None, order="best") -> str:
    with app.test_request_context("/"):
        if user is not None:
            login_user(user)
        thread = services.load_thread(resource, user, order)
        return render_template_string(THREAD, resource=resource, thread=thread)


def count_comments(db) -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def page_text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


# --- who may do what ---------------------------------------------------------------------------

@pytest.fixture
def people(db, note, create_user, grant, create_comment):
    """The author of a comment, another resident and a moderator of the process."""
    author, other = create_user(), create_user()
    moderator = create_user(password=STAFF_PASSWORD)
    grant(moderator, note.component.process, Role.MODERATOR)
    comment = create_comment(note, author, body="The first comment")
    return {"author": author, "other": other, "moderator": moderator, "comment": comment}


def request_for(action: str, note, comment):
    return {
        "comment": ("post", f"/comments/{note.id}", {"body": "Hello there"}),
        "reply": ("post", f"/comments/{note.id}", {"body": "Hello", "parent_id": comment.id}),
        "reply_page": ("get", f"/comments/{comment.id}/reply", None),
        "reply_here": ("post", f"/comments/{comment.id}/reply", {"body": "Hello"}),
        "edit_page": ("get", f"/comments/{comment.id}/edit", None),
        "edit": ("post", f"/comments/{comment.id}/edit", {"body": "Changed"}),
        "delete": ("post", f"/comments/{comment.id}/delete", {}),
        "vote": ("post", f"/comments/{comment.id}/vote", {"weight": "1"}),
    }[action]


# who × action → the answer: "signin" (sent to sign in), a status code
MATRIX = {
    "anonymous": {"comment": "signin", "reply": "signin", "reply_page": "signin",
                  "reply_here": "signin", "edit_page": "signin", "edit": "signin",
                  "delete": "signin", "vote": "signin"},
    "other": {"comment": 303, "reply": 303, "reply_page": 200, "reply_here": 303,
              "edit_page": 403, "edit": 403, "delete": 403, "vote": 303},
    "author": {"comment": 303, "reply": 303, "reply_page": 200, "reply_here": 303,
               "edit_page": 200, "edit": 303, "delete": 303, "vote": 403},
    "moderator": {"comment": 303, "reply": 303, "reply_page": 200, "reply_here": 303,
                  "edit_page": 403, "edit": 403, "delete": 403, "vote": 303},
}
CASES = [(who, action, answer) for who, answers in MATRIX.items()
         for action, answer in answers.items()]


def state(db, comment) -> tuple:
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    return (count_comments(db), comment.body, comment.deleted_at, comment.up_votes,
            db.session.scalar(select(func.count(CommentVote.id))))


@pytest.mark.parametrize(("who", "action", "answer"), CASES,
                         ids=[f"{who}-{action}" for who, action, _answer in CASES])
def test_permission_matrix(db, client, login, note, people, who, action, answer):
    comment = people["comment"]
    if who != "anonymous":
        login(people[who])
    method, url, data = request_for(action, note, comment)
    before = state(db, comment)

    response = getattr(client, method)(url, data=data) if data is not None else client.get(url)

    if answer == "signin":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin?next=")
    else:
        assert response.status_code == answer
    if answer == 303:
        assert re.search(r"#comment-\d+$", response.headers["Location"])
        assert state(db, comment) != before
    elif answer != 200:
        assert state(db, comment) == before


def test_a_new_comment_goes_back_to_the_thread_at_the_comment(db, client, login, note, user):
    login(user)
    response = client.post(f"/comments/{note.id}", data={"body": "Right here"})
    comment = db.session.scalars(select(Comment)).one()
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/processes/{note.component.process.slug}#comment-{comment.id}")


def test_nothing_is_written_while_comments_are_blocked(db, client, login, note, notes_kind,
                                                       people):
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    login(people["other"])
    assert client.post(f"/comments/{note.id}", data={"body": "Late"}).status_code == 403
    assert client.post(f"/comments/{people['comment'].id}/vote",
                       data={"weight": "1"}).status_code == 403
    assert count_comments(db) == 1


def test_residents_see_nothing_of_an_unpublished_component(db, client, login, create_user,
                                                           create_process, create_component,
                                                           create_note, create_comment):
    author = create_user()
    note = create_note()
    comment = create_comment(note, author)
    note.component.published_at = None
    db.session.commit()
    login(author)
    assert client.post(f"/comments/{note.id}", data={"body": "Hi"}).status_code == 404
    assert client.get(f"/comments/{comment.id}/edit").status_code == 404
    assert client.post(f"/comments/{comment.id}/delete").status_code == 404


# --- bad input -------------------------------------------------------------------------------

def test_an_empty_comment_shows_the_form_again(db, client, login, note, user):
    login(user)
    response = client.post(f"/comments/{note.id}", data={"body": "   "})
    assert response.status_code == 400
    page = page_text(response)
    assert "Fill in this field." in page
    assert f"Comment on “{note.summary}”" in page
    assert count_comments(db) == 0


def test_errors_are_in_the_residents_language(db, client, login, note, create_user):
    login(create_user(locale="es"))
    response = client.post(f"/comments/{note.id}", data={"body": ""})
    assert response.status_code == 400
    page = page_text(response)
    assert '<html lang="es">' in page
    with force_locale("es"):
        assert gettext("Fill in this field.") in page
        assert gettext("Fill in this field.") != "Fill in this field."


def test_a_too_long_comment_is_kept_to_be_shortened(db, client, login, note, user):
    login(user)
    body = "<script>alert('x')</script> " + "y" * 1000
    response = client.post(f"/comments/{note.id}", data={"body": body})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use at most 1000 characters." in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; " + "y" * 1000 in page
    assert "<script>alert" not in page
    assert count_comments(db) == 0


def test_exactly_1000_characters_are_accepted(db, client, login, note, user):
    login(user)
    assert client.post(f"/comments/{note.id}", data={"body": "z" * 1000}).status_code == 303


def test_html_is_stored_as_text_and_shown_escaped(app, db, client, login, note, user):
    login(user)
    body = "<script>alert('x')</script> <b>bold</b> <a href='javascript:evil()'>x</a>"
    assert client.post(f"/comments/{note.id}", data={"body": body}).status_code == 303
    assert db.session.scalars(select(Comment.body)).one() == body
    html = render_thread(app, note, user)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript' not in html and "href='javascript" not in html


@pytest.mark.parametrize("alignment", ["7", "abc", "", "1.0"])
def test_an_unknown_alignment_shows_the_form_again(db, client, login, note, notes_kind, user,
                                                   alignment):
    notes_kind.extra["rules"] = CommentRules(alignment=True)
    login(user)
    response = client.post(f"/comments/{note.id}",
                           data={"body": "My view", "alignment": alignment})
    assert response.status_code == 400
    page = page_text(response)
    assert "Choose in favour, against or neutral." in page
    assert "My view" in page
    assert count_comments(db) == 0


def test_an_alignment_where_none_is_asked_is_stored_as_neutral(db, client, login, note, user):
    login(user)
    response = client.post(f"/comments/{note.id}", data={"body": "Sure", "alignment": "1"})
    assert response.status_code == 303
    assert db.session.scalars(select(Comment.alignment)).one() == 0


def test_alignment_is_stored_where_it_is_asked(db, client, login, note, notes_kind, user):
    notes_kind.extra["rules"] = CommentRules(alignment=True)
    login(user)
    response = client.post(f"/comments/{note.id}", data={"body": "No", "alignment": "-1"})
    assert response.status_code == 303
    assert db.session.scalars(select(Comment.alignment)).one() == -1


@pytest.mark.parametrize("parent", ["abc", "-1", "99999", "99999999999999", "1 OR 1=1"])
def test_an_unknown_parent_is_not_found(db, client, login, note, user, parent):
    login(user)
    response = client.post(f"/comments/{note.id}", data={"body": "Hi", "parent_id": parent})
    assert response.status_code == 404
    assert count_comments(db) == 0


def test_a_parent_of_another_thread_is_not_found(db, client, login, note, create_note, user,
                                                 create_comment):
    elsewhere = create_comment(create_note(), user)
    login(user)
    response = client.post(f"/comments/{note.id}",
                           data={"body": "Hi", "parent_id": str(elsewhere.id)})
    assert response.status_code == 404
    assert count_comments(db) == 1


def test_a_reply_too_deep_shows_why(db, client, login, note, user, create_comment):
    comment = create_comment(note, user)
    for _level in range(3):
        comment = create_comment(note, user, parent=comment)
    login(user)
    response = client.post(f"/comments/{note.id}",
                           data={"body": "Deeper", "parent_id": str(comment.id)})
    assert response.status_code == 400
    page = page_text(response)
    assert "as deep as it goes" in page
    assert "Deeper" in page
    assert count_comments(db) == 4


def test_the_reply_page_quotes_the_comment_and_publishes_the_reply(db, client, login, note,
                                                                   people):
    comment = people["comment"]
    login(people["other"])
    page = client.get(f"/comments/{comment.id}/reply").get_data(as_text=True)
    assert "Reply to a comment on" in page and "The first comment" in page
    assert '<label for="body">Your reply</label>' in page and "Publish the reply" in page
    assert 'name="parent_id"' not in page  # the comment replied to is in the address

    response = client.post(f"/comments/{comment.id}/reply", data={"body": "Me too"})
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == comment.id)).one()
    assert (reply.body, reply.depth, reply.author_id) == ("Me too", 1, people["other"].id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#comment-{reply.id}")
    assert "Your reply is published." in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_an_empty_reply_shows_the_form_again_at_the_same_address(db, client, login, note,
                                                                 people):
    login(people["other"])
    response = client.post(f"/comments/{people['comment'].id}/reply", data={"body": "  "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<form method="post" novalidate>' in page and "The first comment" in page
    assert count_comments(db) == 1


def test_a_comment_that_takes_no_reply_has_no_reply_page(db, client, login, note, user,
                                                         create_comment, create_user):
    deepest = create_comment(note, user)
    for _level in range(3):
        deepest = create_comment(note, user, parent=deepest)
    gone = create_comment(note, user, body="Regret")
    services.delete_comment(user, gone)
    db.session.commit()
    login(create_user())
    for comment in (deepest, gone):
        assert client.get(f"/comments/{comment.id}/reply").status_code == 403
        assert client.post(f"/comments/{comment.id}/reply",
                           data={"body": "Hi"}).status_code == 403
    assert client.get("/comments/99999/reply").status_code == 404
    assert count_comments(db) == 5


def test_a_deleted_comment_is_not_quoted_when_a_reply_to_it_is_refused(db, client, login, note,
                                                                       user, create_comment):
    gone = create_comment(note, user, body="Regret")
    services.delete_comment(user, gone)
    db.session.commit()
    login(user)
    response = client.post(f"/comments/{note.id}",
                           data={"body": "Hi", "parent_id": str(gone.id)})
    assert response.status_code == 400
    assert "Regret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/comments/99999", "/comments/99999999999"])
def test_an_unknown_resource_is_not_found(client, login, user, note, url):
    login(user)
    assert client.post(url, data={"body": "Hi"}).status_code == 404


def test_comments_are_not_commented_directly(db, client, login, note, user, create_comment):
    comment = create_comment(note, user)
    login(user)
    assert client.post(f"/comments/{comment.id}", data={"body": "Hi"}).status_code == 404
    assert count_comments(db) == 1


@pytest.mark.parametrize("path", ["reply", "edit", "delete", "vote"])
@pytest.mark.parametrize("comment_id", ["99999", "99999999999"])
def test_an_unknown_comment_is_not_found(client, login, user, note, path, comment_id):
    login(user)
    assert client.post(f"/comments/{comment_id}/{path}", data={"body": "x",
                                                               "weight": "1"}).status_code == 404


@pytest.mark.parametrize("weight", ["2", "", "0", "up-up", "<b>"])
def test_a_vote_is_up_or_down(db, client, login, people, weight):
    login(people["other"])
    response = client.post(f"/comments/{people['comment'].id}/vote", data={"weight": weight})
    assert response.status_code == 400
    assert "Vote up or down." in page_text(response)
    assert db.session.scalar(select(func.count(CommentVote.id))) == 0


def test_votes_toggle_through_the_views(db, client, login, people):
    login(people["other"])
    url = f"/comments/{people['comment'].id}/vote"
    for weight, expected in (("1", (1, 0)), ("-1", (0, 1)), ("-1", (0, 0))):
        assert client.post(url, data={"weight": weight}).status_code == 303
        db.session.expire_all()
        comment = db.session.get(Comment, people["comment"].id)
        assert (comment.up_votes, comment.down_votes) == expected


@pytest.mark.parametrize("body", ["", "x" * 1001])
def test_a_bad_edit_keeps_the_comment_and_what_was_typed(db, client, login, people, body):
    login(people["author"])
    response = client.post(f"/comments/{people['comment'].id}/edit", data={"body": body})
    assert response.status_code == 400
    assert body in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, people["comment"].id).body == "The first comment"


def test_the_edit_page_shows_the_text(client, login, people):
    login(people["author"])
    response = client.get(f"/comments/{people['comment'].id}/edit")
    assert response.status_code == 200
    assert "The first comment</textarea>" in response.get_data(as_text=True)


def test_without_csrf_token_nothing_changes_and_the_typed_text_is_kept(db, client, login, note,
                                                                      people):
    login(people["other"])
    response = client.post(f"/comments/{note.id}", data={"body": "Kept <text>"}, csrf=False)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form has expired" in page
    assert "Kept &lt;text&gt;" in page
    for who, path, data in (("other", "vote", {"weight": "-1"}), ("author", "delete", {}),
                            ("author", "edit", {"body": "Edited"})):
        client.post("/signout")
        login(people[who])
        response = client.post(f"/comments/{people['comment'].id}/{path}", data=data,
                               csrf=False)
        assert response.status_code == 400
        assert '<form method="post" novalidate>' in response.get_data(as_text=True)
    assert count_comments(db) == 1
    assert db.session.scalar(select(func.count(CommentVote.id))) == 0


# --- the thread on the page ----------------------------------------------------------------------

def test_the_thread_shows_comments_replies_and_the_readers_controls(
        app, db, note, notes_kind, create_user, create_comment):
    notes_kind.extra["rules"] = CommentRules(alignment=True)
    author, reader = create_user(), create_user(nickname="reader")
    first = create_comment(note, author, body="Trees, @reader!", alignment=1)
    reply = create_comment(note, reader, parent=first, body="Agreed")
    gone = create_comment(note, author, body="Regret")
    create_comment(note, reader, parent=gone, body="Still here")
    services.delete_comment(author, gone)
    services.vote_comment(reader, first, 1)
    services.edit_comment(reader, reply, "Agreed, edited")
    db.session.commit()

    html = render_thread(app, note, reader)

    assert html.count("<h2") == 1 and "4 comments" not in html and "3 comments" in html
    assert f'id="comment-{first.id}"' in html and f'id="comment-{reply.id}"' in html
    assert re.search(rf'id="comment-{first.id}".*?<ol class="comment-list comment-list--replies"'
                     rf'.*?id="comment-{reply.id}"', html, re.S)
    assert 'href="/profiles/reader">@reader</a>' in html  # the mention is a link
    assert "In favour" in html and "edited" in html
    assert "Deleted comment" in html and "Regret" not in html and "Still here" in html
    assert 'aria-pressed="true"' in html  # the reader's up vote
    assert f'action="/comments/{reply.id}/delete"' in html  # the reader's own comment
    assert f'action="/comments/{first.id}/delete"' not in html
    assert 'name="alignment"' in html  # the new comment's form, once
    assert html.count("<textarea") == 1
    # Replies are written on a page of their own; not to a deleted comment.
    assert f'href="/comments/{first.id}/reply"' in html
    assert f'href="/comments/{reply.id}/reply"' in html
    assert f'href="/comments/{gone.id}/reply"' not in html
    # One form of two buttons votes on someone else's comment, up or down.
    votes = re.search(rf'<form method="post" action="/comments/{first.id}/vote".*?</form>',
                      html, re.S).group(0)
    assert votes.count('name="csrf_token"') == 1
    assert 'name="weight" value="1"' in votes and 'name="weight" value="-1"' in votes
    assert f'action="/comments/{reply.id}/vote"' not in html  # not on one's own
    assert f"/moderation/report/{first.id}" in html or "report-link" in html


def test_a_deleted_account_shows_as_a_deleted_participant(app, db, note, create_user,
                                                          create_comment):
    staying, leaving = create_user(nickname="staying"), create_user(nickname="leaving")
    create_comment(note, staying, body="Still here")
    create_comment(note, leaving, body="Gone soon")
    delete_account(leaving, DEFAULT_PASSWORD)
    db.session.commit()
    html = render_thread(app, note, None)
    assert '<a class="comment__author" href="/profiles/staying">staying</a>' in html
    assert '<span class="comment__author">Deleted participant</span>' in html
    assert f"deleted-{leaving.id}" not in html and "Gone soon" in html


def test_anonymous_readers_are_asked_to_sign_in(app, note, user, create_comment):
    create_comment(note, user)
    html = render_thread(app, note, None)
    assert "Sign in to comment" in html
    assert "<textarea" not in html and "vote-button" not in html


def test_the_thread_says_when_comments_are_closed(app, note, user, notes_kind):
    notes_kind.extra["rules"] = CommentRules(blocked=True)
    html = render_thread(app, note, user)
    assert "New comments are not accepted at this time." in html
    assert "<textarea" not in html


def test_a_kind_with_comments_off_shows_no_thread(app, note, user, notes_kind):
    notes_kind.extra["rules"] = CommentRules(enabled=False)
    assert render_thread(app, note, user).strip() == ""


def _thread_of(db, note, count: int, create_user, create_comment) -> User:
    """`count` comments (a third of them replies, one hidden, one deleted, mentions and
    votes of the reader), and the reader."""
    reader = create_user(nickname=f"reader{count}")
    authors = [create_user() for _ in range(3)]
    comments = []
    for number in range(count):
        parent = comments[-1] if number % 3 == 2 else None
        comment = create_comment(note, authors[number % 3], parent=parent,
                                 body=f"Comment {number} for @reader{count}")
        if number % 2:
            services.vote_comment(reader, comment, 1)
        comments.append(comment)
    comments[0].hidden_at = utcnow()
    services.delete_comment(comments[1].author, comments[1])
    db.session.commit()
    return reader


def test_a_long_thread_renders_in_as_many_queries_as_a_short_one(
        app, db, create_note, create_user, create_comment, count_queries):
    counts = {}
    for size in (3, 30):
        note = create_note()
        reader_id = _thread_of(db, note, size, create_user, create_comment).id
        note_id = note.id
        db.session.close()
        with app.test_request_context("/"), count_queries() as counter:
            reader = db.session.get(User, reader_id)
            login_user(reader)
            note = db.session.get(Note, note_id)
            thread = services.load_thread(note, reader)
            html = render_template_string(THREAD, resource=note, thread=thread)
        assert html.count('class="comment-item"') == size
        counts[size] = counter.count
        db.session.close()
    assert counts[3] == counts[30], counts


def test_signing_in_from_a_thread_comes_back_to_it(client, note, user):
    response = client.post(f"/comments/{note.id}", data={"body": "Hi"})
    assert response.status_code == 302
    next_page = response.headers["Location"].split("next=", 1)[1]
    signed_in = client.post(f"/signin?next={next_page}",
                            data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert signed_in.headers["Location"] == f"/processes/{note.component.process.slug}"


# --- on a real kind's page: a debate ------------------------------------------------------------

@pytest.fixture
def debate(db, create_process, create_phase, create_component):
    process = create_process()
    create_phase(process, active=True)
    component = create_component(process, manifest_name="debates")
    debate = Debate(component_id=component.id, title={"en": "Which streets first?"},
                    description={"en": "<p>Trees.</p>"}, official=True, comments_count=0)
    db.session.add(debate)
    db.session.commit()
    return debate


def test_a_comment_posted_on_a_debate_shows_on_its_page(db, client, login, debate, user):
    login(user)
    response = client.post(f"/comments/{debate.id}",
                           data={"body": "Start with <the> school streets", "alignment": "1"})
    assert response.status_code == 303
    comment = db.session.scalars(select(Comment)).one()
    url, anchor = response.headers["Location"].split("#")
    assert anchor == f"comment-{comment.id}" and comment.alignment == 1

    page = client.get(url).get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in page
    assert "Start with &lt;the&gt; school streets" in page
    assert "Your comment is published." in page
    assert page.count("<h2") >= 1 and 'id="comments-title"' in page


def test_a_debate_page_with_30_comments_runs_as_many_queries_as_with_3(
        db, client, login, debate, create_user, create_comment, count_queries):
    reader = create_user(nickname="reader")
    login(reader)
    other = Debate(component_id=debate.component_id, title={"en": "Another"}, official=True,
                   comments_count=0)
    db.session.add(other)
    db.session.commit()
    counts = {}
    for target, size in ((debate, 3), (other, 30)):
        authors = [create_user() for _ in range(3)]
        last = None
        for number in range(size):
            last = create_comment(target, authors[number % 3], body=f"Hi @reader {number}",
                                  parent=last if number % 3 == 2 else None)
            if number % 2:
                services.vote_comment(reader, last, -1)
        db.session.commit()
        url = resource_path(target)
        db.session.expire_all()
        with count_queries() as counter:
            page = client.get(url)
        assert page.status_code == 200
        assert page.get_data(as_text=True).count('class="comment-item"') == size
        counts[size] = counter.count
    assert counts[3] == counts[30], counts


def resource_path(resource) -> str:
    with current_app.test_request_context("/"):
        return resource_url(resource)


@pytest.mark.parametrize(("endpoint", "key"), [("comments.vote", "comment_id"),
                                               ("comments.reply", "comment_id"),
                                               ("moderation.report_resource", "resource_id")])
def test_url_for_ids_builds_the_addresses_url_for_builds(app, endpoint, key):
    with app.test_request_context("/"):
        address = url_for_ids(endpoint, key)
        for value in (1, 7, 987654321, 2**31):
            assert address(value) == url_for(endpoint, **{key: value})
    with app.test_request_context("/", base_url="http://example.org/decide/"):
        assert url_for_ids(endpoint, key)(42) == url_for(endpoint, **{key: 42})
