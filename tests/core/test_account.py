"""The account pages: profile, e-mail address, password, data download, deletion."""

import json
import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.core.mail import queue_email
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.passwords import check_password
from decide.core.services import DomainError
from decide.core.services import confirm_email_change
from decide.core.services import delete_account
from decide.core.services import export_user_data
from decide.core.services import register_user
from decide.core.services import request_email_change
from decide.core.services import update_profile
from tests.conftest import DEFAULT_PASSWORD

NEW_PASSWORD = "juniper-canal-whistle"


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    match = re.search(r"https?://\S+", text_body(message))
    assert match, text_body(message)
    return match.group(0)


@pytest.fixture
def signed_in(client, user, login):
    login(user)
    return user


# --- profile --------------------------------------------------------------------------

def test_editing_the_profile_saves_it_and_moves_the_public_page(client, db, signed_in):
    response = client.post("/account", data={"name": "Núria Ferrer", "nickname": "Nuria_F",
                                             "locale": "ca"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    db.session.refresh(signed_in)
    assert (signed_in.name, signed_in.nickname, signed_in.locale) == (
        "Núria Ferrer", "nuria_f", "ca")
    assert client.get("/profiles/nuria_f").status_code == 200
    assert client.get("/profiles/NURIA_F").status_code == 200
    assert client.get("/profiles/resident1").status_code == 404
    assert '<html lang="ca">' in client.get("/account").get_data(as_text=True)


def test_the_profile_form_shows_the_current_values(client, signed_in):
    page = client.get("/account").get_data(as_text=True)

    assert 'value="Resident 1"' in page
    assert 'value="resident1"' in page


def test_a_taken_nickname_is_refused_next_to_the_field(client, db, create_user, signed_in):
    create_user(nickname="taken")

    response = client.post("/account", data={"name": "New Name", "nickname": "TAKEN",
                                             "locale": "en"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This nickname is taken. Choose another one." in field_error(page, "nickname")
    assert 'value="TAKEN"' in page
    assert 'value="New Name"' in page
    db.session.refresh(signed_in)
    assert (signed_in.name, signed_in.nickname) == ("Resident 1", "resident1")


def test_keeping_ones_own_nickname_is_fine(db, user):
    update_profile(user, name="Resident One", nickname="RESIDENT1", locale="en")

    assert (user.name, user.nickname) == ("Resident One", "resident1")


@pytest.mark.parametrize("data, field, message", [
    ({"name": "", "nickname": "resident1", "locale": "en"}, "name", "Fill in this field."),
    ({"name": "x" * 101, "nickname": "resident1", "locale": "en"}, "name",
     "Use at most 100 characters."),
    ({"name": "Resident", "nickname": "x" * 21, "locale": "en"}, "nickname",
     "Use between 3 and 20 characters."),
    ({"name": "Resident", "nickname": "resident1", "locale": "tlh"}, "locale",
     "Not a valid choice."),
])
def test_bad_profile_input_is_refused_next_to_the_field(client, db, signed_in, data, field,
                                                        message):
    response = client.post("/account", data=data)

    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), field)
    db.session.refresh(signed_in)
    assert (signed_in.name, signed_in.locale) == ("Resident 1", "en")


@pytest.mark.parametrize("nickname", ["deleted-7", "Deleted-123"])
def test_the_nicknames_of_deleted_accounts_are_reserved(db, user, nickname):
    with pytest.raises(DomainError) as on_signup:
        register_user(name="Squatter", nickname=nickname, email="squatter@example.org",
                      password=NEW_PASSWORD, locale="en")
    with pytest.raises(DomainError) as on_edit:
        update_profile(user, name="Squatter", nickname=nickname, locale="en")

    assert on_signup.value.field == on_edit.value.field == "nickname"


# --- e-mail address -------------------------------------------------------------------

def test_changing_the_address_waits_for_the_link_sent_to_the_new_one(client, db, signed_in,
                                                                      mails):
    response = client.post("/account/email", data={"email": "New.Address@Example.org",
                                                   "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    db.session.refresh(signed_in)
    assert signed_in.email == "resident1@example.org"  # not yet
    confirmation, notice = mails()
    assert confirmation["To"] == "new.address@example.org"
    assert confirmation["Subject"] == "Confirm your new e-mail address"
    link = link_in(confirmation)
    assert link.startswith("https://decide.test/account/email/confirm/")
    assert notice["To"] == "resident1@example.org"
    assert notice["Subject"] == "Your e-mail address is about to change"
    assert "new.address@example.org" in text_body(notice)
    assert "https://" not in text_body(notice)  # the link goes only to the new address

    response = client.get(link.removeprefix("https://decide.test"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    db.session.refresh(signed_in)
    assert signed_in.email == "new.address@example.org"
    assert signed_in.is_confirmed
    # The link works once: the account no longer has the address it was sent for.
    assert client.get(link.removeprefix("https://decide.test")).status_code == 400


def test_the_link_works_without_being_signed_in(app, db, user, mails):
    request_email_change(user, "elsewhere@example.org", DEFAULT_PASSWORD)
    db.session.commit()
    link = link_in(mails()[0])

    response = app.test_client().get(link.removeprefix("https://decide.test"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/signin"
    db.session.refresh(user)
    assert user.email == "elsewhere@example.org"


def test_changing_the_address_needs_the_current_password(client, db, signed_in, mails):
    response = client.post("/account/email", data={"email": "new@example.org",
                                                   "password": "not-my-password"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This is not your current password." in field_error(page, "password")
    assert 'value="new@example.org"' in page
    assert "not-my-password" not in page
    assert mails() == []


@pytest.mark.parametrize("typed, message", [
    ("RESIDENT2@example.org", "An account with this e-mail address already exists."),
    ("Resident1@Example.org", "This is already your e-mail address."),
    ("not an address", "Enter an e-mail address like name@example.org."),
    ("", "Fill in this field."),
])
def test_a_new_address_that_cannot_be_used_is_refused(client, create_user, signed_in, mails,
                                                      typed, message):
    create_user()  # resident2

    response = client.post("/account/email", data={"email": typed,
                                                   "password": DEFAULT_PASSWORD})

    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), "email")
    assert mails() == []


def test_a_link_for_an_address_taken_in_the_meantime_is_refused(client, db, create_user, user,
                                                                mails):
    request_email_change(user, "wanted@example.org", DEFAULT_PASSWORD)
    db.session.commit()
    link = link_in(mails()[0])
    create_user(email="wanted@example.org")

    response = client.get(link.removeprefix("https://decide.test"))

    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "resident1@example.org"


def test_a_change_link_of_a_deleted_account_is_refused(db, user, mails):
    request_email_change(user, "wanted@example.org", DEFAULT_PASSWORD)
    db.session.commit()
    token = link_in(mails()[0]).rsplit("/", 1)[1]
    delete_account(user, DEFAULT_PASSWORD)

    with pytest.raises(DomainError):
        confirm_email_change(token)


# --- password -------------------------------------------------------------------------

def test_changing_the_password(client, db, signed_in):
    response = client.post("/account/password", data={"current_password": DEFAULT_PASSWORD,
                                                      "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    db.session.refresh(signed_in)
    assert check_password(signed_in.password_hash, NEW_PASSWORD)
    assert "Your new password is saved." in client.get("/account/password").get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({"current_password": "not-my-password", "password": NEW_PASSWORD}, "current_password",
     "This is not your current password."),
    ({"current_password": DEFAULT_PASSWORD, "password": "tiny-pass"}, "password",
     "Use at least 10 characters."),
    ({"current_password": DEFAULT_PASSWORD, "password": "resident1-again"}, "password",
     "Do not use your name, nickname or e-mail address in your password."),
    ({"current_password": "", "password": NEW_PASSWORD}, "current_password",
     "Fill in this field."),
])
def test_a_refused_password_change_says_why_next_to_the_field(client, db, signed_in, data,
                                                              field, message):
    response = client.post("/account/password", data=data)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in field_error(page, field)
    for typed in data.values():
        if typed:
            assert typed not in page
    db.session.refresh(signed_in)
    assert check_password(signed_in.password_hash, DEFAULT_PASSWORD)


# --- download my data -----------------------------------------------------------------

def test_download_my_data_holds_the_account_and_only_my_own_rows(client, db, create_user,
                                                                signed_in):
    other = create_user()
    queue_email(signed_in, "For me", "core/confirm", link="https://decide.test/x")
    queue_email(other, "For someone else", "core/confirm", link="https://decide.test/y")
    db.session.commit()

    response = client.get("/account/data")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="decide-resident1.json"')
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "resident1@example.org"
    assert data["account"]["nickname"] == "resident1"
    assert data["account"]["name"] == "Resident 1"
    assert [row["subject"] for row in data["outbox"]] == ["For me"]
    text = response.get_data(as_text=True)
    assert "For someone else" not in text
    assert other.email not in text
    assert signed_in.password_hash not in text
    assert signed_in.session_token not in text


def test_download_my_data_needs_an_account(client):
    response = client.get("/account/data")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_export_user_data_is_plain_json(db, user):
    data = export_user_data(user)

    assert json.loads(json.dumps(data)) == data
    assert data["account"]["id"] == user.id
    assert data["outbox"] == []


# --- delete my account ----------------------------------------------------------------

def test_deleting_the_account_anonymizes_it(client, db, create_user, signed_in):
    other = create_user()
    queue_email(signed_in, "Mine", "core/confirm", link="https://decide.test/x")
    queue_email(other, "Theirs", "core/confirm", link="https://decide.test/y")
    db.session.commit()
    user_id, created_at, locale = signed_in.id, signed_in.created_at, signed_in.locale

    response = client.post("/account/delete", data={"password": DEFAULT_PASSWORD,
                                                    "confirm": "y"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 302  # signed out
    db.session.expire_all()
    row = db.session.get(User, user_id)
    assert row is not None  # kept, so what the person wrote keeps its author row
    assert row.is_deleted
    assert row.email != "resident1@example.org"
    assert row.nickname != "resident1"
    assert row.name == ""
    assert not row.admin
    assert not check_password(row.password_hash, DEFAULT_PASSWORD)
    assert (row.created_at, row.locale) == (created_at, locale)
    assert db.session.scalar(
        select(func.count()).select_from(User).where(User.email.contains("resident1"))
    ) == 0
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert subjects == ["Theirs"]
    assert client.get("/profiles/resident1").status_code == 404
    assert client.get(f"/profiles/{row.nickname}").status_code == 404

    response = client.post("/signin", data={"email": "resident1@example.org",
                                            "password": DEFAULT_PASSWORD})
    assert response.status_code == 400


def test_a_deleted_accounts_address_and_nickname_can_be_used_again(db, user):
    delete_account(user, DEFAULT_PASSWORD)
    db.session.commit()

    again = register_user(name="Back", nickname="resident1", email="resident1@example.org",
                          password=NEW_PASSWORD, locale="en")

    assert again.id != user.id


@pytest.mark.parametrize("data, field, message", [
    ({"password": DEFAULT_PASSWORD}, "confirm", "Tick this box to confirm."),
    ({"password": "not-my-password", "confirm": "y"}, "password",
     "This is not your current password."),
    ({"password": "", "confirm": "y"}, "password", "Fill in this field."),
])
def test_deleting_the_account_needs_the_password_and_the_box(client, db, signed_in, data,
                                                            field, message):
    response = client.post("/account/delete", data=data)

    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), field)
    db.session.refresh(signed_in)
    assert not signed_in.is_deleted
    assert client.get("/account").status_code == 200


def test_deleting_the_account_ends_the_other_sessions_too(app, client, db, signed_in):
    other_device = app.test_client()
    other_device.post("/signin", data={"email": signed_in.email, "password": DEFAULT_PASSWORD})
    assert other_device.get("/account").status_code == 200

    client.post("/account/delete", data={"password": DEFAULT_PASSWORD, "confirm": "y"})

    assert other_device.get("/account").status_code == 302


@pytest.mark.parametrize("path", ["/account", "/account/email", "/account/password",
                                  "/account/delete", "/account/data"])
def test_every_account_page_needs_an_account(client, path):
    assert client.get(path).status_code == 302
    assert client.post(path, data={}).status_code in (302, 405)
