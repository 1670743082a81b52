"""Proposals, the residents' side, in a real browser: the list of Green Streets with its
filters, search, orders and pages; a proposal with its answer, supports, endorsements and
comments; writing one in two steps, supporting, endorsing, following and withdrawing.

The anonymous visit reads the demo city on the shared server; the resident who writes and
supports does it on a server of the test's own, so the other tests keep the demo's numbers.
"""

import re

import pytest

from tests.e2e.conftest import ADMIN
from tests.e2e.conftest import RESIDENT
from tests.e2e.residents import PASSWORD
from tests.e2e.residents import PROCESS
from tests.e2e.residents import card_count
from tests.e2e.residents import card_day
from tests.e2e.residents import card_titles
from tests.e2e.residents import component_url
from tests.e2e.residents import proposal_id
from tests.e2e.residents import sign_up

pytestmark = pytest.mark.e2e

# Green Streets in the demo (decide/demo/participation.py): 28 proposals, of which one is a
# draft, one hidden by moderation and one withdrawn; the list shows the other 25.
LISTED = 25
ARBRES = "Arbres a tot el carrer Major, de la plaça al riu"
OFFICIAL = "Plant 500 trees in the school playgrounds"
WITHDRAWN = "Fermer la rue du Marché aux voitures le samedi"
SPAM = "Buy my used bikes"


def filter_by(page, submit, **choices) -> None:
    """Fill the list's filter form (labels as a resident reads them) and send it."""
    form = page.get_by_role("search", name="Filter the proposals")
    for label, value in choices.items():
        control = form.get_by_label(label.capitalize(), exact=True)
        if label == "search":
            control.fill(value)
        else:
            control.select_option(label=value)
    submit(form.get_by_role("button", name="Filter"))


def cards(page):
    return page.locator(".proposal-card").all()


def supports_box(page):
    return page.get_by_role("region", name="Supports")


def root_comment_authors(page) -> list[str]:
    return page.locator("#comments > .comment-list > .comment-item > .comment "
                        ".comment__author").all_inner_texts()


