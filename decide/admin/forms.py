"""The filters of the action log: a GET form, so a filtered page is an address to share."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import Length
from wtforms.validators import Optional

from decide.core.forms import Form


def date_field(label) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        invalid_value_message=_l("Enter a date like 2025-03-31."),
        description=_l("A calendar day in the organization's time zone."),
    )


class LogFilterForm(Form):
    """Every field may be left empty; a value that does not fit is ignored and marked."""

    class Meta:
        csrf = False  # it only reads

    user = StringField(
        _l("Participant"),
        validators=[Length(max=40, message=_l("Use at most %(max)d characters."))],
        description=_l("Their nickname, as in the address of their profile."),
    )
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    resource_type = SelectField(_l("Kind of item"), choices=[], validate_choice=False)
    process_id = SelectField(_l("Process"), choices=[], validate_choice=False)
    date_from = date_field(_l("From"))
    date_to = date_field(_l("To"))
    submit = SubmitField(_l("Filter"))

    def __init__(self, formdata, *, actions, resource_types, processes):
        super().__init__(formdata)
        everything = [("", _l("All"))]
        self.action.choices = everything + actions
        self.resource_type.choices = everything + resource_types
        self.process_id.choices = everything + processes

    def valid(self, name: str):
        """The field's value when it was given and fits, else None."""
        field = self[name]
        return None if field.errors else (field.data or None)
