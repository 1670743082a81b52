"""Accountability, the residents' side, in a real browser.

Budget of last year is in its implementation phase (decide/demo/accountability*.py): a
visitor reads the progress overview, filters the results, opens one and goes from it to the
project and the proposal it carries out, and back; Maria, on a 360-px phone without
JavaScript, answers "Is it done as promised?" about the secure bike parking (README.md: the
one she follows and has not answered yet); a visitor goes through the pages with the
keyboard alone, without JavaScript. What the pages show is checked against the server's
database, with the roll-up rule written out here once more.

The file runs a demo city of its own (tests/e2e/staff.py): Maria's answer changes the counts.
"""

import re
import sqlite3
from decimal import ROUND_HALF_UP
from decimal import Decimal
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from tests.e2e import staff
from tests.e2e.conftest import PHONE
from tests.e2e.staff import db_value
from tests.e2e.staff import field_errors
from tests.e2e.staff import flash
from tests.e2e.staff import in_english

pytestmark = pytest.mark.e2e

server = staff.server
person = staff.person

PROCESS = "/processes/budget-of-last-year"
BIKE_PARKING = "Secure bike parking at the train station"  # completed; Maria is asked
SKATE_PARK = "A skate park by the river"  # completed; Maria answered "partly"
ISLANDS = "Refuge islands on the crossings of Avinguda Nova"  # three sub-results
ASKED = ("The result “Secure bike parking at the train station” is completed. Is it done as "
         "promised? Tell us on its page.")


# --- the server's data -------------------------------------------------------------------------

def db_rows(server, sql: str, *params) -> list[tuple]:
    """Rows read from the server's database (read-only)."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute(sql, params).fetchall()


def component_id(server) -> int:
    return db_value(server, "select c.id from components c join processes p "
                            "on p.id = c.process_id where p.slug = 'budget-of-last-year' "
                            "and c.manifest_name = 'accountability'")


def overview_url(server) -> str:
    return f"{server.url}{PROCESS}/f/{component_id(server)}/accountability/"


def result_id(server, english_title: str) -> int:
    return db_value(server, "select id from accountability_results "
                            "where json_extract(title, '$.en') = ?", english_title)


def result_url(server, english_title: str) -> str:
    return f"{overview_url(server)}results/{result_id(server, english_title)}"


# The top-level results residents see, with what the overview groups them by.
TOP_LEVEL = """
    select json_extract(r.title, '$.en'), r.progress, r.amount,
           json_extract(s.name, '$.en'), json_extract(sc.name, '$.en'),
           json_extract(ca.name, '$.en')
    from accountability_results r join resources res on res.id = r.id
    left join accountability_statuses s on s.id = r.status_id
    left join scopes sc on sc.id = r.scope_id
    left join categories ca on ca.id = r.category_id
    where res.component_id = ? and res.hidden_at is null and r.parent_id is null
    order by r.weight, r.id
"""


def top_level(server) -> list[tuple]:
    """(title, progress, amount, status, district, category) of each, in the list's order."""
    return db_rows(server, TOP_LEVEL, component_id(server))


def average(rows) -> int:
    """The roll-up rule: weighted by amount when every result has one, else the plain
    average; half up to a whole percent."""
    progress = [row[1] for row in rows]
    amounts = [row[2] or 0 for row in rows]
    if all(amounts):
        value = Decimal(sum(p * a for p, a in zip(progress, amounts, strict=True))) / sum(amounts)
    else:
        value = Decimal(sum(progress)) / len(progress)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def answers(server, english_title: str) -> dict[str, int]:
    counts = dict(db_rows(server, "select answer, count(*) from accountability_confirmations "
                                  "where result_id = ? group by answer",
                          result_id(server, english_title)))
    return {answer: counts.get(answer, 0) for answer in ("yes", "partly", "no")}


# --- what the pages show -----------------------------------------------------------------------

def bars(page, heading: str) -> dict[str, tuple[int, str, str]]:
    """{label: (the bar's value, the percentage written, its link)} of an overview section."""
    found = {}
    for item in page.get_by_role("region", name=heading).locator("li").all():
        label = item.locator("label").inner_text()
        found[label] = (int(item.locator("progress").get_attribute("value")),
                        item.locator(".result-progress__value").inner_text(),
                        item.get_by_role("link").inner_text())
    return found