def test_a_visitor_browses_the_proposals_of_green_streets(page, live_server, check_page,
                                                          submit):
    page.goto(f"{live_server.url}{PROCESS}")
    submit(page.locator("main").get_by_role("link", name="Proposals", exact=True))
    assert page.url == component_url(live_server, "proposals")
    assert page.locator("h1").inner_text() == "Proposals"
    assert page.locator(".results-count").inner_text() == f"{LISTED} proposals"
    assert len(cards(page)) == 20
    assert page.get_by_role("navigation", name="Pages").inner_text().count("Page 1 of 2") == 1
    write = page.get_by_role("link", name="Sign in to write a proposal")
    assert "/signin?next=" in write.get_attribute("href")
    assert SPAM not in page.content()
    check_page(page, "proposals-list")

    # Random order, stable for the visitor: the same order again, and the second page holds
    # the other five.
    first_page = card_titles(page)
    page.reload()
    assert card_titles(page) == first_page
    submit(page.get_by_role("link", name="Next page"))
    assert "page=2" in page.url
    second_page = card_titles(page)
    assert len(second_page) == LISTED - 20
    assert not set(first_page) & set(second_page)
    assert page.get_by_role("link", name="Previous page").is_visible()
    check_page(page, "proposals-list-page-2")

    # Every order.
    filter_by(page, submit, order="Most supported")
    supports = [card_count(card, "support") for card in cards(page)]
    assert supports == sorted(supports, reverse=True) and supports[0] == 16
    assert card_titles(page)[0] == "Une piste cyclable protégée vers le lycée"
    assert page.get_by_label("Order").input_value() == "most_supported"
    check_page(page, "proposals-most-supported")
    filter_by(page, submit, order="Most commented")
    comments = [card_count(card, "comment") for card in cards(page)]
    assert comments == sorted(comments, reverse=True) and card_titles(page)[0] == ARBRES
    filter_by(page, submit, order="Most endorsed")
    endorsements = [card_count(card, "endorsement") for card in cards(page)]
    assert endorsements == sorted(endorsements, reverse=True)
    assert card_titles(page)[0] == OFFICIAL
    filter_by(page, submit, order="Most recent")
    days = [card_day(card) for card in cards(page)]
    assert days == sorted(days, reverse=True)
    # The order stays on the next page.
    submit(page.get_by_role("link", name="Next page"))
    assert "order=recent" in page.url
    assert card_day(cards(page)[0]) <= days[-1]

    # Filters: state, category (a main one takes in its subcategories), scope, together.
    page.goto(component_url(live_server, "proposals"))
    filter_by(page, submit, state="Accepted")
    assert len(cards(page)) == 6
    assert all(card.locator(".badge--accepted").is_visible() for card in cards(page))
    check_page(page, "proposals-accepted")
    filter_by(page, submit, state="All", category="Trees and green areas")
    assert page.locator(".results-count").inner_text() == "9 proposals"
    filter_by(page, submit, category="– Street trees", scope="North")
    assert card_titles(page) == ["Replace the dead trees on Station Road"]
    filter_by(page, submit, state="Rejected")
    assert page.locator(".empty").inner_text() == "No proposal matches these filters."
    check_page(page, "proposals-none-match")
    submit(page.get_by_role("link", name="Clear the filters"))
    assert page.locator(".results-count").inner_text() == f"{LISTED} proposals"

    # Text search: in titles and texts, never the proposal moderation hid.
    filter_by(page, submit, search="trees")
    assert sorted(card_titles(page)) == [
        "Green corridor linking the parks of the old town", OFFICIAL,
        "Replace the dead trees on Station Road",
    ]
    assert page.get_by_label("Search").input_value() == "trees"
    check_page(page, "proposals-search")
    filter_by(page, submit, search="bikes")
    assert page.locator(".results-count").inner_text() == "0 proposals"
    assert page.goto(f"{component_url(live_server, 'proposals')}{proposal_id(live_server, SPAM)}"
                     ).status == 404
    # Nor a resident's draft.
    draft = proposal_id(live_server, "Un mapa de les ombres")
    assert page.goto(f"{component_url(live_server, 'proposals')}{draft}").status == 404

    # A proposal: the council's answer, supports, endorsers and the conversation.
    page.goto(component_url(live_server, "proposals") + "?q=carrer+Major")
    submit(page.get_by_role("link", name=ARBRES))
    assert page.locator("h1").inner_text() == ARBRES
    assert page.locator("h1").get_attribute("lang") == "ca"
    header = page.locator(".proposal__header")
    assert header.locator(".badge--accepted").inner_text() == "Accepted"
    assert "By Maria Puig" in header.inner_text()
    assert "Written in Català" in header.inner_text()
    assert header.locator('span[lang="ca"]').inner_text() == "Català"
    answer = page.get_by_role("region", name="Answer of the council")
    assert "We will plant 36 plane trees" in answer.inner_text()
    assert "€48,000" in answer.inner_text()
    supports = supports_box(page)
    assert supports.locator(".proposal-supports__count").inner_text() == "14 supports"
    assert "15 supports needed." in supports.inner_text()
    sign_in_to_support = supports.get_by_role("link", name="Sign in to support this proposal")
    assert "next=" in sign_in_to_support.get_attribute("href")
    assert not page.get_by_role("button", name="Support").count()
    endorsements = page.get_by_role("region", name="Endorsements")
    assert "4 participants back this proposal:" in endorsements.inner_text()
    assert endorsements.locator(".endorsers li").count() == 4
    assert not endorsements.get_by_role("button").count()
    assert not page.get_by_role("button", name="Follow").count()

    conversation = page.get_by_role("region", name="5 comments")
    assert conversation.get_by_role("link", name="Sign in to comment").is_visible()
    assert not conversation.locator("textarea").count()
    assert not conversation.get_by_text("Reply", exact=True).count()
    assert not conversation.locator(".vote-button").count()  # votes are counts here
    # Alignment: two in favour, one against; three levels of replies under the one against.
    assert conversation.locator(".comment--for").count() == 2
    against = conversation.locator(".comment--against")
    assert against.locator(".alignment").inner_text() == "Against"
    nested = conversation.locator(".comment-list--replies .comment-list--replies .comment")
    assert nested.locator(".comment__author").inner_text() == "javier"
    mention = conversation.get_by_role("link", name="@javier")
    assert mention.get_attribute("href") == "/profiles/javier"
    assert root_comment_authors(page) == ["grace", "carmen", "javier"]  # best rated first
    check_page(page, "proposal-show")

    for order, authors in (("Most recent", ["carmen", "javier", "grace"]),
                           ("Oldest", ["grace", "javier", "carmen"]),
                           ("Most discussed", ["javier", "grace", "carmen"])):
        submit(page.get_by_role("navigation", name="Order of the comments")
               .get_by_role("link", name=order))
        assert root_comment_authors(page) == authors, order
        current = page.locator(".comment-order [aria-current]")
        assert current.inner_text() == order
    check_page(page, "proposal-comments-most-discussed")

    # A rejected one: the council says why; its supports stay as they are.
    page.goto(component_url(live_server, "proposals") + "?state=rejected")
    submit(page.get_by_role("link", name="Aparcamiento subterráneo bajo la plaza Mayor"))
    assert page.locator(".proposal__header .badge--rejected").inner_text() == "Rejected"
    answer = page.get_by_role("region", name="Answer of the council")
    assert "archaeological remains" in answer.inner_text()
    assert supports_box(page).locator(".proposal-supports__count").inner_text() == "3 supports"
    assert "supports needed" not in supports_box(page).inner_text()
    assert not supports_box(page).get_by_role("link").count()
    check_page(page, "proposal-rejected")

    # An official proposal: the council's, no author.
    page.goto(component_url(live_server, "proposals") + "?q=school+playgrounds")
    submit(page.get_by_role("link", name=OFFICIAL))
    header = page.locator(".proposal__header")
    assert header.locator(".badge--official").inner_text() == "Official proposal"
    assert "By " not in header.inner_text()
    check_page(page, "proposal-official")

    # The withdrawn ones are listed apart, and marked.
    page.goto(component_url(live_server, "proposals"))
    submit(page.get_by_role("link", name="See the withdrawn proposals"))
    assert card_titles(page) == [WITHDRAWN]
    assert cards(page)[0].locator(".badge--withdrawn").inner_text() == "Withdrawn"
    check_page(page, "proposals-withdrawn")
    submit(page.get_by_role("link", name=WITHDRAWN))
    assert "Its author withdrew this proposal on" in page.locator(".alert").inner_text()
    assert "supports needed" not in supports_box(page).inner_text()
    assert not page.get_by_role("link", name="Sign in to support this proposal").count()
    assert not page.get_by_role("region", name="Endorsements").count()  # none to give
    assert "New comments are not accepted at this time." in page.locator(
        "#comments").inner_text()
    check_page(page, "proposal-withdrawn")


