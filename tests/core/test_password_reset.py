"""Forgotten password: no enumeration, a link that works once and expires."""

import re
import time

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from itsdangerous import TimestampSigner
from markupsafe import escape

from decide.core.models import utcnow
from decide.core.passwords import check_password
from decide.core.services import DomainError
from decide.core.services import make_token
from decide.core.services import request_password_reset
from decide.core.services import reset_password
from decide.core.services import user_for_reset
from tests.conftest import DEFAULT_PASSWORD

NEW_PASSWORD = "saffron-ferry-balcony"


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


def reset_path(client, mails, email: str) -> str:
    client.post("/password/forgot", data={"email": email})
    [message] = [m for m in mails() if m["To"] == email][-1:]
    link = link_in(message)
    assert link.startswith("https://decide.test/password/reset/")
    return link.removeprefix("https://decide.test")


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


# --- asking for a link ----------------------------------------------------------------

def test_the_answer_is_the_same_whether_the_address_has_an_account_or_not(client, user, mails):
    known = client.post("/password/forgot", data={"email": user.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200

    def normalized(response, email):
        page = response.get_data(as_text=True).replace(email, "ADDRESS")
        return re.sub(r'value="[0-9a-f.\-_A-Za-z]{40,}"', 'value="TOKEN"', page)

    assert normalized(known, user.email) == normalized(unknown, "nobody@example.org")
    assert [message["To"] for message in mails()] == [user.email]


def test_no_link_is_sent_to_a_deleted_account(db, create_user, mails):
    gone = create_user(email="gone@example.org", deleted_at=utcnow())

    request_password_reset(gone.email)
    db.session.commit()

    assert mails() == []


def test_the_reset_mail_is_in_the_language_of_the_account(db, create_user, mails):
    create_user(email="lucas@example.org", locale="fr", name="Lucas")

    request_password_reset("LUCAS@example.org")
    db.session.commit()

    [message] = mails()
    with force_locale("fr"):
        subject = gettext("Choose a new password")
    assert subject != "Choose a new password", "no French translation"
    assert message["Subject"] == subject
    assert link_in(message).startswith("https://decide.test/password/reset/")


def test_asking_for_a_link_needs_a_valid_address(client, mails):
    response = client.post("/password/forgot", data={"email": "not-an-address"})

    assert response.status_code == 400
    assert "Enter an e-mail address like name@example.org." in field_error(
        response.get_data(as_text=True), "email")
    assert 'value="not-an-address"' in response.get_data(as_text=True)
    assert mails() == []


# --- following the link ---------------------------------------------------------------

def test_the_link_sets_a_new_password_once(client, db, user, mails):
    path = reset_path(client, mails, user.email)
    assert client.get(path).status_code == 200

    response = client.post(path, data={"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    db.session.refresh(user)
    assert check_password(user.password_hash, NEW_PASSWORD)
    assert not check_password(user.password_hash, DEFAULT_PASSWORD)
    assert client.get("/account").status_code == 200  # signed in

    client.post("/signout")
    again = client.get(path)
    assert again.status_code == 400
    assert "This link has already been used or is not valid." in again.get_data(as_text=True)
    assert client.post(path, data={"password": "yet-another-passphrase"}).status_code == 400
    db.session.refresh(user)
    assert check_password(user.password_hash, NEW_PASSWORD)


def test_the_new_password_works_at_sign_in_and_the_old_one_no_longer(client, db, user, mails):
    path = reset_path(client, mails, user.email)
    client.post(path, data={"password": NEW_PASSWORD})
    client.post("/signout")

    old = client.post("/signin", data={"email": user.email, "password": DEFAULT_PASSWORD})
    new = client.post("/signin", data={"email": user.email, "password": NEW_PASSWORD})

    assert old.status_code == 400
    assert new.status_code == 302


def test_a_reset_signs_out_every_other_session(app, client, user, login, mails):
    other_device = app.test_client()
    login(user)
    path = reset_path(other_device, mails, user.email)

    other_device.post(path, data={"password": NEW_PASSWORD})

    assert other_device.get("/account").status_code == 200
    assert client.get("/account").status_code == 302


def test_an_expired_link_is_refused(client, db, user, monkeypatch):
    three_hours_ago = int(time.time()) - 3 * 3600
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: three_hours_ago)
        token = make_token("reset", {"u": user.id, "h": user.password_hash[-16:]})

    response = client.get(f"/password/reset/{token}", headers={"Accept-Language": "es"})
    assert response.status_code == 400
    with force_locale("es"):
        message = gettext("This link has expired. Ask for a new one.")
    assert message != "This link has expired. Ask for a new one.", "no Spanish translation"
    assert str(escape(message)) in response.get_data(as_text=True)

    assert client.post(f"/password/reset/{token}",
                       data={"password": NEW_PASSWORD}).status_code == 400
    db.session.refresh(user)
    assert check_password(user.password_hash, DEFAULT_PASSWORD)


def test_a_tampered_link_is_refused(client, user, mails):
    path = reset_path(client, mails, user.email)

    assert client.get(path[:-3] + "abc").status_code == 400
    assert client.get("/password/reset/nonsense").status_code == 400


@pytest.mark.parametrize("password, message", [
    ("", "Fill in this field."),
    ("too-short", "Use at least 10 characters."),
    ("1q2w3e4r5t", "This password is too common. Choose one that is harder to guess."),
    ("resident1-forever", "Do not use your name, nickname or e-mail address in your password."),
])
def test_a_bad_new_password_is_shown_next_to_the_field(client, db, user, mails, password, message):
    path = reset_path(client, mails, user.email)

    response = client.post(path, data={"password": password})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in field_error(page, "password")
    if password:
        assert password not in page
    db.session.refresh(user)
    assert check_password(user.password_hash, DEFAULT_PASSWORD)
    # The link still works after a refused password.
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 302


def test_a_reset_also_confirms_the_address(db, create_user, mails):
    pending = create_user(email="pending@example.org", confirmed_at=None)
    request_password_reset(pending.email)
    db.session.commit()
    token = link_in(mails()[0]).rsplit("/", 1)[1]

    reset_password(token, NEW_PASSWORD)

    assert pending.is_confirmed
    with pytest.raises(DomainError):
        user_for_reset(token)


def test_reset_links_are_rate_limited_per_link_not_for_everyone(app, client, create_user, mails,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "2 per hour")
    first, second = create_user(), create_user()
    first_path = reset_path(client, mails, first.email)
    second_path = reset_path(client, mails, second.email)

    for _ in range(2):
        assert client.post(first_path, data={"password": "short"}).status_code == 400
    assert client.post(first_path, data={"password": "short"}).status_code == 429

    assert client.post(second_path, data={"password": "short"}).status_code == 400
