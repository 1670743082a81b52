"""Comments: threads on any resource, replies up to three levels, alignment, votes, mentions.

Services flush, never commit. A thread loads in a fixed number of queries whatever its size
(the comments with their authors, the reader's votes, the nicknames mentioned) and is built
into a tree in Python. Counters (`comments_count` of the resource and of the parent comment,
`up_votes`/`down_votes`) change through SQL `UPDATE ... SET n = n + 1`, so concurrent
requests never lose one.
"""

import re
from dataclasses import dataclass
from dataclasses import field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from decide.comments.models import MAX_DEPTH
from decide.comments.models import Comment
from decide.comments.models import CommentVote
from decide.components import CommentRules
from decide.components import manifests
from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.extensions import db
from decide.notifications.services import follow
from decide.notifications.services import notify
from decide.notifications.services import notify_followers
from decide.spaces.services import can_moderate
from decide.spaces.services import can_see_resource
from decide.verification.services import is_verified

MAX_LENGTH = 1000
ALIGNMENTS = (1, 0, -1)
ALIGNMENT_LABELS = {1: _l("In favour"), 0: _l("Neutral"), -1: _l("Against")}
ORDERS = {
    "best": _l("Best rated"),
    "recent": _l("Most recent"),
    "oldest": _l("Oldest"),
    "most_discussed": _l("Most discussed"),
}
DEFAULT_ORDER = "best"
# "@nickname", not inside a word or an address ("ana@example.org", "/@ana").
MENTION = re.compile(r"(?<![\w@/.-])@([A-Za-z0-9_-]{3,20})(?![\w-])")
NO_RULES = CommentRules(enabled=False, blocked=True, alignment=False)


# --- rules and permissions ----------------------------------------------------------------

def comment_rules(resource: Resource) -> CommentRules:
    """What the resource's kind allows now; no comments for a kind without the hook."""
    manifest = manifests().get(resource.component.manifest_name)
    if manifest is None or manifest.comment_rules is None:
        return NO_RULES
    return manifest.comment_rules(resource) or NO_RULES


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def why_not_comment(user, resource: Resource, rules: CommentRules | None = None) -> str | None:
    """None when `user` may comment on `resource`; otherwise why not: "sign_in", "closed"
    (the conversation is over, e.g. a closed debate), "blocked" (comments blocked now),
    "disabled" (no comments at all), "hidden", "verify" (the kind asks for a resident
    verified against the census) or "not_allowed"."""
    rules = rules or comment_rules(resource)
    if not rules.enabled:
        return "disabled"
    if not can_see_resource(user, resource):
        return "not_allowed"
    if resource.is_hidden:
        return "hidden"
    if rules.blocked:
        return "closed" if getattr(resource, "is_closed", False) else "blocked"
    if user is None or not user.is_authenticated:
        return "sign_in"
    if not user.is_active:
        return "not_allowed"
    if rules.verified_only and not is_verified(user):
        return "verify"
    return None


def can_comment(user, resource: Resource) -> bool:
    """Signed in with an active account, the resource visible and not hidden, and its kind's
    comment rules enabled and not blocked."""
    return why_not_comment(user, resource) is None


def _is_author(user, comment: Comment) -> bool:
    return _signed_in(user) and comment.author_id == user.id


def _can_reply(open_: bool, comment: Comment) -> bool:
    return open_ and comment.depth < MAX_DEPTH and not comment.deleted_at \
        and not comment.is_hidden


def _can_vote(open_: bool, user, comment: Comment) -> bool:
    return open_ and not comment.deleted_at and not comment.is_hidden \
        and comment.author_id != user.id


def _can_edit(open_: bool, user, comment: Comment) -> bool:
    return open_ and _is_author(user, comment) and not comment.deleted_at \
        and not comment.is_hidden


def _can_delete(visible: bool, user, comment: Comment) -> bool:
    return visible and _is_author(user, comment) and not comment.deleted_at


def can_reply(user, comment: Comment) -> bool:
    """Where one may comment, a comment takes replies up to the third level, unless it was
    deleted or hidden."""
    return _can_reply(can_comment(user, comment.commentable), comment)


