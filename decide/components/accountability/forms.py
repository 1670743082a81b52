"""Forms of the accountability component: the staff's (results, progress updates, timeline
entries, statuses, results from a budget, CSV import) and, at the end, the residents'."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import DateField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from decide.components.accountability.confirmations import COMMENT_MAX
from decide.components.accountability.services import DESCRIPTION_MAX
from decide.components.accountability.services import NAME_MAX
from decide.components.accountability.services import REFERENCE_MAX
from decide.components.accountability.services import TITLE_MAX
from decide.components.budgets.forms import category_choices
from decide.components.budgets.forms import optional_id
from decide.components.budgets.forms import scope_choices
from decide.components.budgets.projects import MAX_AMOUNT
from decide.components.budgets.projects import WEIGHT_BOUNDS
from decide.core.forms import Form
from decide.core.forms import WholeNumberField
from decide.core.forms import max_length
from decide.core.forms import required
from decide.core.forms import rich_text_field
from decide.core.i18n import TranslatedField
from decide.core.i18n import translate
from decide.spaces.views import MAX_ID

STATUS_DESCRIPTION_MAX = 5000
STATUS_KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")
MAX_LINKS = 500  # proposals or projects named by one result
IDS_SEPARATORS = re.compile(r"[\s,;]+")

NOT_A_NUMBER = _l("Enter a whole number, without decimals.")
NOT_A_DATE = _l("Enter a date like 2026-05-17.")
IDS_MESSAGE = _l("Write the numbers separated by spaces or commas, like 12 15 31.")


def parse_ids(text: str) -> list[int] | None:
    """"12, 15 31" → [12, 15, 31]; None when a part is not an id (the CSV reads them too)."""
    ids = []
    for token in IDS_SEPARATORS.split((text or "").strip()):
        if not token:
            continue
        if not (token.isascii() and token.isdigit() and len(token) < 11
                and 0 < int(token) <= MAX_ID):
            return None
        if int(token) not in ids:
            ids.append(int(token))
    return ids


class OptionalNumberField(IntegerField):
    """A whole number that may stay empty (None); what is not a number gets that message
    alone, not the bounds' one too."""

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class IdsField(StringField):
    """Ids typed as numbers separated by spaces or commas: usable with hundreds of
    proposals, where a list to pick from would not be. The service checks what they name."""

    def process_data(self, value):
        self.data = list(value or [])

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        ids = parse_ids(valuelist[0])
        if ids is None:
            self.data = []
            raise ValueError(str(IDS_MESSAGE))
        self.data = ids

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return " ".join(str(each) for each in self.data or ())

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if len(self.data) > MAX_LINKS:
            raise StopValidation(_("Name at most %(max)d of them.", max=MAX_LINKS))


def percent_field(label, description) -> OptionalNumberField:
    return OptionalNumberField(
        label, invalid_value_message=NOT_A_NUMBER, description=description,
        validators=[Optional(), NumberRange(0, 100, message=_l("Enter a number from %(min)s "
                                                                "to %(max)s."))],
    )


def status_choices(statuses) -> list[SelectChoice]:
    choices = [SelectChoice("", _("No status"))]
    for status in statuses:
        label = status.label if status.progress is None else _(
            "%(name)s (%(progress)d %%)", name=status.label, progress=status.progress)
        choices.append(SelectChoice(status.id, label))
    return choices


def optional_date(label, description=None) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=NOT_A_DATE,
                     description=description)


# --- results ---------------------------------------------------------------------------------

