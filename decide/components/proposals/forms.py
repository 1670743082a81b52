"""The resident's proposal form (write, then correct) and the buttons' form."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from decide.components.proposals.answers import OFFICIAL_BODY_LENGTH
from decide.components.proposals.services import ADDRESS_MAX_LENGTH
from decide.components.proposals.services import BODY_MIN_LENGTH
from decide.components.proposals.services import TITLE_LENGTH
from decide.core.forms import Form
from decide.core.forms import max_length
from decide.core.forms import required
from decide.core.forms import rich_text_field
from decide.core.i18n import translate
from decide.spaces.forms import choice_field
from decide.spaces.forms import optional_int

BETWEEN = _l("Use between %(min)d and %(max)d characters.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(value):
    """Stripped, with the browser's CRLF line breaks counted as one character, as the
    textarea's maxlength counts them."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def optional_id(value):
    """A choice's id: None for "none"; 0 (which no row has) for anything that is not a
    number, so that the service refuses it with its own message instead of a 500."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0


class ProposalForm(Form):
    title = StringField(
        _l("Title"), filters=[_strip],
        validators=[required(), Length(min=TITLE_LENGTH[0], max=TITLE_LENGTH[1],
                                       message=BETWEEN)],
        description=_l("A short sentence that says what you propose: %(min)d to %(max)d "
                       "characters.", min=TITLE_LENGTH[0], max=TITLE_LENGTH[1]),
    )
    body = TextAreaField(_l("Your proposal"), filters=[_text], render_kw={"rows": 8})
    category_id = SelectField(_l("Category"), coerce=optional_id, validate_choice=False)
    scope_id = SelectField(_l("Scope"), coerce=optional_id, validate_choice=False)
    address = StringField(
        _l("Address (optional)"), filters=[_strip],
        validators=[Length(max=ADDRESS_MAX_LENGTH, message=_l("Use at most %(max)d characters."))],
        description=_l("Where it would be, if it is somewhere in particular."),
    )
    submit = SubmitField(_l("Continue"))

    def __init__(self, *args, body_length: int, categories=(), scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.body.validators = [
            required(), Length(min=BODY_MIN_LENGTH, max=body_length, message=BETWEEN),
        ]
        self.body.description = _l("Explain the problem and what you propose, in %(min)d "
                                   "to %(max)d characters.", min=BODY_MIN_LENGTH,
                                   max=body_length)
        self.body.render_kw = {**(self.body.render_kw or {}), "maxlength": body_length}
        self.category_id.choices = [("", _l("No category"))] + [
            (category.id, ("– " if category.parent_id else "") + translate(category.name))
            for category in categories
        ]
        self.scope_id.choices = [("", _l("No scope"))] + [
            (scope.id, translate(scope.name)) for scope in scopes
        ]

    def values(self) -> dict:
        return {"title": self.title.data or "", "body": self.body.data or "",
                "category_id": self.category_id.data, "scope_id": self.scope_id.data,
                "address": self.address.data or ""}


# --- staff: the answer, bulk actions, official proposals, the back-office filters ----------

ANSWER_STATE_LABELS = {
    "evaluating": _l("Evaluating"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
}
BULK_ACTION_LABELS = {
    "publish_answers": _l("Publish the answers"),
    "assign_valuator": _l("Assign to a valuator"),
    "unassign_valuator": _l("Take away the valuator"),
}
# The states the back-office list filters by ("" is every proposal).
ADMIN_FILTER_STATES = {
    "not_answered": _l("Not answered"),
    "evaluating": _l("Evaluating"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "unpublished": _l("Answer not published yet"),
    "withdrawn": _l("Withdrawn"),
}


class AnswerForm(Form):
    state = RadioField(
        _l("State"), choices=[SelectChoice(value, label)
                              for value, label in ANSWER_STATE_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a state."))],
        invalid_choice_message=_l("Choose one of the options."),
    )
    answer = rich_text_field(_l("Answer"), rows=6, max_length=20_000)
    cost = IntegerField(
        _l("Cost"), validators=[Optional()],
        invalid_value_message=_l("Enter a whole number, without decimals."),
        description=_l("In whole currency units. Needed to accept the proposal."),
    )
    cost_report = rich_text_field(_l("Cost report"), rows=4, max_length=20_000)
    execution_period = rich_text_field(_l("Execution period"), rows=3, max_length=5_000)
    submit = SubmitField(_l("Save the answer"))

    COST_FIELDS = ("cost", "cost_report", "execution_period")

    def __init__(self, *args, with_costs: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_costs:  # the phase answers without costs: the fields are not there
            for name in self.COST_FIELDS:
                delattr(self, name)

    def values(self) -> dict:
        values = {"state": self.state.data, "answer": self.answer.data}
        values.update({name: self[name].data for name in self.COST_FIELDS if name in self})
        return values


class BulkForm(Form):
    """One POST form over the list: the ticked proposals, an action, and the valuator when
    the action assigns one."""

    proposal_ids = SelectMultipleField(
        _l("Proposals"), coerce=int, validate_choice=False,
        invalid_value_message=_l("Choose proposals from the list."),
    )
    action = choice_field(_l("Action"), choices=[
        SelectChoice("", _l("Choose an action")),
        *(SelectChoice(value, label) for value, label in BULK_ACTION_LABELS.items()),
    ], validators=[InputRequired(message=_l("Choose an action."))])
    valuator_id = choice_field(_l("Valuator"), coerce=optional_int, choices=[],
                               description=_l("Only to assign a valuator."))
    next = HiddenField()
    submit = SubmitField(_l("Apply to the chosen proposals"))

    def __init__(self, valuators, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.valuator_id.choices = [SelectChoice("", _("No valuator")),
                                    *(SelectChoice(user.id, f"{user.name} (@{user.nickname})")
                                      for user in valuators)]

    def validate_valuator_id(self, field):
        if self.action.data == "assign_valuator" and field.data is None:
            raise ValidationError(_("Choose the valuator to assign."))


class OfficialProposalForm(Form):
    title = StringField(
        _l("Title"), filters=[_strip],
        validators=[required(), Length(min=TITLE_LENGTH[0], max=TITLE_LENGTH[1],
                                       message=BETWEEN)],
    )
    body = TextAreaField(_l("Text"), filters=[_strip],
                         validators=[required(), max_length(OFFICIAL_BODY_LENGTH)])
    category_id = choice_field(_l("Category"), coerce=optional_int, choices=[])
    scope_id = choice_field(_l("Scope"), coerce=optional_int, choices=[])
    address = StringField(_l("Address"), filters=[_strip],
                          validators=[max_length(ADDRESS_MAX_LENGTH)])
    submit = SubmitField(_l("Publish the official proposal"))

    def __init__(self, categories, scopes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice("", _("No category")), *(
            SelectChoice(category.id, translate(category.name)) for category in categories
        )]
        self.scope_id.choices = [SelectChoice("", _("No scope")), *(
            SelectChoice(scope.id, translate(scope.name)) for scope in scopes
        )]

    def values(self) -> dict:
        return {name: self[name].data
                for name in ("title", "body", "category_id", "scope_id", "address")}


class AdminFilterForm(Form):
    """The filters of the back-office list (GET): a value that does not fit is ignored."""

    class Meta:
        csrf = False  # it only reads

    q = StringField(_l("Search"), validators=[max_length(100)],
                    description=_l("Words of the title or the text, or a proposal's number."))
    # default="": a filter left out of the address is "All", not a wrong choice.
    state = SelectField(_l("State"), choices=[], default="", validate_choice=True,
                        invalid_choice_message=_l("Choose one of the options."))
    category = SelectField(_l("Category"), choices=[], default="", validate_choice=True,
                           invalid_choice_message=_l("Choose one of the options."))
    valuator = SelectField(_l("Valuator"), choices=[], default="", validate_choice=True,
                           invalid_choice_message=_l("Choose one of the options."))
    submit = SubmitField(_l("Filter"))

    def __init__(self, formdata, *, categories, valuators):
        super().__init__(formdata)
        everything = [("", _l("All"))]
        self.state.choices = everything + list(ADMIN_FILTER_STATES.items())
        self.category.choices = everything + [
            (str(category.id), translate(category.name)) for category in categories
        ]
        self.valuator.choices = everything + [("none", _l("No valuator"))] + [
            (str(user.id), user.name) for user in valuators
        ]

    def valid(self, name: str):
        """The field's value when it was given and fits, else None."""
        field = self[name]
        return None if field.errors else (field.data or None)
