"""Residents find the processes of the demo city; an admin previews an unpublished one.

Maria (a resident of the demo city) reads the site in Catalan, her saved language, so the
titles checked here are the Catalan ones the demo city writes.
"""

import re

import pytest

from tests.e2e.conftest import ADMIN
from tests.e2e.conftest import RESIDENT

pytestmark = pytest.mark.e2e


def card_titles(page) -> list[str]:
    return page.locator(".process-card .card__title").all_inner_texts()


def test_a_resident_finds_a_process_and_reads_its_page(page, live_server, check_page, sign_in,
                                                       submit):
    sign_in(page, *RESIDENT)
    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "ca"
    assert page.locator("h1").inner_text() == "Vilanova City Council"
    # Open now (promoted first, what closes soonest first), then coming soon, then finished.
    assert card_titles(page) == [
        "Pressupostos de districte", "Carrers Verds", "Pressupost de l'any passat",
        "Pla del Parc de la Ribera", "Places del Barri Vell",
    ]
    first = page.locator(".process-card").first
    assert re.search(r"\d", first.locator(".countdown").inner_text()), "how long it lasts"
    assert "Autobusos nocturns" not in page.content()  # the unpublished draft
    check_page(page, "processes-home")

    submit(page.locator(".main-nav a[href='/processes']"))
    assert len(card_titles(page)) == 5
    assert page.locator(".process-card").first.locator(".badge--active").is_visible()
    check_page(page, "processes-list")

    # Filters: a plain GET form.
    page.locator("#filter-status").select_option("upcoming")
    page.locator("#filter-scope").select_option(label="Ribera")
    submit(page.locator("form.filters button[type=submit]"))
    assert "status=upcoming" in page.url
    assert card_titles(page) == ["Pla del Parc de la Ribera"]
    check_page(page, "processes-filtered")

    page.goto(f"{live_server.url}/processes")
    page.locator("#filter-category").select_option("Mobilitat")
    submit(page.locator("form.filters button[type=submit]"))
    assert sorted(card_titles(page)) == ["Carrers Verds", "Pressupost de l'any passat",
                                         "Pressupostos de districte"]

    submit(page.get_by_role("link", name="Carrers Verds"))
    assert page.url == f"{live_server.url}/processes/green-streets"
    assert page.locator("h1").inner_text() == "Carrers Verds"
    current = page.locator('.timeline [aria-current="step"]')
    assert current.count() == 1
    assert "Propostes" in current.inner_text()
    assert page.locator(".timeline__item").count() == 5
    assert page.locator(".preview-banner").count() == 0
    check_page(page, "process-show")

    submit(page.get_by_role("link", name="Com funciona aquest procés"))
    assert re.search(r"/processes/green-streets/f/\d+/pages/$", page.url)
    assert page.locator("h1").inner_text() == "Com funciona aquest procés"
    assert "Propostes" in page.locator(".prose").inner_text()  # the phases, in Catalan
    check_page(page, "process-page")


def test_an_admin_previews_an_unpublished_process(page, live_server, check_page, sign_in,
                                                  submit):
    response = page.goto(f"{live_server.url}/processes/night-buses")
    assert response.status == 404

    sign_in(page, *ADMIN)
    response = page.goto(f"{live_server.url}/processes/night-buses")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Night Buses"
    assert "only the staff of the process can see it" in page.locator(
        ".preview-banner").inner_text()
    assert page.get_by_role("link", name="Manage this process").is_visible()
    check_page(page, "process-preview")

    submit(page.get_by_role("link", name="How this process works"))
    assert page.locator(".preview-banner").is_visible()
    check_page(page, "process-preview-page")


def test_the_filters_work_without_javascript(browser, live_server, submit):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360,
                                                                       "height": 740})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/processes")
        page.get_by_label("When").select_option("past")
        submit(page.get_by_role("button", name="Filter"))
        assert page.url == f"{live_server.url}/processes?status=past&scope=&category="
        assert card_titles(page) == ["Old Town Squares"]

        submit(page.get_by_role("link", name="Clear the filters"))
        assert len(card_titles(page)) == 5
    finally:
        context.close()
    live_server.assert_no_server_errors()
