"""Sign-in and out, sessions, the staff idle timeout and the acceptance of new terms."""

import re
import time
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from decide.core.models import Organization
from decide.core.models import User
from decide.core.services import DomainError
from decide.core.services import UnconfirmedEmail
from decide.core.services import authenticate
from decide.core.services import change_password
from decide.core.services import delete_account
from tests.conftest import DEFAULT_PASSWORD
from tests.conftest import STAFF_PASSWORD

WRONG = "The e-mail address or the password is not right."
NEW_PASSWORD = "another-fine-passphrase"


def page_errors(response) -> str:
    match = re.search(r'<div class="alert alert--error" role="alert">(.*?)</div>',
                      response.get_data(as_text=True), re.S)
    return match.group(1).strip() if match else ""


def signed_in_as(client) -> str | None:
    """The nickname in the header, or None when the page is shown to an anonymous visitor."""
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<a href="/profiles/([^"]+)">', page)
    return match.group(1) if match else None


# --- the service ----------------------------------------------------------------------

def test_authenticate_accepts_the_right_password_whatever_the_case_of_the_address(db, user):
    assert authenticate("  RESIDENT1@Example.org ", DEFAULT_PASSWORD) == user
    assert user.last_sign_in_at is not None


@pytest.mark.parametrize("email, password", [
    ("resident1@example.org", "not-the-password"),
    ("nobody@example.org", DEFAULT_PASSWORD),
])
def test_authenticate_gives_one_message_for_a_wrong_password_and_an_unknown_address(
    db, user, email, password
):
    with pytest.raises(DomainError) as caught:
        authenticate(email, password)

    assert type(caught.value) is DomainError
    assert caught.value.message == WRONG
    assert caught.value.field is None


def test_authenticate_refuses_an_unconfirmed_address_only_after_the_password(db, create_user):
    create_user(email="new@example.org", confirmed_at=None)

    with pytest.raises(DomainError) as wrong:
        authenticate("new@example.org", "not-the-password")
    with pytest.raises(UnconfirmedEmail):
        authenticate("new@example.org", DEFAULT_PASSWORD)

    assert type(wrong.value) is DomainError  # nothing tells that the account exists


# --- the sign-in page -----------------------------------------------------------------

