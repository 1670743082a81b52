from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from decide.core.forms import Form
from decide.core.i18n import TranslatedField


class PageForm(Form):
    body = TranslatedField(
        _l("Text of the page"), multiline=True, rows=14, max_length=100_000,
        description=_l("Allowed HTML: paragraphs, headings (h2–h4), lists, links, bold, "
                       "italics, tables."),
    )
    submit = SubmitField(_l("Save"))
