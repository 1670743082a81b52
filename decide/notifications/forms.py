"""The notification preferences form."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SubmitField
from wtforms.validators import AnyOf
from wtforms.validators import InputRequired

from decide.core.forms import Form
from decide.notifications.services import FREQUENCIES
from decide.notifications.services import FREQUENCY_LABELS


class PreferencesForm(Form):
    frequency = RadioField(
        _l("E-mail me about my notifications"),
        choices=[SelectChoice(value, FREQUENCY_LABELS[value]) for value in FREQUENCIES],
        # Our own messages (translated) instead of WTForms' "Not a valid choice".
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose one of the options.")),
                    AnyOf(FREQUENCIES, message=_l("Choose one of the options."))],
    )
    submit = SubmitField(_l("Save"))
