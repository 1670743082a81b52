"""The moderators' back office: the queue of reported and hidden items, and the reported
and blocked participants.

Organization admins moderate everything; process admins and moderators of a process see and
act on its items only; other staff are refused. Reported participants and blocks are for
organization admins (as in Decidim).
"""

from collections import defaultdict

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload
from sqlalchemy.orm import with_polymorphic

from decide.admin.views import NavItem
from decide.admin.views import register_log_sentences
from decide.admin.views import register_nav
from decide.admin.views import register_tasks
from decide.admin.views import resource_type_names
from decide.components import Task
from decide.components import manifests
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import User
from decide.core.permissions import admin_required
from decide.core.permissions import require_staff
from decide.core.permissions import safe_next
from decide.extensions import db
from decide.moderation import services
from decide.moderation.forms import REASON_NAMES
from decide.moderation.forms import BlockForm
from decide.moderation.forms import ModerationActionForm
from decide.moderation.forms import QueueFilterForm
from decide.moderation.models import Report
from decide.moderation.models import UserBlock
from decide.spaces.admin import saved
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.services import can_moderate
from decide.spaces.views import MAX_ID

bp = Blueprint("moderation_admin", __name__)

PAGE_SIZE = 20
QUEUE_TABS = {"reported": _l("Reported"), "hidden": _l("Hidden")}
USER_TABS = {"reported": _l("Reported participants"), "blocked": _l("Blocked participants")}


def chosen_tab(tabs: dict) -> str:
    tab = request.args.get("tab")
    return tab if tab in tabs else next(iter(tabs))


def paginate(query, conditions: list, count_from) -> tuple[list, int, int, int]:
    """(rows of the asked page, total, page, pages), in two queries."""
    total = db.session.scalar(count_from.where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page_number(), pages)
    rows = db.session.scalars(
        query.where(*conditions).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).unique().all()
    return rows, total, page, pages


def grouped(rows, key) -> dict[int, list]:
    groups = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


def reason_counts(reports) -> list[tuple[str, int]]:
    counts = defaultdict(int)
    for entry in reports:
        counts[entry.reason] += 1
    return sorted(((str(REASON_NAMES.get(reason, reason)), number)
                   for reason, number in counts.items()), key=lambda pair: -pair[1])


def done(message: str, form: ModerationActionForm | None, endpoint: str):
    flash(message, "success")
    target = form.next.data if form is not None else None
    return redirect(safe_next(target, url_for(endpoint)))


def confirm(form, question: str, button: str, back: str, *, danger: bool = False):
    """The page of a button: shown when a press was refused (an expired form, a rule)."""
    return render_form("moderation/admin/confirm.html", form, question=question,
                       button=button, danger=danger, back=safe_next(form.next.data, back))


# --- the queue ----------------------------------------------------------------------------

def require_moderator() -> set[int] | None:
    """Staff who moderate somewhere; the processes they moderate (None: all)."""
    require_staff()
    if not services.can_moderate_somewhere(current_user):
        abort(403)
    return services.moderated_process_ids(current_user)


def open_reports_of_resource():
    return select(Report.id).where(Report.resource_id == Resource.id,
                                   Report.dismissed_at.is_(None)).exists()


def queue_conditions(tab: str, allowed: set[int] | None, process_id: int | None) -> list:
    # A kind no longer in DECIDE_COMPONENTS has no pages to link to: left out, not a 500.
    conditions = [Component.manifest_name.in_(list(manifests()))]
    if allowed is not None:
        conditions.append(Component.process_id.in_(allowed))
    if process_id is not None:
        conditions.append(Component.process_id == process_id)
    if tab == "hidden":
        conditions.append(Resource.hidden_at.is_not(None))
    else:
        conditions += [Resource.hidden_at.is_(None), open_reports_of_resource()]
    return conditions


def load_parents(items) -> None:
    """What the items' links go through (a comment's thread): loaded in one query, so the
    links below need none each."""
    parent_ids = {getattr(item, "commentable_id", None) for item in items} - {None}
    if parent_ids:
        parents = with_polymorphic(Resource, "*")
        db.session.scalars(
            select(parents).where(parents.id.in_(parent_ids))
            .options(selectinload(parents.component).selectinload(Component.process))
        ).unique().all()


