"""Closing the loop: whom a result offers to follow it, and the residents' answer, once, to
"Is it done as promised?" when it is completed, shown beside the council's own status.
Services flush, never commit, and raise DomainError with a translatable message."""

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from decide.components.accountability.models import ANSWERS
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Confirmation
from decide.components.accountability.models import Result
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.core.models import ResourceLink
from decide.core.services import DomainError
from decide.extensions import db
from decide.notifications.services import is_following
from decide.spaces.services import can_see_resource
from decide.verification.services import needs_verification

COMMENT_MAX = 1000  # characters of a resident's comment on their answer
COMMENTS_SHOWN = 20  # the latest commented answers on a result's page


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def follow_offer(user, result: Result) -> str | None:
    """Why to offer this resident to follow the result: "author", "supporter" or "voter" of
    something it carries out; None when they follow it already or took no part. Two
    queries."""
    if not _signed_in(user) or is_following(user, resource=result):
        return None
    linked = select(ResourceLink.to_id).where(ResourceLink.from_id == result.id)
    proposals = linked.where(ResourceLink.name == PROPOSAL_LINK)
    projects = linked.where(ResourceLink.name == PROJECT_LINK)
    authored, supported, voted = db.session.execute(select(
        select(Proposal.id).where(Proposal.id.in_(proposals), Proposal.author_id == user.id)
        .exists(),
        select(Support.id).where(Support.proposal_id.in_(proposals), Support.user_id == user.id)
        .exists(),
        select(OrderLine.id).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.project_id.in_(projects), Order.user_id == user.id,
               Order.checked_out_at.is_not(None)).exists(),
    )).one()
    if authored:
        return "author"
    if supported:
        return "supporter"
    return "voter" if voted else None


def confirmation_refusal(user, result: Result) -> str | None:
    """None when the resident may say whether the result was done as promised; else why not."""
    if not _signed_in(user):
        return _("Sign in to say whether this result was done as promised.")
    if not result.is_completed or not can_see_resource(user, result):
        return _("This result is not completed.")
    if not is_following(user, resource=result):
        return _("Only the residents who follow this result are asked whether it was done as "
                 "promised.")
    if db.session.scalar(select(Confirmation.id).where(
            Confirmation.result_id == result.id, Confirmation.user_id == user.id)) is not None:
        return _("You have already said whether this result was done as promised.")
    if needs_verification(user, result.component, "confirm"):
        return _("Verify your identity against the census to say whether this result was done "
                 "as promised.")
    return None


def can_confirm(user, result: Result) -> bool:
    return confirmation_refusal(user, result) is None


def confirm_result(user, result: Result, *, answer, comment="") -> Confirmation:
    """A follower's answer to "Is it done as promised?" ("yes", "partly" or "no") with an
    optional plain-text comment; once per resident and result."""
    if answer not in ANSWERS:
        raise DomainError(_("Choose one of the answers."), field="answer")
    # Plain text, escaped where shown; PostgreSQL refuses NUL characters in text.
    comment = comment.replace("\x00", "").strip() if isinstance(comment, str) else ""
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("Use at most %(max)d characters.", max=COMMENT_MAX),
                          field="comment")
    refusal = confirmation_refusal(user, result)
    if refusal:
        raise DomainError(refusal)
    confirmation = Confirmation(result_id=result.id, user_id=user.id, answer=answer,
                                comment=comment)
    try:
        with db.session.begin_nested():  # a second request of the same resident at once
            db.session.add(confirmation)
    except IntegrityError as error:
        raise DomainError(_("You have already said whether this result was done as "
                            "promised.")) from error
    return confirmation


def confirmation_summary(result: Result) -> dict:
    """The residents' answers: counts per answer and in all, and the latest answers with a
    comment (newest first, with their authors). Two queries."""
    counts = dict(db.session.execute(
        select(Confirmation.answer, func.count(Confirmation.id))
        .where(Confirmation.result_id == result.id).group_by(Confirmation.answer)
    ).all())
    summary_ = {answer: counts.get(answer, 0) for answer in ANSWERS}
    summary_["total"] = sum(counts.values())
    summary_["comments"] = db.session.scalars(
        select(Confirmation).where(Confirmation.result_id == result.id,
                                   Confirmation.comment != "")
        .options(joinedload(Confirmation.user))
        .order_by(Confirmation.created_at.desc(), Confirmation.id.desc())
        .limit(COMMENTS_SHOWN)
    ).all()
    return summary_