def card_titles(page) -> list[str]:
    return page.locator(".result-card .card__title").all_inner_texts()


def results_count(page) -> str:
    return page.locator(".results-count").inner_text()


def confirmation(page):
    return page.get_by_role("region", name="Done as promised?")


def counts_shown(page) -> dict[str, int]:
    """{"yes": n, "partly": n, "no": n} as the result's page lists them."""
    shown = {}
    for line in confirmation(page).locator(".confirmation-counts li").all_inner_texts():
        answer, number = line.split(":")
        shown[answer.strip().lower()] = int(number)
    return shown


def field_errors_without_javascript(page) -> dict[str, str]:
    """staff.field_errors, read without evaluating anything in the page."""
    errors = page.locator(".field-error")
    return {error.get_attribute("id").removesuffix("-error"): error.inner_text()
            for error in errors.all()}


def percent(value: int) -> str:
    return f"{value}%"


# --- a visitor -----------------------------------------------------------------------------------

def test_a_visitor_reads_the_progress_filters_the_results_and_follows_the_links(
        server, person, check_page, submit):
    page = person()
    page.goto(f"{server.url}{PROCESS}")
    submit(page.locator("main").get_by_role("link", name="What we are doing", exact=True))
    assert page.url == overview_url(server)
    assert page.locator("h1").inner_text() == "What we are doing"
    results = top_level(server)
    assert len(results) == 8  # thirteen results, five of them parts of two winners

    # Overall: a labelled <progress> with its value, and the percentage written out.
    overall = average(results)
    bar = page.get_by_label("Average progress of 8 results")
    assert bar.evaluate("e => e.tagName") == "PROGRESS"
    assert bar.get_attribute("value") == str(overall)
    assert bar.get_attribute("max") == "100"
    assert page.locator(".accountability-overall .result-progress__value").inner_text() == (
        percent(overall))

    # Results by status: every status of the component, with its count.
    table = page.get_by_role("region", name="Results by status").locator("tbody tr")
    shown = {row.locator("th").inner_text(): int(row.locator("td").inner_text())
             for row in table.all()}
    statuses = [name for (name,) in db_rows(
        server, "select json_extract(name, '$.en') from accountability_statuses "
                "where component_id = ? order by position, id", component_id(server))]
    assert shown == {name: sum(1 for row in results if row[3] == name) for name in statuses}
    assert shown["Completed"] == 3 and shown["Not started"] == 0
    # No link to an empty list.
    assert not table.filter(has_text="Not started").get_by_role("link").count()

    # Per category and per district: the rule applied to each group's results.
    for heading, column in (("Progress by category", 5), ("Progress by district", 4)):
        groups: dict[str, list] = {}
        for row in results:
            if row[column]:
                groups.setdefault(row[column], []).append(row)
        assert set(bars(page, heading)) == set(groups), heading
        for name, (value, written, link) in bars(page, heading).items():
            assert value == average(groups[name]), name
            assert written == percent(value)
            count = len(groups[name])
            assert link == (f"The {count} result{'s' if count > 1 else ''} of “{name}”")
    assert set(bars(page, "Progress by district")) == {"Centre", "North", "Riverside",
                                                       "Old Town"}
    check_page(page, "accountability-overview")

    # A district's link: its results only (a part counts in its winner, not on its own).
    region = page.get_by_role("region", name="Progress by district")
    submit(region.get_by_role("link", name="The 3 results of “Centre”"))
    assert results_count(page) == "3 results"
    assert card_titles(page) == [row[0] for row in results if row[4] == "Centre"]
    assert page.get_by_label("Scope").locator("option:checked").inner_text() == "Centre"

    # A status's link from the overview.
    page.goto(overview_url(server))
    submit(page.get_by_role("region", name="Results by status").get_by_role(
        "link", name="Completed"))
    completed = [row[0] for row in results if row[3] == "Completed"]
    assert card_titles(page) == completed
    assert BIKE_PARKING in completed and SKATE_PARK in completed

    # The whole list, in the council's order; each card's bar named after its result.
    submit(page.get_by_role("link", name="Clear the filters"))
    assert page.url == f"{overview_url(server)}results/"
    assert results_count(page) == "8 results"
    assert card_titles(page) == [row[0] for row in results]
    card = page.locator(".result-card").filter(has=page.get_by_role("link", name=ISLANDS))
    assert card.get_by_label(f"Progress of “{ISLANDS}”").get_attribute("value") == str(
        dict((row[0], row[1]) for row in results)[ISLANDS])
    assert "3 sub-results" in card.inner_text()
    check_page(page, "accountability-results")

    # The filter form (GET): completed, in the Centre.
    search = page.get_by_role("search", name="Filter the results")
    search.get_by_label("Status").select_option(label="Completed")
    search.get_by_label("Scope").select_option(label="Centre")
    submit(search.get_by_role("button", name="Filter"))
    query = parse_qs(urlsplit(page.url).query)
    assert set(query) == {"status", "scope"}  # the empty category is left out
    assert results_count(page) == "1 result"
    assert card_titles(page) == [BIKE_PARKING]
    assert search.get_by_label("Status").locator("option:checked").inner_text() == "Completed"
    check_page(page, "accountability-results-filtered")
    # Riverside, any status: the skate park; the fountains by the river are a part of
    # "Drinking fountains in every park", which has no district of its own.
    search.get_by_label("Status").select_option(label="All")
    search.get_by_label("Scope").select_option(label="Riverside")
    submit(search.get_by_role("button", name="Filter"))
    assert card_titles(page) == [SKATE_PARK]
    # Nothing matches: said so.
    search.get_by_label("Status").select_option(label="Not started")
    search.get_by_label("Scope").select_option(label="All")
    submit(search.get_by_role("button", name="Filter"))
    assert results_count(page) == "0 results"
    assert "No result matches these filters." in page.locator("main").inner_text()
    check_page(page, "accountability-results-none")

    # The bike parking's page.
    page.goto(f"{overview_url(server)}results/")
    submit(page.get_by_role("link", name=BIKE_PARKING, exact=True))
    assert page.url == result_url(server, BIKE_PARKING)
    assert page.locator("h1").inner_text() == BIKE_PARKING
    assert page.get_by_label("Progress", exact=True).get_attribute("value") == "100"
    facts = page.locator(".result__main .facts").inner_text()
    assert "Completed" in facts and "Centre" in facts and "€45,000" in facts

    # The timeline, newest first.
    timeline = page.get_by_role("region", name="Timeline")
    days = [each.get_attribute("datetime") for each in timeline.locator("time").all()]
    entries = db_rows(server, "select date, json_extract(title, '$.en') "
                              "from accountability_timeline_entries where result_id = ? "
                              "order by date desc, id desc",
                      result_id(server, BIKE_PARKING))
    assert days == [day for day, _title in entries] and len(days) == 3
    assert timeline.locator("h3").all_inner_texts() == [title for _day, title in entries]
    assert timeline.locator("h3").first.inner_text() == "Opened to the public"

    # Where it comes from: the proposal with its supports, the project with its votes.
    origin = page.get_by_role("region", name="Where it comes from")
    votes = db_value(server, "select count(*) from budgets_order_lines l "
                             "join budgets_orders o on o.id = l.order_id "
                             "join budgets_projects p on p.id = l.project_id "
                             "where p.title like ? and o.checked_out_at is not null",
                     f'%"en": "{BIKE_PARKING}"%')
    assert f"City budget · €45,000 · {votes} votes" in origin.inner_text()
    assert re.search(r"· \d+ supports?", origin.inner_text())

    # The residents' confirmation beside the council's status.
    box = confirmation(page)
    assert "Completed · 100%" in box.inner_text()
    said = answers(server, BIKE_PARKING)
    assert counts_shown(page) == said
    total = sum(said.values())
    assert (f"Done as promised, according to {said['yes']} of the {total} residents who "
            "answered.") in box.inner_text()
    assert "Exactly what I proposed: covered and locked." in box.inner_text()
    # A visitor is not asked; they read who is.
    assert not box.locator("form").count()
    assert ("The residents who follow this result are asked whether it was done as promised."
            in box.inner_text())
    check_page(page, "accountability-result")

    # To the project of last year's budget, which says what it became, and back.
    submit(origin.get_by_role("link", name=BIKE_PARKING).last)
    assert "/budgets/" in page.url and "/projects/" in page.url
    line = page.locator(".result-line")
    assert line.locator("p").inner_text() == (
        f"This became the result “{BIKE_PARKING}”, now at 100%.")
    assert line.get_by_role("progressbar").get_attribute("value") == "100"
    check_page(page, "accountability-project-became")
    submit(line.get_by_role("link", name=BIKE_PARKING))
    assert page.url == result_url(server, BIKE_PARKING)

    # The proposal it came from says so too.
    submit(page.get_by_role("region", name="Where it comes from").get_by_role(
        "link", name=BIKE_PARKING).first)
    assert "/proposals/" in page.url
    assert page.locator(".result-line p").inner_text() == (
        f"This became the result “{BIKE_PARKING}”, now at 100%.")
    check_page(page, "accountability-proposal-became")

    # A result under way carried out in parts: its parts, and the percentage on the
    # proposal's page follows the result.
    page.goto(result_url(server, ISLANDS))
    parts = page.get_by_role("region", name="Sub-results")
    assert parts.get_by_role("link").count() == 3
    islands = dict((row[0], row[1]) for row in results)[ISLANDS]
    assert page.get_by_label("Progress", exact=True).get_attribute("value") == str(islands)
    assert not page.get_by_role("region", name="Done as promised?").count()
    check_page(page, "accountability-result-parts")
    submit(parts.get_by_role("link").first)
    trail = page.get_by_role("navigation", name="Results this one belongs to")
    assert trail.get_by_role("link", name=ISLANDS).is_visible()
    check_page(page, "accountability-result-part")


