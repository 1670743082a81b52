"""The resident's verification form, the census upload and the staff's search."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import DateField
from wtforms import HiddenField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import InputRequired
from wtforms.validators import Optional

from decide.core.forms import Form
from decide.core.forms import max_length
from decide.core.forms import required
from decide.verification.services import DOCUMENT_MAX_LENGTH


class VerificationForm(Form):
    document = StringField(
        _l("Document number"),
        validators=[required(), max_length(DOCUMENT_MAX_LENGTH)],
        description=_l("As on your identity card or residence permit; dots, dashes and "
                       "spaces do not matter."),
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Fill in this field."))],
        invalid_value_message=_l("Enter a date like 1990-05-17."),
    )
    next = HiddenField()
    submit = SubmitField(_l("Verify my identity"))


class CensusForm(Form):
    file = FileField(
        _l("Census file (CSV)"),
        validators=[FileRequired(message=_l("Choose the file of the census."))],
        description=_l("UTF-8 text, one person per line, under a first line naming the "
                       "columns: document_number,birth_date,scope (scope is optional: the "
                       "code of a district). Dates as YYYY-MM-DD or DD/MM/YYYY."),
    )
    submit = SubmitField(_l("Upload and replace the census"))


class SearchForm(Form):
    """The search of the verified accounts: a GET form."""

    class Meta:
        csrf = False  # it only reads

    q = StringField(_l("Nickname, name or e-mail"), validators=[Optional(), max_length(100)])
    submit = SubmitField(_l("Search"))
