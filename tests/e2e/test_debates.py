"""Debates in a real browser: Green Streets' open debate with its comments and the closed one
with its conclusion; a resident starts a debate, corrects it and closes it with a conclusion
(on a server of the test's own, so the shared demo keeps its two debates).
"""

import pytest

from tests.e2e.residents import component_url
from tests.e2e.residents import sign_up

pytestmark = pytest.mark.e2e

OPEN = "Which streets should get trees first?"
CLOSED = "Should cars be kept out of the old town on Sundays?"
MY_TITLE = "Should the riverside walk be lit at night?"
MY_DESCRIPTION = ("Some say lights would make the walk safe after nine; others that they "
                  "would disturb the birds nesting by the water.")


def debate_titles(page) -> list[str]:
    return page.locator(".debate-card .card__title").all_inner_texts()


def test_a_visitor_reads_the_open_and_the_closed_debate(page, live_server, check_page,
                                                        submit):
    page.goto(component_url(live_server, "debates"))
    assert page.locator("h1").inner_text() == "Debates"
    assert page.locator(".results-count").inner_text() == "2 debates"
    assert debate_titles(page) == [CLOSED, OPEN]  # the newest first
    start = page.locator("main").get_by_role("link", name="Start a debate")
    assert start.get_attribute("href").startswith("/signin?next=")
    check_page(page, "debates-list")

    page.get_by_label("State").select_option(label="Closed")
    submit(page.get_by_role("button", name="Filter"))
    assert debate_titles(page) == [CLOSED]
    assert page.locator(".debate-card .badge--debate-closed").inner_text() == "Closed"
    check_page(page, "debates-closed")
    page.get_by_label("State").select_option(label="All")
    page.get_by_label("Search").fill("árboles")  # any language, accents or not
    submit(page.get_by_role("button", name="Filter"))
    assert debate_titles(page) == [OPEN]
    page.get_by_label("Search").fill("parking meters")
    submit(page.get_by_role("button", name="Filter"))
    assert page.locator(".empty").inner_text() == "No debate matches these filters."
    check_page(page, "debates-none-match")

    # The open debate: its comments, and how to join in.
    page.goto(component_url(live_server, "debates"))
    submit(page.get_by_role("link", name=OPEN))
    assert page.locator("h1").inner_text() == OPEN
    assert page.locator(".debate__header .badge--debate-open").inner_text() == "Open"
    assert page.locator(".debate__header dd").first.inner_text() == "The council"
    assert "We can plant about 400 trees a year." in page.locator(
        ".debate__description").inner_text()
    assert not page.locator(".debate__actions").count()  # nothing a visitor can do there
    conversation = page.get_by_role("region", name="3 comments")
    assert conversation.get_by_role("link", name="Sign in to comment").is_visible()
    assert conversation.locator(".comment--for").count() == 1
    assert conversation.locator(".comment-list--replies .comment__author").inner_text() == "theo"
    check_page(page, "debate-open")

    # The closed one: its conclusion first, its comments, no form.
    submit(page.get_by_role("link", name="All the debates"))
    submit(page.get_by_role("link", name=CLOSED))
    assert page.locator(".debate__header .badge--debate-closed").inner_text() == "Closed"
    conclusion = page.get_by_role("region", name="Conclusion")
    assert "Most residents who took part want it every Sunday" in conclusion.inner_text()
    assert "Closed on" in conclusion.inner_text()
    conversation = page.get_by_role("region", name="2 comments")
    assert "This conversation is closed: it takes no new comments." in conversation.inner_text()
    assert not conversation.get_by_role("link", name="Sign in to comment").count()
    assert not page.locator("textarea").count()
    check_page(page, "debate-closed")


