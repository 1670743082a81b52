"""The back-office shell: the dashboard, the action log, and the navigation built from what
modules register.

Organization admins see everything; a process admin sees the processes they administer and
the log entries of those processes; other staff reach the shell but see no process here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decide.admin.forms import LogFilterForm
from decide.components import manifests
from decide.core.forms import page_number
from decide.core.i18n import current_organization
from decide.core.i18n import translate
from decide.core.models import ActionLog
from decide.core.models import User
from decide.core.permissions import staff_required
from decide.core.services import count_users
from decide.extensions import db
from decide.spaces.models import Process
from decide.spaces.models import Role
from decide.spaces.services import active_phase
from decide.spaces.services import administered_process_ids
from decide.spaces.services import process_status
from decide.spaces.services import today_here

bp = Blueprint("admin", __name__)

PAGE_SIZE = 50


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    admins_only: bool = True  # False: every staff member (process roles included) sees it
    position: int = 100  # lower first; equal positions keep the order of registration
    # With admins_only=False, which other staff members may open it (None: all of them), so
    # nobody is shown a section that would refuse them.
    shown_to: Callable[[Any], bool] | None = None


def register_nav(app, item: NavItem) -> None:
    """Modules add their back-office sections here; the layout lists them in this order."""
    app.extensions.setdefault("decide.admin_nav", []).append(item)


def admin_nav() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    items = sorted(current_app.extensions.get("decide.admin_nav", ()),
                   key=lambda item: item.position)
    return [item for item in items if current_user.admin or (
        not item.admins_only and (item.shown_to is None or item.shown_to(current_user)))]


def administers_a_process(user) -> bool:
    return bool(administered_process_ids(user))


def register_tasks(app, tasks: Callable[[Any], list]) -> None:
    """Modules other than components (moderation) add to the dashboard's "Waiting for you":
    `tasks(user)` returns the user's [Task], as a manifest's `tasks` hook does."""
    app.extensions.setdefault("decide.admin_tasks", []).append(tasks)


# --- the dashboard ------------------------------------------------------------------------

def administered_processes() -> list[Process]:
    """The processes the current user administers (all for admins), with what the
    dashboard shows, in a fixed number of queries whatever their number."""
    query = (
        select(Process)
        .options(selectinload(Process.components), selectinload(Process.phases))
        .order_by(Process.start_date.desc(), Process.id)
    )
    allowed = administered_process_ids(current_user)
    if allowed is not None:
        query = query.where(Process.id.in_(allowed))
    return db.session.scalars(query).all()


def component_counts(processes: list[Process]) -> dict[int, dict]:
    """What the manifests' `stats` hooks report, per component: one call per kind."""
    by_kind: dict[str, list] = {}
    for process in processes:
        for component in process.components:
            by_kind.setdefault(component.manifest_name, []).append(component)
    counts: dict[int, dict] = {}
    for name, manifest in manifests().items():  # a kind no longer installed counts nothing
        if name in by_kind:
            counts.update(manifest.stats(by_kind[name]))
    return counts


def process_counts(process: Process, counts: dict[int, dict]) -> dict[str, int]:
    """The counts of the process's components, summed per label."""
    totals: dict[str, int] = {}
    for component in process.components:
        for label, number in counts.get(component.id, {}).items():
            totals[str(label)] = totals.get(str(label), 0) + number
    return totals


@bp.route("/")
@staff_required
def dashboard():
    today = today_here()
    processes = administered_processes()
    counts = component_counts(processes)
    rows = [
        (process, process_status(process, today), active_phase(process),
         process_counts(process, counts))
        for process in processes
    ]
    published = db.session.scalar(
        select(func.count(Process.id)).where(Process.published_at.is_not(None))
    )
    tasks = [task for manifest in manifests().values() for task in manifest.tasks(current_user)]
    tasks += [task for more in current_app.extensions.get("decide.admin_tasks", ())
              for task in more(current_user)]
    return render_template("admin/dashboard.html", rows=rows, participants=count_users(),
                           published=published, tasks=tasks)


# --- the action log -----------------------------------------------------------------------

