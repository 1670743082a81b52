"""Sign-up and e-mail confirmation: the service rules, the form, the mail, the link."""

import re
import time

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from itsdangerous import TimestampSigner
from markupsafe import escape
from sqlalchemy import select

from decide.core.models import Organization
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.services import DomainError
from decide.core.services import make_token
from decide.core.services import register_user

PASSWORD = "lantern-orchard-velvet"


def form_data(**overrides) -> dict:
    data = {
        "name": "Laia Serra",
        "nickname": "Laia_S",
        "email": "Laia.Serra@Example.org",
        "password": PASSWORD,
        "locale": "en",
        "accept_terms": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def field_error(page: str, field: str) -> str:
    """The error paragraph tied to a field (aria-describedby), or '' when there is none."""
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    if match is None:
        return ""
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page) or re.search(
        rf'aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', page
    ), f"the error of {field} is not tied to its input"
    return match.group(1)


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message) -> str:
    match = re.search(r"https?://\S+", text_body(message))
    assert match, text_body(message)
    return match.group(0)


def translated(locale: str, message: str, **values) -> str:
    with force_locale(locale):
        result = gettext(message, **values)
    assert result != message % values if values else result != message, (
        f"no {locale} translation for {message!r}"
    )
    return result


def path_of(link: str) -> str:
    return link.removeprefix("https://decide.test")


# --- the service ----------------------------------------------------------------------

def test_register_user_creates_an_unconfirmed_lower_cased_account(db):
    user = register_user(name="  Laia Serra ", nickname="Laia_S", email=" Laia@Example.ORG ",
                         password=PASSWORD, locale="ca")

    assert user.id is not None
    assert user.email == "laia@example.org"
    assert user.nickname == "laia_s"
    assert user.name == "Laia Serra"
    assert user.locale == "ca"
    assert user.confirmed_at is None
    assert not user.is_confirmed
    assert user.accepted_terms_version == 1
    assert user.password_hash != PASSWORD
    queued = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.user_id, m.to_address) for m in queued] == [(user.id, "laia@example.org")]


@pytest.mark.parametrize("field, values", [
    ("email", {"email": "RESIDENT1@example.ORG"}),
    ("nickname", {"nickname": "Resident1"}),
])
def test_register_user_refuses_a_taken_address_or_nickname_whatever_the_case(
    db, user, field, values
):
    arguments = {"name": "Other", "nickname": "other", "email": "other@example.org",
                 "password": PASSWORD, "locale": "en", **values}

    with pytest.raises(DomainError) as caught:
        register_user(**arguments)

    assert caught.value.field == field
    assert db.session.scalar(select(User).where(User.name == "Other")) is None


@pytest.mark.parametrize("password, message", [
    ("short-pw", "Use at least 10 characters."),
    ("qwertyuiop", "This password is too common. Choose one that is harder to guess."),
    ("laia_s-is-the-best", "Do not use your name, nickname or e-mail address in your password."),
    ("my-LAIA.SERRA-secret", "Do not use your name, nickname or e-mail address in your password."),
])
def test_register_user_refuses_weak_passwords(db, password, message):
    with pytest.raises(DomainError) as caught:
        register_user(name="Laia Serra", nickname="laia_s", email="laia.serra@example.org",
                      password=password, locale="en")

    assert caught.value.field == "password"
    assert caught.value.message == message
    assert db.session.scalar(select(User)) is None


# --- the form, the mail and the link --------------------------------------------------

def test_signup_sends_the_confirmation_in_the_chosen_language(client, db, mails):
    response = client.post("/signup", data=form_data(locale="es"))

    assert response.status_code == 200
    assert "laia.serra@example.org" in response.get_data(as_text=True)
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.nickname, user.locale) == ("laia.serra@example.org", "laia_s", "es")
    assert user.confirmed_at is None
    [message] = mails()
    assert message["To"] == "laia.serra@example.org"
    assert message["Subject"] == translated("es", "Confirm your e-mail address")
    body = text_body(message)
    assert translated("es", "Follow this link to confirm your e-mail address:") in body
    assert translated("es", "Hello %(name)s,", name="Laia Serra") in body
    assert str(escape(translated("es", "Confirm my e-mail address"))) in html_body(message)
    assert 'lang="es"' in html_body(message)
    link = link_in(message)
    assert link.startswith("https://decide.test/confirm/")
    assert f'href="{link}"' in html_body(message)


def test_the_confirmation_link_confirms_the_address(client, db, mails):
    client.post("/signup", data=form_data())
    link = link_in(mails()[0])

    response = client.get(path_of(link))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signin")
    user = db.session.scalars(select(User)).one()
    db.session.refresh(user)
    assert user.confirmed_at is not None
    # Following it again is harmless.
    assert client.get(path_of(link)).status_code == 302


def test_an_expired_confirmation_link_gives_a_translated_error(client, db, mails, monkeypatch):
    client.post("/signup", data=form_data())
    user = db.session.scalars(select(User)).one()
    three_days_ago = int(time.time()) - 3 * 24 * 3600
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: three_days_ago)
        token = make_token("confirm", {"u": user.id, "e": user.email})

    response = client.get(f"/confirm/{token}", headers={"Accept-Language": "es"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert str(escape(translated("es", "This link has expired. Ask for a new one."))) in page
    db.session.refresh(user)
    assert user.confirmed_at is None


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "x" + token,
    lambda token: "not-a-token",
])
def test_a_tampered_confirmation_link_gives_a_translated_error(client, db, mails, tamper):
    client.post("/signup", data=form_data())
    link = link_in(mails()[0])
    token = link.rsplit("/", 1)[1]

    response = client.get(f"/confirm/{tamper(token)}", headers={"Accept-Language": "es"})

    assert response.status_code == 400
    message = translated("es", "This link is not valid. Check that you copied all of it.")
    assert str(escape(message)) in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).one().confirmed_at is None


