"""New terms of service: the admin publishes a version, a resident accepts it at sign-in."""

import pytest

pytestmark = pytest.mark.e2e


def test_resident_accepts_the_new_terms_at_the_next_sign_in(browser, own_server, check_page,
                                                          sign_in, submit):
    admin = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = admin.new_page()
    sign_in(page, "admin@decide.example", "harbour-lantern-orchard-42", server=own_server)
    page.goto(f"{own_server.url}/admin/organization")
    terms = page.get_by_role("group", name="Terms of service").get_by_label("English")
    # Long enough that the box showing them to residents scrolls.
    terms.fill(terms.input_value() + "<p>Be kind to your neighbours.</p>" * 40)
    page.get_by_label("Publish these terms as a new version").check()
    submit(page.locator("#submit"))
    assert "The settings are saved." in page.locator(".flashes").inner_text()
    check_page(page, "admin-organization-saved")
    admin.close()

    resident = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = resident.new_page()
    sign_in(page, "ana@decide.example", "pepper-tram-sunrise", server=own_server)
    assert page.url.startswith(f"{own_server.url}/terms/accept")
    assert page.locator("html").get_attribute("lang") == "es"  # Ana's saved preference
    check_page(page, "accept-terms-es")

    # Nothing else opens until she accepts; the legal pages do.
    page.goto(f"{own_server.url}/account")
    assert page.url.startswith(f"{own_server.url}/terms/accept")
    page.goto(f"{own_server.url}/pages/terms")
    assert page.url == f"{own_server.url}/pages/terms"

    page.goto(f"{own_server.url}/terms/accept")
    submit(page.locator("main form").first.get_by_role("button"))
    assert page.url == f"{own_server.url}/"
    page.goto(f"{own_server.url}/account")
    assert page.url == f"{own_server.url}/account"
    resident.close()