# The names shown in the filters, and in the sentence of a combination without its own.
ACTION_NAMES = {
    "create": _l("Created"),
    "update": _l("Updated"),
    "delete": _l("Deleted"),
    "publish": _l("Published"),
    "unpublish": _l("Unpublished"),
    "move": _l("Moved"),
    "activate": _l("Activated"),
    "grant_role": _l("Role given"),
    "revoke_role": _l("Role taken away"),
}
RESOURCE_TYPE_NAMES = {
    "organization": _l("Organization"),
    "scope": _l("Scope"),
    "process": _l("Process"),
    "phase": _l("Phase"),
    "category": _l("Category"),
    "component": _l("Component"),
    "user": _l("Participant"),
}
ROLE_NAMES = {
    Role.PROCESS_ADMIN: _l("process admin"),
    Role.COLLABORATOR: _l("collaborator"),
    Role.MODERATOR: _l("moderator"),
    Role.VALUATOR: _l("valuator"),
}
# (action, resource type) → the sentence; %(who)s, %(what)s and %(role)s are filled in.
LOG_SENTENCES = {
    ("update", "organization"): _l("%(who)s changed the settings of the organization %(what)s"),
    ("create", "scope"): _l("%(who)s created the scope %(what)s"),
    ("update", "scope"): _l("%(who)s edited the scope %(what)s"),
    ("delete", "scope"): _l("%(who)s deleted the scope %(what)s"),
    ("create", "process"): _l("%(who)s created the process %(what)s"),
    ("update", "process"): _l("%(who)s edited the process %(what)s"),
    ("publish", "process"): _l("%(who)s published the process %(what)s"),
    ("unpublish", "process"): _l("%(who)s unpublished the process %(what)s"),
    ("delete", "process"): _l("%(who)s deleted the process %(what)s"),
    ("create", "phase"): _l("%(who)s added the phase %(what)s"),
    ("update", "phase"): _l("%(who)s edited the phase %(what)s"),
    ("move", "phase"): _l("%(who)s moved the phase %(what)s"),
    ("activate", "phase"): _l("%(who)s activated the phase %(what)s"),
    ("delete", "phase"): _l("%(who)s deleted the phase %(what)s"),
    ("create", "category"): _l("%(who)s created the category %(what)s"),
    ("update", "category"): _l("%(who)s edited the category %(what)s"),
    ("delete", "category"): _l("%(who)s deleted the category %(what)s"),
    ("create", "component"): _l("%(who)s added the component %(what)s"),
    ("update", "component"): _l("%(who)s edited the component %(what)s"),
    ("move", "component"): _l("%(who)s moved the component %(what)s"),
    ("publish", "component"): _l("%(who)s published the component %(what)s"),
    ("unpublish", "component"): _l("%(who)s unpublished the component %(what)s"),
    ("delete", "component"): _l("%(who)s deleted the component %(what)s"),
    ("grant_role", "user"): _l("%(who)s made %(what)s %(role)s"),
    ("revoke_role", "user"): _l("%(who)s took the role of %(role)s away from %(what)s"),
}
GENERIC_SENTENCE = _l("%(who)s: %(action)s (%(type)s %(what)s)")


def register_log_sentences(app, sentences: dict, actions: dict | None = None,
                           resource_types: dict | None = None) -> None:
    """Later modules (moderation, answers...) add their sentences and names here."""
    vocabulary = app.extensions["decide.log_vocabulary"]
    vocabulary["sentences"].update(sentences)
    vocabulary["actions"].update(actions or {})
    vocabulary["resource_types"].update(resource_types or {})


def _vocabulary() -> dict:
    return current_app.extensions["decide.log_vocabulary"]


def resource_type_names() -> dict:
    """{kind: lazy name} of every kind of item the modules registered."""
    return _vocabulary()["resource_types"]


def _who(user: User | None) -> Markup:
    if user is None:
        return escape(_("The system"))  # e.g. `flask decide phases`
    if user.is_deleted:
        return escape(_("A deleted participant"))
    return Markup('<a href="%s">%s</a>') % (
        url_for("core.profile", nickname=user.nickname), user.name or user.nickname
    )