def test_signing_in_starts_a_new_session(client, db, user):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["locale"] = "fr"

    response = client.post("/signin", data={"email": "Resident1@example.org",
                                            "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "fr"  # the language choice survives
        assert session["_user_id"] == f"{user.id}:{user.session_token}"
        assert session.permanent
    assert signed_in_as(client) == "resident1"
    db.session.refresh(user)
    assert user.last_sign_in_at is not None


def test_the_session_cookie_is_http_only_and_same_site(client, user):
    response = client.post("/signin", data={"email": user.email, "password": DEFAULT_PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_wrong_password_and_an_unknown_address_get_exactly_the_same_answer(client, user):
    wrong_password = client.post("/signin", data={"email": user.email,
                                                  "password": "nope-nope-nope"})
    unknown = client.post("/signin", data={"email": "nobody@example.org",
                                           "password": "nope-nope-nope"})

    assert wrong_password.status_code == unknown.status_code == 400
    assert page_errors(wrong_password) == page_errors(unknown) == f"<p>{WRONG}</p>"

    def without_typed_address(response):
        page = response.get_data(as_text=True)
        page = page.replace(user.email, "ADDRESS").replace("nobody@example.org", "ADDRESS")
        return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", page)  # every token

    assert without_typed_address(wrong_password) == without_typed_address(unknown)
    assert "Ask for a new confirmation link" not in wrong_password.get_data(as_text=True)
    assert f'value="{user.email}"' in wrong_password.get_data(as_text=True)
    assert "nope-nope-nope" not in wrong_password.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_an_unconfirmed_account_is_refused_with_a_link_to_a_new_confirmation(
    client, create_user
):
    create_user(email="new@example.org", confirmed_at=None)

    response = client.post("/signin", data={"email": "new@example.org",
                                            "password": DEFAULT_PASSWORD})

    assert response.status_code == 400
    assert "Confirm your e-mail address first" in page_errors(response)
    assert '<a href="/confirm">Ask for a new confirmation link</a>' in response.get_data(
        as_text=True)
    assert signed_in_as(client) is None


def test_the_resend_page_sends_a_new_link_only_to_an_unconfirmed_account(
    client, create_user, mails
):
    create_user(email="new@example.org", confirmed_at=None)
    create_user(email="done@example.org")

    for address in ("new@example.org", "done@example.org", "nobody@example.org"):
        response = client.post("/confirm", data={"email": address})
        assert response.status_code == 200
        assert address in response.get_data(as_text=True)

    assert [message["To"] for message in mails()] == ["new@example.org"]


def test_a_deleted_account_cannot_sign_in(client, db, user):
    email = user.email
    delete_account(user, DEFAULT_PASSWORD)
    db.session.commit()

    response = client.post("/signin", data={"email": email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 400
    assert page_errors(response) == f"<p>{WRONG}</p>"
    assert signed_in_as(client) is None


def test_a_deleted_account_loses_its_open_sessions(client, db, user, login):
    login(user)
    assert signed_in_as(client) == "resident1"

    user.deleted_at = user.updated_at  # e.g. deleted from another session
    db.session.commit()

    assert signed_in_as(client) is None


@pytest.mark.parametrize("target, expected", [
    ("/account", "/account"),
    ("/profiles/resident1?tab=1", "/profiles/resident1?tab=1"),
    ("https://evil.example", "/"),
    ("https://evil.example/account", "/"),
    ("//evil.example", "/"),
    ("///evil.example", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("JavaScript:alert(1)", "/"),
    ("/\tevil", "/"),
    ("", "/"),
])
def test_sign_in_follows_next_only_to_a_path_on_this_site(client, user, target, expected):
    response = client.post("/signin", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                            "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_a_page_that_needs_an_account_sends_to_sign_in_and_back(client, user):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin?next=%2Faccount"

    page = client.get("/signin?next=%2Faccount").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account"' in page
    response = client.post("/signin?next=%2Faccount",
                           data={"email": user.email, "password": DEFAULT_PASSWORD,
                                 "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_a_signed_in_user_visiting_sign_in_goes_home(client, user, login):
    login(user)

    response = client.get("/signin")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- sign-out -------------------------------------------------------------------------

def test_sign_out_needs_a_post(client, user, login):
    login(user)

    assert client.get("/signout").status_code == 405
    assert signed_in_as(client) == "resident1"


def test_sign_out_needs_the_csrf_token(client, user, login):
    login(user)

    response = client.post("/signout", csrf=False,
                           headers={"Referer": "https://evil.example/trap"})

    assert response.status_code in (302, 400)
    assert "evil.example" not in response.headers.get("Location", "")
    assert signed_in_as(client) == "resident1"


def test_sign_out_ends_the_session(client, user, login):
    login(user)

    response = client.post("/signout")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) is None
    with client.session_transaction() as session:
        assert "_user_id" not in session


# --- several sessions -----------------------------------------------------------------

def test_changing_the_password_signs_out_the_other_sessions(app, client, user, login):
    other_device = app.test_client()
    login(user)
    response = other_device.post("/signin", data={"email": user.email,
                                                  "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(other_device) == "resident1"

    response = client.post("/account/password", data={"current_password": DEFAULT_PASSWORD,
                                                      "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert signed_in_as(client) == "resident1"  # this session goes on
    assert signed_in_as(other_device) is None
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


# --- staff idle timeout ---------------------------------------------------------------

def _idle(client, minutes: float) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - minutes * 60


def test_a_staff_session_expires_after_thirty_idle_minutes(client, admin, login):
    login(admin)
    _idle(client, 31)

    response = client.get("/account")

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)) == ("/signin", {"next": ["/account"]})
    assert signed_in_as(client) is None


def test_a_staff_session_lives_on_while_used(client, admin, login):
    login(admin)
    for _ in range(3):
        _idle(client, 29)
        assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["last_seen"] < 60  # each request counts as activity


def test_a_resident_session_does_not_expire_when_idle(client, user, login):
    login(user)
    _idle(client, 24 * 60)

    assert client.get("/account").status_code == 200


def test_staff_passwords_need_fifteen_characters(db, admin, user):
    change_password(user, DEFAULT_PASSWORD, "twelve-chars")  # enough for a resident

    with pytest.raises(DomainError) as caught:
        change_password(admin, STAFF_PASSWORD, "fourteen-chars")

    assert caught.value.field == "password"
    assert caught.value.message == "Use at least 15 characters."


# --- terms of service -----------------------------------------------------------------

@pytest.fixture
def new_terms(db):
    organization = Organization(
        name="Vilanova", available_locales=["en", "es"], default_locale="en", terms_version=2,
        terms_of_service={"en": "<p>Version two of the terms.</p>"},
    )
    db.session.add(organization)
    db.session.commit()
    return organization


def test_new_terms_must_be_accepted_before_anything_else(client, db, user, login, new_terms):
    login(user)

    for path in ("/", "/account", "/profiles/resident1", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/terms/accept?next="), path
    for path in ("/pages/terms", "/pages/privacy", "/pages/accessibility", "/healthz"):
        assert client.get(path).status_code == 200, path

    page = client.get("/terms/accept?next=%2Faccount").get_data(as_text=True)
    assert "Version two of the terms." in page

    response = client.post("/terms/accept?next=%2Faccount")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    db.session.refresh(user)
    assert user.accepted_terms_version == 2
    assert user.accepted_terms_at is not None
    assert client.get("/").status_code == 200
    assert client.get("/account").status_code == 200


def test_accepting_the_terms_never_redirects_off_site(client, user, login, new_terms):
    login(user)

    response = client.post("/terms/accept?next=https://evil.example")

    assert response.headers["Location"] == "/"


def test_sign_out_is_possible_without_accepting_new_terms(client, user, login, new_terms):
    login(user)

    assert client.post("/signout").status_code == 302

    assert signed_in_as(client) is None


def test_a_user_who_accepted_the_current_terms_is_not_asked_again(
    client, db, create_user, login, new_terms
):
    current = create_user(accepted_terms_version=2)
    login(current)

    assert client.get("/account").status_code == 200
    assert db.session.get(User, current.id).accepted_terms_version == 2
