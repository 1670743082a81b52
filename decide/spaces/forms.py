"""Back-office forms of processes, and the settings form generated from a manifest."""

import re
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import DateField
from wtforms import Field
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError

from decide.components import Setting
from decide.core.forms import Form
from decide.core.forms import WholeNumberField
from decide.core.forms import max_length
from decide.core.forms import required
from decide.core.forms import rich_text_field
from decide.core.i18n import TranslatedField
from decide.core.i18n import translate
from decide.spaces.models import Role
from decide.spaces.services import SLUG_PATTERN

ROLE_LABELS = {
    Role.PROCESS_ADMIN: _l("Process admin (everything inside this process)"),
    Role.COLLABORATOR: _l("Collaborator (sees unpublished content)"),
    Role.MODERATOR: _l("Moderator (the moderation queue of this process)"),
    Role.VALUATOR: _l("Valuator (answers the proposals assigned to them)"),
}


def optional_int(value) -> int | None:
    """For selects whose first option ("none") has an empty value."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # matches no choice, so the select says so


def choice_field(label, **kwargs) -> SelectField:
    return SelectField(label, invalid_choice_message=_l("Choose one of the options."), **kwargs)


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(str(role), label) for role, label in ROLE_LABELS.items()]


def strip(value):
    return value.strip() if isinstance(value, str) else value


class DatesInOrder:
    """end_date on or after start_date, said next to end_date with the other field errors
    (the services check it too)."""

    def validate_end_date(self, field):
        start = self.start_date.data
        if start and field.data and field.data < start:
            raise ValidationError(_("The end date must be on or after the start date."))


def date_field(label) -> DateField:
    return DateField(
        label,
        validators=[InputRequired(message=_l("Fill in this field."))],
        invalid_value_message=_l("Enter a date like 2025-03-31."),
        description=_l("A calendar day in the organization's time zone."),
    )


class ProcessForm(DatesInOrder, Form):
    title = TranslatedField(_l("Title"), required=True, max_length=150)
    subtitle = TranslatedField(_l("Subtitle"), max_length=250)
    description = rich_text_field(_l("Description"), rows=10)
    slug = StringField(
        _l("Address"), filters=[strip],
        validators=[required(), max_length(80), Regexp(
            re.compile(SLUG_PATTERN.pattern, re.IGNORECASE),
            message=_l("Use only lower-case letters without accents, digits and single hyphens."),
        )],
        description=_l("The last part of the process's address, e.g. green-streets: lower-case "
                       "letters, digits and hyphens."),
    )
    start_date = date_field(_l("Start date"))
    end_date = date_field(_l("End date"))
    scope_id = choice_field(_l("Scope"), coerce=optional_int, choices=[])
    promoted = BooleanField(_l("Promoted (shown first)"))
    automatic_phases = BooleanField(
        _l("Switch phases automatically by their dates"),
        description=_l("Every day, the phase whose dates contain that day becomes the active "
                       "one."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, scopes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_id.choices = [SelectChoice("", _("No scope")),
                                 *(SelectChoice(scope.id, translate(scope.name))
                                   for scope in scopes)]

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "title", "subtitle", "description", "slug", "start_date", "end_date", "scope_id",
            "promoted", "automatic_phases",
        )}


class PhaseForm(DatesInOrder, Form):
    title = TranslatedField(_l("Title"), required=True, max_length=150)
    description = rich_text_field(_l("Description"), rows=6, max_length=10_000)
    start_date = date_field(_l("Start date"))
    end_date = date_field(_l("End date"))
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {name: self[name].data
                for name in ("title", "description", "start_date", "end_date")}


class CategoryForm(Form):
    name = TranslatedField(_l("Name"), required=True, max_length=100)
    parent_id = choice_field(
        _l("Parent category"), coerce=optional_int, choices=[],
        description=_l("Leave empty for a main category."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, parents, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = [SelectChoice("", _("None (a main category)")),
                                  *(SelectChoice(parent.id, translate(parent.name))
                                    for parent in parents)]

    def values(self) -> dict:
        return {"name": self.name.data, "parent_id": self.parent_id.data}


class ScopeForm(Form):
    name = TranslatedField(_l("Name"), required=True, max_length=100)
    code = StringField(_l("Code"), validators=[required(), max_length(20)],
                       description=_l("A short unique code, e.g. the district's number."))
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {"name": self.name.data, "code": self.code.data}


class GrantRoleForm(Form):
    identifier = StringField(
        _l("E-mail address or nickname"), validators=[required(), max_length(254)],
        description=_l("The participant must have an account."),
    )
    role = choice_field(_l("Role"), choices=role_choices())
    submit = SubmitField(_l("Give the role"))


class ChangeRoleForm(Form):
    role = choice_field(_l("Role"), choices=role_choices())
    submit = SubmitField(_l("Save"))


class NewComponentForm(Form):
    manifest_name = choice_field(_l("Kind"), choices=[])
    name = TranslatedField(_l("Name"), required=True, max_length=100)
    submit = SubmitField(_l("Add"))

    def __init__(self, manifests, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.manifest_name.choices = [SelectChoice(name, manifest.label)
                                      for name, manifest in manifests.items()]


# --- the settings form, generated from the manifest's declared settings ----------------------

def setting_field(setting: Setting) -> Field:
    """The form field for one declared setting (unbound, to be set on a form class)."""
    label = setting.label or setting.name
    options = {"description": setting.help or ""}
    if setting.translated:
        return TranslatedField(label, max_length=5_000, multiline=True, rows=3, **options)
    if setting.choices:
        values = {str(value): value for value, _label in setting.choices}
        return choice_field(label, choices=[SelectChoice(value, choice_label)
                                            for value, choice_label in setting.choices],
                            coerce=lambda value: values.get(str(value), value), **options)
    if setting.type is bool:
        return BooleanField(label, **options)
    if setting.type is int:
        low, high = setting.bounds or (None, None)
        validators = [InputRequired(message=_l("Fill in this field."))]
        if setting.bounds:
            validators.append(NumberRange(
                low, high, message=_l("Enter a number from %(min)s to %(max)s.")
            ))
        return WholeNumberField(label, validators=validators,
                            invalid_value_message=_l("Enter a whole number."), **options)
    return StringField(label, validators=[Optional(), max_length(1_000)], **options)


class SettingsForm(Form):
    """Base of the generated settings forms; use `settings_form` to build one."""

    name = TranslatedField(_l("Name"), required=True, max_length=100)
    submit = SubmitField(_l("Save"))
    declared: tuple[Setting, ...] = ()
    declared_phase: tuple[Setting, ...] = ()
    phases: tuple = ()

    @classmethod
    def initial(cls, component) -> dict:
        """The form's starting values: each setting's stored value, or its default."""
        data = {"name": component.name}
        stored = component.settings or {}
        for setting in cls.declared:
            data[f"settings-{setting.name}"] = stored.get(setting.name, setting.default)
        for phase in cls.phases:
            stored = (component.phase_settings or {}).get(str(phase.id), {})
            for setting in cls.declared_phase:
                data[f"phase-{phase.id}-{setting.name}"] = stored.get(setting.name,
                                                                      setting.default)
        return data

    @property
    def setting_fields(self) -> list[Field]:
        return [self[f"settings-{setting.name}"] for setting in self.declared]

    def phase_fields(self, phase) -> list[Field]:
        return [self[f"phase-{phase.id}-{setting.name}"] for setting in self.declared_phase]

    def settings_values(self) -> dict:
        return {setting.name: self[f"settings-{setting.name}"].data for setting in self.declared}

    def phase_values(self) -> dict[int, dict]:
        return {
            phase.id: {setting.name: self[f"phase-{phase.id}-{setting.name}"].data
                       for setting in self.declared_phase}
            for phase in self.phases
        }

    def add_error(self, error) -> None:
        """A DomainError naming a setting goes next to that setting's field."""
        if error.field and f"settings-{error.field}" in self:
            error.field = f"settings-{error.field}"
        super().add_error(error)


def settings_form(settings: Sequence[Setting], phase_settings: Sequence[Setting] = (),
                  phases: Sequence = ()) -> type[SettingsForm]:
    """A form class with the component's name, one field per setting, and one group of fields
    per phase for the per-phase settings (named "settings-<name>", "phase-<id>-<name>")."""
    fields = {f"settings-{setting.name}": setting_field(setting) for setting in settings}
    for phase in phases:
        fields.update({f"phase-{phase.id}-{setting.name}": setting_field(setting)
                       for setting in phase_settings})
    form_class = type("GeneratedSettingsForm", (SettingsForm,), fields)
    form_class.declared = tuple(settings)
    form_class.declared_phase = tuple(phase_settings)
    form_class.phases = tuple(phases)
    return form_class
