"""Locale choice, the language switcher, per-locale content, formatting, translated errors."""

import re
from datetime import datetime
from decimal import Decimal
from html import unescape

import pytest
from flask import g
from flask_babel import force_locale
from flask_babel import gettext
from werkzeug.exceptions import Forbidden

from decide import create_app
from decide import extensions
from decide.core.i18n import format_money
from decide.core.i18n import format_when
from decide.core.i18n import select_locale
from decide.core.i18n import translate
from decide.core.models import Organization


def lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def translated(message: str, locale: str, **values) -> str:
    with force_locale(locale):
        return gettext(message, **values)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def spaces(value: str) -> str:
    """Babel puts (narrow) no-break spaces in numbers and dates; compare them as spaces."""
    return value.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def organization(db):
    organization = Organization(
        name="Villaverde", time_zone="Europe/Madrid", default_locale="ca",
        available_locales=["en", "es", "ca", "fr"], terms_of_service={}, terms_version=1,
        privacy_policy={}, accessibility_statement={},
    )
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def transient_organization(app):
    """The organization without a database row: for tests that need no database."""
    g.organization = Organization(
        name="Villaverde", time_zone="Europe/Madrid", default_locale="ca",
        available_locales=["en", "es", "ca", "fr"],
    )
    return g.organization


def set_session_locale(client, locale):
    with client.session_transaction() as session:
        session["locale"] = locale


# --- which locale ---------------------------------------------------------------------------

def test_the_users_preference_comes_first(client, db, user, login, organization):
    user.locale = "es"
    db.session.commit()
    login(user)
    set_session_locale(client, "fr")
    assert lang(client.get("/", headers={"Accept-Language": "en"})) == "es"


def test_then_the_session(client, organization):
    set_session_locale(client, "fr")
    assert lang(client.get("/", headers={"Accept-Language": "es"})) == "fr"


@pytest.mark.parametrize("header, expected", [
    ("es", "es"),
    ("fr-FR,fr;q=0.9,en;q=0.5", "fr"),
    ("de-DE,de;q=0.9,es;q=0.4", "es"),
    ("en-GB", "en"),
    ("de", "ca"),              # nothing acceptable: the organization's default
    ("*", "ca"),
    ("de, *;q=0.5", "ca"),
    ("xx-invalid;;;q=abc", "ca"),
])
def test_then_accept_language_then_the_default(header, expected, client, organization):
    assert lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_without_any_hint_the_organization_default(client, organization):
    assert lang(client.get("/")) == "ca"


def test_without_an_organization_the_first_shipped_language(client):
    assert lang(client.get("/")) == "en"


def test_only_available_locales_are_chosen(client, db, user, login, organization):
    organization.available_locales = ["en", "es"]
    organization.default_locale = "es"
    user.locale = "fr"                 # a preference from before French was withdrawn
    db.session.commit()
    login(user)
    set_session_locale(client, "ca")
    assert lang(client.get("/", headers={"Accept-Language": "fr, ca;q=0.8"})) == "es"
    assert lang(client.get("/", headers={"Accept-Language": "fr, en;q=0.5"})) == "en"


def test_a_default_locale_that_is_no_longer_available_is_not_used(client, db, organization):
    organization.available_locales = ["fr", "es"]
    organization.default_locale = "ca"
    db.session.commit()
    assert lang(client.get("/")) == "fr"


def test_select_locale_outside_a_request_is_the_default(app, organization):
    g.pop("organization", None)
    assert select_locale() == "ca"


# --- the switcher ---------------------------------------------------------------------------

def test_every_page_has_the_switcher_marking_the_current_language(client, organization):
    for url in ("/", "/signin", "/pages/terms", "/nowhere"):
        page = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert 'action="/locale"' in page
        assert re.search(r'value="fr" lang="fr" aria-current="true"', page), url
        assert re.findall(r'name="locale" value="(\w+)"', page) == ["en", "es", "ca", "fr"]
        assert f'name="next" value="{url}"' in page


