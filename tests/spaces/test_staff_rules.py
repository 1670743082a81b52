"""Holders of a process role are staff: the idle timeout and the staff password rules."""

import re
import time
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from decide.core.models import Organization
from decide.core.passwords import check_password
from decide.core.services import DomainError
from decide.core.services import change_password
from decide.core.services import must_change_password
from decide.spaces.models import Role
from tests.conftest import DEFAULT_PASSWORD

SHORT = "maple-harbour"  # 13 characters: enough for a resident, not for staff
LONG = "maple-harbour-lighthouse"
EXPLANATION = "does not meet the rules for staff accounts"


@pytest.fixture
def role_holder(create_user, create_process, grant):
    """A resident with a 13-character password, then given a role: factory by role."""

    def make(role: Role, password: str = SHORT):
        holder = create_user(password=password)
        grant(holder, create_process(), role)
        return holder

    return make


def sign_in(client, user, password: str, next_url: str = ""):
    response = client.post("/signin", data={"email": user.email, "password": password,
                                            "next": next_url})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def redirect_target(response) -> tuple[str, dict]:
    location = urlsplit(response.headers["Location"])
    return location.path, parse_qs(location.query)


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


# --- session expiry -------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_a_role_holders_session_expires_after_thirty_idle_minutes(client, role_holder, role):
    holder = role_holder(role, password=LONG)
    sign_in(client, holder, LONG)
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60

    response = client.get("/account")

    assert redirect_target(response) == ("/signin", {"next": ["/account"]})
    assert client.get("/account").status_code == 302  # signed out


def test_a_resident_given_a_role_while_signed_in_gets_the_staff_timeout(
    client, db, user, login, create_process, grant
):
    login(user)
    grant(user, create_process(), Role.VALUATOR)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60

    assert redirect_target(client.get("/account"))[0] == "/signin"


# --- the password at sign-in ----------------------------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_a_role_holder_with_a_short_password_changes_it_before_anything_else(
    client, db, role_holder, role
):
    holder = role_holder(role)

    signed_in = sign_in(client, holder, SHORT, next_url="/profiles/resident1")

    assert signed_in.headers["Location"] == "/profiles/resident1"
    for path in ("/", "/profiles/resident1", "/admin/", "/account"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert redirect_target(response) == ("/account/password", {"next": [path]}), path
    for path in ("/pages/terms", "/healthz"):
        assert client.get(path).status_code == 200, path

    page = client.get("/account/password?next=%2Fadmin%2F")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert EXPLANATION in text
    assert "At least 15 characters, as for every staff account." in text

    refused = client.post("/account/password?next=%2Fadmin%2F",
                          data={"current_password": SHORT, "password": "fourteen-chars"})

    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "password") == "Use at least 15 characters."
    assert client.get("/").status_code == 302

    changed = client.post("/account/password?next=%2Fadmin%2F",
                          data={"current_password": SHORT, "password": LONG})

    assert changed.headers["Location"] == "/admin/"
    db.session.refresh(holder)
    assert check_password(holder.password_hash, LONG)
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert EXPLANATION not in client.get("/account/password").get_data(as_text=True)


def test_an_admin_whose_password_holds_the_nickname_is_asked_for_a_new_one(client, create_user):
    admin = create_user(admin=True, nickname="council", email="council@example.org",
                        password="council-harbour-lantern")

    sign_in(client, admin, "council-harbour-lantern")

    assert redirect_target(client.get("/admin/"))[0] == "/account/password"


def test_the_change_is_still_asked_after_reloading_and_signing_out_ends_it(
    client, role_holder
):
    holder = role_holder(Role.MODERATOR)
    sign_in(client, holder, SHORT)
    assert client.get("/").status_code == 302
    assert client.get("/").status_code == 302

    assert client.post("/signout").status_code == 302

    assert client.get("/").status_code == 200


def test_the_password_can_be_changed_after_the_new_terms_are_accepted(
    client, db, role_holder
):
    db.session.add(Organization(name="Vilanova", available_locales=["en"], default_locale="en",
                                terms_version=2, terms_of_service={"en": "<p>Two</p>"}))
    db.session.commit()
    holder = role_holder(Role.COLLABORATOR)
    sign_in(client, holder, SHORT)

    assert redirect_target(client.get("/"))[0] == "/terms/accept"
    assert redirect_target(client.get("/account/password"))[0] == "/terms/accept"
    assert client.get("/terms/accept").status_code == 200
    accepted = client.post("/terms/accept?next=%2F")
    assert accepted.headers["Location"] == "/"

    assert redirect_target(client.get("/"))[0] == "/account/password"
    assert client.get("/account/password").status_code == 200


@pytest.mark.parametrize("make", ["resident", "long"])
def test_no_change_is_asked_of_residents_or_staff_with_a_long_password(
    client, create_user, role_holder, make
):
    if make == "resident":
        person, password = create_user(password=SHORT), SHORT
    else:
        person, password = role_holder(Role.PROCESS_ADMIN, password=LONG), LONG

    sign_in(client, person, password)

    assert client.get("/").status_code == 200
    assert client.get("/account").status_code == 200
    assert EXPLANATION not in client.get("/account/password").get_data(as_text=True)


def test_must_change_password_uses_the_staff_rules(db, create_user, role_holder):
    resident = create_user(password=SHORT)
    holder = role_holder(Role.VALUATOR)

    assert not must_change_password(resident, SHORT)
    assert must_change_password(holder, SHORT)
    assert must_change_password(holder, f"{holder.nickname}-is-long-enough")
    assert not must_change_password(holder, LONG)


# --- the account page -----------------------------------------------------------------------

def test_a_role_holder_needs_fifteen_characters_on_the_account_page(client, db, role_holder):
    holder = role_holder(Role.COLLABORATOR, password=LONG)
    sign_in(client, holder, LONG)

    response = client.post("/account/password", data={"current_password": LONG,
                                                      "password": "fourteen-chars"})

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "password") == "Use at least 15 characters."
    db.session.refresh(holder)
    assert check_password(holder.password_hash, LONG)


def test_the_service_refuses_a_short_password_for_a_role_holder_only(db, create_user,
                                                                     role_holder):
    resident = create_user()
    holder = role_holder(Role.VALUATOR, password=DEFAULT_PASSWORD)

    change_password(resident, DEFAULT_PASSWORD, "fourteen-chars")
    with pytest.raises(DomainError) as caught:
        change_password(holder, DEFAULT_PASSWORD, "fourteen-chars")

    assert (caught.value.field, caught.value.message) == ("password", "Use at least 15 characters.")
