"""Forms of debates: a resident's debate and its closing on the public side; official
debates and their closing, in every language, in the back office."""

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField
from wtforms import SelectChoice
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from decide.components.debates.services import CONCLUSION_MAX
from decide.components.debates.services import CONCLUSION_MIN
from decide.components.debates.services import RESIDENT_DESCRIPTION_MAX
from decide.components.debates.services import RESIDENT_DESCRIPTION_MIN
from decide.components.debates.services import RESIDENT_TITLE_MIN
from decide.components.debates.services import STAFF_DESCRIPTION_MAX
from decide.components.debates.services import TITLE_MAX
from decide.core.forms import RICH_TEXT_HELP
from decide.core.forms import Form
from decide.core.forms import required
from decide.core.i18n import TranslatedField
from decide.core.i18n import current_organization
from decide.core.i18n import default_locale
from decide.core.i18n import translate
from decide.spaces.forms import choice_field
from decide.spaces.forms import optional_int
from decide.spaces.forms import strip


def between(low: int, high: int) -> Length:
    return Length(min=low, max=high,
                  message=_l("Use between %(min)d and %(max)d characters."))


def category_choices(process) -> list[SelectChoice]:
    """The process's categories, each main one followed by its subcategories."""
    choices = [SelectChoice("", _("No category"))]
    for main in (c for c in process.categories if c.parent_id is None):
        choices.append(SelectChoice(main.id, translate(main.name)))
        choices.extend(SelectChoice(child.id, "– " + translate(child.name))
                       for child in process.categories if child.parent_id == main.id)
    return choices


def scope_choices(scopes) -> list[SelectChoice]:
    return [SelectChoice("", _("No scope")),
            *(SelectChoice(scope.id, translate(scope.name)) for scope in scopes)]


class PlacedForm(Form):
    """Category and scope, chosen among this process's categories and the scopes."""

    category_id = choice_field(_l("Category"), coerce=optional_int, choices=[])
    scope_id = choice_field(_l("Scope"), coerce=optional_int, choices=[])

    def __init__(self, process, scopes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = category_choices(process)
        self.scope_id.choices = scope_choices(scopes)


class DebateForm(PlacedForm):
    """A resident's debate, in their language; the description is plain text."""

    title = StringField(_l("Title"), filters=[strip],
                        validators=[required(), between(RESIDENT_TITLE_MIN, TITLE_MAX)])
    description = TextAreaField(
        _l("Description"), filters=[strip],
        validators=[required(), between(RESIDENT_DESCRIPTION_MIN, RESIDENT_DESCRIPTION_MAX)],
        description=_l("What should be debated, and why. Links are made clickable."),
    )
    submit = SubmitField(_l("Publish the debate"))

    def values(self) -> dict:
        return {name: self[name].data
                for name in ("title", "description", "category_id", "scope_id")}


# --- the back office ---------------------------------------------------------------------------

def organization_zone():
    return ZoneInfo(current_organization().time_zone)


def moment_field(label) -> DateTimeLocalField:
    """A day and time in the organization's time zone (the data is aware, in that zone)."""
    return DateTimeLocalField(
        label, validators=[Optional()], tz=organization_zone,
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        invalid_value_message=_l("Enter a day and time like 2025-03-31 18:30."),
        description=_l("In the organization's time zone."),
    )


def stored(moment: datetime | None) -> datetime | None:
    """As the database keeps it: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment else None


class OfficialDebateForm(PlacedForm):
    title = TranslatedField(_l("Title"), required=True, max_length=TITLE_MAX)
    description = TranslatedField(_l("Description"), required=True, multiline=True, rows=8,
                                  max_length=STAFF_DESCRIPTION_MAX, description=RICH_TEXT_HELP)
    start_at = moment_field(_l("Start"))
    end_at = moment_field(_l("End"))
    submit = SubmitField(_l("Save"))

    def __init__(self, process, scopes, *args, debate=None, **kwargs):
        if debate is not None:
            kwargs["data"] = {
                "title": debate.title, "description": debate.description,
                "category_id": debate.category_id, "scope_id": debate.scope_id,
                "start_at": aware(debate.start_at), "end_at": aware(debate.end_at),
            }
        super().__init__(process, scopes, *args, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        """Both moments or neither, the end after the start: said next to the field at fault
        with the other errors at once (an empty moment skips its own validators)."""
        valid = super().validate(extra_validators)
        start, end = self.start_at, self.end_at
        if start.errors or end.errors:
            return valid
        if (start.data is None) != (end.data is None):
            (end if start.data else start).errors.append(
                _("Give both a start and an end, or neither for an open-ended debate.")
            )
            return False
        if start.data is not None and end.data <= start.data:
            end.errors.append(_("The end must be after the start."))
            return False
        return valid

    def values(self) -> dict:
        return {
            "title": self.title.data, "description": self.description.data,
            "category_id": self.category_id.data, "scope_id": self.scope_id.data,
            "start_at": stored(self.start_at.data), "end_at": stored(self.end_at.data),
        }


# --- closing ---------------------------------------------------------------------------------

CONCLUSION_HELP = _l("What the debate concluded. Residents following it are told.")


class CloseForm(Form):
    """The author's (or staff's) conclusion on the debate's page, in their language."""

    conclusion = TextAreaField(_l("Conclusion"), filters=[strip],
                               validators=[required(), between(CONCLUSION_MIN, CONCLUSION_MAX)],
                               description=CONCLUSION_HELP)
    submit = SubmitField(_l("Close the debate"))


class OfficialCloseForm(Form):
    conclusion = TranslatedField(_l("Conclusion"), required=True, multiline=True, rows=6,
                                 max_length=CONCLUSION_MAX, description=CONCLUSION_HELP)
    submit = SubmitField(_l("Close the debate"))

    def validate_conclusion(self, field):
        text = field.data.get(default_locale(), "")
        if text and len(text) < CONCLUSION_MIN:
            raise ValidationError(_("Use at least %(min)d characters.", min=CONCLUSION_MIN))