# --- Maria answers -------------------------------------------------------------------------------

def test_maria_on_a_phone_without_javascript_says_the_bike_parking_is_partly_done(
        server, person, check_page, submit):
    # axe needs JavaScript: each state of the page Maria meets is checked in a second
    # browser of hers, with it, at the same width.
    maria = person("maria", javascript=False)
    maria.set_viewport_size(PHONE)
    in_english(maria, submit)
    axe_view = person("maria")
    axe_view.set_viewport_size(PHONE)
    before = answers(server, BIKE_PARKING)

    # Her notification asks her; it leads to the result's page.
    maria.goto(f"{server.url}/notifications")
    axe_view.goto(maria.url)
    check_page(axe_view, "accountability-asked-phone")
    submit(maria.locator("main").get_by_role("link", name=ASKED))
    assert maria.url.startswith(result_url(server, BIKE_PARKING))
    form = confirmation(maria).locator("form")
    assert form.get_by_role("group", name="Is it done as promised?").is_visible()
    axe_view.goto(maria.url)
    check_page(axe_view, "accountability-confirm-phone")

    # No answer chosen: told beside the choices, the comment kept, nothing counted.
    comment = "Covered and locked, but the 120 places are full before eight in the morning."
    form.get_by_label("Your comment (optional)").fill(comment)
    submit(form.get_by_role("button", name="Send my answer"))
    assert "answer" in field_errors_without_javascript(maria)
    assert confirmation(maria).get_by_label("Your comment (optional)").input_value() == comment
    assert answers(server, BIKE_PARKING) == before
    same = confirmation(axe_view).locator("form")
    same.get_by_label("Your comment (optional)").fill(comment)
    submit(same.get_by_role("button", name="Send my answer"))
    assert field_errors(axe_view) == field_errors_without_javascript(maria)
    check_page(axe_view, "accountability-confirm-phone-error")

    form = confirmation(maria).locator("form")
    form.get_by_label("Partly").check()
    submit(form.get_by_role("button", name="Send my answer"))
    assert "Thank you: your answer is counted and shown on this page." in flash(maria)
    assert maria.url.endswith("#confirmation")
    box = confirmation(maria)
    expected = {**before, "partly": before["partly"] + 1}
    assert answers(server, BIKE_PARKING) == expected
    assert counts_shown(maria) == expected
    total = sum(expected.values())
    assert (f"Done as promised, according to {expected['yes']} of the {total} residents who "
            "answered.") in box.inner_text()
    assert "You answered: Partly." in box.inner_text()
    mine = box.locator(".confirmation-comments li").filter(has_text=comment)
    assert mine.locator(".meta").inner_text().startswith("maria · Partly · ")
    # The form is gone: she answers once.
    assert not box.locator("form").count()
    assert not maria.get_by_role("button", name="Send my answer").count()
    axe_view.goto(maria.url)
    assert not confirmation(axe_view).locator("form").count()
    check_page(axe_view, "accountability-confirmed-phone")

    # Still gone on the next visit; a second answer sent anyway is refused.
    maria.reload()
    assert not confirmation(maria).locator("form").count()
    token = maria.locator("input[name=csrf_token]").first.input_value()
    refused = maria.request.post(f"{result_url(server, BIKE_PARKING)}/confirm",
                                 form={"csrf_token": token, "answer": "no"})
    assert refused.status == 403
    assert answers(server, BIKE_PARKING) == expected

    # The skate park, answered in the demo: her answer, no form.
    maria.goto(result_url(server, SKATE_PARK))
    assert "You answered: Partly." in confirmation(maria).inner_text()
    assert not confirmation(maria).locator("form").count()


