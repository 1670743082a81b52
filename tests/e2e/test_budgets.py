"""Participatory budgets, the residents' side, in a real browser.

District Budgets is voting (decide/demo/budgets.py): a new resident verified in the Centre
builds a ballot with JavaScript (the meter, the sentence and the buttons change in place, no
page loads), votes and gets the receipt on screen and by e-mail; another, in Riverside,
does the same without JavaScript; Maria, on a 360-px phone, finishes her draft, votes,
cancels (the component allows it while voting is open) and votes again. Budget of last year
is over: its results, published ballots and receipts (Ana's receipt is found, an unknown
code is not), the downloads and the page that explains the winner rules.

The file runs a demo city of its own (tests/e2e/staff.py): its ballots change the counts.
"""

import csv
import io
import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from tests.e2e import staff
from tests.e2e.conftest import PHONE
from tests.e2e.residents import CENSUS_CENTRE
from tests.e2e.residents import CENSUS_RIVERSIDE
from tests.e2e.residents import ballot
from tests.e2e.residents import ballot_figures
from tests.e2e.residents import ballot_sentence
from tests.e2e.residents import budget_id
from tests.e2e.residents import budgets_url
from tests.e2e.residents import project_card
from tests.e2e.residents import sign_up
from tests.e2e.residents import verify
from tests.e2e.staff import flash

pytestmark = pytest.mark.e2e

server = staff.server
person = staff.person

RECEIPT = re.compile(r"\b[2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){3}\b")

# Centre: €1,800,000, a ballot spends at least 70% (€1,260,000).
PAVILION = "Renovate the Centre sports pavilion"  # €650,000
BIKE_LANE = "A protected bike lane on Carrer Nou"  # €420,000
DAY_CENTRE = "Longer opening hours at the day centre"  # €240,000
OUTDOOR_GYM = "A free outdoor gym in the Centre gardens"  # €95,000
PAVEMENTS = "Wider pavements on Carrer del Forn"  # €310,000
SHADE = "Shade sails over Plaça Major"  # €180,000
# Riverside: €1,200,000, at least €840,000.
BRIDGE = "A bridge for bikes and walkers"  # €520,000
COURT = "A covered basketball court"  # €280,000
STAGE = "An open-air stage in the riverside park"  # €140,000
LIGHTS = "Lighting along the riverside walk"  # €160,000


def projects_url(server, title: str) -> str:
    return f"{budgets_url(server, 'district-budgets')}{budget_id(server, title)}/projects/"


def last_year_url(server) -> str:
    return f"{budgets_url(server, 'budget-of-last-year')}{budget_id(server, 'City budget')}"


def press(page, title: str, button: str) -> None:
    """Press a project card's button (with JavaScript: no page load) and wait until the
    card shows the other button."""
    card = project_card(page, title)
    card.get_by_role("button", name=button).click()
    other = "Remove from my ballot" if button == "Add to my ballot" else "Add to my ballot"
    expect(project_card(page, title).get_by_role("button", name=other)).to_be_visible()


def meter_value(page) -> int:
    return int(float(ballot(page).locator("progress").get_attribute("value")))


def receipt_code(page) -> str:
    code = page.locator(".receipt__code code").inner_text()
    assert RECEIPT.fullmatch(code), code
    return code


