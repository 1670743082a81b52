"""The component framework: a manifest per kind, registered from an explicit list in config.

Core and spaces never import a component kind: they reach one through
`get_manifest(component.manifest_name)` and call its hooks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from importlib import import_module
from types import MappingProxyType
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask_babel import lazy_gettext as _l

COMPONENT_PREFIX = "/processes/<slug>/f/<int:component_id>"


@dataclass(frozen=True)
class Setting:
    """One declared setting; the admin form for a component is generated from these."""

    name: str
    default: Any = False
    type: type = bool  # bool, int, str (a choice when `choices` is set), or dict (translated)
    label: Any = ""  # a lazy string
    help: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()  # (value, lazy label)
    bounds: tuple[int, int] | None = None  # inclusive, for integers
    translated: bool = False  # stored as {"en": ..., "ca": ...}

    def clean(self, value: Any) -> Any:
        """The value coerced to the declared type, or ValueError when it cannot be."""
        if self.translated:
            if not isinstance(value, dict):
                raise ValueError(self.name)
            return {str(k): str(v) for k, v in value.items() if v}
        if self.choices:
            if value not in {choice for choice, _label in self.choices}:
                raise ValueError(self.name)
            return value
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError(self.name)
            return value
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(self.name)
            if self.bounds and not self.bounds[0] <= value <= self.bounds[1]:
                raise ValueError(self.name)
            return value
        return str(value)


def verification_setting(action: str, label: Any, default: bool = False) -> Setting:
    """The setting that makes one of a kind's `actions` need a census-verified resident
    (read by decide.verification.services.needs_verification)."""
    return Setting(f"verify_{action}", default, bool, label=label,
                   help=_l("Residents who are not verified yet are guided to verify their "
                           "identity, then brought back."))


@dataclass(frozen=True)
class CommentRules:
    """What a kind allows in the comments of one of its resources, now (settings, phase)."""

    enabled: bool = True  # the thread is shown at all
    blocked: bool = False  # shown, but no new comments, replies or votes
    alignment: bool = False  # comments may say in favour / against / neutral
    verified_only: bool = False  # writing needs a census-verified resident


@dataclass(frozen=True)
class Task:
    """Work waiting for a staff member, listed on their back-office dashboard."""

    label: str
    url: str
    count: int


def _no_tasks(user) -> list:
    return []


def _no_participation(component) -> bool:
    return False


def _no_stats(components) -> dict:
    return {}


@dataclass(frozen=True)
class Manifest:
    name: str  # blueprint name, URL segment and table prefix
    label: Any  # a lazy string: _l("Proposals")
    public: Blueprint
    admin: Blueprint | None = None
    admin_entry: str = ""  # the admin view the process's component list links to; "": its first
    settings: tuple[Setting, ...] = ()
    phase_settings: tuple[Setting, ...] = ()
    # Actions that a component can require verification for; each has its
    # `verification_setting` among `settings`.
    actions: tuple[str, ...] = ()
    summary: Callable[[Any], str] = lambda component: ""  # noqa: E731 - the line on the process page
    # Dashboard counts of all the components of the kind it lists, in a fixed number of
    # queries: {component id: {lazy label: number}}.
    stats: Callable[[list], dict[int, dict]] = _no_stats
    # What waits for this staff member in every component of the kind, in a fixed number of
    # queries: [Task], shown on their dashboard.
    tasks: Callable[[Any], list[Task]] = _no_tasks
    has_participation: Callable[[Any], bool] = _no_participation  # blocks deletion when True
    seed: Callable[[Any], None] | None = None  # demo data
    export: Callable[[Any], list[dict]] | None = None
    search_text: Callable[[Any], str] | None = None
    # The comment rules for a resource of this kind; None: its resources take no comments.
    comment_rules: Callable[[Any], CommentRules] | None = None
    cli: Any = None  # a click group added under `flask decide`
    # Called with the component and its new global settings before they are saved; raises
    # DomainError to refuse a change (a voting rule once ballots exist).
    check_settings: Callable[[Any, dict], None] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def admin_endpoint(self) -> str | None:
        """The endpoint of the kind's back office that the component list links to."""
        if self.admin is None:
            return None
        if self.admin_entry:
            return f"{self.admin.name}.{self.admin_entry}"
        prefix = f"{self.admin.name}."
        return next((rule.endpoint for rule in current_app.url_map.iter_rules()
                     if rule.endpoint.startswith(prefix)), None)

    def setting(self, name: str, phase: bool = False) -> Setting:
        for setting in self.phase_settings if phase else self.settings:
            if setting.name == name:
                return setting
        raise KeyError(name)


def effective_settings(manifest: Manifest, component, active_phase_id: int | None):
    """Manifest defaults ← component values ← active phase values, read-only."""
    values = {s.name: s.default for s in (*manifest.settings, *manifest.phase_settings)}
    values.update({k: v for k, v in (component.settings or {}).items() if k in values})
    if active_phase_id is not None:
        phase_values = (component.phase_settings or {}).get(str(active_phase_id), {})
        values.update({k: v for k, v in phase_values.items() if k in values})
    return MappingProxyType(values)


def init_app(app: Flask) -> None:
    manifests: dict[str, Manifest] = {}
    for name in app.config["DECIDE_COMPONENTS"]:  # an explicit list, no filesystem scan
        manifest = import_module(f"decide.components.{name}").manifest
        app.register_blueprint(manifest.public, url_prefix=f"{COMPONENT_PREFIX}/{name}")
        if manifest.admin is not None:
            app.register_blueprint(
                manifest.admin, url_prefix=f"/admin{COMPONENT_PREFIX}/{name}"
            )
        manifests[name] = manifest
    app.extensions["decide.components"] = manifests


def get_manifest(name: str) -> Manifest:
    return current_app.extensions["decide.components"][name]


def manifests() -> dict[str, Manifest]:
    return current_app.extensions["decide.components"]