def test_the_list_and_a_proposal_work_without_javascript(browser, live_server, submit):
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(component_url(live_server, "proposals"))
        page.get_by_label("State").select_option("evaluating")
        page.get_by_label("Order").select_option("most_supported")
        submit(page.get_by_role("button", name="Filter"))
        assert card_titles(page) == ["Huerto comunitario en el solar de la calle Sol",
                                     "Fer de vianants el carrer de l'Escola a l'hora d'entrada"]
        submit(page.get_by_role("link", name="Huerto comunitario en el solar de la calle Sol"))
        assert page.locator(".badge--evaluating").inner_text() == "Evaluating"
        submit(page.get_by_role("link", name="Oldest"))
        assert "order=oldest" in page.url
        assert page.locator(".comment").count() == 3
        proposal = page.url.split("?")[0]
        submit(page.get_by_role("link", name="Sign in to comment"))
        assert page.url.startswith(f"{live_server.url}/signin?next=")
        # Signed in, the resident is back at the conversation, with its form.
        page.get_by_label("E-mail address").fill(RESIDENT[0])
        page.get_by_label("Password").fill(RESIDENT[1])
        submit(page.locator("main").get_by_role("button", name="Sign in"))
        assert page.url == f"{proposal}#comments"
        assert page.locator("#comments textarea").is_visible()
    finally:
        context.close()
    live_server.assert_no_server_errors()


SCHOOL_LANE = "Slow the traffic on School Lane to 20 km/h"
MY_TITLE = "Plant more trees on Station Road and water them"
MY_BODY = ("Station Road is the hottest street of the north. Young trees there die in their "
           "first summer: plant more and water them until they take.")


def set_support_limit(page, server, sign_in, submit, limit: int) -> None:
    """The process admin gives each participant `limit` supports in Green Streets."""
    sign_in(page, *ADMIN, server=server)
    component_id = component_url(server, "proposals").rstrip("/").split("/")[-2]
    page.goto(f"{server.url}/admin/processes/green-streets/components/{component_id}")
    page.get_by_label("Supports per participant", exact=True).fill(str(limit))
    submit(page.locator("main").get_by_role("button", name="Save"))
    assert "The component is saved." in page.locator(".flashes").inner_text()
    submit(page.get_by_role("button", name="Sign out"))


