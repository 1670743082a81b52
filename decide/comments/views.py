"""Comments on any resource: post, reply, edit, delete and vote.

The thread itself is shown by the page of the resource (`load_thread` and the
`comments_section` macro); these views take the forms it posts and go back to it, at the
comment. Replying, like editing, happens on a small page of its own (the thread links to
it: a form under each of hundreds of comments made long threads slow and heavy). A form
that cannot be accepted is shown again on such a page, with the message and what was typed.
"""

import re

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape

from decide.comments import models  # noqa: F401 - the tables
from decide.comments import services
from decide.comments.forms import CommentForm
from decide.comments.forms import DeleteCommentForm
from decide.comments.forms import EditCommentForm
from decide.comments.forms import ReplyForm
from decide.comments.forms import VoteForm
from decide.comments.models import Comment
from decide.components import manifests
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.html import resident_text
from decide.core.models import Resource
from decide.extensions import db
from decide.spaces.services import can_see_resource
from decide.spaces.views import MAX_ID
from decide.spaces.views import resource_url
from decide.verification.views import verify_first

bp = Blueprint("comments", __name__)

WEIGHTS = {"1": 1, "up": 1, "-1": -1, "down": -1}


# --- loading --------------------------------------------------------------------------------

def _commentable_or_404(resource_id: int) -> Resource:
    """A resource the reader sees, of a kind that is installed; never a comment itself."""
    resource = db.session.get(Resource, resource_id) if resource_id <= MAX_ID else None
    if resource is None or isinstance(resource, Comment) \
            or resource.component.manifest_name not in manifests() \
            or not can_see_resource(current_user, resource):
        abort(404)
    return resource


def _comment_or_404(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id) if comment_id <= MAX_ID else None
    if comment is None or comment.commentable.component.manifest_name not in manifests() \
            or not can_see_resource(current_user, comment.commentable) \
            or not can_see_resource(current_user, comment):
        abort(404)
    return comment


def _parent_or_404(parent_id: str | None, resource: Resource) -> Comment | None:
    """The comment replied to: one of this thread's, or 404 (another thread's too)."""
    if not parent_id:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", parent_id.strip()):
        abort(404)
    parent = _comment_or_404(int(parent_id))
    if parent.commentable_id != resource.id:
        abort(404)
    return parent


def _require(allowed: bool, resource: Resource) -> None:
    """Anonymous visitors are sent to sign in (and then back to the thread), residents who
    are not verified where the kind asks for it to verify (and back); others get 403."""
    if allowed:
        return
    if not current_user.is_authenticated:
        flash(_("Sign in to take part in the conversation."), "info")
        abort(redirect(url_for("auth.login", next=resource_url(resource))))
    if services.why_not_comment(current_user, resource) == "verify":
        abort(verify_first(resource_url(resource) + "#comments"))
    abort(403)


def _back_to(comment: Comment, message: str):
    flash(message, "success")
    return redirect(resource_url(comment), 303)


# --- views ----------------------------------------------------------------------------------

@bp.route("/comments/<int:resource_id>", methods=["POST"])
def create(resource_id: int):
    """A new comment on a resource, or a reply when the form names a parent comment."""
    resource = _commentable_or_404(resource_id)
    form = CommentForm()
    parent = _parent_or_404(form.parent_id.data, resource)
    _require(services.can_comment(current_user, resource), resource)
    if form.validate_on_submit():
        done = saved(form, services.create_comment, resource, body=form.body.data,
                     alignment=form.alignment.data, parent=parent)
        if done:
            return _back_to(done.result, _("Your reply is published.") if parent
                            else _("Your comment is published."))
    return render_form("comments/form.html", form, resource=resource, parent=parent,
                       alignment=parent is None and services.comment_rules(resource).alignment)