def test_a_resident_starts_a_debate_and_closes_it(page, own_server, check_page, submit):
    nickname = sign_up(page, own_server, submit)
    debates = component_url(own_server, "debates")
    page.goto(debates)
    submit(page.get_by_role("link", name="Start a debate"))
    assert page.locator("h1").inner_text() == "Start a debate"
    check_page(page, "debate-new")

    # Bad input first: nothing, then a title too short.
    publish = page.locator("main").get_by_role("button", name="Publish the debate")
    submit(publish)
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Description").get_attribute("aria-invalid") == "true"
    check_page(page, "debate-new-errors")
    page.get_by_label("Title").fill("Lights?")
    page.get_by_label("Description").fill(MY_DESCRIPTION)
    submit(publish)
    assert page.locator("#title-error").inner_text() == "Use between 15 and 150 characters."
    assert page.get_by_label("Description").input_value() == MY_DESCRIPTION

    page.get_by_label("Title").fill(MY_TITLE)
    page.get_by_label("Category").select_option(label="– Walking")
    submit(publish)
    assert "Your debate is published." in page.locator(".flashes").inner_text()
    assert page.locator("h1").inner_text() == MY_TITLE
    header = page.locator(".debate__header")
    assert header.get_by_role("link", name="Robin Hale").get_attribute(
        "href") == f"/profiles/{nickname}"
    assert "Open-ended" in header.inner_text()
    assert page.get_by_role("button", name="Stop following").is_visible()  # its author's
    assert page.get_by_role("region", name="0 comments").get_by_label(
        "Your comment").is_visible()
    check_page(page, "debate-mine")

    # Corrected while nobody has commented yet.
    submit(page.locator(".debate__actions").get_by_role("link", name="Edit"))
    assert page.locator("h1").inner_text() == "Edit your debate"
    assert page.get_by_label("Title").input_value() == MY_TITLE
    page.get_by_label("Title").fill(MY_TITLE.replace("at night", "after nine"))
    submit(page.locator("main").get_by_role("button", name="Publish the debate"))
    assert "Your debate is saved." in page.locator(".flashes").inner_text()
    title = MY_TITLE.replace("at night", "after nine")
    assert page.locator("h1").inner_text() == title

    # Closed by its author with a conclusion: the page shows it, the comments close.
    submit(page.get_by_role("link", name="Close the debate"))
    assert page.locator("h1").inner_text() == "Close the debate"
    check_page(page, "debate-close")
    submit(page.locator("main").get_by_role("button", name="Close the debate"))
    assert page.get_by_label("Conclusion").get_attribute("aria-invalid") == "true"
    check_page(page, "debate-close-errors")
    page.get_by_label("Conclusion").fill("Low, warm lights on the stretch by the bridge only.")
    submit(page.locator("main").get_by_role("button", name="Close the debate"))
    assert "The debate is closed." in page.locator(".flashes").inner_text()
    assert page.locator(".debate__header .badge--debate-closed").inner_text() == "Closed"
    assert "Low, warm lights" in page.get_by_role("region", name="Conclusion").inner_text()
    assert "This conversation is closed" in page.locator("#comments").inner_text()
    assert not page.locator("#comments textarea").count()
    assert not page.locator(".debate__actions").get_by_role("link", name="Edit",
                                                            exact=True).count()
    check_page(page, "debate-mine-closed")
    page.goto(f"{debates}?state=closed")
    assert debate_titles(page) == [title, CLOSED]


def test_the_debates_work_without_javascript(browser, live_server, submit):
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(component_url(live_server, "debates"))
        page.get_by_label("State").select_option("open")
        submit(page.get_by_role("button", name="Filter"))
        assert debate_titles(page) == [OPEN]
        submit(page.get_by_role("link", name=OPEN))
        submit(page.get_by_role("link", name="Most recent"))
        assert "order=recent" in page.url
        authors = page.locator("#comments > .comment-list > .comment-item > .comment "
                               ".comment__author").all_inner_texts()
        assert authors == ["samuel", "maria"]
    finally:
        context.close()
    live_server.assert_no_server_errors()