def queue_page(tab: str, allowed: set[int] | None, process_id: int | None):
    """The items of a tab with their open reports, in a fixed number of queries."""
    items_query = with_polymorphic(Resource, "*")
    if tab == "hidden":
        order = (Resource.hidden_at.desc(), Resource.id.desc())
    else:
        latest = (select(func.max(Report.created_at))
                  .where(Report.resource_id == Resource.id, Report.dismissed_at.is_(None))
                  .correlate(Resource).scalar_subquery())
        order = (latest.desc(), Resource.id.desc())
    query = (
        select(items_query).join(Component, Component.id == Resource.component_id)
        .options(selectinload(items_query.component).selectinload(Component.process))
        .order_by(*order)
    )
    counting = (select(func.count(Resource.id))
                .join(Component, Component.id == Resource.component_id))
    items, total, page, pages = paginate(
        query, queue_conditions(tab, allowed, process_id), counting
    )
    load_parents(items)
    reports = grouped(db.session.scalars(
        select(Report).where(Report.resource_id.in_([item.id for item in items]),
                             Report.dismissed_at.is_(None))
        .options(joinedload(Report.user)).order_by(Report.created_at, Report.id)
    ), "resource_id")
    return items, reports, total, page, pages


@bp.route("/moderation")
def queue():
    allowed = require_moderator()
    query = select(Process.id, Process.title).order_by(Process.start_date.desc(), Process.id)
    if allowed is not None:
        query = query.where(Process.id.in_(allowed))
    titles = {process_id: translate(title) for process_id, title in db.session.execute(query)}
    form = QueueFilterForm(request.args,
                           processes=[(str(key), title) for key, title in titles.items()])
    tab, process_id = chosen_tab(QUEUE_TABS), form.chosen_process()
    items, reports, total, page, pages = queue_page(tab, allowed, process_id)
    filters = {"tab": tab, **({"process_id": process_id} if process_id else {})}
    return render_template(
        "moderation/admin/queue.html", form=form, tab=tab, tabs=QUEUE_TABS, items=items,
        reports=reports, total=total, page=page, pages=pages, filters=filters,
        kind_names=resource_type_names(), reason_counts=reason_counts,
        action=ModerationActionForm(),
    )


def moderated_resource(resource_id: int) -> Resource:
    """An item the current user moderates: staff first, so outsiders learn nothing."""
    require_staff()
    resource = db.session.get(Resource, resource_id) if resource_id <= MAX_ID else None
    if resource is None:
        abort(404)
    if not can_moderate(current_user, resource.component.process):
        abort(403)
    return resource


@bp.route("/moderation/<int:resource_id>/hide", methods=["POST"])
def hide(resource_id: int):
    resource = moderated_resource(resource_id)
    form = ModerationActionForm()
    if form.validate_on_submit() and saved(form, services.hide_resource, resource):
        return done(_("The item is hidden, and its author is told why."), form, ".queue")
    return confirm(form, _("Hide “%(item)s”?", item=resource.summary), _("Hide"),
                   url_for(".queue"), danger=True)


@bp.route("/moderation/<int:resource_id>/unhide", methods=["POST"])
def unhide(resource_id: int):
    resource = moderated_resource(resource_id)
    form = ModerationActionForm()
    if form.validate_on_submit() and saved(form, services.unhide_resource, resource):
        return done(_("The item is shown again."), form, ".queue")
    return confirm(form, _("Show “%(item)s” again?", item=resource.summary), _("Show again"),
                   url_for(".queue", tab="hidden"))


@bp.route("/moderation/<int:resource_id>/dismiss", methods=["POST"])
def dismiss(resource_id: int):
    resource = moderated_resource(resource_id)
    form = ModerationActionForm()
    if form.validate_on_submit() and saved(form, services.dismiss_reports, resource=resource):
        return done(_("The reports are dismissed."), form, ".queue")
    return confirm(form, _("Dismiss the reports of “%(item)s”?", item=resource.summary),
                   _("Dismiss the reports"), url_for(".queue"))


# --- participants: reports and blocks -------------------------------------------------------

def users_page(tab: str):
    if tab == "blocked":
        conditions = [User.deleted_at.is_(None), User.blocked_at.is_not(None)]
        order = (User.blocked_at.desc(), User.id.desc())
    else:
        conditions = [User.deleted_at.is_(None), select(Report.id).where(
            Report.reported_user_id == User.id, Report.dismissed_at.is_(None)).exists()]
        latest = (select(func.max(Report.created_at))
                  .where(Report.reported_user_id == User.id, Report.dismissed_at.is_(None))
                  .correlate(User).scalar_subquery())
        order = (latest.desc(), User.id.desc())
    people, total, page, pages = paginate(select(User).order_by(*order), conditions,
                                          select(func.count(User.id)))
    ids = [person.id for person in people]
    reports = grouped(db.session.scalars(
        select(Report).where(Report.reported_user_id.in_(ids), Report.dismissed_at.is_(None))
        .options(joinedload(Report.user)).order_by(Report.created_at, Report.id)
    ), "reported_user_id")
    blocks = {block.user_id: block for block in db.session.scalars(
        select(UserBlock).where(UserBlock.user_id.in_(ids), UserBlock.unblocked_at.is_(None))
        .options(joinedload(UserBlock.blocked_by))
    )}
    return people, reports, blocks, total, page, pages