def test_the_switcher_sets_the_session_and_goes_back(client, organization):
    response = client.post("/locale", data={"locale": "es", "next": "/pages/privacy"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/pages/privacy"
    with client.session_transaction() as session:
        assert session["locale"] == "es"
    assert lang(client.get("/pages/privacy", headers={"Accept-Language": "fr"})) == "es"


def test_the_switcher_saves_a_signed_in_users_preference(client, db, user, login, organization):
    login(user)
    client.post("/locale", data={"locale": "fr", "next": "/account"})
    db.session.refresh(user)
    assert user.locale == "fr"
    assert lang(client.get("/account")) == "fr"
    # The preference follows the user to a new browser.
    other = client.application.test_client()
    other.post("/signin", data={"email": user.email,
                                "password": "correct-horse-battery-staple"})
    assert lang(other.get("/")) == "fr"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "", None])
def test_the_switcher_never_leaves_the_site(target, client, organization):
    data = {"locale": "es"} | ({"next": target} if target is not None else {})
    response = client.post("/locale", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("locale", ["xx", "de", "", "es' OR 1=1 --", "x" * 200])
def test_an_unknown_locale_gets_a_translated_400(locale, client, db, user, login,
                                                 organization):
    user.locale = "fr"
    db.session.commit()
    login(user)
    response = client.post("/locale", data={"locale": locale, "next": "/"})
    assert response.status_code == 400
    assert lang(response) == "fr"
    assert translated("This language is not available.", "fr") in text(response)
    assert '<main id="content"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "fr"


def test_a_shipped_but_withdrawn_locale_is_refused(client, db, organization):
    organization.available_locales = ["en", "es"]
    db.session.commit()
    assert client.post("/locale", data={"locale": "fr"}).status_code == 400
    with client.session_transaction() as session:
        assert "locale" not in session


# --- per-locale content ---------------------------------------------------------------------

@pytest.mark.parametrize("value, reader, default, expected", [
    ({"en": "Park", "es": "Parque", "ca": "Parc"}, "es", "ca", "Parque"),
    ({"en": "Park", "ca": "Parc"}, "es", "ca", "Parc"),            # the default locale
    ({"en": "Park", "fr": "Parc fr"}, "es", "ca", "Park"),         # the first present
    ({"es": "", "en": "Park"}, "es", "ca", "Park"),                # empty counts as missing
    ({"ca": "", "fr": "", "en": "Park"}, "es", "ca", "Park"),
    ({}, "es", "ca", ""),
    (None, "es", "ca", ""),
    ("Plain text", "es", "ca", "Plain text"),
])
@pytest.mark.nodb
def test_translated_falls_back_to_the_default_then_to_the_first_present(
        value, reader, default, expected, app, transient_organization):
    transient_organization.default_locale = default
    with app.test_request_context("/", headers={"Accept-Language": reader}):
        assert translate(value) == expected
        rendered = app.jinja_env.from_string("{{ value|translated }}").render(value=value)
        assert rendered == expected


@pytest.mark.nodb
def test_translated_escapes_what_it_renders(app, transient_organization):
    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string("{{ value|translated }}").render(
            value={"ca": "<script>x()</script>"})
    assert rendered == "&lt;script&gt;x()&lt;/script&gt;"


# --- formatting -----------------------------------------------------------------------------

@pytest.mark.parametrize("locale, amount, expected", [
    ("es", 1234567, "1.234.567 €"),
    ("en", 1234567, "€1,234,567"),
    ("ca", 1234567, "1.234.567 €"),
    ("fr", 1234567, "1 234 567 €"),
    ("es", Decimal("1234.50"), "1.234,50 €"),
    ("en", Decimal("1234.50"), "€1,234.50"),
    ("en", 0, "€0"),
    ("es", -1500, "-1.500 €"),
])
@pytest.mark.nodb
def test_money_is_formatted_for_the_reader(locale, amount, expected, app,
                                          transient_organization):
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        assert spaces(format_money(amount)) == expected
        assert format_money(None) == ""


@pytest.mark.parametrize("locale, expected", [
    ("es", "1.234.567"), ("en", "1,234,567"), ("ca", "1.234.567"), ("fr", "1 234 567"),
])
@pytest.mark.nodb
def test_numbers_are_formatted_for_the_reader(locale, expected, app, transient_organization):
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        rendered = app.jinja_env.from_string("{{ 1234567|number }}").render()
    assert spaces(rendered) == expected


NEW_YEARS_EVE_UTC = datetime(2024, 12, 31, 23, 30)  # stored naive, in UTC


@pytest.mark.parametrize("locale, style, expected", [
    ("es", "long", "1 de enero de 2025, 0:30:00 CET"),
    ("es", "short", "1/1/25, 0:30"),
    ("en", "short", "1/1/25, 12:30 AM"),
    ("fr", "short", "01/01/2025 00:30"),
    ("ca", "long", "1 de gener del 2025, 0:30:00 CET"),
])
@pytest.mark.nodb
def test_datetimes_are_shown_in_the_organizations_time_zone(locale, style, expected, app,
                                                            transient_organization):
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        assert spaces(format_when(NEW_YEARS_EVE_UTC, style)) == expected


@pytest.mark.nodb
def test_datetimes_follow_a_change_of_time_zone(app, transient_organization):
    transient_organization.time_zone = "America/Bogota"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert spaces(format_when(NEW_YEARS_EVE_UTC, "short")) == "31/12/24, 18:30"


@pytest.mark.nodb
def test_calendar_dates_are_not_shifted(app, transient_organization):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert format_when(NEW_YEARS_EVE_UTC.date(), "long") == "31 de diciembre de 2024"
        assert format_when(None) == ""


def test_a_profile_shows_the_sign_up_date_in_the_readers_locale_and_time_zone(
        client, db, create_user, organization):
    create_user(nickname="nochevieja", created_at=NEW_YEARS_EVE_UTC)
    page = client.get("/profiles/nochevieja", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "1 de enero de 2025" in spaces(text(page))


# --- error pages ----------------------------------------------------------------------------

def assert_inside_the_layout(page: str):
    assert '<a class="skip-link" href="#content">' in page
    assert '<main id="content"' in page
    assert 'class="site-footer"' in page
    assert 'action="/locale"' in page


@pytest.mark.parametrize("locale", ["es", "ca", "fr", "en"])
def test_not_found_page_is_in_the_readers_language(locale, client, organization):
    response = client.get("/no/such/page", headers={"Accept-Language": locale})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert lang(response) == locale
    assert translated("Page not found", locale) in unescape(page)
    assert translated("Go to the home page", locale) in unescape(page)
    assert_inside_the_layout(page)


def test_forbidden_page_is_in_the_users_language(client, db, user, login, organization):
    user.locale = "ca"
    db.session.commit()
    login(user)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert lang(response) == "ca"
    assert translated("You cannot do this", "ca") in text(response)
    assert_inside_the_layout(response.get_data(as_text=True))


def test_method_not_allowed_page_is_translated(client, organization):
    response = client.get("/signout", headers={"Accept-Language": "fr"})
    assert response.status_code == 405
    assert translated("This action is not available here", "fr") in text(response)
    assert_inside_the_layout(response.get_data(as_text=True))


@pytest.fixture
def failing_app(app, database_url, tmp_path):
    """A fresh app on the test database whose /boom route raises, errors not propagated."""
    failing = create_app({
        "TESTING": True,
        "PROPAGATE_EXCEPTIONS": False,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_DIR": tmp_path,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    failing.test_client_class = app.test_client_class

    @failing.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    @failing.route("/forbidden")
    def forbidden():
        raise Forbidden()

    yield failing
    with failing.app_context():
        extensions.db.engine.dispose()


@pytest.mark.parametrize("locale", ["es", "fr"])
def test_server_error_page_is_in_the_readers_language_inside_the_layout(
        locale, failing_app, organization):
    client = failing_app.test_client()
    response = client.get("/boom", headers={"Accept-Language": locale})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert lang(response) == locale
    assert translated("Something went wrong on our side", locale) in unescape(page)
    assert "a bug" not in page and "Traceback" not in page
    assert_inside_the_layout(page)
    assert "Villaverde" in page  # the organization's name in the layout
    assert "Content-Security-Policy" in response.headers


def test_server_error_after_a_failed_write_still_renders(failing_app, db, organization):
    organization_id = organization.id
    db.session.close()  # the test's own transaction must not hold SQLite's write lock

    @failing_app.route("/half-written", methods=["POST"])
    def half_written():
        organization_row = db.session.get(Organization, organization_id)
        organization_row.name = "x" * 500
        db.session.execute(db.text("SELECT * FROM no_such_table"))

    response = failing_app.test_client().post("/half-written")
    assert response.status_code == 500
    assert_inside_the_layout(response.get_data(as_text=True))
