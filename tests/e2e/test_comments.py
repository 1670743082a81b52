"""Comments in a real browser: a resident comments on a proposal of Green Streets with a
position and a mention, replies down to the last level, edits and deletes; another votes and
replies with JavaScript off. On a server of the test's own: the thread changes.
"""

import re

import pytest

from tests.e2e.residents import component_url
from tests.e2e.residents import in_english
from tests.e2e.residents import proposal_id
from tests.e2e.residents import sign_up

pytestmark = pytest.mark.e2e

BENCHES = "Shaded benches along the riverside walk"
LUCAS = ("lucas@decide.example", "meadow-violin-comet")

# Each comment of the thread: its depth (0 for a comment, 1 to 3 for replies), author and
# text ("" when deleted).
OUTLINE = """() => [...document.querySelectorAll('#comments article.comment')].map(article => {
    let depth = 0;
    for (let node = article.parentElement; node; node = node.parentElement) {
        if (node.classList.contains('comment-list--replies')) depth++;
    }
    const author = article.querySelector('.comment__author');
    const body = article.querySelector('.comment__body');
    return [depth, author ? author.textContent.trim() : '',
            body ? body.textContent.trim() : ''];
})"""


def outline(page) -> list[tuple[int, str, str]]:
    return [tuple(entry) for entry in page.evaluate(OUTLINE)]


def posted_comment(page):
    """The comment the last form published: the page comes back at its anchor."""
    anchor = re.search(r"#comment-(\d+)$", page.url)
    assert anchor, f"not back at a comment: {page.url}"
    return page.locator(f"#comment-{anchor.group(1)}")


def reply_link(comment):
    return comment.locator(".comment__actions").get_by_role("link", name="Reply", exact=True)


def reply(page, submit, comment, text: str) -> None:
    """Through the comment's Reply link and the page it opens."""
    submit(reply_link(comment))
    page.get_by_label("Your reply").fill(text)
    submit(page.locator("main").get_by_role("button", name="Publish the reply"))


def vote_button(comment, direction: str):
    return comment.get_by_role("button", name=re.compile(rf"^Vote {direction}:"))