def scroll_width(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth")


def verified_resident(person, server, submit, identity, *, javascript: bool = True):
    """A new resident, signed up and verified with `identity`, on their district's budget."""
    page = person(javascript=javascript)
    nickname = sign_up(page, server, submit, name="Noa Ferrer")
    page.goto(f"{server.url}/verification?next=/processes/district-budgets")
    verify(page, submit, identity)
    assert "Your identity is verified." in flash(page)
    return page, f"{nickname}@example.org"


def test_voting_with_javascript_updates_the_ballot_in_place(server, person, check_page,
                                                             submit):
    page, address = verified_resident(person, server, submit, CENSUS_CENTRE)
    page.goto(projects_url(server, "Centre"))
    assert ballot_figures(page) == "€0 / €1,800,000 · 0%"
    assert "Add projects worth at least €1,260,000 more to vote." in ballot_sentence(page)
    check_page(page, "budget-centre-empty")
    # A mark on the window: a page load would wipe it.
    page.evaluate("() => { window.stayedOnThePage = 'yes'; }")
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))

    press(page, PAVILION, "Add to my ballot")
    assert meter_value(page) == 650_000
    assert ballot_figures(page) == "€650,000 / €1,800,000 · 36%"
    assert "Add projects worth at least €610,000 more to vote." in ballot_sentence(page)
    assert ballot(page).get_by_role("link", name=PAVILION).is_visible()
    # The card is marked as chosen, as the page without JavaScript marks it.
    expect(project_card(page, PAVILION)).to_have_class(re.compile(r"\bproject-card--chosen\b"))
    # The keyboard stays on the project's button; the live region says what changed.
    assert "Remove from my ballot" in page.evaluate("() => document.activeElement.innerText")
    expect(page.locator("#ballot-announce")).to_contain_text("The project is in your ballot.")
    assert not ballot(page).get_by_role("link", name="Check and vote").count()

    for title in (BIKE_LANE, DAY_CENTRE, OUTDOOR_GYM, PAVEMENTS):
        press(page, title, "Add to my ballot")
    assert meter_value(page) == 1_715_000
    assert ballot_figures(page) == "€1,715,000 / €1,800,000 · 95%"
    assert ("You can vote now, or add projects worth up to €85,000 more."
            in ballot_sentence(page))
    # The other cards changed too: a project that no longer fits says so, without a button.
    shade = project_card(page, SHADE)
    assert "It costs more than what is left in your ballot (€85,000)." in shade.inner_text()
    assert not shade.get_by_role("button").count()
    check_page(page, "budget-centre-ballot-js")

    # Remove one from the ballot summary: the shade sails fit again.
    ballot(page).get_by_role("button", name=f"Remove {PAVEMENTS}").click()
    expect(ballot(page).locator(".ballot__figures")).to_have_text("€1,405,000 / €1,800,000 · 78%")
    expect(project_card(page, SHADE).get_by_role("button", name="Add to my ballot")
           ).to_be_visible()
    assert not ballot(page).get_by_role("link", name=PAVEMENTS).count()
    expect(project_card(page, PAVEMENTS)).not_to_have_class(
        re.compile(r"\bproject-card--chosen\b"))
    # The keyboard lands on the ballot's heading, not on the next project's Remove button
    # (a second Enter would take that one out too).
    assert page.evaluate("() => document.activeElement.id") == "ballot-title"
    assert page.evaluate("() => window.stayedOnThePage") == "yes"
    assert loads == [], f"the page was loaded again: {loads}"

    # The list filtered to the ballot: its four projects.
    page.get_by_label("In my ballot").check()
    submit(page.get_by_role("search", name="Filter the projects").get_by_role(
        "button", name="Filter"))
    assert page.locator(".results-count").inner_text() == "4 projects"

    # Checkout: the projects, the total, the confirmation; then the receipt.
    submit(ballot(page).get_by_role("link", name="Check and vote"))
    assert page.locator("h1").inner_text() == "Check your ballot and vote"
    chosen = page.get_by_role("region", name="The projects you chose")
    assert sorted(chosen.locator("tbody th").all_inner_texts()) == sorted(
        [PAVILION, BIKE_LANE, DAY_CENTRE, OUTDOOR_GYM])
    assert chosen.locator("tfoot td").inner_text() == "€1,405,000"
    assert "You can cancel your vote while voting is open" in page.locator("main").inner_text()
    check_page(page, "budget-checkout")
    submit(page.locator("main").get_by_role("button", name="Vote"))
    assert page.url.endswith("/voted")
    assert page.locator("h1").inner_text() == "Your vote is in"
    code = receipt_code(page)
    assert "Your ballot is final and counts." in ballot(page).inner_text()
    assert "Your vote is cast and counted." in ballot_sentence(page)
    check_page(page, "budget-voted")

    # The code is shown once.
    page.reload()
    assert not page.locator(".receipt__code").count()
    assert code not in page.content()

    # Final: no button to change it, and the server refuses a press forged anyway.
    page.goto(projects_url(server, "Centre"))
    assert not page.get_by_role("button", name="Add to my ballot").count()
    assert not page.get_by_role("button", name=re.compile("^Remove")).count()
    assert ballot(page).get_by_role("link", name="Cancel my vote").is_visible()
    href = project_card(page, SHADE).get_by_role("link").get_attribute("href")
    token = page.locator("input[name=csrf_token]").first.input_value()
    answer = page.request.post(f"{server.url}{href}/add", form={"csrf_token": token})
    assert answer.status == 400
    assert "Your vote is cast: your ballot can no longer change." in answer.text()
    page.reload()
    assert meter_value(page) == 1_405_000

    # The receipt e-mail carries the same code, the projects and the page to check it on.
    [receipt] = [message for message in server.deliver(to=address)
                 if message["Subject"] == "Your vote and its receipt"]
    text = receipt.get_body(preferencelist=("plain",)).get_content()
    assert RECEIPT.findall(text) == [code]
    assert f"{PAVILION} (€650,000)" in text
    assert server.link_in(receipt, "/processes/district-budgets/").endswith("/ballots")


