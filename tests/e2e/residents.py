"""Helpers of the residents' browser tests (proposals, debates, comments).

Green Streets is the demo city's process in its proposals phase (decide/demo/participation.py
says what residents wrote there). A fresh resident is signed up through the forms, in
English, so the tests read the English text; the demo accounts keep their own language.
"""

import re
import secrets
import sqlite3
from datetime import datetime

PASSWORD = "walnut-ferry-lagoon-73"
PROCESS = "/processes/green-streets"


def sign_up(page, server, submit, name: str = "Robin Hale") -> str:
    """A new resident, confirmed and signed in, who reads English: their nickname."""
    nickname = f"robin{secrets.token_hex(3)}"
    address = f"{nickname}@example.org"
    page.goto(f"{server.url}/signup")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("I accept the terms of service").check()
    submit(page.get_by_role("button", name="Sign up"))
    [confirmation] = server.deliver(to=address)
    page.goto(server.link_in(confirmation, "/confirm/"))
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name=nickname).is_visible()
    return nickname


def in_english(page, submit) -> None:
    """Switch the signed-in account to English (its saved preference changes with it)."""
    submit(page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"


def component_url(server, kind: str) -> str:
    """The public address of Green Streets' proposals or debates, as the process page links
    it (the component's id comes from the demo's order of creation)."""
    component_id = db_value(server, "select c.id from components c join processes p "
                                    "on p.id = c.process_id where p.slug = 'green-streets' "
                                    "and c.manifest_name = ?", kind)
    return f"{server.url}{PROCESS}/f/{component_id}/{kind}/"


def db_value(server, sql: str, *params):
    """One value read from the server's database (read-only): an id the page does not show,
    e.g. the address of a hidden proposal that no list links to."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute(sql, params).fetchone()
    assert row is not None, f"nothing for {sql} {params}"
    return row[0]


def proposal_id(server, title_start: str) -> int:
    return db_value(server, "select id from proposals_proposals where title like ?",
                    f"{title_start}%")


def card_titles(page) -> list[str]:
    return page.locator(".proposal-card .card__title").all_inner_texts()


def number_in(text: str) -> int:
    return int(re.search(r"\d+", text.replace(",", "")).group())


def card_count(card, what: str) -> int:
    """A card's number of supports, comments or endorsements (0 when it says nothing)."""
    for line in card.locator(".proposal-card__counts li").all_inner_texts():
        if re.search(rf"\b{what}s?\b", line):
            return number_in(line)
    return 0


def card_day(card) -> datetime:
    """The day on a card's meta line ("By Grace Taylor · Nov 30, 2026")."""
    meta = card.locator(".meta").inner_text()
    return datetime.strptime(meta.split("·")[-1].strip(), "%b %d, %Y")


# --- verification and budgets (District Budgets, Budget of last year) ------------------------

DISTRICT_BUDGETS = "/processes/district-budgets"
LAST_YEAR = "/processes/budget-of-last-year"

# Census identities README.md lists (document number, date of birth).
CENSUS_CENTRE = ("38472615D", "1992-06-21")  # free, Centre district
CENSUS_RIVERSIDE = ("29563847S", "1985-11-03")  # free, Riverside district
CENSUS_NORTH = ("61738294S", "1970-02-28")  # free, North: no budget there this year
CENSUS_PAPER_CENTRE = ("44827163W", "1951-08-09")  # for a paper ballot (Centre)
CENSUS_PAPER_RIVERSIDE = ("33619472G", "1963-12-01")  # for a paper ballot (Riverside)
CENSUS_CHILD = ("71294836B", "2014-03-14")  # verifies, too young to vote
CENSUS_MARIA = ("47120358M", "1988-04-17")  # taken: Maria's


def verify(page, submit, identity: tuple[str, str]) -> None:
    """Fill the verification form (on /verification) with a census identity and send it."""
    document, birth_date = identity
    page.locator("#document").fill(document)
    page.locator("#birth_date").fill(birth_date)
    submit(page.locator("main form").get_by_role("button"))


def budgets_url(server, slug: str) -> str:
    """The public address of the budgets component of a process."""
    component = db_value(server, "select c.id from components c join processes p "
                                 "on p.id = c.process_id where p.slug = ? "
                                 "and c.manifest_name = 'budgets'", slug)
    return f"{server.url}/processes/{slug}/f/{component}/budgets/"


def budget_id(server, english_title: str) -> int:
    return db_value(server, "select id from budgets_budgets where title like ?",
                    f'%"en": "{english_title}"%')


def ballot(page):
    """The ballot summary of a budget's page."""
    return page.get_by_role("region", name="Your ballot")


def ballot_figures(page) -> str:
    return ballot(page).locator(".ballot__figures").inner_text()


def ballot_sentence(page) -> str:
    return ballot(page).locator(".ballot__sentence").inner_text()


def project_card(page, english_title: str):
    """The card of a project in a budget's list, found by its title's link."""
    return page.locator(".project-card").filter(
        has=page.get_by_role("link", name=english_title, exact=True))
