"""Processes, phases, categories, scopes, components and roles. Services flush, never commit.

Every change made from the back office is written to the action log here, in the same
transaction, so the log cannot miss one.
"""

import re
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from decide.components import effective_settings
from decide.components import get_manifest
from decide.components import manifests
from decide.core.html import sanitize_translated
from decide.core.i18n import current_organization
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.extensions import db
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import PhaseActivation
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- permissions ------------------------------------------------------------------------

def role_in(user, process: Process) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    for role in user.process_roles:
        if role.process_id == process.id:
            return role.role
    return None


def can_admin_process(user, process: Process) -> bool:
    """Organization admins, and the process admins of this process."""
    if user is None or not user.is_authenticated:
        return False
    return user.admin or role_in(user, process) == Role.PROCESS_ADMIN


def can_preview(user, process: Process) -> bool:
    """Staff of the process see it (and its components) before they are published."""
    if user is None or not user.is_authenticated:
        return False
    return user.admin or role_in(user, process) is not None


def can_see_process(user, process: Process) -> bool:
    return process.is_published or can_preview(user, process)


def can_see_component(user, component: Component) -> bool:
    return can_see_process(user, component.process) and (
        component.is_published or can_preview(user, component.process)
    )


def can_moderate(user, process: Process) -> bool:
    """Organization admins, and the process admins and moderators of this process."""
    if user is None or not user.is_authenticated:
        return False
    return user.admin or role_in(user, process) in (Role.PROCESS_ADMIN, Role.MODERATOR)


def can_see_resource(user, resource) -> bool:
    """A resource is seen where its component is, when it is public (a proposal's draft is
    its author's only) and not hidden by moderation (moderators still see it)."""
    component = resource.component
    if not can_see_component(user, component):
        return False
    if not resource.is_public and not (
        user is not None and user.is_authenticated and user.id == resource.author_id
    ):
        return False
    return not resource.is_hidden or can_moderate(user, component.process)


def administered_process_ids(user) -> set[int] | None:
    """None means all (organization admin); otherwise the processes the user administers."""
    if user.admin:
        return None
    return {r.process_id for r in user.process_roles if r.role == Role.PROCESS_ADMIN}


# --- dates and phases ---------------------------------------------------------------

def _check_dates(start: date, end: date) -> None:
    if start and end and end < start:
        raise DomainError(_("The end date must be on or after the start date."), field="end_date")


def active_phase(process: Process) -> Phase | None:
    return next((phase for phase in process.phases if phase.active), None)


def today_here() -> date:
    """Today in the organization's time zone: phase and process dates are calendar dates there."""
    return datetime.now(ZoneInfo(current_organization().time_zone)).date()


def process_status(process: Process, today: date) -> str:
    """"active", "upcoming" or "past", by the process dates in the organization's calendar."""
    if process.start_date > today:
        return "upcoming"
    if process.end_date < today:
        return "past"
    return "active"


# --- scopes -------------------------------------------------------------------------

def _check_code_free(code: str, exclude: Scope | None = None) -> None:
    if not code or len(code) > 20:
        raise DomainError(_("Use from 1 to 20 characters."), field="code")
    query = select(Scope.id).where(func.lower(Scope.code) == code.lower())
    if exclude is not None:
        query = query.where(Scope.id != exclude.id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("Another scope already uses this code."), field="code")


def create_scope(actor: User, *, name: dict, code: str) -> Scope:
    code = code.strip()
    _check_code_free(code)
    position = db.session.scalar(select(func.coalesce(func.max(Scope.position), 0))) + 1
    scope = Scope(name=name, code=code, position=position)
    db.session.add(scope)
    db.session.flush()
    record_action(actor, "create", scope)
    return scope


def update_scope(actor: User, scope: Scope, *, name: dict, code: str) -> None:
    code = code.strip()
    _check_code_free(code, exclude=scope)
    scope.name, scope.code = name, code
    db.session.flush()
    record_action(actor, "update", scope)