def test_voting_without_javascript_with_full_page_loads(server, person, submit):
    page, _address = verified_resident(person, server, submit, CENSUS_RIVERSIDE,
                                       javascript=False)
    page.goto(projects_url(server, "Riverside"))
    assert "Add projects worth at least €840,000 more to vote." in ballot_sentence(page)
    for title in (BRIDGE, COURT, STAGE):
        submit(project_card(page, title).get_by_role("button", name="Add to my ballot"))
        assert "The project is in your ballot." in flash(page)
        assert page.url == projects_url(server, "Riverside")
    assert ballot_figures(page) == "€940,000 / €1,200,000 · 78%"

    submit(ballot(page).get_by_role("button", name=f"Remove {STAGE}"))
    assert "The project is out of your ballot." in flash(page)
    assert "Add projects worth at least €40,000 more to vote." in ballot_sentence(page)
    assert not ballot(page).get_by_role("link", name="Check and vote").count()

    # From a project's own page: back to that page.
    submit(page.get_by_role("link", name=LIGHTS, exact=True))
    project_page = page.url
    submit(page.get_by_role("button", name="Add to my ballot"))
    assert page.url == project_page
    assert ballot_figures(page) == "€960,000 / €1,200,000 · 80%"

    submit(ballot(page).get_by_role("link", name="Check and vote"))
    submit(page.locator("main").get_by_role("button", name="Vote"))
    receipt_code(page)
    assert "Your ballot is final and counts." in ballot(page).inner_text()
    page.goto(projects_url(server, "Riverside"))
    assert not page.get_by_role("button", name="Add to my ballot").count()


