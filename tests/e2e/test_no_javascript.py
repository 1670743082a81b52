"""Everything works without JavaScript: sign in, switch language and sign out with it off."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360,
                                                                       "height": 740})
    yield context.new_page()
    context.close()
    live_server.assert_no_server_errors()


def test_sign_in_language_and_sign_out_without_javascript(page_without_js, live_server, submit):
    page = page_without_js
    page.goto(f"{live_server.url}/signin")
    page.get_by_label("E-mail address").fill("maria@decide.example")
    page.get_by_label("Password").fill("wrong-password-here")
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert page.get_by_label("E-mail address").get_attribute("aria-invalid") is None
    assert "The e-mail address or the password is not right." in (
        page.get_by_role("alert").inner_text()
    )

    page.get_by_label("Password").fill("river-bicycle-garden")
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert page.url == f"{live_server.url}/"
    assert page.locator("html").get_attribute("lang") == "ca"  # Maria's saved preference
    assert page.locator('header a[href="/profiles/maria"]').is_visible()

    submit(page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    submit(page.get_by_role("link", name="My account"))
    assert page.get_by_label("Preferred language").input_value() == "en"

    submit(page.get_by_role("button", name="Sign out"))
    assert "You have signed out." in page.locator(".flashes").inner_text()
    assert page.get_by_role("link", name="Sign in").first.is_visible()

    # Put Maria's language back for the other tests that use her.
    page.goto(f"{live_server.url}/signin")
    page.get_by_label("E-mail address").fill("maria@decide.example")
    page.get_by_label("Password").fill("river-bicycle-garden")
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    submit(page.get_by_role("button", name="Català"))
    assert page.locator("html").get_attribute("lang") == "ca"