def delete_scope(actor: User, scope: Scope) -> None:
    if db.session.scalar(select(Process.id).where(Process.scope_id == scope.id).limit(1)):
        raise DomainError(_("This scope is used by a process: change the process first."))
    record_action(actor, "delete", scope)
    db.session.delete(scope)
    db.session.flush()


# --- processes ----------------------------------------------------------------------

def _check_slug(slug: str, exclude: Process | None = None) -> str:
    slug = slug.strip().lower()
    if len(slug) > 80 or not SLUG_PATTERN.match(slug):
        raise DomainError(
            _("Use only lower-case letters without accents, digits and single hyphens."),
            field="slug",
        )
    query = select(Process.id).where(Process.slug == slug)
    if exclude is not None:
        query = query.where(Process.id != exclude.id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("Another process already uses this address."), field="slug")
    return slug


def _process_fields(process: Process, values: dict, exclude: Process | None) -> None:
    _check_dates(values["start_date"], values["end_date"])
    process.slug = _check_slug(values["slug"], exclude=exclude)
    process.title = values["title"]
    process.subtitle = values.get("subtitle") or {}
    process.description = sanitize_translated(values.get("description") or {})
    process.start_date = values["start_date"]
    process.end_date = values["end_date"]
    process.scope_id = values.get("scope_id")
    process.promoted = bool(values.get("promoted"))
    process.automatic_phases = bool(values.get("automatic_phases"))


def create_process(actor: User, **values) -> Process:
    process = Process()
    _process_fields(process, values, exclude=None)
    db.session.add(process)
    db.session.flush()
    record_action(actor, "create", process, process_id=process.id)
    return process


def update_process(actor: User, process: Process, **values) -> None:
    _process_fields(process, values, exclude=process)
    db.session.flush()
    record_action(actor, "update", process, process_id=process.id)


def publish_process(actor: User, process: Process) -> None:
    process.published_at = process.published_at or utcnow()
    record_action(actor, "publish", process, process_id=process.id)


def unpublish_process(actor: User, process: Process) -> None:
    process.published_at = None
    record_action(actor, "unpublish", process, process_id=process.id)


def has_participation(component: Component) -> bool:
    return get_manifest(component.manifest_name).has_participation(component)


def delete_process(actor: User, process: Process) -> None:
    if any(has_participation(component) for component in process.components):
        raise DomainError(
            _("Residents have taken part in this process, so it cannot be deleted. "
              "Unpublish it instead.")
        )
    record_action(actor, "delete", process, process_id=process.id)
    db.session.delete(process)
    db.session.flush()


# --- categories -----------------------------------------------------------------------

def _check_parent(process: Process, parent_id: int | None, category: Category | None = None):
    if parent_id is None:
        return None
    parent = db.session.get(Category, parent_id)
    if parent is None or parent.process_id != process.id:
        raise DomainError(_("Choose a category of this process."), field="parent_id")
    if parent.parent_id is not None:
        raise DomainError(_("Subcategories cannot have subcategories."), field="parent_id")
    if category is not None and (parent.id == category.id or _has_children(category)):
        raise DomainError(
            _("A category with subcategories cannot become a subcategory."), field="parent_id"
        )
    return parent


def _has_children(category: Category) -> bool:
    return db.session.scalar(
        select(Category.id).where(Category.parent_id == category.id).limit(1)
    ) is not None


def create_category(actor: User, process: Process, *, name: dict,
                    parent_id: int | None = None) -> Category:
    _check_parent(process, parent_id)
    category = Category(process=process, name=name, parent_id=parent_id,
                        position=len(process.categories))
    db.session.add(category)
    db.session.flush()
    record_action(actor, "create", category, process_id=process.id)
    return category


def update_category(actor: User, category: Category, *, name: dict,
                    parent_id: int | None = None) -> None:
    _check_parent(category.process, parent_id, category)
    category.name, category.parent_id = name, parent_id
    db.session.flush()
    record_action(actor, "update", category, process_id=category.process_id)