@bp.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
def reply(comment_id: int):
    """The page of a comment's "Reply" link: the comment quoted, and the form."""
    parent = _comment_or_404(comment_id)
    resource = parent.commentable
    _require(services.can_reply(current_user, parent), resource)
    form = ReplyForm()
    if form.validate_on_submit():
        done = saved(form, services.create_comment, resource, body=form.body.data,
                     parent=parent)
        if done:
            return _back_to(done.result, _("Your reply is published."))
    return render_form("comments/form.html", form, resource=resource, parent=parent,
                       alignment=False)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    comment = _comment_or_404(comment_id)
    _require(services.can_edit_comment(current_user, comment), comment.commentable)
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit() and saved(form, services.edit_comment, comment,
                                           form.body.data):
        return _back_to(comment, _("Your comment is saved."))
    return render_form("comments/form.html", form, resource=comment.commentable,
                       comment=comment)


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
def delete(comment_id: int):
    comment = _comment_or_404(comment_id)
    _require(services.can_delete_comment(current_user, comment), comment.commentable)
    form = DeleteCommentForm()
    if form.validate_on_submit() and saved(form, services.delete_comment, comment):
        return _back_to(comment, _("Your comment is deleted."))
    return render_form("comments/confirm.html", form, resource=comment.commentable,
                       comment=comment, question=_("Delete your comment?"),
                       button=_("Delete the comment"))


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
def vote(comment_id: int):
    comment = _comment_or_404(comment_id)
    _require(services.can_vote_comment(current_user, comment), comment.commentable)
    form = VoteForm()
    weight = WEIGHTS.get((form.weight.data or "").strip())
    if form.validate_on_submit():
        if weight is None:
            form.form_errors.append(_("Vote up or down."))
        else:
            done = saved(form, services.vote_comment, comment, weight)
            if done:
                return _back_to(comment, _("Your vote is taken back.") if done.result == 0
                                else _("Your vote is counted."))
    up = weight != -1
    form.weight.data = "1" if up else "-1"
    return render_form("comments/confirm.html", form, resource=comment.commentable,
                       comment=comment,
                       question=_("Vote this comment up?") if up
                       else _("Vote this comment down?"),
                       button=_("Vote up") if up else _("Vote down"))


# --- the text of a comment ------------------------------------------------------------------

MENTION_IN_HTML = re.compile(r"(<a\b[^>]*>.*?</a>|<[^>]+>)", re.S)


def comment_html(body: str, mentionable=frozenset()) -> Markup:
    """A comment's text as resident text (escaped, links made clickable) with each @nickname
    of an active account linked to its profile; other @words stay plain text."""
    html = str(resident_text(body))
    if not mentionable or "@" not in html:
        return Markup(html)  # noqa: S704 - escaped by resident_text

    def link(match: re.Match) -> str:
        nickname = match.group(1).lower()
        if nickname not in mentionable:
            return match.group(0)
        url = url_for("core.profile", nickname=nickname)
        return f'<a class="mention" href="{escape(url)}">@{escape(match.group(1))}</a>'

    parts = MENTION_IN_HTML.split(html)  # tags and links, then the text between them
    return Markup("".join(  # noqa: S704 - escaped by resident_text; the links built here
        part if index % 2 else services.MENTION.sub(link, part)
        for index, part in enumerate(parts)
    ))


def url_for_ids(endpoint: str, key: str):
    """`url_for(endpoint, key=n)` for the many ids of one page (a thread's comments): the
    address is built once around a marker and each id put in its place, not built again
    for each. `vote_url = url_for_ids("comments.vote", "comment_id")`, then `vote_url(7)`."""
    head, marker, tail = url_for(endpoint, **{key: _MARKER}).partition(str(_MARKER))
    if not marker:
        raise ValueError(f"{endpoint}: {key} is not part of the address")
    return lambda value: f"{head}{int(value)}{tail}"


_MARKER = 987654321  # an id no real address holds elsewhere


def init_app(app) -> None:
    app.jinja_env.globals["can_comment"] = services.can_comment
    app.jinja_env.globals["can_reply"] = services.can_reply
    app.jinja_env.globals["can_vote_comment"] = services.can_vote_comment
    app.jinja_env.globals["can_edit_comment"] = services.can_edit_comment
    app.jinja_env.globals["can_delete_comment"] = services.can_delete_comment
    app.jinja_env.globals["comment_orders"] = services.ORDERS
    app.jinja_env.globals["alignment_labels"] = services.ALIGNMENT_LABELS
    app.jinja_env.globals["url_for_ids"] = url_for_ids
    app.jinja_env.filters["comment_html"] = comment_html