def test_a_resident_writes_a_proposal_supports_endorses_and_follows(browser, page, own_server,
                                                                    check_page, sign_in,
                                                                    submit):
    set_support_limit(page, own_server, sign_in, submit, 3)
    nickname = sign_up(page, own_server, submit)
    proposals = component_url(own_server, "proposals")
    page.goto(proposals)
    submit(page.locator("main").get_by_role("link", name="New proposal"))
    assert page.locator("h1").inner_text() == "New proposal"
    assert page.locator('.wizard-steps [aria-current="step"]').inner_text() == "Write"
    check_page(page, "proposal-new")

    # Bad input first: empty, a title too short, then one too long.
    continue_button = page.locator("main").get_by_role("button", name="Continue")
    submit(continue_button)
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Title").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Your proposal").get_attribute("aria-invalid") == "true"
    check_page(page, "proposal-new-errors")
    page.get_by_label("Title").fill("More trees")
    page.get_by_label("Your proposal").fill(MY_BODY)
    submit(continue_button)
    assert page.locator("#title-error").inner_text() == "Use between 15 and 150 characters."
    assert page.get_by_label("Your proposal").get_attribute("aria-invalid") is None
    assert page.get_by_label("Your proposal").input_value() == MY_BODY
    # The browser stops typing at 150 characters; a request can still send more.
    page.get_by_label("Title").evaluate("input => input.removeAttribute('maxlength')")
    page.get_by_label("Title").fill("Trees " * 26)
    submit(continue_button)
    assert page.locator("#title-error").inner_text() == "Use between 15 and 150 characters."

    # Write, preview with the similar proposals, back to edit, publish.
    page.get_by_label("Title").fill(MY_TITLE)
    page.get_by_label("Category").select_option(label="– Street trees")
    page.get_by_label("Scope").select_option(label="North")
    page.get_by_label("Address (optional)").fill("Station Road")
    submit(continue_button)
    assert page.locator("h1").inner_text() == "Preview your proposal"
    assert page.locator("#draft-title").inner_text() == MY_TITLE
    similar = page.get_by_role("region", name="Similar proposals")
    assert similar.get_by_role("link", name="Replace the dead trees on Station Road").is_visible()
    check_page(page, "proposal-preview")
    submit(page.locator("main").get_by_role("link", name="Edit"))
    assert page.locator("h1").inner_text() == "Edit your draft"
    assert page.get_by_label("Title").input_value() == MY_TITLE
    page.get_by_label("Your proposal").fill(MY_BODY + " The neighbours will help.")
    submit(continue_button)
    assert "The neighbours will help." in page.locator(".proposal--preview").inner_text()
    submit(page.locator("main").get_by_role("button", name="Publish"))
    assert "Your proposal is published." in page.locator(".flashes").inner_text()
    assert page.locator("h1").inner_text() == MY_TITLE
    assert "By Robin Hale" in page.locator(".proposal__header").inner_text()
    assert page.get_by_role("button", name="Stop following").is_visible()  # its author's
    assert supports_box(page).locator(".proposal-supports__count").inner_text() == "0 supports"
    assert "You have 3 supports left." in supports_box(page).inner_text()
    edit = page.locator(".proposal-actions").get_by_role("link", name="Edit")
    assert re.search(r"until \d", page.locator(".proposal-actions").inner_text())
    check_page(page, "proposal-published")

    # Edit within the window.
    submit(edit)
    assert page.locator("h1").inner_text() == "Edit your proposal"
    page.get_by_label("Title").fill(MY_TITLE + " every summer")
    submit(page.locator("main").get_by_role("button", name="Save"))
    assert "Your proposal is saved." in page.locator(".flashes").inner_text()
    assert page.locator("h1").inner_text() == MY_TITLE + " every summer"
    mine_url = page.url

    # "My proposals".
    page.goto(proposals)
    page.get_by_label("My proposals").check()
    submit(page.get_by_role("button", name="Filter"))
    assert card_titles(page) == [MY_TITLE + " every summer"]
    check_page(page, "proposals-mine")

    # A second one left as a draft: the list leads back to it; discarding it asks first.
    submit(page.locator("main").get_by_role("link", name="New proposal"))
    page.get_by_label("Title").fill("Drinking fountains along Station Road")
    page.get_by_label("Your proposal").fill("Walkers need water on the hottest street.")
    submit(continue_button)
    page.goto(proposals)
    submit(page.locator("main .alert").get_by_role(
        "link", name="Drinking fountains along Station Road"))
    assert page.locator("h1").inner_text() == "Preview your proposal"
    submit(page.get_by_role("link", name="Discard the draft"))
    assert page.locator("h1").inner_text() == "Discard this draft?"
    check_page(page, "proposal-discard-confirm")
    submit(page.locator("main").get_by_role("button", name="Discard the draft"))
    assert "Your draft is discarded." in page.locator(".flashes").inner_text()
    assert not page.get_by_text("You have a draft here:").count()

    # Withdraw it: a page asks first.
    page.goto(mine_url)
    submit(page.get_by_role("link", name="Withdraw the proposal"))
    assert page.locator("h1").inner_text() == "Withdraw this proposal?"
    check_page(page, "proposal-withdraw-confirm")
    submit(page.locator("main").get_by_role("button", name="Withdraw the proposal"))
    assert "Your proposal is withdrawn." in page.locator(".flashes").inner_text()
    assert "Its author withdrew this proposal" in page.locator(".alert").inner_text()
    assert not page.get_by_role("link", name="Edit").count()
    assert not page.get_by_role("button", name="Support").count()
    page.goto(f"{proposals}?mine=1")
    assert page.locator(".results-count").inner_text() == "0 proposals"
    page.goto(f"{proposals}?mine=1&state=withdrawn")
    assert card_titles(page) == [MY_TITLE + " every summer"]

    # Support, and take it back: the count and the supports left change.
    page.goto(f"{proposals}{proposal_id(own_server, SCHOOL_LANE)}")
    assert supports_box(page).locator(".proposal-supports__count").inner_text() == "5 supports"
    submit(supports_box(page).get_by_role("button", name="Support"))
    assert "You support this proposal." in page.locator(".flashes").inner_text()
    assert page.url.endswith("#supports")
    box = supports_box(page)
    assert box.locator(".proposal-supports__count").inner_text() == "6 supports"
    assert "You have 2 supports left." in box.inner_text()
    check_page(page, "proposal-supported")
    submit(box.get_by_role("button", name="Withdraw my support"))
    assert "Your support is withdrawn." in page.locator(".flashes").inner_text()
    assert box.locator(".proposal-supports__count").inner_text() == "5 supports"
    assert "You have 3 supports left." in box.inner_text()

    # Endorse: their name joins the endorsers.
    endorsements = page.get_by_role("region", name="Endorsements")
    submit(endorsements.get_by_role("button", name="Endorse"))
    assert "You endorse this proposal." in page.locator(".flashes").inner_text()
    assert "Robin Hale" in endorsements.locator(".endorsers").inner_text()
    assert "2 participants back this proposal:" in endorsements.inner_text()
    check_page(page, "proposal-endorsed")
    submit(endorsements.get_by_role("button", name="Withdraw my endorsement"))
    assert "Robin Hale" not in endorsements.inner_text()

    # Follow and stop following.
    submit(page.get_by_role("button", name="Follow", exact=True))
    assert f"You follow “{SCHOOL_LANE}”" in page.locator(".flashes").inner_text()
    submit(page.get_by_role("button", name="Stop following"))
    assert f"You no longer follow “{SCHOOL_LANE}”" in page.locator(".flashes").inner_text()
    assert page.get_by_role("button", name="Follow", exact=True).is_visible()


    # With JavaScript off, in another session: the three supports go, then none is left.
    # The first page still offers its button: pressed, it says why not.
    no_js = browser.new_context(java_script_enabled=False, viewport={"width": 360,
                                                                     "height": 740})
    try:
        other = no_js.new_page()
        sign_in(other, f"{nickname}@example.org", PASSWORD, server=own_server)
        for title in ("Night lighting on the path", "Des arceaux vélo devant chaque école",
                      "Let residents adopt a street tree"):
            other.goto(f"{proposals}{proposal_id(own_server, title)}")
            submit(supports_box(other).get_by_role("button", name="Support"))
            assert "You support this proposal." in other.locator(".flashes").inner_text()
        assert "You have 0 supports left." in supports_box(other).inner_text()
        submit(supports_box(page).get_by_role("button", name="Support"))
        assert page.locator("h1").inner_text() == "Support this proposal?"
        assert "support" in page.get_by_role("alert").inner_text()
        check_page(page, "proposal-support-refused")
        submit(page.get_by_role("link", name="Cancel"))
        assert "You have no supports left" in supports_box(page).inner_text()
        other.goto(f"{proposals}{proposal_id(own_server, SCHOOL_LANE)}")
        assert "You have no supports left" in supports_box(other).inner_text()
        assert not supports_box(other).get_by_role("button", name="Support").count()
        other.goto(f"{proposals}{proposal_id(own_server, 'Night lighting on the path')}")
        submit(supports_box(other).get_by_role("button", name="Withdraw my support"))
        assert "You have 1 support left." in supports_box(other).inner_text()
    finally:
        no_js.close()