def test_a_resident_comments_replies_edits_and_deletes(browser, page, own_server, check_page,
                                                       sign_in, submit):
    nickname = sign_up(page, own_server, submit)
    proposal = f"{component_url(own_server, 'proposals')}{proposal_id(own_server, BENCHES)}"
    page.goto(proposal)
    conversation = page.get_by_role("region", name="0 comments")
    assert conversation.get_by_text("No comments yet.").is_visible()

    # Bad input: nothing, then too much. The form comes back on a page of its own.
    submit(conversation.get_by_role("button", name="Publish the comment"))
    assert page.locator("h1").inner_text() == f"Comment on “{BENCHES}”"
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Comment").get_attribute("aria-invalid") == "true"
    assert page.locator("#body-error").inner_text() == "Fill in this field."
    check_page(page, "comment-errors")
    page.get_by_label("Comment").evaluate("area => area.removeAttribute('maxlength')")
    page.get_by_label("Comment").fill("x" * 1001)
    submit(page.locator("main").get_by_role("button", name="Publish the comment"))
    assert page.locator("#body-error").inner_text() == "Use at most 1000 characters."

    # Then a comment in favour, with a mention: @maria is linked, a nickname nobody has is not.
    text = "Yes, and @maria knows which stretch has no shade at all (@nobody-here too?)."
    page.get_by_label("Comment").fill(text)
    page.get_by_label("In favour").check()
    submit(page.locator("main").get_by_role("button", name="Publish the comment"))
    assert "Your comment is published." in page.locator(".flashes").inner_text()
    mine = posted_comment(page)
    assert mine.locator(".comment__author").inner_text() == nickname
    assert mine.locator(".alignment").inner_text() == "In favour"
    assert "comment--for" in mine.get_attribute("class")
    assert mine.get_by_role("link", name="@maria").get_attribute("href") == "/profiles/maria"
    assert not mine.get_by_role("link", name="@nobody-here").count()
    assert not vote_button(mine, "up").count()  # not on one's own comment
    assert page.get_by_role("region", name="1 comment").is_visible()
    check_page(page, "comment-published")

    # Replies, to the third level; past it there is no Reply. A reply quotes its comment.
    submit(reply_link(mine))
    assert page.locator("h1").inner_text() == f"Reply to a comment on “{BENCHES}”"
    assert "shade at all" in page.locator(".comment-quote").inner_text()
    submit(page.locator("main").get_by_role("button", name="Publish the reply"))
    assert page.get_by_label("Your reply").get_attribute("aria-invalid") == "true"
    check_page(page, "comment-reply-errors")
    page.get_by_label("Your reply").fill("First reply: the benches by the bridge get sun all day.")
    submit(page.locator("main").get_by_role("button", name="Publish the reply"))
    assert "Your reply is published." in page.locator(".flashes").inner_text()
    first_reply = posted_comment(page)
    reply(page, submit, first_reply, "Second level: the bridge needs trees first.")
    second_reply = posted_comment(page)
    reply(page, submit, second_reply, "Third level: the last one a thread takes.")
    third_reply = posted_comment(page)
    assert outline(page) == [
        (0, nickname, text),
        (1, nickname, "First reply: the benches by the bridge get sun all day."),
        (2, nickname, "Second level: the bridge needs trees first."),
        (3, nickname, "Third level: the last one a thread takes."),
    ]
    assert reply_link(second_reply).count() == 1
    assert reply_link(third_reply).count() == 0
    check_page(page, "comment-replies")

    # Another resident votes, changes the vote and replies, with JavaScript off.
    no_js = browser.new_context(java_script_enabled=False, viewport={"width": 360,
                                                                     "height": 740})
    try:
        other = no_js.new_page()
        sign_in(other, *LUCAS, server=own_server)
        in_english(other, submit)
        other.goto(proposal)
        comment = other.locator(f"#{mine.get_attribute('id')}")
        submit(vote_button(comment, "up"))
        assert "Your vote is counted." in other.locator(".flashes").inner_text()
        assert vote_button(comment, "up").get_attribute("aria-pressed") == "true"
        assert vote_button(comment, "up").inner_text().split()[-1] == "1"
        submit(vote_button(comment, "down"))
        assert vote_button(comment, "up").get_attribute("aria-pressed") == "false"
        assert vote_button(comment, "up").inner_text().split()[-1] == "0"
        assert vote_button(comment, "down").get_attribute("aria-pressed") == "true"
        assert vote_button(comment, "down").inner_text().split()[-1] == "1"
        reply(other, submit, other.locator(f"#{first_reply.get_attribute('id')}"),
              "Lucas: I walk there every day, I agree.")
        assert "Your reply is published." in other.locator(".flashes").inner_text()
        assert posted_comment(other).locator(".comment__author").inner_text() == "lucas"
    finally:
        no_js.close()

    # Edit: the comment says it was edited.
    page.reload()
    submit(mine.get_by_role("link", name="Edit your comment"))
    assert page.locator("h1").inner_text() == f"Edit your comment on “{BENCHES}”"
    assert page.get_by_label("Comment").input_value() == text
    check_page(page, "comment-edit")
    page.get_by_label("Comment").fill("")
    submit(page.locator("main").get_by_role("button", name="Save the comment"))
    assert page.get_by_label("Comment").get_attribute("aria-invalid") == "true"
    check_page(page, "comment-edit-errors")
    page.get_by_label("Comment").fill("Yes: the riverside walk needs shade by July.")
    submit(page.locator("main").get_by_role("button", name="Save the comment"))
    assert "Your comment is saved." in page.locator(".flashes").inner_text()
    assert mine.locator(".comment__edited").inner_text() == "edited"
    assert mine.locator(".comment__body").inner_text() == (
        "Yes: the riverside walk needs shade by July.")

    # Delete the first reply: it leaves its place, its replies stay.
    submit(first_reply.get_by_role("button", name="Delete your comment"))
    assert "Your comment is deleted." in page.locator(".flashes").inner_text()
    assert first_reply.locator(".comment__gone").inner_text() == "Deleted comment"
    assert not first_reply.locator(".comment__author").count()
    assert [(depth, author) for depth, author, _text in outline(page)] == [
        (0, nickname), (1, ""), (2, nickname), (3, nickname), (2, "lucas"),
    ]
    assert page.get_by_role("region", name="4 comments").is_visible()
    check_page(page, "comment-deleted")
