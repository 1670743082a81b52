"""Helpers of the staff's browser tests: moderation, notifications and follows, the back
office of proposals and debates.

Those tests hide, block, answer, mark as read and unsubscribe what other tests read, so each
of their files runs a server of its own (the demo city, fresh), started once for the file:
it binds `server = staff.server` and `person = staff.person`. Demo accounts keep their own
language (README.md); `in_english` switches one for a test that reads English, `catalog_text`
reads the others.
"""

import sqlite3
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.e2e.conftest import DESKTOP
from tests.e2e.conftest import running_server

ROOT = Path(__file__).resolve().parents[2]

# Demo accounts (README.md): address, password, and the language they read.
ACCOUNTS = {
    "admin": ("admin@decide.example", "harbour-lantern-orchard-42", "en"),
    "jordi": ("jordi@decide.example", "amber-quarry-windmill-58", "ca"),  # process admin
    "sofia": ("sofia@decide.example", "cobalt-thistle-harbour-19", "es"),  # moderator
    "nadia": ("nadia@decide.example", "saffron-canyon-lattice-64", "fr"),  # valuator
    "maria": ("maria@decide.example", "river-bicycle-garden", "ca"),
    "lucas": ("lucas@decide.example", "meadow-violin-comet", "fr"),
    "ana": ("ana@decide.example", "pepper-tram-sunrise", "es"),
}
PROCESS = "/processes/green-streets"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo city for this file alone."""
    with running_server(tmp_path_factory.mktemp("staff")) as live:
        yield live


@pytest.fixture
def person(browser, server, submit):
    """person("sofia"): a page in a browser of its own, signed in as that demo account
    (person() for a visitor; javascript=False for a browser without JavaScript)."""
    contexts = []

    def open_page(who: str | None = None, *, javascript: bool = True):
        context = browser.new_context(viewport=DESKTOP, locale="en-GB",
                                      java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if who is not None:
            sign_in(page, server, submit, who)
        return page

    yield open_page
    for context in contexts:
        context.close()
    server.assert_no_server_errors()


def sign_in(page, server, submit, who: str) -> None:
    """Through the English sign-in form; the pages that follow are in the account's saved
    language (ACCOUNTS says the demo's, until a test switches it)."""
    address, password, _locale = ACCOUNTS[who]
    page.goto(f"{server.url}/signin")
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    nickname = "council" if who == "admin" else who
    assert page.locator(f'header a[href="/profiles/{nickname}"]').is_visible()


def in_english(page, submit) -> None:
    """Switch the signed-in account to English (its saved preference changes with it)."""
    submit(page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"


def catalog_text(locale: str, message: str) -> str:
    """The translation of `message` in the catalog that ships for `locale`."""
    path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as catalog:
        translation = read_po(catalog, locale=locale).get(message)
    assert translation is not None and translation.string, f"{locale}: {message!r} untranslated"
    return translation.string


def catalog_or_english(locale: str, message: str) -> str:
    """What gettext shows for `message` in `locale`: the catalog's translation, or the English
    text while the catalog has none (the catalogs are filled apart from the code)."""
    path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as catalog:
        translation = read_po(catalog, locale=locale).get(message)
    return translation.string if translation is not None and translation.string else message


def db_value(server, sql: str, *params):
    """One value read from the server's database (read-only): an id no page shows."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute(sql, params).fetchone()
    assert row is not None, f"nothing for {sql} {params}"
    return row[0]


def db_execute(server, sql: str, *params) -> None:
    """Change the server's database behind its back: a fixture's situation the demo lacks
    (the change is committed at once; the server reads it on its next request)."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=10) as connection:
        assert connection.execute(sql, params).rowcount, f"nothing changed by {sql} {params}"


def component_id(server, kind: str) -> int:
    """The id of Green Streets' proposals or debates component."""
    return db_value(server, "select c.id from components c join processes p "
                            "on p.id = c.process_id where p.slug = 'green-streets' "
                            "and c.manifest_name = ?", kind)


def proposal_url(server, title_start: str) -> str:
    proposal = db_value(server, "select id from proposals_proposals where title like ?",
                        f"{title_start}%")
    return f"{server.url}{PROCESS}/f/{component_id(server, 'proposals')}/proposals/{proposal}"


def debate_url(server, english_title: str) -> str:
    debate = db_value(server, "select id from debates_debates where title like ?",
                      f'%"en": "{english_title}"%')
    return f"{server.url}{PROCESS}/f/{component_id(server, 'debates')}/debates/{debate}"


def flash(page) -> str:
    return page.locator(".flashes").inner_text()


def field_errors(page) -> dict[str, str]:
    """{field id: message} of the errors the form shows next to its fields."""
    return dict(page.evaluate(
        "() => Array.from(document.querySelectorAll('.field-error'))"
        ".map(e => [e.id.replace(/-error$/, ''), e.innerText])"
    ))