@bp.route("/moderation/users")
@admin_required
def users():
    tab = chosen_tab(USER_TABS)
    people, reports, blocks, total, page, pages = users_page(tab)
    return render_template(
        "moderation/admin/users.html", tab=tab, tabs=USER_TABS, people=people, reports=reports,
        blocks=blocks, total=total, page=page, pages=pages, filters={"tab": tab},
        reason_counts=reason_counts, action=ModerationActionForm(),
    )


def participant_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id) if user_id <= MAX_ID else None
    if user is None or user.is_deleted:
        abort(404)
    return user


@bp.route("/moderation/users/<int:user_id>/block", methods=["GET", "POST"])
@admin_required
def block(user_id: int):
    person = participant_or_404(user_id)
    form = BlockForm()
    if form.validate_on_submit() and saved(form, services.block_user, person,
                                           justification=form.justification.data,
                                           hide_content=form.hide_content.data):
        return done(_("%(name)s is blocked.", name=person.nickname), None, ".users")
    return render_form("moderation/admin/block.html", form, person=person)


@bp.route("/moderation/users/<int:user_id>/unblock", methods=["POST"])
@admin_required
def unblock(user_id: int):
    person = participant_or_404(user_id)
    form = ModerationActionForm()
    if form.validate_on_submit() and saved(form, services.unblock_user, person):
        return done(_("%(name)s is unblocked and can sign in again. What the block hid stays "
                      "hidden until a moderator shows it again.", name=person.nickname),
                    form, ".users")
    return confirm(form, _("Unblock %(name)s?", name=person.nickname), _("Unblock"),
                   url_for(".users", tab="blocked"))


@bp.route("/moderation/users/<int:user_id>/dismiss", methods=["POST"])
@admin_required
def dismiss_user(user_id: int):
    person = participant_or_404(user_id)
    form = ModerationActionForm()
    if form.validate_on_submit() and saved(form, services.dismiss_reports, reported_user=person):
        return done(_("The reports are dismissed."), form, ".users")
    return confirm(form, _("Dismiss the reports about %(name)s?", name=person.nickname),
                   _("Dismiss the reports"), url_for(".users"))


# Each component kind registers the names and the hide / unhide / dismiss_reports sentences
# of its own items (e.g. decide/components/proposals/admin.py); comments and participants are
# moderation's own.
LOG_SENTENCES = {
    ("hide", "comment"): _l("%(who)s hid the comment %(what)s"),
    ("unhide", "comment"): _l("%(who)s showed the comment %(what)s again"),
    ("dismiss_reports", "comment"): _l("%(who)s dismissed the reports of the comment %(what)s"),
    ("dismiss_reports", "user"): _l("%(who)s dismissed the reports about %(what)s"),
    ("block", "user"): _l("%(who)s blocked %(what)s"),
    ("unblock", "user"): _l("%(who)s unblocked %(what)s"),
}
LOG_ACTIONS = {
    "hide": _l("Hidden"),
    "unhide": _l("Shown again"),
    "dismiss_reports": _l("Reports dismissed"),
    "block": _l("Blocked"),
    "unblock": _l("Unblocked"),
}


def waiting_tasks(user) -> list[Task]:
    """The reported items waiting in the queue of a moderator, for their dashboard."""
    if not services.can_moderate_somewhere(user):
        return []
    conditions = queue_conditions("reported", services.moderated_process_ids(user), None)
    waiting = db.session.scalar(
        select(func.count(Resource.id)).join(Component, Component.id == Resource.component_id)
        .where(*conditions)
    )
    if not waiting:
        return []
    return [Task(_("Reported content waiting for a moderator"), url_for("moderation_admin.queue"),
                 waiting)]


def init_app(app) -> None:
    register_nav(app, NavItem("moderation_admin.queue", _l("Moderation"), admins_only=False,
                              position=200, shown_to=services.can_moderate_somewhere))
    register_tasks(app, waiting_tasks)
    register_nav(app, NavItem("moderation_admin.users", _l("Reported and blocked participants"),
                              position=210))
    register_log_sentences(app, LOG_SENTENCES, actions=LOG_ACTIONS,
                           resource_types={"comment": _l("Comment")})
