"""The dashboard and the action log in a real browser, for an admin and a process admin."""

import pytest

pytestmark = pytest.mark.e2e

ADMIN = ("admin@decide.example", "harbour-lantern-orchard-42")
PROCESS_ADMIN = ("jordi@decide.example", "amber-quarry-windmill-58")  # reads in Catalan


def test_admin_reads_the_dashboard_and_filters_the_action_log(page, live_server, check_page,
                                                               sign_in, submit):
    sign_in(page, *ADMIN)
    page.goto(f"{live_server.url}/admin/")
    assert page.get_by_role("row", name="Green Streets").count() == 1
    check_page(page, "admin-dashboard-processes")

    sidebar = page.get_by_role("navigation", name="Administration")
    submit(sidebar.get_by_role("link", name="Action log"))
    assert page.locator("h1").inner_text() == "Action log"
    assert page.locator(".log__entry").count() > 0
    check_page(page, "admin-log")

    page.get_by_label("Kind of item").select_option("component")
    submit(page.get_by_role("button", name="Filter"))
    entries = page.locator(".log__entry")
    assert entries.count() > 0
    assert all("the component" in text for text in entries.all_inner_texts())
    assert page.get_by_label("Kind of item").input_value() == "component"

    # Without JavaScript checks in the way, a typed address with a bad date: marked, no error.
    page.goto(f"{live_server.url}/admin/logs?date_from=2025-02-30")
    assert page.get_by_text("Enter a date like 2025-03-31.").count() == 1
    check_page(page, "admin-log-bad-date")


def test_a_process_admin_reads_the_log_in_their_language(page, live_server, check_page,
                                                         sign_in):
    sign_in(page, *PROCESS_ADMIN)
    page.goto(f"{live_server.url}/admin/logs")

    assert page.locator("html").get_attribute("lang") == "ca"
    assert page.locator("h1").inner_text() == "Registre d\u2019accions"
    check_page(page, "admin-log-process-admin")

    page.goto(f"{live_server.url}/admin/")
    check_page(page, "admin-dashboard-process-admin")
