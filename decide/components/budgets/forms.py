"""Budgets forms: the staff's (budgets, projects, importing proposals, paper ballots) and the
residents' (receipt look-up). Several people edit this file: add forms, do not rewrite it."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import InputRequired
from wtforms.validators import Regexp

from decide.components.budgets.projects import ADDRESS_MAX
from decide.components.budgets.projects import DESCRIPTION_MAX
from decide.components.budgets.projects import TITLE_MAX
from decide.core.forms import RICH_TEXT_HELP
from decide.core.forms import ActionForm
from decide.core.forms import Form
from decide.core.forms import MultiCheckboxField
from decide.core.forms import WholeNumberField
from decide.core.forms import at_least_one
from decide.core.forms import max_length
from decide.core.forms import required
from decide.core.i18n import TranslatedField
from decide.core.i18n import translate
from decide.verification.services import DOCUMENT_MAX_LENGTH as PAPER_DOCUMENT_MAX


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


# --- staff: budgets, projects, importing accepted proposals (the back office) ------------------

NOT_A_NUMBER = _l("Enter a whole number, without decimals.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    """A choice's id: None for "none"; 0 (which no row has) for anything that is not a
    number, so that the service refuses it with its own message instead of a 500."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0


def scope_choices(scopes) -> list[SelectChoice]:
    return [SelectChoice("", _("No scope")),
            *(SelectChoice(scope.id, translate(scope.name)) for scope in scopes)]


def category_choices(process) -> list[SelectChoice]:
    """The process's categories, each main one followed by its subcategories."""
    choices = [SelectChoice("", _("No category"))]
    for main in (c for c in process.categories if c.parent_id is None):
        choices.append(SelectChoice(main.id, translate(main.name)))
        choices.extend(SelectChoice(child.id, "– " + translate(child.name))
                       for child in process.categories if child.parent_id == main.id)
    return choices


def _linked(value) -> bool:
    return value in (True, "1", "true", "True")


RECEIPTS_LINKED_HELP = _l(
    "Linked: each resident can show their receipt next to their ballot in the published "
    "list — anyone they show it to learns how they voted, which makes buying or forcing votes "
    "possible. Not linked (recommended): the receipt proves the ballot was counted, not what "
    "it contained."
)


class BudgetForm(Form):
    title = TranslatedField(_l("Title"), required=True, max_length=TITLE_MAX)
    description = TranslatedField(_l("Description"), multiline=True, rows=6,
                                  max_length=DESCRIPTION_MAX, description=RICH_TEXT_HELP)
    total = WholeNumberField(
        _l("Total amount"), invalid_value_message=NOT_A_NUMBER,
        description=_l("The money to share out among the projects, in whole currency units: "
                       "more than 0. It can no longer change once residents have ballots."),
    )
    scope_id = SelectField(_l("Scope"), coerce=optional_id, validate_choice=False,
                           description=_l("The district of this budget, if it is one "
                                          "district's."))
    weight = WholeNumberField(
        _l("Position"), default=0, invalid_value_message=NOT_A_NUMBER,
        description=_l("Budgets are listed by this number, lowest first."),
    )
    add1_stops_when_exhaustive = BooleanField(
        _l("Method of Equal Shares: stop raising the shares as soon as no other project fits"),
        default=True,
        description=_l("The method gives every voter an equal share of the budget and then "
                       "raises the shares 1 unit at a time while the funded projects fit in "
                       "the budget. Ticked: it stops as soon as no unfunded project would fit "
                       "in the money left. Not ticked: it goes on as long as the outcome fits "
                       "(as Wieliczka did), which may fund other projects."),
    )
    greedy_completion = BooleanField(
        _l("Method of Equal Shares: then spend what is left on the most voted projects"),
        default=True,
        description=_l("Ticked: the money the method leaves unspent funds the most voted "
                       "projects that still fit, one after another. Not ticked: that money "
                       "stays unspent."),
    )
    receipts_linked = RadioField(
        _l("Receipts in the published ballots"), coerce=_linked, default=False,
        choices=[SelectChoice(False, _l("Not linked (recommended)")),
                 SelectChoice(True, _l("Linked to each ballot"))],
        invalid_choice_message=_l("Choose one of the options."),
        description=RECEIPTS_LINKED_HELP,
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, scopes, *args, budget=None, **kwargs):
        if budget is not None:
            kwargs["obj"] = budget
        super().__init__(*args, **kwargs)
        self.scope_id.choices = scope_choices(scopes)

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "title", "description", "total", "scope_id", "weight",
            "add1_stops_when_exhaustive", "greedy_completion", "receipts_linked")}


class ProjectForm(Form):
    title = TranslatedField(_l("Title"), required=True, max_length=TITLE_MAX)
    description = TranslatedField(_l("Description"), multiline=True, rows=8,
                                  max_length=DESCRIPTION_MAX, description=RICH_TEXT_HELP)
    amount = WholeNumberField(
        _l("Amount"), invalid_value_message=NOT_A_NUMBER,
        description=_l("What it costs, in whole currency units: 0 or more."),
    )
    category_id = SelectField(_l("Category"), coerce=optional_id, validate_choice=False)
    scope_id = SelectField(_l("Scope"), coerce=optional_id, validate_choice=False)
    address = StringField(_l("Address"), filters=[_strip], validators=[max_length(ADDRESS_MAX)],
                          description=_l("Where it would be, if it is somewhere in "
                                         "particular."))
    proposal_ids = SelectMultipleField(
        _l("Proposals it comes from"), coerce=int, validate_choice=False,
        invalid_value_message=_l("Choose proposals from the list."),
        description=_l("The published proposals of this process the project carries out. "
                       "Hold Ctrl (or Cmd) to choose several."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, process, scopes, proposals, *args, project=None, linked=(), **kwargs):
        if project is not None:
            kwargs["data"] = {
                "title": project.title, "description": project.description,
                "amount": project.amount, "category_id": project.category_id,
                "scope_id": project.scope_id, "address": project.address,
                "proposal_ids": list(linked),
            }
        super().__init__(*args, **kwargs)
        self.category_id.choices = category_choices(process)
        self.scope_id.choices = scope_choices(scopes)
        self.proposal_ids.choices = [SelectChoice(proposal.id, f"{proposal.id} · {proposal.title}")
                                     for proposal in proposals]

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "title", "description", "amount", "category_id", "scope_id", "address",
            "proposal_ids")}


class ImportProposalsForm(Form):
    proposal_ids = MultiCheckboxField(
        _l("Accepted proposals to import"), coerce=int, validate_choice=False,
        invalid_value_message=_l("Choose proposals from the list."),
    )
    submit = SubmitField(_l("Import the ticked proposals"))


# --- staff: paper ballots --------------------------------------------------------------------


class PaperBallotForm(Form):
    """A paper ballot typed in at a help desk: the census identity and the projects marked."""

    document = StringField(
        _l("Document number"), filters=[_strip],
        validators=[required(), max_length(PAPER_DOCUMENT_MAX)],
        description=_l("As on the person's identity card or residence permit; dots, dashes "
                       "and spaces do not matter."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    birth_date = DateField(
        _l("Date of birth"), validators=[InputRequired(message=_l("Fill in this field."))],
        invalid_value_message=_l("Enter a date like 1990-05-17."),
    )
    project_ids = MultiCheckboxField(
        _l("Projects marked on the ballot"), coerce=int, validate_choice=False,
        validators=[at_least_one(_l("Tick the projects marked on the ballot."))],
        invalid_value_message=_l("Choose projects from the list."),
    )
    submit = SubmitField(_l("Count this paper ballot"))