def delete_category(actor: User, category: Category) -> None:
    record_action(actor, "delete", category, process_id=category.process_id)
    db.session.delete(category)
    db.session.flush()


# --- phases ---------------------------------------------------------------------------

def create_phase(actor: User, process: Process, *, title: dict, description: dict,
                 start_date: date, end_date: date) -> Phase:
    _check_dates(start_date, end_date)
    phase = Phase(process=process, title=title, description=sanitize_translated(description),
                  start_date=start_date, end_date=end_date,
                  position=max((p.position for p in process.phases), default=-1) + 1)
    db.session.add(phase)
    db.session.flush()
    record_action(actor, "create", phase, process_id=process.id)
    return phase


def update_phase(actor: User, phase: Phase, *, title: dict, description: dict,
                 start_date: date, end_date: date) -> None:
    _check_dates(start_date, end_date)
    phase.title = title
    phase.description = sanitize_translated(description)
    phase.start_date, phase.end_date = start_date, end_date
    db.session.flush()
    record_action(actor, "update", phase, process_id=phase.process_id)


def _swap(items: list, item, direction: int) -> bool:
    index = items.index(item)
    other = index + direction
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    return True


def move_phase(actor: User, phase: Phase, direction: int) -> None:
    phases = sorted(phase.process.phases, key=lambda each: (each.position, each.id))
    if _swap(phases, phase, direction):
        for position, each in enumerate(phases):
            each.position = position
        db.session.flush()
        record_action(actor, "move", phase, process_id=phase.process_id)


def delete_phase(actor: User, phase: Phase) -> None:
    record_action(actor, "delete", phase, process_id=phase.process_id)
    process = phase.process
    # Components first: loading them flushes, which would delete the phase removed below
    # once already, and the second DELETE would find no row.
    for component in process.components:
        component.phase_settings = {
            key: value for key, value in (component.phase_settings or {}).items()
            if key != str(phase.id)
        }
    process.phases.remove(phase)
    db.session.delete(phase)
    db.session.flush()


def activate_phase(actor: User | None, phase: Phase) -> bool:
    """Make `phase` the only active phase of its process; False when it already was."""
    if phase.active:
        return False
    # Deactivate first and flush: the unique index allows one active phase per process.
    db.session.execute(
        update(Phase).where(Phase.process_id == phase.process_id, Phase.active.is_(True))
        .values(active=False)
    )
    db.session.flush()
    phase.active = True
    db.session.add(PhaseActivation(process_id=phase.process_id, phase_id=phase.id,
                                   activated_by_id=actor.id if actor else None))
    db.session.flush()
    record_action(actor, "activate", phase, process_id=phase.process_id)
    return True


def activate_phases_by_date(today: date) -> int:
    """For processes with automatic phases, activate the phase whose dates contain today.

    Idempotent: safe to run every minute from cron. Returns how many phases changed.
    """
    current = db.session.scalars(
        select(Phase).join(Process)
        .where(Process.automatic_phases.is_(True), Phase.start_date <= today,
               Phase.end_date >= today)
        .order_by(Phase.process_id, Phase.position, Phase.id)
    ).all()
    by_process: dict[int, list[Phase]] = {}
    for phase in current:
        by_process.setdefault(phase.process_id, []).append(phase)
    changed = 0
    for phases in by_process.values():
        # Overlapping phases: an active one that contains today stays (else two phases
        # would take turns at every run); with none active, the first in order wins.
        if not any(phase.active for phase in phases):
            changed += activate_phase(None, phases[0])
    return changed


# --- components -----------------------------------------------------------------------

def component_settings(component: Component):
    """Manifest defaults ← component values ← active phase values."""
    phase = active_phase(component.process)
    return effective_settings(get_manifest(component.manifest_name), component,
                              phase.id if phase else None)


def _clean_settings(declared, values: dict) -> dict:
    cleaned = {}
    for setting in declared:
        if setting.name not in values:
            continue
        try:
            cleaned[setting.name] = setting.clean(values[setting.name])
        except ValueError as error:
            raise DomainError(_("This value is not allowed."), field=setting.name) from error
    return cleaned


