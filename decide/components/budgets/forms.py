"""Budgets forms: the staff's (budgets, projects, importing proposals, paper ballots) and the
residents' (receipt look-up). Several people edit this file: add forms, do not rewrite it."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms import StringField
from wtforms.validators import Regexp

from decide.core.forms import ActionForm
from decide.core.forms import Form
from decide.core.forms import max_length
from decide.core.forms import required


class ButtonForm(ActionForm):
    """A ballot button (add, remove): the page it was pressed on comes back with it."""

    next = HiddenField()


class ReceiptForm(Form):
    """Check a receipt code against the published list (a GET form: nothing changes)."""

    code = StringField(_l("Your receipt code"), validators=[
        required(), max_length(64),
        Regexp(r"^[A-Za-z0-9 -]+$", message=_l("A receipt code has letters, digits and "
                                                "dashes only.")),
    ], description=_l("As shown after you voted and in the e-mail you received, for "
                      "example ABCD-EFGH-JKLM-NPQR."))