def log_sentence(entry: ActionLog) -> Markup:
    """The entry as a sentence in the reader's language, its names escaped."""
    vocabulary = _vocabulary()
    template = vocabulary["sentences"].get((entry.action, entry.resource_type), GENERIC_SENTENCE)
    label = translate(entry.resource_label) or f"#{entry.resource_id or ''}"
    role = (entry.details or {}).get("role", "")
    # The translated sentence is trusted text; the plain values are escaped as they go in.
    return Markup(escape(str(template))) % {
        "who": _who(entry.user),
        "what": Markup("<strong>%s</strong>") % label,
        "role": str(ROLE_NAMES.get(role, role)),
        "action": str(vocabulary["actions"].get(entry.action, entry.action)),
        "type": str(vocabulary["resource_types"].get(entry.resource_type, entry.resource_type)),
    }


def _choices(names: dict, present) -> list[tuple[str, str]]:
    """The known names and whatever else the log holds, sorted as the reader reads them."""
    codes = set(names) | {code for code in present if code}
    return sorted(((code, str(names.get(code, code))) for code in codes),
                  key=lambda choice: choice[1].casefold())


def _day_start(day: date, plus_days: int = 0) -> datetime | None:
    """When that calendar day starts in the organization's time zone, as stored (naive UTC);
    None at the ends of the calendar (no bound)."""
    try:
        local = datetime.combine(day + timedelta(days=plus_days), time.min,
                                 tzinfo=ZoneInfo(current_organization().time_zone))
        return local.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return None


def _log_conditions(form: LogFilterForm, allowed: set[int] | None) -> list:
    conditions = []
    if allowed is not None:
        conditions.append(ActionLog.process_id.in_(allowed))
    nickname = form.valid("user")
    if nickname:
        conditions.append(ActionLog.user_id.in_(
            select(User.id).where(User.nickname == nickname.strip().lstrip("@").lower())
        ))
    for name, column in (("action", ActionLog.action),
                         ("resource_type", ActionLog.resource_type)):
        if form.valid(name):
            conditions.append(column == form.valid(name))
    process = form.valid("process_id")
    if process:
        is_number = process.isascii() and process.isdigit() and len(process) < 10
        process_id = int(process) if is_number else -1
        conditions.append(ActionLog.process_id == process_id)
    if form.valid("date_from") and (start := _day_start(form.valid("date_from"))):
        conditions.append(ActionLog.created_at >= start)
    if form.valid("date_to") and (end := _day_start(form.valid("date_to"), plus_days=1)):
        conditions.append(ActionLog.created_at < end)
    return conditions


@bp.route("/logs")
@staff_required
def logs():
    allowed = administered_process_ids(current_user)
    vocabulary = _vocabulary()
    query = select(Process.id, Process.title).order_by(Process.start_date.desc(), Process.id)
    if allowed is not None:
        query = query.where(Process.id.in_(allowed))
    titles = {process_id: translate(title) for process_id, title in db.session.execute(query)}
    form = LogFilterForm(
        request.args,
        actions=_choices(vocabulary["actions"],
                         db.session.scalars(select(ActionLog.action).distinct())),
        resource_types=_choices(vocabulary["resource_types"],
                                db.session.scalars(select(ActionLog.resource_type).distinct())),
        processes=[(str(process_id), title) for process_id, title in titles.items()],
    )
    form.validate()
    conditions = _log_conditions(form, allowed)
    total = db.session.scalar(select(func.count(ActionLog.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page_number(), pages)
    entries = db.session.scalars(
        select(ActionLog).where(*conditions)
        .order_by(ActionLog.created_at.desc(), ActionLog.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    # Only the filters go into the links of other pages, never whatever else was in the address.
    filters = {field.name: request.args[field.name] for field in form
               if field.name in request.args and field.type != "SubmitField"
               and request.args[field.name] and not field.errors}
    return render_template("admin/logs.html", form=form, entries=entries, total=total,
                           page=page, pages=pages, filters=filters, titles=titles,
                           sentence=log_sentence)


def init_app(app) -> None:
    app.jinja_env.globals["admin_nav"] = admin_nav
    app.extensions["decide.log_vocabulary"] = {
        "sentences": dict(LOG_SENTENCES),
        "actions": dict(ACTION_NAMES),
        "resource_types": dict(RESOURCE_TYPE_NAMES),
    }
    register_nav(app, NavItem("admin.dashboard", _l("Dashboard"), admins_only=False,
                              position=0))
    # The log of the processes one administers: other staff would find it empty.
    register_nav(app, NavItem("admin.logs", _l("Action log"), admins_only=False,
                              position=1000, shown_to=administers_a_process))