def add_component(actor: User, process: Process, *, manifest_name: str, name: dict) -> Component:
    if manifest_name not in manifests():
        raise DomainError(_("This kind of component does not exist."), field="manifest_name")
    component = Component(process=process, manifest_name=manifest_name, name=name,
                          weight=max((c.weight for c in process.components), default=-1) + 1,
                          settings={}, phase_settings={})
    db.session.add(component)
    db.session.flush()
    record_action(actor, "create", component, process_id=process.id)
    return component


def update_component(actor: User, component: Component, *, name: dict, settings: dict,
                     phase_settings: dict[int, dict]) -> None:
    manifest = get_manifest(component.manifest_name)
    phase_ids = {phase.id for phase in component.process.phases}
    cleaned_phases = {}
    for phase_id, values in phase_settings.items():
        if phase_id not in phase_ids:
            raise DomainError(_("This phase is not part of the process."))
        cleaned_phases[str(phase_id)] = _clean_settings(manifest.phase_settings, values)
    cleaned = _clean_settings(manifest.settings, settings)
    if manifest.check_settings is not None:
        manifest.check_settings(component, cleaned)
    before = {s.name: (component.settings or {}).get(s.name, s.default) for s in manifest.settings}
    changed = sorted(key for key, value in before.items() if cleaned.get(key, value) != value)
    component.name = name
    component.settings = cleaned
    component.phase_settings = cleaned_phases
    db.session.flush()
    record_action(actor, "update", component, process_id=component.process_id,
                  details={"changed": changed} if changed else None)


def move_component(actor: User, component: Component, direction: int) -> None:
    components = sorted(component.process.components, key=lambda each: (each.weight, each.id))
    if _swap(components, component, direction):
        for weight, each in enumerate(components):
            each.weight = weight
        db.session.flush()
        record_action(actor, "move", component, process_id=component.process_id)


def publish_component(actor: User, component: Component) -> None:
    component.published_at = component.published_at or utcnow()
    record_action(actor, "publish", component, process_id=component.process_id)


def unpublish_component(actor: User, component: Component) -> None:
    component.published_at = None
    record_action(actor, "unpublish", component, process_id=component.process_id)


def delete_component(actor: User, component: Component) -> None:
    if has_participation(component):
        raise DomainError(
            _("Residents have taken part in this component, so it cannot be deleted. "
              "Unpublish it instead.")
        )
    record_action(actor, "delete", component, process_id=component.process_id)
    component.process.components.remove(component)
    db.session.delete(component)
    db.session.flush()


# --- roles ----------------------------------------------------------------------------

def grant_role(actor: User, process: Process, *, identifier: str, role: str) -> ProcessRole:
    """Give `role` in `process` to the user with this e-mail address or nickname."""
    if role not in set(Role):
        raise DomainError(_("This role does not exist."), field="role")
    identifier = identifier.strip().lower().lstrip("@")
    user = db.session.scalars(
        select(User).where((User.email == identifier) | (User.nickname == identifier),
                           User.deleted_at.is_(None))
    ).first()
    if user is None:
        raise DomainError(_("No participant has this e-mail address or nickname."),
                          field="identifier")
    existing = db.session.scalars(
        select(ProcessRole).where(ProcessRole.process_id == process.id,
                                  ProcessRole.user_id == user.id)
    ).first()
    if existing is not None:
        existing.role = role
        assignment = existing
    else:
        assignment = ProcessRole(process=process, user=user, role=role)
        db.session.add(assignment)
    db.session.flush()
    record_action(actor, "grant_role", user, process_id=process.id, details={"role": role})
    return assignment


def revoke_role(actor: User, assignment: ProcessRole) -> None:
    record_action(actor, "revoke_role", assignment.user, process_id=assignment.process_id,
                  details={"role": assignment.role})
    assignment.process.roles.remove(assignment)
    db.session.delete(assignment)
    db.session.flush()
