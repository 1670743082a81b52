"""Reports, hiding and blocking. Services flush, never commit, and raise DomainError.

Every moderation action is written to the action log in the same transaction (an automatic
hide by the report threshold too, with no actor: "the system").
"""

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from decide.core.i18n import current_organization
from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import new_token
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.extensions import db
from decide.moderation.models import REASONS
from decide.moderation.models import Report
from decide.moderation.models import UserBlock
from decide.notifications.services import notify
from decide.spaces.models import Role
from decide.spaces.services import can_moderate
from decide.spaces.services import can_see_resource

DETAILS_MAX_LENGTH = 500
JUSTIFICATION_LENGTH = (15, 1000)


# --- permissions ------------------------------------------------------------------------

def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def report_refusal(user, resource=None, reported_user=None) -> str | None:
    """Why `user` may not report this item, or None when they may.

    Cheap on purpose (no query once the item is loaded), so a list can show a report link on
    each of its items; a second report of the same item is refused by `report`.
    """
    if not _active(user):
        return _("Sign in to report.")
    if resource is not None:
        if resource.author_id == user.id:
            return _("You cannot report what you wrote.")
        if resource.is_hidden:
            return _("This item is already hidden by the moderators.")
        if getattr(resource, "deleted_at", None) is not None or not can_see_resource(user,
                                                                                    resource):
            return _("This item cannot be reported.")
        return None
    if reported_user is not None:
        if reported_user.id == user.id:
            return _("You cannot report yourself.")
        if reported_user.is_deleted or reported_user.is_blocked:
            return _("This participant cannot be reported.")
        return None
    return _("This item cannot be reported.")


def can_report(user, resource=None, reported_user=None) -> bool:
    """Signed-in, active residents report what they see and did not write, and others."""
    return report_refusal(user, resource=resource, reported_user=reported_user) is None


def moderated_process_ids(user) -> set[int] | None:
    """None means every process (organization admin); otherwise the processes whose queue
    the user works: as their process admin or moderator."""
    if user.admin:
        return None
    return {role.process_id for role in user.process_roles
            if role.role in (Role.PROCESS_ADMIN, Role.MODERATOR)}


def can_moderate_somewhere(user) -> bool:
    """Who opens the moderation queue: admins, and process admins and moderators."""
    if not _active(user):
        return False
    return moderated_process_ids(user) != set()


def can_block(user) -> bool:
    return _active(user) and user.admin


# --- reports ----------------------------------------------------------------------------

def has_reported(user, *, resource=None, reported_user=None) -> bool:
    if not _active(user):
        return False
    target = (Report.resource_id == resource.id if resource is not None
              else Report.reported_user_id == reported_user.id)
    return db.session.scalar(select(Report.id).where(Report.user_id == user.id, target)) \
        is not None


def _open_reasons(resource: Resource) -> list[str]:
    return list(db.session.scalars(
        select(Report.reason).where(Report.resource_id == resource.id,
                                    Report.dismissed_at.is_(None))
    ))


def _main_reason(reasons: list[str]) -> str | None:
    """The reason given most often (the first of REASONS on a tie)."""
    if not reasons:
        return None
    counts = Counter(reasons)
    return max(REASONS, key=lambda reason: (counts[reason], -REASONS.index(reason)))


def report(user, *, resource: Resource | None = None, reported_user: User | None = None,
           reason: str, details: str = "") -> Report:
    """A resident reports a resource or another resident, once per item.

    When the open reports of a resource reach the organization's threshold, it is hidden at
    once and its author is told why.
    """
    if (resource is None) == (reported_user is None):
        raise ValueError("Report one resource or one participant.")
    if reason not in REASONS:
        raise DomainError(_("Choose one of the reasons."), field="reason")
    details = (details or "").strip()
    if len(details) > DETAILS_MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=DETAILS_MAX_LENGTH),
                          field="details")
    refusal = report_refusal(user, resource=resource, reported_user=reported_user)
    if refusal:
        raise DomainError(refusal)
    already = _("You have already reported this. The moderators will review it.")
    if has_reported(user, resource=resource, reported_user=reported_user):
        raise DomainError(already)
    entry = Report(user_id=user.id, resource_id=resource.id if resource else None,
                   reported_user_id=reported_user.id if reported_user else None,
                   reason=reason, details=details)
    try:
        with db.session.begin_nested():  # the same report sent twice at once
            db.session.add(entry)
    except IntegrityError as error:
        raise DomainError(already) from error
    if resource is not None:
        reasons = _open_reasons(resource)
        if len(reasons) >= current_organization().report_threshold and \
                _hide(resource):
            reason = _main_reason(reasons)
            record_action(None, "hide", resource, process_id=_process_id(resource),
                          details={"reason": reason, "automatic": True})
            _tell_author(resource, reason)
    return entry


# --- hiding -----------------------------------------------------------------------------

def _process_id(resource: Resource) -> int:
    return resource.component.process_id


