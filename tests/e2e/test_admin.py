"""The demo admin in the back office, checked in a real browser."""

import pytest

pytestmark = pytest.mark.e2e


def test_admin_opens_the_dashboard_and_organization_settings(page, live_server, check_page,
                                                             sign_in, submit):
    sign_in(page, "admin@decide.example", "harbour-lantern-orchard-42")
    submit(page.get_by_role("link", name="Administration"))
    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("h1").inner_text() == "Administration"
    check_page(page, "admin-dashboard")

    sidebar = page.get_by_role("navigation", name="Administration")
    submit(sidebar.get_by_role("link", name="Organization settings"))
    assert page.locator("h1").inner_text() == "Organization settings"
    assert page.get_by_label("Name of the organization").input_value() == "Vilanova City Council"
    check_page(page, "admin-organization")

    # Sent with the name emptied: nothing is saved and the field says why.
    page.get_by_label("Name of the organization").fill("")
    submit(page.locator("#submit"))
    name = page.get_by_label("Name of the organization")
    assert name.get_attribute("aria-invalid") == "true"
    check_page(page, "admin-organization-errors")

    page.goto(live_server.url)
    assert page.locator(".brand").inner_text() == "Vilanova City Council"
