from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SubmitField
from wtforms import TextAreaField

from decide.comments.services import ALIGNMENT_LABELS
from decide.comments.services import MAX_LENGTH
from decide.core.forms import Form
from decide.core.forms import max_length
from decide.core.forms import required

ALIGNMENT_MESSAGE = _l("Choose in favour, against or neutral.")


def _whole_number(value) -> int | None:
    """A number typed as text; what is not one matches no choice (the field then says so)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def body_field(label=None):
    return TextAreaField(
        label or _l("Comment"), validators=[required(), max_length(MAX_LENGTH)],
        description=_l("Plain text, at most %(max)d characters. Write @nickname to let a "
                       "participant know.", max=MAX_LENGTH),
        render_kw={"rows": 4, "maxlength": MAX_LENGTH},
    )


class CommentForm(Form):
    """A new comment, or a reply when `parent_id` is set."""

    body = body_field()
    alignment = RadioField(
        _l("Your position"),
        choices=[SelectChoice(value, label) for value, label in ALIGNMENT_LABELS.items()],
        coerce=_whole_number, default=0, invalid_choice_message=ALIGNMENT_MESSAGE,
    )
    parent_id = HiddenField()
    submit = SubmitField(_l("Publish the comment"))


class ReplyForm(Form):
    """A reply, on the page of a comment's "Reply" link (the comment is in the address)."""

    body = body_field(_l("Your reply"))
    submit = SubmitField(_l("Publish the reply"))


class EditCommentForm(Form):
    body = body_field()
    submit = SubmitField(_l("Save the comment"))


class VoteForm(Form):
    weight = HiddenField()


class DeleteCommentForm(Form):
    """Only the CSRF token: the button that deletes a comment."""
