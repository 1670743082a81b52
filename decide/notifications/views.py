"""Public pages of notifications: the list under the bell, the preferences, follow buttons,
and the one-click unsubscribe link of the e-mails."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from decide.core.database import writes_on_get
from decide.core.forms import ActionForm
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import User
from decide.core.services import DomainError
from decide.extensions import db
from decide.notifications import models  # noqa: F401 - the tables
from decide.notifications import services
from decide.notifications.forms import PreferencesForm
from decide.notifications.models import Notification
from decide.spaces.models import Process
from decide.spaces.services import can_see_process
from decide.spaces.services import can_see_resource
from decide.spaces.views import MAX_ID
from decide.spaces.views import resource_url

bp = Blueprint("notifications", __name__)

PER_PAGE = 20


@bp.route("/notifications")
@login_required
def index():
    total = services.count_notifications(current_user)
    pages = max(1, -(-total // PER_PAGE))
    page = min(page_number(), pages)
    notifications = services.list_notifications(current_user, page=page, per_page=PER_PAGE)
    return render_template("notifications/index.html", notifications=notifications,
                           total=total, page=page, pages=pages)


def _confirm(form, question: str, button: str, back: str):
    """The page of a button: shown again (400) when a press was refused."""
    return render_form("notifications/confirm.html", form, question=question, button=button,
                       back=back)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    form = ActionForm()
    if not form.validate_on_submit():
        return _confirm(form, _("Mark all your notifications as read?"),
                        _("Mark all as read"), url_for(".index"))
    services.mark_read(current_user)
    db.session.commit()
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for(".index"), 303)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = db.session.get(Notification, notification_id) \
        if notification_id <= MAX_ID else None
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        return _confirm(form, _("Mark this notification as read?"), _("Mark as read"),
                        url_for(".index"))
    services.mark_read(current_user, notification)
    db.session.commit()
    flash(_("The notification is marked as read."), "success")
    return redirect(url_for(".index", page=request.form.get("page", type=int) or None), 303)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(data={"frequency": current_user.notifications_email})
    if form.validate_on_submit() and saved(form, services.set_notification_preferences,
                                           form.frequency.data):
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for(".preferences"), 303)
    return render_form("notifications/preferences.html", form)


# A mail program's own unsubscribe button POSTs here without a session (RFC 8058): the signed
# token is the proof, so there is no form and no CSRF token.
@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@writes_on_get
def unsubscribe(token: str):
    try:
        user = services.unsubscribe(token)
    except DomainError as error:
        return render_template("notifications/unsubscribe_error.html",
                               message=error.message), 400
    db.session.commit()
    return render_template("notifications/unsubscribed.html", user=user)


# --- follows ------------------------------------------------------------------------------

def _load_target(kind: str, target_id: int) -> tuple[dict, str, str]:
    """The followed thing as service keywords, its page and its name; 404 when the
    signed-in resident cannot see it."""
    found = None
    if target_id <= MAX_ID:
        model = {"resources": Resource, "processes": Process, "users": User}[kind]
        found = db.session.get(model, target_id)
    if kind == "resources":
        if found is None or not can_see_resource(current_user, found):
            abort(404)
        return {"resource": found}, resource_url(found), found.summary
    if kind == "processes":
        if found is None or not can_see_process(current_user, found):
            abort(404)
        return ({"process": found}, url_for("processes.show", slug=found.slug),
                translate(found.title))
    if found is None or found.is_deleted:
        abort(404)
    return ({"followed_user": found}, url_for("core.profile", nickname=found.nickname),
            found.name or found.nickname)


FOLLOW_RULE = "/follows/<any(resources, processes, users):kind>/<int:target_id>"


@bp.route(FOLLOW_RULE, methods=["POST"])
@login_required
def follow(kind: str, target_id: int):
    target, page, name = _load_target(kind, target_id)
    if not services.can_follow(current_user, **target):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _confirm(form, _("Follow “%(name)s”?", name=name), _("Follow"), page)
    services.follow(current_user, **target)
    db.session.commit()
    flash(_("You follow “%(name)s”: you will be notified of what happens.", name=name),
          "success")
    return redirect(page, 303)


@bp.route(f"{FOLLOW_RULE}/delete", methods=["POST"])
@login_required
def unfollow(kind: str, target_id: int):
    target, page, name = _load_target(kind, target_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _confirm(form, _("Stop following “%(name)s”?", name=name),
                        _("Stop following"), page)
    services.unfollow(current_user, **target)
    db.session.commit()
    flash(_("You no longer follow “%(name)s”.", name=name), "success")
    return redirect(page, 303)


# --- template globals ---------------------------------------------------------------------

def _is_following(user=None, **target) -> bool:
    return services.is_following(user if user is not None else current_user, **target)


def _can_follow(user=None, **target) -> bool:
    return services.can_follow(user if user is not None else current_user, **target)


def follow_kind(resource=None, process=None, user=None) -> tuple[str, int]:
    """The address parts of a follow button's target."""
    if resource is not None:
        return "resources", resource.id
    if process is not None:
        return "processes", process.id
    return "users", user.id


def init_app(app) -> None:
    """The bell's count, the sentences of notifications and the follow state for templates."""
    globals_ = app.jinja_env.globals
    globals_["unread_notifications"] = lambda: services.unread_count(current_user)
    globals_["describe_notification"] = services.describe
    globals_["is_following"] = _is_following
    globals_["can_follow"] = _can_follow
    globals_["follow_kind"] = follow_kind
