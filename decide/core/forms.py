"""Shared form base and the account, sign-in and organization forms."""

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Regexp
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from decide.core.i18n import TranslatedField
from decide.core.i18n import available_locales
from decide.core.i18n import language_name
from decide.core.services import DomainError
from decide.extensions import db


class Form(FlaskForm):
    """Every form: CSRF with a translated message, and domain errors placed on fields."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [
                _("This form has expired or was not sent from this site. "
                  "Check what you wrote and send it again.")
            ]
        for field in self:
            if _has_control_characters(field.data):
                # PostgreSQL refuses NUL in text: without this, a 500 instead of a message.
                field.errors = [*field.errors, _("Remove the control characters from this text.")]
                valid = False
        return valid

    def add_error(self, error) -> None:
        """Show a DomainError next to its field, or above the form."""
        field = getattr(self, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            self.form_errors.append(error.message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.form_errors)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control_characters(data) -> bool:
    """Invisible characters no one types (tab and line breaks are fine), in any field."""
    if isinstance(data, str):
        return bool(CONTROL_CHARACTERS.search(data))
    if isinstance(data, dict):
        return any(_has_control_characters(value) for value in data.values())
    if isinstance(data, list | tuple):
        return any(_has_control_characters(value) for value in data)
    return False


@dataclass(frozen=True)
class Saved:
    """What `saved` returns when the service kept its rules (always true), with its result."""

    result: Any = None


def saved(form: Form, service, *args, **kwargs) -> Saved | None:
    """Call one service as the current user and commit: Saved(what it returned). A broken
    rule rolls back and goes next to its field on the form: None."""
    try:
        result = service(current_user._get_current_object(), *args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        form.add_error(error)
        return None
    db.session.commit()
    return Saved(result)


# The largest page number read from an address; anything larger shows the last page.
MAX_PAGE = 10**6


def page_number(value: str | None = None) -> int:
    """The page asked for (`?page=`, or `value`), 1 when it is not a number."""
    if value is None:
        value = request.args.get("page")
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def render_form(template: str, form: Form, **context):
    """Render a page holding a form; a POST that failed validation answers 400."""
    status = 400 if request.method == "POST" and form.has_errors else 200
    return render_template(template, form=form, **context), status


class ActionForm(Form):
    """A button that changes something (sign out, withdraw...): only the CSRF token."""


def required():
    return DataRequired(message=_l("Fill in this field."))


def max_length(maximum: int):
    return Length(max=maximum, message=_l("Use at most %(max)d characters."))


def email_validators():
    return [
        required(),
        max_length(254),
        Email(message=_l("Enter an e-mail address like name@example.org."),
              check_deliverability=False),
    ]


NICKNAME_PATTERN = r"^[A-Za-z0-9_-]+$"


RICH_TEXT_HELP = _l("Allowed HTML: paragraphs, headings (h2–h4), lists, links, bold, italics, "
                    "tables.")


def rich_text_field(label, rows: int = 8, max_length: int = 50_000) -> TranslatedField:
    """Staff rich text in every language, sanitized by the service that saves it."""
    return TranslatedField(label, multiline=True, rows=rows, max_length=max_length,
                           description=RICH_TEXT_HELP)


def nickname_field(label=None):
    return StringField(
        label or _l("Nickname"),
        validators=[
            required(),
            Length(min=3, max=20, message=_l("Use between %(min)d and %(max)d characters.")),
            Regexp(NICKNAME_PATTERN,
                   message=_l("Use only letters without accents, digits, - and _.")),
        ],
        description=_l("Your public name in the address of your profile: letters, digits, "
                       "- and _."),
    )


def locale_field(label=None):
    return SelectField(label or _l("Language"), choices=[], validate_choice=True)


def locale_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in available_locales()]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def at_least_one(message):
    """DataRequired for a group of checkboxes, without the HTML `required` flag: on a checkbox
    it means "this box must be ticked", which is not what the group asks."""
    validator = DataRequired(message=message)
    validator.field_flags = {}
    return validator


class SignUpForm(Form):
    name = StringField(_l("Full name"), validators=[required(), max_length(100)])
    nickname = nickname_field()
    email = EmailField(_l("E-mail address"), validators=email_validators())
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Fill in this field."))],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    locale = locale_field(_l("Preferred language"))
    accept_terms = BooleanField(
        _l("I accept the terms of service"),
        validators=[DataRequired(message=_l("You must accept the terms of service to sign up."))],
    )
    submit = SubmitField(_l("Sign up"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = locale_choices()


class SignInForm(Form):
    email = EmailField(_l("E-mail address"), validators=email_validators())
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Fill in this field."))])
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class EmailForm(Form):
    email = EmailField(_l("E-mail address"), validators=email_validators())
    submit = SubmitField(_l("Send"))


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Fill in this field."))],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    submit = SubmitField(_l("Save the new password"))


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[required(), max_length(100)])
    nickname = nickname_field()
    locale = locale_field(_l("Preferred language"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = locale_choices()


class ChangeEmailForm(Form):
    email = EmailField(_l("New e-mail address"), validators=email_validators())
    password = PasswordField(_l("Current password"),
                             validators=[InputRequired(_l("Fill in this field."))])
    submit = SubmitField(_l("Change the e-mail address"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(_l("Fill in this field."))])
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Fill in this field."))],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    submit = SubmitField(_l("Change the password"))


class DeleteAccountForm(Form):
    password = PasswordField(_l("Current password"),
                             validators=[InputRequired(_l("Fill in this field."))])
    confirm = BooleanField(
        _l("I understand that my account will be deleted and cannot be recovered"),
        validators=[DataRequired(_l("Tick this box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class LocaleForm(Form):
    locale = StringField(validators=[required(), max_length(8)])
    next = HiddenField()


class WholeNumberField(IntegerField):
    """An integer: what is not a number gets that message alone, not the bounds' one too."""

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None  # left empty: "Fill in this field.", not "not a number"
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is None:
            raise StopValidation(_("Fill in this field."))


class OrganizationForm(Form):
    name = StringField(_l("Name of the organization"), validators=[required(), max_length(100)])
    time_zone = SelectField(_l("Time zone"), choices=[])
    default_locale = SelectField(_l("Default language"), choices=[])
    available_locales = MultiCheckboxField(
        _l("Available languages"),
        choices=[],
        validators=[at_least_one(_l("Choose at least one language."))],
    )
    terms_of_service = rich_text_field(_l("Terms of service"))
    new_terms_version = BooleanField(
        _l("Publish these terms as a new version (residents accept them at their next sign-in)")
    )
    privacy_policy = rich_text_field(_l("Privacy policy"))
    accessibility_statement = rich_text_field(_l("Accessibility statement"))
    report_threshold = WholeNumberField(
        _l("Reports that hide an item"),
        validators=[InputRequired(message=_l("Fill in this field.")),
                    NumberRange(1, 100, message=_l("Enter a number from %(min)s to %(max)s."))],
        invalid_value_message=_l("Enter a whole number."),
        description=_l("A proposal, debate or comment is hidden until a moderator reviews it "
                       "once this many residents have reported it."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, shipped: tuple[str, ...], *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(code, language_name(code)) for code in shipped]
        self.default_locale.choices = choices
        self.available_locales.choices = choices
        self.time_zone.choices = [(zone, zone) for zone in sorted(available_timezones())]
