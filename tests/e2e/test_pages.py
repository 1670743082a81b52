"""The public pages a visitor reaches without an account, checked in a real browser."""

import pytest

pytestmark = pytest.mark.e2e


def test_public_pages(page, live_server, check_page, submit):
    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "en"
    check_page(page, "home-anonymous")

    footer = page.get_by_role("navigation", name="Legal information")
    for link, heading, name in (("Terms of service", "Terms of service", "legal-terms"),
                                ("Privacy policy", "Privacy policy", "legal-privacy"),
                                ("Accessibility", "Accessibility statement",
                                 "legal-accessibility")):
        submit(footer.get_by_role("link", name=link, exact=True))
        assert page.locator("h1").inner_text() == heading
        check_page(page, name)

    response = page.goto(f"{live_server.url}/no-such-page")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    check_page(page, "404")

    page.goto(f"{live_server.url}/confirm")
    check_page(page, "resend")


def test_sign_in_shows_errors_next_to_the_fields(page, live_server, check_page, submit):
    page.goto(f"{live_server.url}/signin")
    check_page(page, "signin")

    submit(page.locator("main").get_by_role("button", name="Sign in"))
    email = page.get_by_label("E-mail address")
    assert email.get_attribute("aria-invalid") == "true"
    assert "Fill in this field." in page.locator(f"#{email.get_attribute('aria-describedby')}"
                                                 ).inner_text()
    check_page(page, "signin-empty")

    email.fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong-password-here")
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert "The e-mail address or the password is not right." in (
        page.get_by_role("alert").inner_text()
    )
    assert email.input_value() == "nobody@example.org"
    assert page.get_by_label("Password").input_value() == ""
    check_page(page, "signin-errors")


def test_resident_cannot_open_the_back_office(page, live_server, check_page, sign_in):
    sign_in(page, "lucas@decide.example", "meadow-violin-comet")
    assert page.locator("html").get_attribute("lang") == "fr"  # Lucas's saved preference
    response = page.goto(f"{live_server.url}/admin/")
    assert response.status == 403
    check_page(page, "403-fr")


def test_keyboard_skips_to_the_content_with_a_visible_focus(page, live_server):
    page.goto(f"{live_server.url}/signin")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.inner_text() == "Skip to main content"
    box = focused.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the skip link stays off screen when focused"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"

    # On the blue header, the language buttons show the focus with the same outline.
    page.get_by_role("button", name="Español").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