def can_vote_comment(user, comment: Comment) -> bool:
    """Where one may comment, on someone else's comment that is still shown."""
    return _can_vote(can_comment(user, comment.commentable), user, comment)


def can_edit_comment(user, comment: Comment) -> bool:
    """The author, while the conversation is open, unless the comment was deleted or hidden."""
    return _can_edit(can_comment(user, comment.commentable), user, comment)


def can_delete_comment(user, comment: Comment) -> bool:
    """The author, even once comments are blocked: one may always take back what one wrote."""
    return _can_delete(_signed_in(user) and can_see_resource(user, comment.commentable), user,
                       comment)


# --- the thread -----------------------------------------------------------------------------

@dataclass
class Node:
    """One comment of a thread, with its replies and what the reader may do with it."""

    comment: Comment
    # The author's nickname, read with the comment (no User object for each of hundreds of
    # comments); None once their account is deleted.
    author: str | None = None
    replies: list["Node"] = field(default_factory=list)
    my_vote: int = 0  # the reader's vote: 1, -1, or 0
    descendants: int = 0  # replies at every level, deleted ones included

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def score(self) -> int:
        return self.comment.up_votes - self.comment.down_votes

    @property
    def is_deleted(self) -> bool:
        return self.comment.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.comment.is_hidden