# --- the keyboard, without JavaScript ------------------------------------------------------------

def has_focus(page, locator) -> bool:
    """Without JavaScript nothing can be evaluated in the page; CSS still says what has
    the focus."""
    return locator.and_(page.locator(":focus")).count() == 1


def tab_to(page, locator, limit: int = 150) -> None:
    """Press Tab until `locator` has the focus: it is reachable with the keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if has_focus(page, locator):
            return
    pytest.fail(f"Tab never reached {locator}")


def press_enter(page) -> None:
    """The focused link or button, pressed with Enter: a page loads."""
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")


def test_the_keyboard_alone_goes_everywhere_without_javascript(server, person):
    # The pages are those the visitor's test checks with axe (which needs JavaScript).
    page = person(javascript=False)
    page.goto(f"{server.url}{PROCESS}")
    component = page.locator("main").get_by_role("link", name="What we are doing", exact=True)
    tab_to(page, component)
    press_enter(page)
    assert page.url == overview_url(server)
    assert page.get_by_label("Average progress of 8 results").get_attribute("value")

    # The overview's district link, then the filter form, by keyboard.
    riverside = page.get_by_role("link", name="The 1 result of “Riverside”")
    tab_to(page, riverside)
    press_enter(page)
    assert card_titles(page) == [SKATE_PARK]

    status = page.get_by_label("Status")
    tab_to(page, status)
    # A closed <select> changes with the arrow keys: "All" → "Not started" → ...
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    assert status.locator("option:checked").inner_text() == "Completed"
    scope = page.get_by_label("Scope")
    tab_to(page, scope)
    page.keyboard.press("Home")
    assert scope.locator("option:checked").inner_text() == "All"
    button = page.get_by_role("search", name="Filter the results").get_by_role(
        "button", name="Filter")
    tab_to(page, button)
    press_enter(page)
    assert results_count(page) == "3 results"

    link = page.get_by_role("link", name=BIKE_PARKING, exact=True)
    tab_to(page, link)
    press_enter(page)
    assert page.locator("h1").inner_text() == BIKE_PARKING
    # The skip link comes first and leads into the page's content.
    page.keyboard.press("Tab")
    assert page.locator(":focus").inner_text() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.locator(":focus").get_attribute("id") == "content"
    # The project it comes from, reached from the content onwards.
    project = page.get_by_role("region", name="Where it comes from").get_by_role(
        "link", name=BIKE_PARKING).last
    tab_to(page, project)
    press_enter(page)
    assert "This became the result" in page.locator(".result-line").inner_text()
