"""The organization settings page: bad input, sanitized legal texts, terms versions, and the
legal pages shown in the reader's language."""

import re
from html import escape
from html import unescape

import pytest
from babel import support
from flask_babel import force_locale
from flask_babel import gettext
from wtforms.i18n import messages_path

from decide.core.models import Organization

SHIPPED = ["en", "es", "ca", "fr"]


@pytest.fixture
def organization(db):
    organization = Organization(
        name="Villaverde",
        time_zone="Europe/Madrid",
        default_locale="en",
        available_locales=list(SHIPPED),
        terms_of_service={"en": "<p>Be kind.</p>", "es": "<p>Sé amable.</p>"},
        terms_version=1,
        privacy_policy={"en": "<p>We keep little.</p>"},
        accessibility_statement={},
    )
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def spanish_admin(db, admin, login, organization):
    admin.locale = "es"
    db.session.commit()
    login(admin)
    return admin


def settings(**changes) -> dict:
    data = {
        "name": "Villaverde",
        "time_zone": "Europe/Madrid",
        "default_locale": "en",
        "available_locales": list(SHIPPED),
        "terms_of_service-en": "<p>Be kind.</p>",
        "terms_of_service-es": "<p>Sé amable.</p>",
        "privacy_policy-en": "<p>We keep little.</p>",
        "accessibility_statement-en": "<p>We aim for WCAG 2.1 AA.</p>",
        "report_threshold": "3",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def ours(message: str, **values) -> str:
    with force_locale("es"):
        return gettext(message, **values)


def wtforms_message(message: str, plural: str | None = None, count: int = 1) -> str:
    catalog = support.Translations.load(messages_path(), ["es"], domain="wtforms")
    if plural:
        return catalog.ungettext(message, plural, count)
    return catalog.ugettext(message)


def field_error(page: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    return unescape(match.group(1)).strip() if match else None


def row(db) -> dict:
    db.session.expire_all()
    organization = db.session.query(Organization).one()
    return {column.name: getattr(organization, column.name)
            for column in Organization.__table__.columns}


BAD_INPUT = [
    pytest.param({"name": ""}, "name", lambda: ours("Fill in this field."), id="empty name"),
    pytest.param({"name": "   "}, "name", lambda: ours("Fill in this field."),
                 id="blank name"),
    pytest.param({"name": "V" * 101}, "name",
                 lambda: ours("Use at most %(max)d characters.", max=100), id="long name"),
    pytest.param({"time_zone": "Mars/Olympus_Mons"}, "time_zone",
                 lambda: wtforms_message("Not a valid choice."), id="unknown time zone"),
    pytest.param({"time_zone": "Europe/Madrid' OR 1=1 --"}, "time_zone",
                 lambda: wtforms_message("Not a valid choice."), id="sql in time zone"),
    pytest.param({"default_locale": "xx"}, "default_locale",
                 lambda: wtforms_message("Not a valid choice."), id="unknown default locale"),
    pytest.param({"default_locale": "fr", "available_locales": ["en", "es"]}, "default_locale",
                 lambda: ours("The default language must be one of the available languages."),
                 id="default locale not available"),
    pytest.param({"available_locales": None}, "available_locales",
                 lambda: ours("Choose at least one language."), id="no available locale"),
    pytest.param({"available_locales": ["en", "xx"]}, "available_locales",
                 lambda: wtforms_message("'%(value)s' is not a valid choice for this field.",
                                         "'%(value)s' are not valid choices for this field.")
                 % {"value": "xx"},
                 id="unknown available locale"),
    pytest.param({"terms_of_service-en": "x" * 50_001}, "terms_of_service",
                 lambda: ours("The %(language)s text is too long (at most %(max)d characters).",
                              language="English", max=50_000),
                 id="long terms"),
    pytest.param({"privacy_policy-es": "y" * 50_001}, "privacy_policy",
                 lambda: ours("The %(language)s text is too long (at most %(max)d characters).",
                              language="Español", max=50_000),
                 id="long privacy policy"),
    pytest.param({"name": "Villa\x00verde"}, "name",
                 lambda: ours("Remove the control characters from this text."),
                 id="NUL in name"),
    pytest.param({"report_threshold": ""}, "report_threshold",
                 lambda: ours("Fill in this field."), id="empty threshold"),
    pytest.param({"report_threshold": "three"}, "report_threshold",
                 lambda: ours("Enter a whole number."), id="threshold not a number"),
    pytest.param({"report_threshold": "2.5"}, "report_threshold",
                 lambda: ours("Enter a whole number."), id="threshold with decimals"),
    pytest.param({"report_threshold": "0"}, "report_threshold",
                 lambda: ours("Enter a number from %(min)s to %(max)s.", min=1, max=100),
                 id="threshold zero"),
    pytest.param({"report_threshold": "9" * 30}, "report_threshold",
                 lambda: ours("Enter a number from %(min)s to %(max)s.", min=1, max=100),
                 id="huge threshold"),
    pytest.param({"report_threshold": "<script>1</script>"}, "report_threshold",
                 lambda: ours("Enter a whole number."), id="script as threshold"),
    pytest.param({"accessibility_statement-en": "<p>A\x00B</p>"}, "accessibility_statement",
                 lambda: ours("Remove the control characters from this text."),
                 id="NUL in a text"),
]


@pytest.mark.parametrize("changes, field_id, message", BAD_INPUT)
def test_bad_input_is_refused_next_to_the_field_and_typed_values_are_kept(
        changes, field_id, message, client, db, spanish_admin):
    before = row(db)
    typed = settings(**{"name": "Villa <Nueva> & Co", "privacy_policy-fr": "<p>Peu.</p>",
                        **changes})

    response = client.post("/admin/organization", data=typed)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert field_error(page, field_id) == message()
    assert re.search(rf'aria-describedby="[^"]*{field_id}-error', page), "error tied to field"
    if "\x00" not in typed["name"]:
        assert f'value="{escape(typed["name"])}"' in page
    assert ">" + escape("<p>Peu.</p>") + "</textarea>" in page
    assert escape(typed["terms_of_service-en"]) in page
    assert row(db) == before


def test_settings_are_saved(client, db, spanish_admin):
    response = client.post("/admin/organization", data=settings(
        name="  Ciudad Nueva  ", time_zone="America/Bogota", default_locale="es",
        available_locales=["es", "ca"], report_threshold="5",
        **{"terms_of_service-ca": "<p>Sigueu amables.</p>"},
    ))
    assert response.status_code == 302
    saved = row(db)
    assert saved["name"] == "Ciudad Nueva"
    assert saved["time_zone"] == "America/Bogota"
    assert saved["default_locale"] == "es"
    assert saved["available_locales"] == ["es", "ca"]
    assert saved["terms_of_service"]["ca"] == "<p>Sigueu amables.</p>"
    assert saved["terms_version"] == 1
    assert saved["report_threshold"] == 5
    page = client.get("/admin/organization").get_data(as_text=True)
    assert ours("The settings are saved.") in unescape(page)


def test_the_settings_page_shows_the_current_values(client, spanish_admin):
    page = client.get("/admin/organization").get_data(as_text=True)
    assert 'value="Villaverde"' in page
    assert re.search(r'<option selected value="Europe/Madrid">', page)
    assert ">" + escape("<p>Sé amable.</p>") + "</textarea>" in page
    boxes = re.findall(r'<input [^>]*name="available_locales"[^>]*>', page)
    assert len(boxes) == len(SHIPPED)
    for code, box in zip(SHIPPED, boxes, strict=True):
        assert "checked" in box
        assert f'value="{code}"' in box
        assert "required" not in box  # on a checkbox it would mean "tick every language"


def test_the_first_save_creates_the_organization(client, db, admin, login):
    login(admin)
    assert db.session.query(Organization).count() == 0
    response = client.post("/admin/organization", data=settings(name="Fresh Town"))
    assert response.status_code == 302
    assert row(db)["name"] == "Fresh Town"


def test_legal_texts_are_sanitized_on_save_and_allowed_tags_kept(client, db, spanish_admin):
    response = client.post("/admin/organization", data=settings(**{
        "terms_of_service-en": '<h2>Rules</h2><p onclick="steal()">Be <strong>kind</strong>.'
                               '<script>alert(1)</script></p>'
                               '<a href="javascript:alert(2)">x</a>'
                               '<a href="https://example.org">ok</a><img src=x onerror=alert(3)>',
        "privacy_policy-es": "<style>p{}</style><p style=\"color:red\">Poco</p>",
    }))
    assert response.status_code == 302
    saved = row(db)
    terms = saved["terms_of_service"]["en"]
    for forbidden in ("<script", "onclick", "javascript:", "onerror", "<img"):
        assert forbidden not in terms
    assert "<h2>Rules</h2>" in terms
    assert "<strong>kind</strong>" in terms
    assert '<a href="https://example.org">ok</a>' in terms
    assert "<style" not in saved["privacy_policy"]["es"]
    assert "style=" not in saved["privacy_policy"]["es"]
    assert "<p>Poco</p>" in saved["privacy_policy"]["es"]

    client.post("/locale", data={"locale": "en"})
    page = client.get("/pages/terms").get_data(as_text=True)
    assert "<strong>kind</strong>" in page
    assert "<script>alert" not in page


def test_publishing_new_terms_bumps_the_version(client, db, spanish_admin):
    client.post("/admin/organization", data=settings())
    assert row(db)["terms_version"] == 1
    response = client.post("/admin/organization",
                           data=settings(new_terms_version="y",
                                         **{"terms_of_service-en": "<p>New rules.</p>"}))
    assert response.status_code == 302
    assert row(db)["terms_version"] == 2
    assert row(db)["terms_of_service"]["en"] == "<p>New rules.</p>"
    # Whoever publishes the terms has read them: not asked to accept them again.
    assert client.get("/admin/").status_code == 200


def test_residents_accept_new_terms_before_going_on(client, db, user, login, organization):
    login(user)
    assert client.get("/").status_code == 200
    organization.terms_version = 2
    db.session.commit()

    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/terms/accept?next=/"
    assert client.get("/pages/terms").status_code == 200  # the terms stay readable
    assert client.get("/pages/privacy").status_code == 200
    assert client.post("/terms/accept?next=/account").headers["Location"] == "/account"
    db.session.refresh(user)
    assert user.accepted_terms_version == 2
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("reader, texts, default, expected", [
    ("en", {"en": "<p>Terms</p>", "es": "<p>Términos</p>"}, "es", "<p>Terms</p>"),
    ("fr", {"en": "<p>Terms</p>", "es": "<p>Términos</p>"}, "es", "<p>Términos</p>"),
    ("fr", {"en": "<p>Terms</p>", "es": "<p>Términos</p>"}, "en", "<p>Terms</p>"),
    ("fr", {"ca": "<p>Termes</p>"}, "es", "<p>Termes</p>"),
    ("es", {"es": "", "ca": "<p>Termes</p>"}, "es", "<p>Termes</p>"),
])
def test_legal_pages_show_the_readers_language_with_fallback(reader, texts, default, expected,
                                                             client, db, organization):
    organization.terms_of_service = texts
    organization.default_locale = default
    db.session.commit()
    page = client.get("/pages/terms", headers={"Accept-Language": reader})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'<html lang="{reader}">' in text
    assert expected in text
    for other in {value for value in texts.values() if value} - {expected}:
        assert other not in text


def test_an_unpublished_legal_text_says_so(client, organization):
    page = client.get("/pages/accessibility", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert ours("The organization has not published this text yet.") in unescape(
        page.get_data(as_text=True))


def test_every_page_links_the_legal_pages(client, organization):
    for url in ("/", "/signin", "/pages/privacy", "/no-such-page"):
        page = client.get(url).get_data(as_text=True)
        for target in ("/pages/terms", "/pages/privacy", "/pages/accessibility"):
            assert f'href="{target}"' in page, (url, target)


def test_the_terms_page_shows_its_version(client, db, organization):
    organization.terms_version = 3
    db.session.commit()
    page = client.get("/pages/terms", headers={"Accept-Language": "es"})
    assert ours("Version %(version)d", version=3) in page.get_data(as_text=True)


def test_available_locales_limit_the_switcher(client, db, organization):
    organization.available_locales = ["en", "es"]
    db.session.commit()
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert re.findall(r'name="locale" value="(\w+)"', page) == ["en", "es"]


def test_texts_in_a_withdrawn_language_survive_a_save(client, db, admin, login, organization):
    """Withdrawing French for a while must not erase the French texts at the next save."""
    organization.available_locales = ["en", "es"]
    organization.terms_of_service = {"en": "<p>Be kind.</p>", "fr": "<p>Soyez aimables.</p>"}
    db.session.commit()
    login(admin)
    page = client.get("/admin/organization").get_data(as_text=True)
    assert 'name="terms_of_service-fr"' not in page

    response = client.post("/admin/organization", data=settings(
        available_locales=["en", "es"], **{"terms_of_service-en": "<p>Be kinder.</p>",
                                           "terms_of_service-es": ""},
    ))
    assert response.status_code == 302
    assert row(db)["terms_of_service"] == {"en": "<p>Be kinder.</p>",
                                           "fr": "<p>Soyez aimables.</p>"}
