"""Locale and time-zone selection, formatting filters, and content stored per locale."""

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape
from wtforms import Field
from wtforms.validators import ValidationError

from decide.core.models import Organization


def current_organization() -> Organization:
    """The organization, loaded once per request (or per app context outside requests)."""
    if "organization" not in g:
        g.organization = Organization.current(current_app.config["LANGUAGES"])
    return g.organization


def work_offline() -> None:
    """For an error page while the database does not answer: a default organization and an
    anonymous visitor, so the layout renders (in the visitor's language) without a query."""
    languages = current_app.config["LANGUAGES"]
    g.organization = Organization(name="Decide", time_zone="UTC", default_locale=languages[0],
                                  available_locales=list(languages))
    g._login_user = current_app.login_manager.anonymous_user()  # what Flask-Login reads


def available_locales() -> list[str]:
    shipped = current_app.config["LANGUAGES"]
    chosen = [code for code in current_organization().available_locales if code in shipped]
    return chosen or list(shipped)


def default_locale() -> str:
    organization = current_organization()
    locales = available_locales()
    return organization.default_locale if organization.default_locale in locales else locales[0]


def select_locale() -> str:
    """The user's saved preference, then the session, then Accept-Language, then the default."""
    locales = available_locales()
    if not has_request_context():
        return default_locale()
    if current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    if session.get("locale") in locales:
        return session["locale"]
    # The default first: a browser that accepts anything ("*") gets the default.
    default = default_locale()
    preferred = [default, *(code for code in locales if code != default)]
    return request.accept_languages.best_match(preferred) or default


def select_timezone() -> str:
    return current_organization().time_zone


def language_name(code: str) -> str:
    """A language's name in that language ("Español", "Català"), for the switcher."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def translate(value: dict | str | None, locale: str | None = None) -> str:
    """Pick a per-locale text: current locale, then the default locale, then the first present."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    locale = locale or str(get_locale())
    for code in (locale, default_locale()):
        if value.get(code):
            return value[code]
    return next((text for text in value.values() if text), "")


def format_money(amount: int | Decimal | None) -> str:
    """Money in the reader's locale; whole amounts (budgets) without the cents."""
    if amount is None:
        return ""
    currency = current_app.config["CURRENCY"]
    if Decimal(amount) == Decimal(amount).to_integral_value():
        pattern = Locale.parse(str(get_locale())).currency_formats["standard"].pattern
        whole = pattern.split(";")[0].replace(".00", "")
        return format_currency(amount, currency, format=whole, currency_digits=False)
    return format_currency(amount, currency)


def _medium_to_the_minute(locale: Locale) -> str:
    """The locale's medium date and short time, joined the locale's way."""
    return (str(locale.datetime_formats["medium"])
            .replace("{1}", locale.date_formats["medium"].pattern)
            .replace("{0}", locale.time_formats["short"].pattern))


def when_formatter(style: str = "medium") -> Callable[[datetime | date | None], str]:
    """`format_when` for the many dates of one page (a thread's comments): the reader's
    locale, time zone and pattern are looked up once, not for every date."""
    locale = get_locale()
    # zoneinfo, as elsewhere in Decide: pytz's conversion took half the time of a date.
    zone = ZoneInfo(str(get_timezone()))
    # To the minute: seconds are noise on a comment or a log entry.
    pattern = dates.parse_pattern(_medium_to_the_minute(locale)) if style == "medium" else None

    def when(value: datetime | date | None) -> str:
        if value is None:
            return ""
        if not isinstance(value, datetime):
            return dates.format_date(value, style, locale=locale)
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
        if pattern is None:
            return dates.format_datetime(local, style, locale=locale)
        return pattern.apply(local, locale)

    return when


def format_when(value: datetime | date | None, style: str = "medium") -> str:
    return when_formatter(style)(value) if value is not None else ""


def format_day(value: datetime | date | None, style: str = "long") -> str:
    """The calendar day only, in the organization's time zone for datetimes."""
    return format_date(value, style) if value is not None else ""


def localized_markup(value: dict | str | None) -> Markup:
    """A per-locale text already sanitized on save (staff rich text)."""
    return Markup(translate(value))  # noqa: S704 - sanitized by decide.core.html on write


def init_app(app) -> None:
    app.jinja_env.filters["translated"] = translate
    app.jinja_env.filters["translated_html"] = localized_markup
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.globals["when_formatter"] = when_formatter
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["available_locales"] = available_locales
    app.jinja_env.globals["current_organization"] = current_organization
    app.context_processor(lambda: {"organization": current_organization()})


class TranslatedInput:
    """Renders one labelled textarea or input per available locale, inside a fieldset."""

    def __call__(self, field, **kwargs) -> Markup:
        describedby = f"{field.id}-help" if field.description else None
        error_id = f"{field.id}-error" if field.errors else None
        parts = []
        for code in field.locales:
            input_id = f"{field.id}-{code}"
            value = escape(field.data.get(code, "")) if field.data else ""
            ids = " ".join(i for i in (describedby, error_id) if i)
            attrs = {
                "id": input_id,
                "name": f"{field.name}-{code}",
                "lang": code,
            }
            if ids:
                attrs["aria-describedby"] = ids
            if field.errors:
                attrs["aria-invalid"] = "true"
            if field.required_locale == code:
                attrs["required"] = True
            rendered = " ".join(
                key if value_ is True else f'{key}="{escape(value_)}"'
                for key, value_ in attrs.items()
            )
            if field.multiline:
                control = f'<textarea {rendered} rows="{field.rows}">{value}</textarea>'
            else:
                control = f'<input type="text" {rendered} value="{value}">'
            parts.append(
                f'<div class="translated-input"><label for="{input_id}">'
                f"{escape(language_name(code))}</label>{control}</div>"
            )
        return Markup("".join(parts))


class TranslatedField(Field):
    """A text stored per locale ({"en": ..., "es": ...}), edited in all locales at once.

    The default locale is required when `required=True`; the others fall back to it.
    """

    widget = TranslatedInput()

    def __init__(self, label=None, validators=None, required=False, max_length=None,
                 multiline=False, rows=4, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.max_length = max_length
        self.multiline = multiline
        self.rows = rows

    @property
    def locales(self) -> list[str]:
        return available_locales()

    @property
    def required_locale(self) -> str | None:
        return default_locale() if self.required else None

    def process_formdata(self, valuelist):
        # The values come from name-<locale> keys, not from the bare name.
        pass

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if not isinstance(self.data, dict):
            self.data = {}
        if formdata is not None and any(
            f"{self.name}-{code}" in formdata for code in self.locales
        ):
            # Texts in languages the form does not show (withdrawn for now) are kept.
            self.data = {
                **{code: text for code, text in self.data.items() if code not in self.locales},
                **{code: formdata.get(f"{self.name}-{code}", "").strip() for code in self.locales},
            }
        self.data = {code: text for code, text in self.data.items() if text}

    def pre_validate(self, form):
        if self.required and not self.data.get(default_locale()):
            raise ValidationError(
                # The language named in the reader's own ("anglès" in Catalan).
                _("Write this text at least in %(language)s.",
                  language=Locale.parse(default_locale()).get_display_name(str(get_locale())))
            )
        if self.max_length:
            for code, text in self.data.items():
                if len(text) > self.max_length:
                    raise ValidationError(
                        _("The %(language)s text is too long (at most %(max)d characters).",
                          language=language_name(code), max=self.max_length)
                    )