def _hide(resource: Resource) -> bool:
    """Hide unless already hidden; False when another request hid it first.

    A conditional UPDATE: two reports reaching the threshold at once hide (and tell the
    author) once, as the second waits for the first's row lock and then matches nothing.
    """
    result = db.session.execute(
        update(Resource).where(Resource.id == resource.id, Resource.hidden_at.is_(None))
        .values(hidden_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.refresh(resource, ["hidden_at"])
    return result.rowcount == 1


def _tell_author(resource: Resource, reason: str | None) -> None:
    if resource.author is not None:
        notify("content_hidden", [resource.author], resource=resource, reason=reason)


def _check_moderator(actor: User, resource: Resource) -> None:
    if not can_moderate(actor, resource.component.process):
        raise DomainError(_("Only the moderators of this process can do this."))


def hide_resource(actor: User, resource: Resource, reason: str | None = None) -> None:
    """A moderator hides an item: out of every list and page; its author is told why
    (the reason given, else the one its open reports give most)."""
    _check_moderator(actor, resource)
    if reason is not None and reason not in REASONS:
        raise DomainError(_("Choose one of the reasons."), field="reason")
    reason = reason or _main_reason(_open_reasons(resource))
    if not _hide(resource):
        raise DomainError(_("This item is already hidden."))
    record_action(actor, "hide", resource, process_id=_process_id(resource),
                  details={"reason": reason} if reason else {})
    _tell_author(resource, reason)


def unhide_resource(actor: User, resource: Resource) -> None:
    """Show a hidden item again. Its open reports stay (as in Decidim): dismiss them too when
    the item is fine, or the next report hides it again."""
    _check_moderator(actor, resource)
    if not resource.is_hidden:
        raise DomainError(_("This item is not hidden."))
    resource.hidden_at = None
    db.session.flush()
    record_action(actor, "unhide", resource, process_id=_process_id(resource))


def dismiss_reports(actor: User, *, resource: Resource | None = None,
                    reported_user: User | None = None) -> int:
    """Close the open reports of an item (they leave the queue and the threshold count);
    a hidden item stays hidden. Returns how many were dismissed."""
    if (resource is None) == (reported_user is None):
        raise ValueError("Dismiss the reports of one resource or one participant.")
    if resource is not None:
        _check_moderator(actor, resource)
        target = Report.resource_id == resource.id
    else:
        _check_admin(actor)
        target = Report.reported_user_id == reported_user.id
    result = db.session.execute(
        update(Report).where(target, Report.dismissed_at.is_(None))
        .values(dismissed_at=utcnow(), dismissed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        raise DomainError(_("There are no open reports to dismiss."))
    record_action(actor, "dismiss_reports", resource if resource is not None else reported_user,
                  process_id=_process_id(resource) if resource is not None else None,
                  details={"count": result.rowcount})
    return result.rowcount


# --- blocking ---------------------------------------------------------------------------

def _check_admin(actor: User) -> None:
    if not can_block(actor):
        raise DomainError(_("Only organization admins can do this."))


def block_user(actor: User, user: User, *, justification: str,
               hide_content: bool = False) -> UserBlock:
    """An admin blocks an account: no sign-in (open sessions end), the profile says "blocked
    participant", and with `hide_content` everything the user wrote is hidden."""
    _check_admin(actor)
    if user.id == actor.id:
        raise DomainError(_("You cannot block yourself."))
    if user.admin:
        raise DomainError(_("Admins cannot be blocked. Take the admin role away first."))
    if user.is_deleted:
        raise DomainError(_("This account is deleted."))
    if user.is_blocked:
        raise DomainError(_("This participant is already blocked."))
    justification = (justification or "").strip()
    shortest, longest = JUSTIFICATION_LENGTH
    if not shortest <= len(justification) <= longest:
        raise DomainError(_("Use between %(min)d and %(max)d characters.", min=shortest,
                            max=longest), field="justification")
    now = utcnow()
    user.blocked_at = now
    user.session_token = new_token()  # every open session of the account ends
    block = UserBlock(user_id=user.id, blocked_by_id=actor.id, justification=justification,
                      hide_content=bool(hide_content), created_at=now)
    db.session.add(block)
    hidden = 0
    if hide_content:
        hidden = db.session.execute(
            update(Resource).where(Resource.author_id == user.id, Resource.hidden_at.is_(None))
            .values(hidden_at=now).execution_options(synchronize_session="fetch")
        ).rowcount
    db.session.flush()
    record_action(actor, "block", user, details={"hide_content": bool(hide_content),
                                                 "hidden": hidden})
    return block


def unblock_user(actor: User, user: User) -> None:
    """Restore the account. What the block hid stays hidden until a moderator shows it
    again, item by item (as in Decidim)."""
    _check_admin(actor)
    if not user.is_blocked:
        raise DomainError(_("This participant is not blocked."))
    user.blocked_at = None
    now = utcnow()
    db.session.execute(
        update(UserBlock).where(UserBlock.user_id == user.id, UserBlock.unblocked_at.is_(None))
        .values(unblocked_at=now, unblocked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    record_action(actor, "unblock", user)