class ResultForm(Form):
    title = TranslatedField(_l("Title"), required=True, max_length=TITLE_MAX)
    description = rich_text_field(_l("Description"), max_length=DESCRIPTION_MAX)
    reference = StringField(
        _l("Reference"), filters=[lambda value: value.strip() if isinstance(value, str)
                                  else value],
        validators=[max_length(REFERENCE_MAX)],
        description=_l("How CSV files name this result. Left empty, one like R-12 is given."),
    )
    status_id = SelectField(_l("Status"), coerce=optional_id, validate_choice=False)
    progress = percent_field(
        _l("Progress (%)"),
        _l("From 0 to 100. Leave it empty to follow the status's progress. A result with "
           "sub-results shows the average of theirs instead."))
    start_date = optional_date(_l("Start date"))
    end_date = optional_date(_l("End date"))
    category_id = SelectField(_l("Category"), coerce=optional_id, validate_choice=False)
    scope_id = SelectField(_l("Scope"), coerce=optional_id, validate_choice=False)
    amount = OptionalNumberField(
        _l("Amount"), invalid_value_message=NOT_A_NUMBER,
        validators=[Optional(), NumberRange(0, MAX_AMOUNT, message=_l(
            "Enter an amount from %(min)s to %(max)s."))],
        description=_l("What it costs, in whole currency units. When every sub-result of a "
                       "result has one, their progress counts in proportion to it."),
    )
    parent_id = SelectField(
        _l("Under the result"), coerce=optional_id, validate_choice=False,
        description=_l("A result may be split into sub-results: it then shows the average "
                       "of their progress. A result with sub-results cannot go under another."),
    )
    proposal_ids = IdsField(
        _l("Proposals it carries out"),
        description=_l("The numbers of published proposals of this process, separated by "
                       "spaces or commas (the back office of proposals shows each one's "
                       "number). Their authors follow the result."),
    )
    project_ids = IdsField(
        _l("Budget projects it carries out"),
        description=_l("The numbers of projects of this process's budgets, separated by "
                       "spaces or commas (the number in each project's address)."),
    )
    weight = WholeNumberField(
        _l("Position"), default=0, invalid_value_message=NOT_A_NUMBER,
        validators=[NumberRange(*WEIGHT_BOUNDS, message=_l("Enter a number from %(min)s to "
                                                           "%(max)s."))],
        description=_l("Results are listed by this number, lowest first."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, process, statuses, scopes, parents, *args, result=None, linked=None,
                 **kwargs):
        if result is not None:
            kwargs["data"] = {
                "title": result.title, "description": result.description,
                "reference": result.reference, "status_id": result.status_id,
                "progress": result.progress if result.progress_manual else None,
                "start_date": result.start_date, "end_date": result.end_date,
                "category_id": result.category_id, "scope_id": result.scope_id,
                "amount": result.amount, "parent_id": result.parent_id,
                "proposal_ids": (linked or {}).get("proposal_ids", []),
                "project_ids": (linked or {}).get("project_ids", []),
                "weight": result.weight,
            }
        super().__init__(*args, **kwargs)
        self.status_id.choices = status_choices(statuses)
        self.category_id.choices = category_choices(process)
        self.scope_id.choices = scope_choices(scopes)
        self.parent_id.choices = [
            SelectChoice("", _("None: a top-level result")),
            *(SelectChoice(parent.id, f"{parent.reference} · {translate(parent.title)}")
              for parent in parents if result is None or parent.id != result.id),
        ]

    def values(self) -> dict:
        values = {name: self[name].data for name in (
            "title", "description", "status_id", "progress", "start_date", "end_date",
            "category_id", "scope_id", "amount", "parent_id", "proposal_ids", "project_ids",
            "weight")}
        values["reference"] = self.reference.data or None
        return values


class ProgressForm(Form):
    """A progress update: the status, the progress and, if written, a timeline entry."""

    status_id = SelectField(_l("Status"), coerce=optional_id, validate_choice=False)
    progress = percent_field(_l("Progress (%)"),
                             _l("From 0 to 100. Leave it empty to follow the status's "
                                "progress."))
    entry_date = optional_date(_l("Date"))
    entry_title = TranslatedField(_l("Title"), max_length=TITLE_MAX)
    entry_description = rich_text_field(_l("Description"), rows=4,
                                        max_length=DESCRIPTION_MAX)
    submit = SubmitField(_l("Publish the update"))

    def __init__(self, statuses, *args, result=None, today=None, **kwargs):
        if result is not None:
            kwargs.setdefault("data", {
                "status_id": result.status_id,
                "progress": result.progress if result.progress_manual else None,
                "entry_date": today,
            })
        super().__init__(*args, **kwargs)
        self.status_id.choices = status_choices(statuses)

    def validate_entry_title(self, field):
        if not field.data and (self.entry_description.data):
            raise ValidationError(_("Give the timeline entry a title, or leave its "
                                    "description empty."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here, not in an inline validator: the date's Optional() ends its checks when empty.
        if self.entry_title.data and self.entry_date.data is None \
                and not self.entry_date.errors:
            self.entry_date.errors = [_("Give the timeline entry its date.")]
            valid = False
        return valid

    def entry(self) -> dict | None:
        if not self.entry_title.data:
            return None
        return {"date": self.entry_date.data, "title": self.entry_title.data,
                "description": self.entry_description.data}


class TimelineEntryForm(Form):
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Fill in this field."))],
                     invalid_value_message=NOT_A_DATE)
    title = TranslatedField(_l("Title"), required=True, max_length=TITLE_MAX,
                            description=_l("What happened: “Tender published”, “Works "
                                           "started”…"))
    description = rich_text_field(_l("Description"), rows=4, max_length=DESCRIPTION_MAX)
    submit = SubmitField(_l("Save the entry"))

    def values(self) -> dict:
        return {"date": self.date.data, "title": self.title.data,
                "description": self.description.data}


# --- statuses --------------------------------------------------------------------------------

class StatusForm(Form):
    key = StringField(
        _l("Key"), filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[required(), Regexp(STATUS_KEY_PATTERN, message=_l(
            "Use 1 to 40 lowercase letters without accents, digits and _."))],
        description=_l("How CSV files name this status, for example in_progress."),
    )
    name = TranslatedField(_l("Name"), required=True, max_length=NAME_MAX)
    description = rich_text_field(_l("Description"), rows=3,
                                  max_length=STATUS_DESCRIPTION_MAX)
    progress = percent_field(_l("Progress (%)"),
                             _l("The progress of a result that reaches this status, unless "
                                "it was set by hand. Leave it empty to keep the result's."))
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {name: self[name].data for name in ("key", "name", "description", "progress")}


# --- results from a budget, CSV import --------------------------------------------------------

class FromBudgetForm(Form):
    budget_id = SelectField(_l("Budget"), coerce=optional_id, validate_choice=False)
    submit = SubmitField(_l("Create the results"))

    def __init__(self, budgets, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget_id.choices = [SelectChoice("", _("Choose a budget")), *(
            SelectChoice(budget.id, f"{translate(budget.component.name)} · "
                                    f"{translate(budget.title)}") for budget in budgets)]
        self.budgets = {budget.id: budget for budget in budgets}

    def validate_budget_id(self, field):
        if field.data is None:
            raise ValidationError(_("Choose a budget."))
        if field.data not in self.budgets:
            raise ValidationError(_("Choose a budget from the list."))

    @property
    def budget(self):
        return self.budgets[self.budget_id.data]


class ImportForm(Form):
    file = FileField(
        _l("Results file (CSV)"),
        validators=[FileRequired(message=_l("Choose the CSV file.")),
                    FileAllowed(["csv"], message=_l("Choose a CSV file (its name ends in "
                                                    ".csv)."))],
        description=_l("UTF-8 text with the columns of the export. A result whose reference "
                       "exists is updated; the others are created."),
    )
    submit = SubmitField(_l("Import"))


# --- residents ---------------------------------------------------------------------------------



class ConfirmForm(Form):
    """A follower's answer to "Is it done as promised?" about a completed result."""

    answer = RadioField(
        _l("Is it done as promised?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("partly", _l("Partly")),
                 SelectChoice("no", _l("No"))],
        invalid_choice_message=_l("Choose yes, partly or no."),
    )
    comment = TextAreaField(
        _l("Your comment (optional)"), validators=[max_length(COMMENT_MAX)],
        description=_l("Plain text, at most %(max)d characters. It is shown on this page "
                       "with your nickname.", max=COMMENT_MAX),
        render_kw={"rows": 4, "maxlength": COMMENT_MAX},
    )
    submit = SubmitField(_l("Send my answer"))
