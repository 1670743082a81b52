"""The back office of processes in a real browser: every kind of page, with and without
errors, passes axe at desktop and phone width (nothing is saved: the demo stays as it is)."""

import pytest

pytestmark = pytest.mark.e2e

ADMIN = ("admin@decide.example", "harbour-lantern-orchard-42")
PROCESS_ADMIN = ("jordi@decide.example", "amber-quarry-windmill-58")


def test_an_admin_goes_through_the_back_office_of_a_process(page, live_server, check_page,
                                                            sign_in, submit):
    sign_in(page, *ADMIN)
    page.goto(f"{live_server.url}/admin/")
    submit(page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Processes"))
    assert page.locator("h1").inner_text() == "Processes"
    check_page(page, "admin-processes")

    submit(page.get_by_role("link", name="New process"))
    page.get_by_label("Address").fill("Not a slug!")  # the title is missing too
    page.get_by_label("Start date").fill("2030-06-01")
    page.get_by_label("End date").fill("2030-05-01")
    submit(page.locator("#submit"))
    assert page.get_by_label("Address").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("End date").get_attribute("aria-invalid") == "true"
    check_page(page, "admin-process-new-errors")

    page.goto(f"{live_server.url}/admin/processes/green-streets")
    tabs = page.get_by_role("navigation", name="Sections of this process")
    check_page(page, "admin-process-information")
    for tab, name in (("Phases", "admin-process-phases"),
                      ("Components", "admin-process-components"),
                      ("Categories", "admin-process-categories"),
                      ("Roles", "admin-process-roles")):
        submit(tabs.get_by_role("link", name=tab))
        assert tabs.get_by_role("link", name=tab).get_attribute("aria-current") == "page"
        check_page(page, name)

    submit(tabs.get_by_role("link", name="Phases"))
    submit(page.get_by_role("link", name="Add a phase"))
    submit(page.locator("#submit"))
    check_page(page, "admin-phase-new-errors")

    submit(tabs.get_by_role("link", name="Components"))
    submit(page.locator("tbody").get_by_role("link", name="Settings").first)
    check_page(page, "admin-component-settings")
    submit(tabs.get_by_role("link", name="Components"))
    submit(page.locator("tbody").get_by_role("link", name="Delete").first)
    check_page(page, "admin-component-delete")

    submit(tabs.get_by_role("link", name="Roles"))
    submit(page.get_by_role("link", name="Give a role"))
    page.get_by_label("E-mail address or nickname").fill("nobody@example.org")
    submit(page.locator("#submit"))
    assert "No participant has this e-mail address or nickname." in page.locator(
        "#identifier-error").inner_text()
    check_page(page, "admin-role-new-errors")

    page.goto(f"{live_server.url}/admin/scopes")
    check_page(page, "admin-scopes")
    submit(page.get_by_role("link", name="Add a scope"))
    submit(page.locator("#submit"))
    check_page(page, "admin-scope-new-errors")


def test_a_process_admin_sees_only_their_processes(page, live_server, check_page, sign_in,
                                                   submit):
    sign_in(page, *PROCESS_ADMIN)
    page.goto(f"{live_server.url}/admin/processes")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    nav = page.get_by_role("navigation", name="Administration")
    assert nav.get_by_role("link", name="Scopes").count() == 0
    check_page(page, "admin-processes-process-admin")
