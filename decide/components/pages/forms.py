from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from decide.core.forms import Form
from decide.core.forms import rich_text_field


class PageForm(Form):
    body = rich_text_field(_l("Text of the page"), rows=14, max_length=100_000)
    submit = SubmitField(_l("Save"))
