"""The report form residents fill in, and the forms of the moderators' back office."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import StopValidation

from decide.core.forms import Form
from decide.core.forms import max_length
from decide.moderation.services import DETAILS_MAX_LENGTH
from decide.moderation.services import JUSTIFICATION_LENGTH

# What each reason means, as residents read it next to its radio button.
REASON_LABELS = {
    "spam": _l("Spam: advertising, scams or the same message again and again"),
    "offensive": _l("Offensive: insults, harassment, hate or discrimination"),
    "does_not_belong": _l("Does not belong here: off topic, illegal, or someone's personal "
                          "data"),
}
# The short names moderators see in the queue.
REASON_NAMES = {
    "spam": _l("Spam"),
    "offensive": _l("Offensive"),
    "does_not_belong": _l("Does not belong"),
}


class ReasonField(RadioField):
    """One message for each way of getting it wrong: nothing chosen, or a value not offered."""

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation(_("Choose a reason."))
        if self.data not in REASON_LABELS:
            raise StopValidation(_("Choose one of the reasons."))


class ReportForm(Form):
    reason = ReasonField(_l("Why are you reporting it?"),
                         choices=[SelectChoice(key, label) for key, label in REASON_LABELS.items()])
    details = TextAreaField(
        _l("Details (optional)"),
        validators=[max_length(DETAILS_MAX_LENGTH)],
        description=_l("What should the moderators know? At most %(max)d characters.",
                       max=DETAILS_MAX_LENGTH),
        render_kw={"rows": 4, "maxlength": DETAILS_MAX_LENGTH},
    )
    submit = SubmitField(_l("Send the report"))


class ModerationActionForm(Form):
    """A button of the queue (hide, show again, dismiss): the token and where to go back."""

    next = HiddenField()


class BlockForm(Form):
    justification = TextAreaField(
        _l("Justification"),
        validators=[Length(min=JUSTIFICATION_LENGTH[0], max=JUSTIFICATION_LENGTH[1],
                           message=_l("Use between %(min)d and %(max)d characters."))],
        description=_l("Why this account is blocked, for the other admins and the action log "
                       "(%(min)d to %(max)d characters).", min=JUSTIFICATION_LENGTH[0],
                       max=JUSTIFICATION_LENGTH[1]),
        render_kw={"rows": 5, "maxlength": JUSTIFICATION_LENGTH[1]},
    )
    hide_content = BooleanField(
        _l("Also hide everything this participant wrote"),
        description=_l("Unblocking later restores the account only: the hidden content stays "
                       "hidden until a moderator shows each item again."),
    )
    submit = SubmitField(_l("Block the participant"))


class QueueFilterForm(Form):
    """The queue's filter by process: a GET form, so a filtered queue is an address."""

    class Meta:
        csrf = False  # it only reads

    tab = HiddenField()
    process_id = SelectField(_l("Process"), choices=[], validate_choice=False)

    def __init__(self, formdata, *, processes):
        super().__init__(formdata)
        self.process_id.choices = [SelectChoice("", _l("All my processes")),
                                   *(SelectChoice(key, title) for key, title in processes)]

    def chosen_process(self) -> int | None:
        """The chosen process's id when it is one of the choices, else None (all)."""
        value = self.process_id.data or ""
        offered = {choice.value for choice in self.process_id.choices if choice.value}
        return int(value) if value in offered else None