def test_on_a_phone_maria_votes_cancels_and_votes_again(server, person, check_page, submit):
    page = person("maria")
    page.set_viewport_size(PHONE)
    staff.in_english(page, submit)
    page.goto(projects_url(server, "Centre"))
    summary = ballot(page)
    # Her draft (decide/demo/budget_data.py): €640,000 of the €1,260,000 she needs.
    assert ballot_figures(page) == "€640,000 / €1,800,000 · 35%"
    assert "Add projects worth at least €620,000 more to vote." in ballot_sentence(page)
    # The summary comes before the projects, on the first screen.
    box = summary.bounding_box()
    assert box["y"] < page.locator(".project-card").first.bounding_box()["y"]
    assert box["y"] < PHONE["height"]
    assert scroll_width(page) <= PHONE["width"]
    check_page(page, "budget-phone-draft")

    press(page, PAVILION, "Add to my ballot")
    assert ballot_figures(page) == "€1,290,000 / €1,800,000 · 71%"
    vote = ballot(page).get_by_role("link", name="Check and vote")
    vote.scroll_into_view_if_needed()
    assert vote.is_visible()
    assert scroll_width(page) <= PHONE["width"]
    submit(vote)
    assert scroll_width(page) <= PHONE["width"]
    submit(page.locator("main").get_by_role("button", name="Vote"))
    first = receipt_code(page)
    assert scroll_width(page) <= PHONE["width"]
    check_page(page, "budget-phone-voted")

    # Voting is open and the component allows it: she cancels; the ballot stays, unvoted.
    submit(ballot(page).get_by_role("link", name="Cancel my vote"))
    assert page.locator("h1").inner_text() == "Cancel your vote?"
    check_page(page, "budget-cancel")
    submit(page.locator("main").get_by_role("button", name="Cancel my vote"))
    assert "Your vote is cancelled." in flash(page)
    assert "You have voted." not in ballot(page).inner_text()
    assert ballot_figures(page) == "€1,290,000 / €1,800,000 · 71%"
    assert project_card(page, SHADE).get_by_role("button", name="Remove from my ballot"
                                                 ).is_visible()

    # She changes it and votes again: a new receipt.
    press(page, SHADE, "Remove from my ballot")
    press(page, BIKE_LANE, "Add to my ballot")
    assert ballot_figures(page) == "€1,530,000 / €1,800,000 · 85%"
    submit(ballot(page).get_by_role("link", name="Check and vote"))
    submit(page.locator("main").get_by_role("button", name="Vote"))
    second = receipt_code(page)
    assert second != first
    assert "Your ballot is final and counts." in ballot(page).inner_text()

    # Put Maria's language back.
    page.goto(f"{server.url}/account")
    submit(page.get_by_role("button", name="Català"))


