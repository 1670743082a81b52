"""A resident's whole way through the accounts, in a real browser, checked page by page."""

import json
import secrets
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

pytestmark = pytest.mark.e2e

PASSWORD = "lantern-meadow-quartz"
NEW_PASSWORD = "copper-harbour-sparrow"
ROOT = Path(__file__).resolve().parents[2]


def catalog_text(locale: str, message: str) -> str:
    """The translation of `message` in the catalog that ships for `locale`."""
    path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    with path.open("rb") as catalog:
        translation = read_po(catalog, locale=locale).get(message)
    assert translation is not None and translation.string, f"{locale}: {message!r} untranslated"
    return translation.string


def test_resident_signs_up_confirms_and_manages_the_account(page, live_server, check_page,
                                                            submit):
    nickname = f"nuria{secrets.token_hex(3)}"
    address = f"{nickname}@example.org"

    page.goto(live_server.url)
    check_page(page, "home")
    submit(page.get_by_role("navigation", name="Your account").get_by_role("link", name="Sign up"))
    assert page.locator("h1").inner_text() == "Create your account"
    check_page(page, "signup")

    # Sent empty: every required field says what is wrong, next to the field.
    submit(page.get_by_role("button", name="Sign up"))
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Full name").get_attribute("aria-invalid") == "true"
    assert page.get_by_text("You must accept the terms of service to sign up.").is_visible()
    check_page(page, "signup-errors")

    page.get_by_label("Full name").fill("Núria Ferrer i Solà")
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("I accept the terms of service").check()
    submit(page.get_by_role("button", name="Sign up"))
    assert page.locator("h1").inner_text() == "Check your e-mail"
    assert address in page.locator("main").inner_text()
    check_page(page, "check-email")

    # Not confirmed yet: signing in says so.
    page.goto(f"{live_server.url}/signin")
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert "Confirm your e-mail address first" in page.get_by_role("alert").inner_text()
    check_page(page, "signin-unconfirmed")

    [confirmation] = live_server.deliver(to=address)
    assert confirmation["Subject"] == "Confirm your e-mail address"
    link = live_server.link_in(confirmation, "/confirm/")

    page.goto(link + "tampered")
    assert page.locator("h1").inner_text() == "This link does not work"
    check_page(page, "link-error")

    page.goto(link)
    assert page.url == f"{live_server.url}/signin"
    assert "Your e-mail address is confirmed" in page.locator(".flashes").inner_text()
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert page.url == f"{live_server.url}/"
    account_nav = page.get_by_role("navigation", name="Your account")
    assert account_nav.get_by_role("link", name=nickname).is_visible()
    check_page(page, "home-signed-in")

    # The switcher changes the page's language and saves the preference.
    for code, name in (("es", "Español"), ("ca", "Català"), ("fr", "Français")):
        submit(page.get_by_role("button", name=name))
        assert page.locator("html").get_attribute("lang") == code
        heading = page.locator("#how-title").inner_text()
        assert heading == catalog_text(code, "How you can take part")
        assert page.get_by_role("button", name=name).get_attribute("aria-current") == "true"
        check_page(page, f"home-{code}")

    # The account pages, in French now.
    for path, name in (("/account", "account-profile"), ("/account/email", "account-email"),
                       ("/account/password", "account-password"),
                       ("/account/delete", "account-delete")):
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "fr"
        check_page(page, f"{name}-fr")

    page.goto(f"{live_server.url}/account/password")
    page.locator("#current_password").fill("not-my-password")
    page.locator("#password").fill(NEW_PASSWORD)
    submit(page.locator("#submit"))
    assert page.locator("#current_password").get_attribute("aria-invalid") == "true"
    assert page.locator("#current_password-error").is_visible()
    check_page(page, "account-password-errors-fr")

    page.goto(f"{live_server.url}/account")
    page.locator("#name").fill("Núria Ferrer")
    page.locator("#locale").select_option("en")
    submit(page.locator("#submit"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Your profile is saved." in page.locator(".flashes").inner_text()
    assert page.get_by_label("Full name").input_value() == "Núria Ferrer"
    check_page(page, "account-profile")

    with page.expect_download() as download:
        page.get_by_role("region", name="Your data").get_by_role("link").click()
    data = json.loads(download.value.path().read_text())
    assert data["account"]["email"] == address
    assert data["account"]["nickname"] == nickname
    assert data["account"]["name"] == "Núria Ferrer"

    # A new e-mail address takes effect once its link is followed; the old one is told.
    new_address = f"{nickname}@correu.example.org"
    page.goto(f"{live_server.url}/account/email")
    page.get_by_label("New e-mail address").fill(new_address)
    page.get_by_label("Current password").fill(PASSWORD)
    submit(page.get_by_role("button", name="Change the e-mail address"))
    assert new_address in page.locator(".flashes").inner_text()
    check_page(page, "account-email-sent")
    [notice] = live_server.deliver(to=address)
    assert notice["Subject"] == "Your e-mail address is about to change"
    [change] = live_server.deliver(to=new_address)
    page.goto(live_server.link_in(change, "/account/email/confirm/"))
    assert page.url == f"{live_server.url}/account"
    assert f"Your e-mail address is now {new_address}." in page.locator(".flashes").inner_text()
    address = new_address

    submit(page.get_by_role("navigation", name="Your account").get_by_role("link", name=nickname))
    assert page.locator("h1").inner_text() == "Núria Ferrer"
    assert page.get_by_text(f"@{nickname}").is_visible()
    check_page(page, "profile-public")

    submit(page.get_by_role("button", name="Sign out"))
    assert "You have signed out." in page.locator(".flashes").inner_text()
    assert page.get_by_role("link", name="Sign in").first.is_visible()

    # Forgotten password: a link by e-mail, a new password, signed in.
    page.goto(f"{live_server.url}/signin")
    submit(page.get_by_role("link", name="Forgot your password?"))
    check_page(page, "forgot")
    page.get_by_label("E-mail address").fill("not an address")
    submit(page.get_by_role("button", name="Send"))
    assert page.get_by_label("E-mail address").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("E-mail address").input_value() == "not an address"
    check_page(page, "forgot-errors")
    page.get_by_label("E-mail address").fill(address)
    submit(page.get_by_role("button", name="Send"))
    assert page.locator("h1").inner_text() == "Check your e-mail"
    check_page(page, "check-email-reset")

    [reset] = live_server.deliver(to=address)
    page.goto(live_server.link_in(reset, "/password/reset/"))
    check_page(page, "reset")
    page.get_by_label("New password").fill("short")
    submit(page.get_by_role("button", name="Save the new password"))
    assert page.get_by_label("New password").get_attribute("aria-invalid") == "true"
    check_page(page, "reset-errors")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    submit(page.get_by_role("button", name="Save the new password"))
    assert "Your new password is saved." in page.locator(".flashes").inner_text()
    assert page.get_by_role("button", name="Sign out").is_visible()

    # Deleting the account: the password and a tick, then the profile is gone.
    page.goto(f"{live_server.url}/account/delete")
    page.get_by_label("Current password").fill(NEW_PASSWORD)
    submit(page.locator("main").get_by_role("button", name="Delete my account"))
    assert page.get_by_label("I understand").get_attribute("aria-invalid") == "true"
    check_page(page, "account-delete-errors")
    page.get_by_label("Current password").fill(NEW_PASSWORD)
    page.get_by_label("I understand").check()
    submit(page.locator("main").get_by_role("button", name="Delete my account"))
    assert page.url == f"{live_server.url}/"
    assert "Your account has been deleted." in page.locator(".flashes").inner_text()
    assert page.goto(f"{live_server.url}/profiles/{nickname}").status == 404
    page.goto(f"{live_server.url}/signin")
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    submit(page.locator("main").get_by_role("button", name="Sign in"))
    assert "The e-mail address or the password is not right." in (
        page.get_by_role("alert").inner_text()
    )
