"""Follows and notifications. Services flush, never commit, and raise DomainError.

Other modules tell residents what happened with `notify` (to chosen users) or
`notify_followers` (to whoever follows a resource). Each event becomes one Notification
per resident, shown under the bell; it is e-mailed at once through the outbox to residents
who chose "every event", and gathered into a daily or weekly digest by `send_digests` for
the others. The sentence of each event lives here (`describe`), so the list, the e-mails
and the digests say the same thing, in the reader's language.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import g
from flask import has_request_context
from flask import url_for
from flask_babel import force_locale
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload
from sqlalchemy.orm import with_polymorphic
from sqlalchemy.orm.attributes import set_committed_value

from decide.core.i18n import translate
from decide.core.mail import public_url_for
from decide.core.mail import queue_email
from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import make_token
from decide.core.services import read_token
from decide.extensions import db
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import PhaseActivation
from decide.spaces.services import can_see_process
from decide.spaces.services import can_see_resource
from decide.spaces.views import resource_url

FREQUENCIES = ("every", "daily", "weekly", "none")
FREQUENCY_LABELS = {
    "every": _l("Every event, by e-mail as it happens"),
    "daily": _l("A daily digest"),
    "weekly": _l("A weekly digest"),
    "none": _l("No e-mail (notifications stay on this site)"),
}
DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# An unsubscribe link keeps working in old e-mails for a year.
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)
# A phase activated longer ago than this is old news: marked as told, nobody is told.
PHASE_NEWS_MAX_AGE = timedelta(days=7)
# Events about a new item by a resident also reach the followers of that resident and of
# the process (as Decidim does for a published proposal).
AUTHOR_EVENTS = frozenset({"proposal_published"})
COMMENT_EVENTS = frozenset({"comment_created", "comment_reply", "mention"})

REASON_LABELS = {
    "spam": _l("spam"),
    "offensive": _l("offensive"),
    "does_not_belong": _l("does not belong"),
}


# --- follows ------------------------------------------------------------------------------

def _target(resource, process, followed_user) -> dict:
    """The one column a follow points at; exactly one target is required."""
    targets = {
        "resource_id": resource.id if resource is not None else None,
        "process_id": process.id if process is not None else None,
        "followed_user_id": followed_user.id if followed_user is not None else None,
    }
    chosen = {column: value for column, value in targets.items() if value is not None}
    if len(chosen) != 1:
        raise TypeError("Follow exactly one resource, process or user.")
    return chosen


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_follow(user, *, resource=None, process=None, followed_user=None) -> bool:
    """Signed-in residents follow what they can see, and other residents (not themselves,
    not a blocked or deleted account)."""
    if not _signed_in(user):
        return False
    if resource is not None:
        return can_see_resource(user, resource)
    if process is not None:
        return can_see_process(user, process)
    return followed_user is not None and followed_user.id != user.id and followed_user.is_active


def _follow_query(user, target: dict):
    conditions = [getattr(Follow, column) == value for column, value in target.items()]
    return select(Follow).where(Follow.user_id == user.id, *conditions)


def follow(user: User, *, resource=None, process=None, followed_user=None) -> Follow:
    """Follow a resource, a process or a resident; following twice changes nothing."""
    target = _target(resource, process, followed_user)
    if target.get("followed_user_id") == user.id:
        raise DomainError(_("You cannot follow yourself."))
    existing = db.session.scalars(_follow_query(user, target)).first()
    if existing is not None:
        return existing
    created = Follow(user_id=user.id, **target)
    try:
        with db.session.begin_nested():  # a concurrent request may have followed first
            db.session.add(created)
    except IntegrityError:
        return db.session.scalars(_follow_query(user, target)).one()
    return created


def unfollow(user: User, *, resource=None, process=None, followed_user=None) -> None:
    target = _target(resource, process, followed_user)
    conditions = [getattr(Follow, column) == value for column, value in target.items()]
    db.session.execute(delete(Follow).where(Follow.user_id == user.id, *conditions))
    db.session.flush()


def is_following(user, *, resource=None, process=None, followed_user=None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    target = _target(resource, process, followed_user)
    return db.session.scalar(_follow_query(user, target).with_only_columns(Follow.id)) is not None


def _thread_resource(resource):
    """What a comment is about (its thread's proposal or debate); any other resource itself."""
    while getattr(resource, "commentable", None) is not None:
        resource = resource.commentable
    return resource


def followers(resource) -> set[int]:
    """The ids of the residents following a resource or, for a comment, its thread."""
    ids = {resource.id, _thread_resource(resource).id}
    return set(db.session.scalars(select(Follow.user_id).where(Follow.resource_id.in_(ids))))


# --- notifying ----------------------------------------------------------------------------

def _told_in_this_transaction() -> set:
    """(user id, subject) pairs told in the current transaction: a resident hears once per
    change, e.g. a reply is not told again as "a new comment" on a followed proposal (the
    first event wins, so callers tell the most specific one first)."""
    session = db.session()  # the session itself: the scoped proxy has no get_transaction
    transaction = session.get_transaction()
    info = session.info
    if info.get("decide.notified_in") is not transaction:
        info["decide.notified_in"] = transaction
        info["decide.notified"] = set()
    return info["decide.notified"]


def _subject(event: str, resource, process) -> tuple:
    """What a notification is about: for comment events, the thread; else the thing itself."""
    if resource is not None:
        about = _thread_resource(resource) if event in COMMENT_EVENTS else resource
        return ("resource", about.id)
    return ("process", process.id if process is not None else None)


def _may_know(user: User, event: str, resource, process) -> bool:
    """Nobody is told about what they cannot see (an unpublished process, a hidden item),
    except the author told that their content was hidden."""
    if event == "content_hidden":
        return True
    if resource is not None:
        return can_see_resource(user, resource)
    return process is None or can_see_process(user, process)


def notify(event: str, users, *, resource=None, process=None, actor=None,
           **data) -> list[Notification]:
    """One notification per distinct resident in `users` (User rows or ids), never the actor,
    never a deleted or blocked account, never about what the resident cannot see; e-mailed
    at once to those who chose every event."""
    ids = {each if isinstance(each, int) else each.id for each in users if each is not None}
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return []
    db.session.flush()  # a transaction exists from here on
    told = _told_in_this_transaction()
    subject = _subject(event, resource, process)
    ids = {user_id for user_id in ids if (user_id, subject) not in told}
    recipients = [user for user in db.session.scalars(
        select(User).where(User.id.in_(ids), User.deleted_at.is_(None),
                           User.blocked_at.is_(None))
        .options(selectinload(User.process_roles)).order_by(User.id)
    ) if _may_know(user, event, resource, process)] if ids else []
    now = utcnow()
    created = []
    for user in recipients:
        notification = Notification(user=user, event=event, resource=resource, process=process,
                                    actor=actor, data=data, created_at=now)
        db.session.add(notification)
        created.append(notification)
        told.add((user.id, subject))
    db.session.flush()
    for notification in created:
        if notification.user.notifications_email == "every":
            _email_one(notification)
            notification.emailed_at = now
    db.session.flush()
    return created


def notify_followers(event: str, resource, *, actor=None, also=(), **data) -> list[Notification]:
    """The followers of the resource (of its thread, for a comment), plus the users in `also`;
    for a new item by a resident, the followers of the author and of the process too."""
    ids = followers(resource)
    if event in AUTHOR_EVENTS:
        conditions = [Follow.process_id == resource.component.process_id]
        if resource.author_id is not None:
            conditions.append(Follow.followed_user_id == resource.author_id)
        ids |= set(db.session.scalars(select(Follow.user_id).where(db.or_(*conditions))))
    ids |= {each if isinstance(each, int) else each.id for each in also if each is not None}
    return notify(event, ids, resource=resource, actor=actor, **data)


def notify_phase_activations() -> int:
    """Tell the followers of each process that a phase started, once per activation.

    Each activation is claimed with one UPDATE (so concurrent runs never tell twice) and
    told in the same transaction. Returns how many notifications were made.
    """
    now = utcnow()
    claimed = db.session.scalars(
        update(PhaseActivation).where(PhaseActivation.notified_at.is_(None))
        .values(notified_at=now).returning(PhaseActivation.id),
        execution_options={"synchronize_session": False},
    ).all()
    if not claimed:
        return 0
    activations = db.session.scalars(
        select(PhaseActivation).where(PhaseActivation.id.in_(claimed))
        .order_by(PhaseActivation.id).execution_options(populate_existing=True)
    ).all()
    phases = {phase.id: phase for phase in db.session.scalars(
        select(Phase).where(Phase.id.in_({a.phase_id for a in activations}))
        .options(selectinload(Phase.process))
    )}
    made = 0
    for activation in activations:
        phase = phases[activation.phase_id]
        if activation.activated_at < now - PHASE_NEWS_MAX_AGE or not phase.active:
            continue  # old news, or another phase has taken over since
        ids = set(db.session.scalars(
            select(Follow.user_id).where(Follow.process_id == activation.process_id)
        ))
        actor = db.session.get(User, activation.activated_by_id) \
            if activation.activated_by_id else None
        made += len(notify("phase_activated", ids, process=phase.process, actor=actor,
                           phase_title=dict(phase.title)))
    return made


# --- e-mail -------------------------------------------------------------------------------

def unsubscribe_token(user: User) -> str:
    return make_token("unsubscribe", {"u": user.id})


def unsubscribe_url(user: User) -> str:
    return public_url_for("notifications.unsubscribe", token=unsubscribe_token(user))


def _email_one(notification: Notification) -> None:
    user = notification.user
    with force_locale(user.locale):
        notice = describe(notification, user, external=True)
        subject = _shorten(notice.text)
    queue_email(user, subject, "notification", notice=notice, notification=notification,
                unsubscribe=unsubscribe_url(user),
                preferences=public_url_for("notifications.preferences"))


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def send_digests(frequency: str) -> int:
    """One e-mail per resident who chose this digest, with the notifications of the period
    not e-mailed yet. Claimed with one UPDATE and queued in the same transaction, so a
    re-run (or a concurrent run) sends nothing twice. Returns how many e-mails were queued.
    """
    if frequency not in DIGEST_PERIODS:
        raise DomainError(_("Choose a daily or a weekly digest."))
    now = utcnow()
    readers = select(User.id).where(User.notifications_email == frequency,
                                    User.deleted_at.is_(None), User.blocked_at.is_(None))
    claimed = db.session.scalars(
        update(Notification)
        .where(Notification.emailed_at.is_(None),
               Notification.created_at >= now - DIGEST_PERIODS[frequency],
               Notification.user_id.in_(readers))
        .values(emailed_at=now).returning(Notification.id),
        execution_options={"synchronize_session": False},
    ).all()
    if not claimed:
        return 0
    notifications = load_notifications(
        select(Notification).where(Notification.id.in_(claimed))
        .options(selectinload(Notification.user).selectinload(User.process_roles))
        .order_by(Notification.user_id, Notification.created_at.desc(), Notification.id.desc())
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in notifications:
        by_user.setdefault(notification.user_id, []).append(notification)
    for entries in by_user.values():
        user = entries[0].user
        with force_locale(user.locale):
            subject = ngettext("%(num)d new notification", "%(num)d new notifications",
                               len(entries))
        queue_email(user, subject, "notification_digest", notifications=entries,
                    frequency=frequency, unsubscribe=unsubscribe_url(user),
                    preferences=public_url_for("notifications.preferences"))
    db.session.flush()
    return len(by_user)


# --- the resident's list and preferences ------------------------------------------------

def load_notifications(query) -> list[Notification]:
    """Notifications with everything their sentences need, in a fixed number of queries:
    the actor and process are joined; the resources of every kind come in one query (with
    their components and processes), and what comments are about in another."""
    notifications = db.session.scalars(
        query.options(joinedload(Notification.actor), joinedload(Notification.process))
    ).unique().all()
    resources = _load_resources({n.resource_id for n in notifications})
    threads = _load_resources({getattr(r, "commentable_id", None) for r in resources.values()}
                              - resources.keys())
    threads.update(resources)
    for resource in resources.values():
        if getattr(resource, "commentable_id", None) is not None:
            set_committed_value(resource, "commentable", threads[resource.commentable_id])
    for notification in notifications:
        set_committed_value(notification, "resource", resources.get(notification.resource_id))
    return notifications


def _load_resources(ids: set) -> dict[int, Resource]:
    ids = {each for each in ids if each is not None}
    if not ids:
        return {}
    every_kind = with_polymorphic(Resource, "*")
    return {resource.id: resource for resource in db.session.scalars(
        select(every_kind).where(every_kind.id.in_(ids))
        .options(selectinload(every_kind.component).selectinload(Component.process))
    )}


def list_notifications(user: User, *, page: int, per_page: int) -> list[Notification]:
    return load_notifications(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )


def count_notifications(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id)
    )


def unread_count(user) -> int:
    """The number under the bell: one query, once per request."""
    if user is None or not user.is_authenticated:
        return 0
    key = f"unread_notifications_{user.id}"
    if has_request_context() and key in g:
        return g.get(key)
    count = db.session.scalar(
        select(func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    if has_request_context():
        setattr(g, key, count)
    return count


def mark_read(user: User, notification: Notification | None = None) -> int:
    """Mark one notification of the user as read, or all of them (None)."""
    conditions = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if notification is not None:
        if notification.user_id != user.id:
            raise DomainError(_("This notification is not yours."))
        conditions.append(Notification.id == notification.id)
    changed = db.session.execute(
        update(Notification).where(*conditions).values(read_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    db.session.flush()
    return changed


def set_notification_preferences(user: User, frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise DomainError(_("Choose one of the options."), field="frequency")
    user.notifications_email = frequency
    db.session.flush()


def unsubscribe(token: str) -> User:
    """The one-click link of every notification e-mail: no more notification e-mail."""
    payload = read_token("unsubscribe", token, UNSUBSCRIBE_MAX_AGE)
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or user.is_deleted:
        raise DomainError(_("This link is not valid. Check that you copied all of it."))
    user.notifications_email = "none"
    db.session.flush()
    return user


# --- what each notification says ----------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """A notification as a reader sees it: the sentence, where it leads (None when the thing
    is gone or out of the reader's sight) and, then, why there is no link."""

    text: str
    url: str | None
    note: str | None
    created_at: datetime
    unread: bool


def _actor_name(notification: Notification) -> str:
    actor = notification.actor
    if actor is None:
        return _("Someone")
    if actor.is_deleted:
        return _("A deleted participant")
    if actor.is_blocked:
        return _("A blocked participant")
    return actor.name or actor.nickname


def _title(resource) -> str:
    return _thread_resource(resource).summary if resource is not None else ""


def _answer_sentence(state: str | None) -> str:
    sentences = {
        "evaluating": _l("The proposal “%(title)s” is being evaluated."),
        "accepted": _l("The proposal “%(title)s” has been accepted."),
        "rejected": _l("The proposal “%(title)s” has been rejected."),
    }
    return str(sentences.get(state, _l("The proposal “%(title)s” has been answered.")))


def _hidden_sentence(notification: Notification) -> str:
    resource = notification.resource
    if resource is not None and getattr(resource, "commentable", None) is not None:
        text = _("Your comment on “%(title)s” was hidden by moderation.", title=_title(resource))
    else:
        text = _("Your contribution “%(title)s” was hidden by moderation.",
                 title=_title(resource))
    reason = (notification.data or {}).get("reason")
    if isinstance(reason, str) and reason.strip():
        label = REASON_LABELS.get(reason)
        text += " " + _("Reason: %(reason)s.", reason=str(label) if label else reason.strip())
    return text


def _sentence(notification: Notification) -> str:
    values = {"actor": _actor_name(notification), "title": _title(notification.resource)}
    data = notification.data or {}
    event = notification.event
    if event == "comment_created":
        return _("%(actor)s commented on “%(title)s”.", **values)
    if event == "comment_reply":
        return _("%(actor)s replied to your comment on “%(title)s”.", **values)
    if event == "mention":
        return _("%(actor)s mentioned you in a comment on “%(title)s”.", **values)
    if event == "proposal_published":
        return _("%(actor)s published a new proposal: “%(title)s”.", **values)
    if event == "proposal_answered":
        return _answer_sentence(data.get("state")) % values
    if event == "support_threshold_reached":
        return _("The proposal “%(title)s” has reached the number of supports it needed.",
                 **values)
    if event == "phase_activated":
        process = notification.process
        return _("The phase “%(phase)s” of “%(process)s” has started.",
                 phase=translate(data.get("phase_title")),
                 process=translate(process.title) if process is not None else "")
    if event == "content_hidden":
        return _hidden_sentence(notification)
    if event == "debate_closed":
        return _("The debate “%(title)s” has been closed.", **values)
    if event == "proposal_imported":
        return _("The proposal “%(title)s” is now a project of the budget “%(budget)s”.",
                 budget=translate(data.get("budget_title")), **values)
    if event == "result_created":
        return _("Something you took part in is now the result “%(title)s” of the council: "
                 "follow it to hear how it goes.", **values)
    if event == "result_status_changed":
        return _("The result “%(title)s” is now “%(status)s”.",
                 status=translate(data.get("status")), **values)
    if event == "result_progress_updated":
        progress = data.get("progress")
        return _("The result “%(title)s” is now %(progress)s done.",
                 progress=format_percent((progress if isinstance(progress, int) else 0) / 100),
                 **values)
    if event == "result_timeline_added":
        return _("New step in the result “%(title)s”: %(entry)s.",
                 entry=translate(data.get("entry")), **values)
    if event == "result_completed":
        return _("The result “%(title)s” is completed. Is it done as promised? Tell us on its "
                 "page.", **values)
    return _("There is news about “%(title)s”.", **values)


def _where(notification: Notification, viewer, external: bool) -> tuple[str | None, str | None]:
    """The link of a notification for this reader, or None and why."""
    resource, process = notification.resource, notification.process
    if notification.event == "content_hidden":
        return None, None  # the sentence says it all; the author cannot open it any more
    if resource is not None:
        if resource.is_hidden or not can_see_resource(viewer, resource):
            return None, _("This content is no longer available.")
        if getattr(resource, "deleted_at", None) is not None:
            thread = _thread_resource(resource)
            return resource_url(thread, external=external), _("The comment has been deleted.")
        return resource_url(resource, external=external), None
    if process is not None:
        if not can_see_process(viewer, process):
            return None, _("This process is no longer available.")
        if external:
            return public_url_for("processes.show", slug=process.slug), None
        return url_for("processes.show", slug=process.slug), None
    return None, None


def describe(notification: Notification, viewer=None, external: bool = False) -> Notice:
    """The sentence and link of a notification, in the current language, for `viewer`
    (the recipient; the signed-in resident by default)."""
    viewer = viewer if viewer is not None else current_user
    url, note = _where(notification, viewer, external)
    return Notice(text=_sentence(notification), url=url, note=note,
                  created_at=notification.created_at, unread=notification.read_at is None)

