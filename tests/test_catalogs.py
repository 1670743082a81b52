"""The translation catalogs ship complete for every language in Config.LANGUAGES.

A new `_()` string fails here until every catalog translates it: the messages are extracted
afresh from the code and templates, exactly as `flask decide i18n extract` does, and each
catalog must hold all of them, translated, not fuzzy, with the same placeholders, and
compiling cleanly. `flask decide i18n update` merges new messages; `compile` builds the .mo.
"""

import io
import re

import pytest
from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from click.testing import CliRunner

from decide.cli import extract
from decide.config import Config

TRANSLATIONS = Config.ROOT / "translations"
TAG = re.compile(r"</?[A-Za-z][^>]*>")

pytestmark = pytest.mark.nodb


def catalog_path(locale: str):
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_catalog(locale: str):
    with catalog_path(locale).open("rb") as file:
        return read_po(file, locale=locale)


def messages(catalog):
    """The catalog's real messages (not the header), as (message, [msgstr forms]) pairs."""
    for message in catalog:
        if not message.id:
            continue
        forms = list(message.string) if message.pluralizable else [message.string]
        yield message, forms


def message_ids(message) -> list[str]:
    return list(message.id) if message.pluralizable else [message.id]


def placeholders(text: str) -> tuple[set, list]:
    """Named placeholders with their conversion, and the positional ones in order."""
    named, positional = set(), []
    for name, _flags, conversion in PYTHON_FORMAT.findall(text):
        if conversion == "%":
            continue
        if name:
            named.add((name, conversion))
        else:
            positional.append(conversion)
    return named, positional


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The messages of the code as it is now, extracted the way the i18n command does it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = CliRunner().invoke(extract, ["--output", str(pot)])
    assert result.exit_code == 0, result.output
    with pot.open("rb") as file:
        return read_po(file)


@pytest.fixture(params=Config.LANGUAGES)
def locale(request):
    return request.param


def test_the_extraction_finds_lazy_and_template_strings(template):
    ids = {message.id for message in template if message.id}
    assert "Sign in to continue." in ids  # _l() in decide/__init__.py
    assert "Skip to main content" in ids  # _() in templates/base.html
    assert "Follow this link to confirm your e-mail address:" in ids  # an e-mail .txt template
    # templates/_macros: Babel skips folders starting with "_" unless told otherwise.
    assert "Some fields need your attention. They are marked below." in ids


def test_catalog_exists_for_every_shipped_language(locale):
    assert catalog_path(locale).is_file(), (
        f"no catalog for {locale}: pybabel init -i translations/messages.pot "
        f"-d translations -l {locale}"
    )
    assert str(load_catalog(locale).locale) == locale


def test_catalog_covers_every_message_of_the_code(locale, template):
    catalog = load_catalog(locale)
    missing = sorted(
        str(message.id) for message in template if message.id and message.id not in catalog
    )
    assert not missing, (
        f"{locale} lacks {len(missing)} message(s); run `flask decide i18n update` and "
        f"translate them: {missing}"
    )


def test_catalog_has_no_fuzzy_or_empty_translation(locale):
    catalog = load_catalog(locale)
    assert not catalog.fuzzy, f"the {locale} catalog header is marked fuzzy"
    fuzzy = [str(message.id) for message, _forms in messages(catalog) if message.fuzzy]
    empty = [str(message.id) for message, forms in messages(catalog)
             if not all(form.strip() for form in forms)]
    assert not (fuzzy or empty), f"{locale}: fuzzy {fuzzy}, untranslated {empty}"


def test_translations_keep_the_placeholders_and_add_no_markup(locale):
    wrong = []
    for message, forms in messages(load_catalog(locale)):
        if message.fuzzy or not all(forms):
            continue  # reported by the fuzzy and empty test
        ids = message_ids(message)
        tags = set(TAG.findall(" ".join(ids)))
        for form in forms:
            if not set(TAG.findall(form)) <= tags:
                wrong.append((ids[0], form, "markup"))
        if not message.python_format:
            continue
        # A plural's singular form may leave the count out ("One vote"); the last may not.
        named, positional = placeholders(ids[-1])
        for form in forms[:-1]:
            form_named, form_positional = placeholders(form)
            if not form_named <= named or form_positional not in ([], positional):
                wrong.append((ids[0], form, "placeholders"))
        if placeholders(forms[-1]) != (named, positional):
            wrong.append((ids[0], forms[-1], "placeholders"))
    assert not wrong, f"{locale}: {wrong}"


def test_catalog_compiles(locale):
    catalog = load_catalog(locale)
    problems = [(message.id, errors) for message, errors in catalog.check()
                if not message.fuzzy]
    assert not problems, f"{locale}: {problems}"
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = Translations(compiled)
    for message, forms in messages(catalog):
        if message.fuzzy or not all(forms):
            continue  # reported by the fuzzy test, and left out of the .mo
        if message.pluralizable:
            assert translations.ngettext(*message.id, 1) == forms[0]
        else:
            assert translations.gettext(message.id) == forms[0]


@pytest.mark.parametrize(("language", "skip_link", "sign_in"), [
    ("es", "Saltar al contenido principal", "Iniciar sesión"),
    ("ca", "Salta al contingut principal", "Inicia la sessió"),
    ("fr", "Aller au contenu principal", "Se connecter"),
])
def test_pages_render_in_the_accepted_language(client, language, skip_link, sign_in):
    compiled = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    assert compiled.is_file(), "compile the catalogs first: flask decide i18n compile"
    response = client.get("/", headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert skip_link in page
    assert sign_in in page
    assert "Skip to main content" not in page