@dataclass
class Thread:
    """The comments of a resource as a tree, sorted, with the reader's permissions."""

    resource: Resource
    user: object  # the reader (current_user): macros imported without context need it
    order: str
    rules: CommentRules
    roots: list[Node]
    count: int  # the comments shown (neither deleted nor hidden)
    mentionable: frozenset[str]  # the nicknames mentioned that are active accounts
    moderator: bool  # sees the text of hidden comments
    why_not: str | None  # None: the reader may comment
    reader_id: int | None = field(init=False)  # signed in with an active account

    @property
    def enabled(self) -> bool:
        return self.rules.enabled

    @property
    def open(self) -> bool:
        return self.why_not is None

    @property
    def alignment(self) -> bool:
        return self.rules.alignment

    def __post_init__(self) -> None:
        # Read once for the whole thread: the predicates below run for each of hundreds of
        # comments. They answer as can_reply, can_vote_comment, can_edit_comment,
        # can_delete_comment and moderation's can_report do (a test holds them to it),
        # without asking again whether the reader sees the resource: they are reading it.
        self.reader_id = self.user.id if _signed_in(self.user) else None

    def _shown(self, node: Node) -> bool:
        return node.comment.deleted_at is None and node.comment.hidden_at is None

    def can_reply(self, node: Node) -> bool:
        return _can_reply(self.open, node.comment)

    def can_vote(self, node: Node) -> bool:
        return self.open and node.comment.author_id != self.reader_id and self._shown(node)

    def can_edit(self, node: Node) -> bool:
        return self.open and node.comment.author_id == self.reader_id and self._shown(node)

    def can_delete(self, node: Node) -> bool:
        return self.reader_id is not None and node.comment.author_id == self.reader_id \
            and node.comment.deleted_at is None

    def can_report(self, node: Node) -> bool:
        return self.reader_id is not None and node.comment.author_id != self.reader_id \
            and self._shown(node)

    def shows_text(self, node: Node) -> bool:
        return not node.is_deleted and (not node.is_hidden or self.moderator)

    def __iter__(self):
        """Every node, depth first, in the order shown."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.replies))


def _sort_key(order: str):
    oldest = lambda node: (node.comment.created_at, node.id)  # noqa: E731
    if order == "recent":
        return lambda node: (-node.comment.created_at.timestamp(), -node.id)
    if order == "oldest":
        return oldest
    if order == "most_discussed":
        return lambda node: (-node.descendants, *oldest(node))
    return lambda node: (-node.score, *oldest(node))


def load_thread(resource: Resource, user, order: str = DEFAULT_ORDER) -> Thread:
    """All comments of `resource` with their authors' nicknames (one query), the reader's
    votes (one more when signed in) and the mentioned accounts (one more when there are
    mentions)."""
    # `current_user` is a proxy that looks the reader up again at every attribute read; the
    # permissions of a long thread read them thousands of times.
    unproxied = getattr(user, "_get_current_object", None)
    user = unproxied() if unproxied is not None else user
    order = order if order in ORDERS else DEFAULT_ORDER
    rules = comment_rules(resource)
    rows = db.session.execute(
        select(Comment, User.nickname)
        .outerjoin(User, (User.id == Comment.author_id) & User.deleted_at.is_(None))
        .where(Comment.commentable_id == resource.id)
        .options(lazyload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all() if rules.enabled else []
    comments = [comment for comment, _nickname in rows]
    votes = {}
    if comments and _signed_in(user):
        votes = dict(db.session.execute(
            select(CommentVote.comment_id, CommentVote.weight)
            .join(Comment, Comment.id == CommentVote.comment_id)
            .where(Comment.commentable_id == resource.id, CommentVote.user_id == user.id)
        ).all())

    nodes = {comment.id: Node(comment, author=nickname, my_vote=votes.get(comment.id, 0))
             for comment, nickname in rows}
    roots = []
    for comment in comments:  # oldest first: replies stay in that order under their parent
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(nodes[comment.id])
    for comment in reversed(comments):  # a reply is newer than its parent: children first
        node = nodes[comment.id]
        node.descendants = sum(1 + reply.descendants for reply in node.replies)
    roots.sort(key=_sort_key(order))

    moderator = can_moderate(user, resource.component.process)
    return Thread(
        resource=resource, user=user, order=order, rules=rules, roots=roots,
        count=sum(1 for c in comments if not c.deleted_at and not c.is_hidden),
        mentionable=_active_nicknames({name for c in comments if not c.deleted_at
                                       for name in mentioned_nicknames(c.body)}),
        moderator=moderator, why_not=why_not_comment(user, resource, rules),
    )


# --- mentions --------------------------------------------------------------------------------

def mentioned_nicknames(body: str) -> set[str]:
    """The nicknames written as @nickname (nicknames are stored lower-case)."""
    return {name.lower() for name in MENTION.findall(body or "")}


def _active_nicknames(names: set[str]) -> frozenset[str]:
    if not names:
        return frozenset()
    return frozenset(db.session.scalars(
        select(User.nickname).where(User.nickname.in_(names), User.deleted_at.is_(None),
                                    User.blocked_at.is_(None))
    ))


def _mentioned_users(body: str, before: str = "") -> list[User]:
    """The active accounts named in `body` and not already named in `before`."""
    names = mentioned_nicknames(body) - mentioned_nicknames(before)
    if not names:
        return []
    return list(db.session.scalars(
        select(User).where(User.nickname.in_(names), User.deleted_at.is_(None),
                           User.blocked_at.is_(None)).order_by(User.id)
    ))


# --- writing -----------------------------------------------------------------------------

def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write your comment."), field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_LENGTH), field="body")
    return body


def _change_count(model, row_id: int, column: str, by: int) -> None:
    """`column = column + by` in SQL (never below zero), and the loaded object forgets it."""
    attribute = getattr(model, column)
    query = update(model).where(model.id == row_id).values({column: attribute + by})
    if by < 0:
        query = query.where(attribute > 0)
    db.session.execute(query.execution_options(synchronize_session=False))
    loaded = db.session.identity_map.get(db.session.identity_key(model, row_id))
    if loaded is not None:
        db.session.expire(loaded, [column])


def create_comment(user: User, resource: Resource, *, body: str, alignment: int = 0,
                   parent: Comment | None = None, locale: str | None = None) -> Comment:
    """A comment on `resource`, or a reply to `parent` (up to the third level of replies).

    The author follows the resource; its followers, the author of the parent and the
    residents @mentioned are notified.
    """
    if not can_comment(user, resource):
        raise DomainError(_("You cannot comment here."))
    body = _clean_body(body)
    if alignment not in ALIGNMENTS:
        raise DomainError(_("Choose in favour, against or neutral."), field="alignment")
    if not comment_rules(resource).alignment:
        alignment = 0
    depth = 0
    if parent is not None:
        if parent.commentable_id != resource.id:
            raise DomainError(_("This comment is not part of this conversation."))
        if parent.depth >= MAX_DEPTH:
            raise DomainError(_("This conversation is as deep as it goes: reply to an "
                                "earlier comment instead."))
        if parent.deleted_at or parent.is_hidden:
            raise DomainError(_("This comment can no longer be replied to."))
        depth = parent.depth + 1

    comment = Comment(component_id=resource.component_id, author_id=user.id,
                      commentable=resource, parent=parent,
                      depth=depth, body=body, locale=locale or user.locale,
                      alignment=alignment, comments_count=0, up_votes=0, down_votes=0)
    db.session.add(comment)
    db.session.flush()
    _change_count(Resource, resource.id, "comments_count", 1)
    if parent is not None:
        _change_count(Resource, parent.id, "comments_count", 1)

    follow(user, resource=resource)
    # The most specific news first: a resident told of a reply or a mention is not told
    # again of "a new comment" (notifications keeps one per resident and change).
    if parent is not None and parent.author_id is not None:
        notify("comment_reply", [parent.author_id], resource=comment, actor=user,
               comment_id=comment.id)
    mentioned = _mentioned_users(body)
    if mentioned:
        notify("mention", mentioned, resource=comment, actor=user, comment_id=comment.id)
    notify_followers("comment_created", comment, actor=user, comment_id=comment.id)
    return comment


def edit_comment(user: User, comment: Comment, body: str) -> Comment:
    """The author changes the text; the comment is marked "edited". Residents named for the
    first time are notified."""
    if not _is_author(user, comment):
        raise DomainError(_("Only its author can edit this comment."))
    if not can_edit_comment(user, comment):
        raise DomainError(_("This comment can no longer be edited."))
    body = _clean_body(body)
    if body == comment.body:
        return comment
    mentioned = _mentioned_users(body, before=comment.body)
    comment.body = body
    comment.edited_at = utcnow()
    db.session.flush()
    if mentioned:
        notify("mention", mentioned, resource=comment, actor=user, comment_id=comment.id)
    return comment


def delete_comment(user: User, comment: Comment) -> None:
    """The author deletes the comment: it stays in the thread as "deleted comment", so its
    replies keep their place, and no longer counts."""
    if not _is_author(user, comment):
        raise DomainError(_("Only its author can delete this comment."))
    if comment.deleted_at:
        raise DomainError(_("This comment is already deleted."))
    if not can_delete_comment(user, comment):
        raise DomainError(_("This comment can no longer be deleted."))
    comment.deleted_at = utcnow()
    db.session.flush()
    _change_count(Resource, comment.commentable_id, "comments_count", -1)
    if comment.parent_id is not None:
        _change_count(Resource, comment.parent_id, "comments_count", -1)


def _count_vote(comment_id: int, weight: int, by: int) -> None:
    _change_count(Comment, comment_id, "up_votes" if weight > 0 else "down_votes", by)


def vote_comment(user: User, comment: Comment, weight: int) -> int:
    """Vote a comment up (1) or down (-1): one vote per resident, which they can change;
    the same vote again takes it back. Returns the resident's vote now (1, -1 or 0).

    Each step changes the vote row with a condition on what it was and counts only when a
    row changed, so two requests at once never count twice; the unique constraint settles a
    race between two first votes.
    """
    if weight not in (1, -1):
        raise DomainError(_("Vote up or down."))
    if not can_vote_comment(user, comment):
        if _signed_in(user) and comment.author_id == user.id:
            raise DomainError(_("You cannot vote on your own comment."))
        raise DomainError(_("You cannot vote on this comment."))
    mine = (CommentVote.comment_id == comment.id) & (CommentVote.user_id == user.id)
    current = db.session.scalar(select(CommentVote.weight).where(mine))
    if current is None:
        try:
            with db.session.begin_nested():
                db.session.add(CommentVote(comment_id=comment.id, user_id=user.id,
                                           weight=weight))
        except IntegrityError:
            return db.session.scalar(select(CommentVote.weight).where(mine)) or 0
        _count_vote(comment.id, weight, 1)
        return weight
    if current == weight:
        taken_back = db.session.execute(
            delete(CommentVote).where(mine, CommentVote.weight == weight)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken_back:
            _count_vote(comment.id, weight, -1)
        return 0
    changed = db.session.execute(
        update(CommentVote).where(mine, CommentVote.weight == current).values(weight=weight)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        _count_vote(comment.id, current, -1)
        _count_vote(comment.id, weight, 1)
    return weight