def test_a_confirmation_link_for_an_address_since_changed_is_refused(client, db, mails):
    client.post("/signup", data=form_data())
    link = link_in(mails()[0])
    user = db.session.scalars(select(User)).one()
    user.email = "someone.else@example.org"
    db.session.commit()

    assert client.get(path_of(link)).status_code == 400
    db.session.refresh(user)
    assert user.confirmed_at is None


@pytest.mark.parametrize("field, typed", [
    ("email", "RESIDENT1@EXAMPLE.ORG"),
    ("nickname", "RESIDENT1"),
])
def test_signup_with_a_taken_address_or_nickname_shows_the_error_next_to_it(
    client, user, db, field, typed
):
    response = client.post("/signup", data=form_data(**{field: typed}))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    expected = {
        "email": "An account with this e-mail address already exists.",
        "nickname": "This nickname is taken. Choose another one.",
    }[field]
    assert expected in field_error(page, field)
    assert f'value="{typed}"' in page
    assert 'value="Laia Serra"' in page
    assert PASSWORD not in page
    assert db.session.scalar(select(User).where(User.name == "Laia Serra")) is None


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "Fill in this field."),
    ({"nickname": ""}, "nickname", "Fill in this field."),
    ({"email": ""}, "email", "Fill in this field."),
    ({"password": ""}, "password", "Fill in this field."),
    ({"name": "n" * 101}, "name", "Use at most 100 characters."),
    ({"nickname": "n" * 21}, "nickname", "Use between 3 and 20 characters."),
    ({"nickname": "ab"}, "nickname", "Use between 3 and 20 characters."),
    ({"nickname": "laia serra"}, "nickname", "Use only letters without accents, digits, - and _."),
    ({"email": "a" * 64 + "@" + "b" * 186 + ".org"}, "email", "Use at most 254 characters."),
    ({"email": "laia.example.org"}, "email", "Enter an e-mail address like name@example.org."),
    ({"email": "laia@"}, "email", "Enter an e-mail address like name@example.org."),
    ({"locale": "xx"}, "locale", "Not a valid choice."),
    ({"accept_terms": None}, "accept_terms", "You must accept the terms of service to sign up."),
    ({"password": "short-pw"}, "password", "Use at least 10 characters."),
    ({"password": "1234567890"}, "password",
     "This password is too common. Choose one that is harder to guess."),
    ({"password": "hello-laia_s-123"}, "password",
     "Do not use your name, nickname or e-mail address in your password."),
])
def test_signup_answers_bad_input_next_to_the_field_and_keeps_what_was_typed(
    client, db, mails, overrides, field, message
):
    data = form_data(**overrides)

    response = client.post("/signup", data=data)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in field_error(page, field)
    for kept in ("name", "nickname", "email"):
        if data.get(kept):
            assert f'value="{escape(data[kept])}"' in page, kept
    if data.get("password"):
        assert f'value="{data["password"]}"' not in page
        assert data["password"] not in page
    assert db.session.scalar(select(User)) is None
    assert mails() == []


def test_signup_errors_are_translated(client, db):
    response = client.post("/signup", data=form_data(name="", locale="es"),
                           headers={"Accept-Language": "es"})

    assert response.status_code == 400
    error = field_error(response.get_data(as_text=True), "name")
    assert str(escape(translated("es", "Fill in this field."))) in error


def test_signup_refuses_a_shipped_language_the_organization_does_not_offer(client, db):
    db.session.add(Organization(name="Vilanova", available_locales=["en", "es"],
                                default_locale="en"))
    db.session.commit()

    response = client.post("/signup", data=form_data(locale="fr"))

    assert response.status_code == 400
    assert "Not a valid choice." in field_error(response.get_data(as_text=True), "locale")
    assert db.session.scalar(select(User)) is None


def test_signup_accepts_the_current_terms_version(client, db):
    db.session.add(Organization(name="Vilanova", available_locales=["en"], default_locale="en",
                                terms_version=4))
    db.session.commit()

    assert client.post("/signup", data=form_data()).status_code == 200

    assert db.session.scalars(select(User)).one().accepted_terms_version == 4


def test_signup_without_a_csrf_token_is_refused(client, db):
    response = client.post("/signup", data=form_data(), csrf=False)

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert 'value="Laia Serra"' in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


# --- nothing the user typed runs as script --------------------------------------------

PAYLOAD = "<script>alert('x')</script>"


def test_a_script_in_the_signup_form_comes_back_escaped(client, db):
    response = client.post("/signup", data=form_data(name=PAYLOAD, nickname=PAYLOAD[:20]))

    assert response.status_code == 400  # the nickname is refused: only letters and digits
    page = response.get_data(as_text=True)
    assert "<script" not in page
    assert "&lt;script&gt;alert(" in page


def test_a_script_in_the_name_is_escaped_on_the_profile_and_in_the_header(
    client, db, create_user, login
):
    client.post("/signup", data=form_data(name=PAYLOAD))
    signed_up = db.session.scalars(select(User)).one()
    assert signed_up.name == PAYLOAD
    page = client.get("/profiles/laia_s").get_data(as_text=True)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page

    # A nickname the form would refuse (e.g. from an import) is escaped all the same.
    odd = create_user(name=PAYLOAD, nickname="<script>")
    login(odd)
    for path in ("/", "/account", "/profiles/%3Cscript%3E"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "<script" not in page, path
        assert "&lt;script&gt;" in page, path


def test_the_signup_form_preselects_the_language_of_the_page(client):
    page = client.get("/signup", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(
        as_text=True)

    assert re.search(r'<option selected value="fr">|<option value="fr" selected>', page), page