def test_the_results_ballots_and_receipts_of_last_year(server, person, check_page, submit):
    # Ana's receipt of last year waits in the outbox (README.md), among the news of the
    # results she follows.
    bodies = [message.get_body(preferencelist=("plain",)).get_content()
              for message in server.deliver(to="ana@decide.example")]
    mails = [body for body in bodies if "budget-of-last-year" in body and RECEIPT.search(body)]
    assert len(mails) == 1
    ana_code = RECEIPT.search(mails[0]).group()

    page = person()
    page.goto(f"{server.url}/processes/budget-of-last-year")
    submit(page.locator("main").get_by_role("link", name="Budgets", exact=True))
    assert page.url == f"{last_year_url(server)}/projects/"  # its only budget
    assert "Voting is closed." in ballot(page).inner_text()
    check_page(page, "budget-last-year-projects")
    submit(page.get_by_role("navigation", name="Pages of this budget").get_by_role(
        "link", name="Results"))
    assert page.locator("h1").inner_text() == "Results: City budget"
    main = page.locator("main").inner_text()
    assert ("Method of Equal Shares, everyone's share raised (Add1) until no other project "
            "fits; then the money left goes to the most voted projects that fit.") in main
    assert "The council confirmed these winners on" in main
    rows = page.locator("table.results-table tbody tr")
    assert rows.count() == 12
    first = rows.first.locator("td").all_inner_texts()
    assert rows.first.locator("th").inner_text() == "A covered sports hall in the North"
    assert first == ["1", "€520,000", "26", "Not funded"]  # most voted, left out
    shown_votes = {row.locator("th").inner_text(): int(row.locator("td").nth(2).inner_text())
                   for row in rows.all()}
    funded = [row.locator("th").inner_text() for row in rows.all()
              if row.locator("td").nth(3).inner_text() == "Funded"]
    assert len(funded) == 8
    assert page.locator(".facts").inner_text().count("60") == 1  # the ballots
    check_page(page, "budget-results")

    # The downloads, as the links give them.
    links = {name: page.get_by_role("link", name=name).get_attribute("href") for name in (
        "Results (CSV)", "Anonymous ballots (CSV)",
        "Projects and ballots in the pabulib format (.pb)")}
    with page.expect_download() as started:
        page.get_by_role("link", name="Results (CSV)").click()
    assert started.value.suggested_filename.endswith("-results.csv")
    answers = {name: page.request.get(f"{server.url}{href}") for name, href in links.items()}
    assert all(answer.status == 200 for answer in answers.values())
    assert answers["Results (CSV)"].headers["content-type"] == "text/csv; charset=utf-8"
    assert answers["Anonymous ballots (CSV)"].headers["content-type"] == (
        "text/csv; charset=utf-8")
    pb = answers["Projects and ballots in the pabulib format (.pb)"]
    assert pb.headers["content-type"].startswith("text/plain")
    assert "attachment" in pb.headers["content-disposition"]
    results = list(csv.DictReader(io.StringIO(answers["Results (CSV)"].text())))
    assert {row["title"]: int(row["votes"]) for row in results} == shown_votes
    # Anyone can recount: the anonymous ballots give every project's total.
    ballots = list(csv.DictReader(io.StringIO(answers["Anonymous ballots (CSV)"].text())))
    assert len(ballots) == 60
    recount = Counter(project for row in ballots for project in row["projects"].split(","))
    assert {row["project_id"]: int(row["votes"]) for row in results} == {
        project: recount.get(project, 0) for project in (row["project_id"] for row in results)}
    pb_text = pb.text()
    assert "vote_type;approval" in pb_text and "num_votes;60" in pb_text
    assert "rule;equalshares/add1" in pb_text

    # The published ballots and receipts; Ana's receipt is in the count.
    submit(page.get_by_role("link", name="The published ballots and receipts: check that "
                                         "your ballot was counted"))
    assert page.locator("h1").inner_text() == "Ballots and receipts: City budget"
    assert "60 ballots, in random order, without any name." in page.locator("main").inner_text()
    assert page.locator("ol.hashes li").count() == 60
    hashes = page.locator("ol.hashes li").all_inner_texts()
    assert hashes == sorted(hashes)
    check_page(page, "budget-ballots")
    page.get_by_label("Your receipt code").fill(ana_code.lower())
    submit(page.get_by_role("button", name="Check"))
    assert ana_code not in page.url and ana_code.lower() not in page.url
    assert "Your ballot is in the count." in page.get_by_role("status").last.inner_text()
    assert page.get_by_label("Your receipt code").input_value() == ""
    check_page(page, "budget-receipt-found")
    page.get_by_label("Your receipt code").fill("ABCD-EFGH-JKLM-NPQR")
    submit(page.get_by_role("button", name="Check"))
    assert "No ballot has this receipt." in page.get_by_role("status").last.inner_text()
    check_page(page, "budget-receipt-unknown")
    page.get_by_label("Your receipt code").fill("<script>alert(1)</script>")
    submit(page.get_by_role("button", name="Check"))
    assert "A receipt code has letters, digits and dashes only." in page.locator(
        "main").inner_text()

    # How winners are chosen.
    submit(page.get_by_role("navigation", name="Pages of this budget").get_by_role(
        "link", name="How winners are chosen"))
    assert page.locator("h1").inner_text() == "How winners are chosen"
    for heading in ("Most votes first (greedy)", "The Method of Equal Shares"):
        assert page.get_by_role("heading", name=heading).is_visible()
    assert "City budget" in page.get_by_role("region", name="The rule used here").inner_text()
    check_page(page, "budget-how-winners")

    # District Budgets is still voting: no results, no ballots, no downloads yet.
    centre = projects_url(server, "Centre").removesuffix("projects/")
    assert page.goto(f"{centre}results.csv").status == 404
    page.goto(f"{centre}results")
    assert "The results are not published yet" in page.locator("main").inner_text()
    check_page(page, "budget-results-not-yet")
