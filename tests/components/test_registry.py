"""The component framework: manifests from an explicit list in config, each kind mounted
under its own prefix, get_manifest, and effective settings (defaults ← component ← phase)."""

from dataclasses import replace
from types import SimpleNamespace

import pytest
from flask import Blueprint
from flask import template_rendered
from flask_babel import lazy_gettext as _l

from decide import create_app
from decide.components import COMPONENT_PREFIX
from decide.components import Manifest
from decide.components import Setting
from decide.components import effective_settings
from decide.components import get_manifest
from decide.components import manifests
from decide.config import Config


def rules_of(app, blueprint_name: str) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] == blueprint_name]


@pytest.mark.nodb
def test_the_manifests_are_the_ones_listed_in_config(app):
    assert Config.DECIDE_COMPONENTS == app.config["DECIDE_COMPONENTS"]
    assert tuple(manifests()) == Config.DECIDE_COMPONENTS
    for name, manifest in manifests().items():
        assert manifest.name == name
        assert manifest.public.name == name


@pytest.mark.nodb
def test_each_kind_is_mounted_under_its_own_prefix(app):
    for name, manifest in manifests().items():
        public = rules_of(app, manifest.public.name)
        assert public, f"{name} has no public page"
        assert all(rule.startswith(f"{COMPONENT_PREFIX}/{name}/") for rule in public), public
        assert f"{name}.index" in app.view_functions, "the bare address redirects to index"
        if manifest.admin is not None:
            assert manifest.admin.name == f"{name}_admin"
            admin = rules_of(app, manifest.admin.name)
            assert admin
            assert all(rule.startswith(f"/admin{COMPONENT_PREFIX}/{name}/") for rule in admin)


@pytest.mark.nodb
def test_only_the_listed_kinds_are_mounted():
    bare = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "DECIDE_COMPONENTS": ()})

    assert bare.extensions["decide.components"] == {}
    assert not [rule for rule in bare.url_map.iter_rules() if "/f/<int:component_id>/" in
                rule.rule and rule.endpoint != "processes.component"]
    with bare.app_context():
        with pytest.raises(KeyError):
            get_manifest("pages")


@pytest.mark.nodb
def test_get_manifest_finds_a_kind_by_name(app):
    pages = get_manifest("pages")

    assert pages is manifests()["pages"]
    assert pages.name == "pages"
    assert str(pages.label) == "Page"
    with pytest.raises(KeyError):
        get_manifest("no-such-kind")


# --- effective settings ----------------------------------------------------------------------

MANIFEST = Manifest(
    name="ideas",
    label=_l("Ideas"),
    public=Blueprint("ideas_test", __name__),
    settings=(
        Setting("support_limit", 0, int, bounds=(0, 20)),
        Setting("comments_enabled", True),
        Setting("order", "random", str, choices=(("random", _l("Random")),
                                                 ("recent", _l("Recent")))),
    ),
    phase_settings=(
        Setting("creation_enabled", False),
        Setting("supports_enabled", False),
        Setting("comments_enabled", True),
    ),
)


def component(settings=None, phase_settings=None):
    return SimpleNamespace(settings=settings, phase_settings=phase_settings)


@pytest.mark.nodb
def test_without_values_the_manifest_defaults_apply():
    values = effective_settings(MANIFEST, component(), None)

    assert dict(values) == {"support_limit": 0, "comments_enabled": True, "order": "random",
                            "creation_enabled": False, "supports_enabled": False}


@pytest.mark.nodb
def test_component_values_override_the_defaults():
    values = effective_settings(
        MANIFEST, component({"support_limit": 5, "order": "recent"}, {}), None
    )

    assert values["support_limit"] == 5
    assert values["order"] == "recent"
    assert values["comments_enabled"] is True


@pytest.mark.nodb
def test_the_active_phase_values_override_the_component_values():
    settings = component(
        {"support_limit": 5, "comments_enabled": True},
        {"7": {"creation_enabled": True, "comments_enabled": False},
         "8": {"supports_enabled": True, "support_limit": 9}},
    )

    in_ideas = effective_settings(MANIFEST, settings, 7)
    in_supports = effective_settings(MANIFEST, settings, 8)
    no_phase = effective_settings(MANIFEST, settings, None)
    other_phase = effective_settings(MANIFEST, settings, 99)

    assert (in_ideas["creation_enabled"], in_ideas["comments_enabled"],
            in_ideas["supports_enabled"]) == (True, False, False)
    assert (in_supports["creation_enabled"], in_supports["supports_enabled"]) == (False, True)
    assert in_supports["support_limit"] == 9
    assert no_phase["comments_enabled"] is True and no_phase["creation_enabled"] is False
    assert dict(other_phase) == dict(no_phase)


@pytest.mark.nodb
def test_values_the_manifest_does_not_declare_are_ignored():
    values = effective_settings(
        MANIFEST, component({"budget": 10**6}, {"1": {"anything": "goes"}}), 1
    )

    assert "budget" not in values
    assert "anything" not in values


@pytest.mark.nodb
def test_effective_settings_are_read_only():
    values = effective_settings(MANIFEST, component(), None)

    with pytest.raises(TypeError):
        values["support_limit"] = 3


def test_a_component_page_gets_the_settings_of_the_active_phase(
        app, client, create_process, create_phase, create_component, monkeypatch):
    """g.settings, loaded once per request for every component page, layers the process's
    active phase too."""
    process = create_process()
    create_phase(process)
    active = create_phase(process, active=True)
    page = create_component(process, settings={"support_limit": 4},
                            phase_settings={str(active.id): {"creation_enabled": True}})
    monkeypatch.setitem(app.extensions["decide.components"], "pages",
                        replace(get_manifest("pages"), settings=MANIFEST.settings,
                                phase_settings=MANIFEST.phase_settings))
    seen = {}

    def record(sender, template, context, **extra):
        seen.update(context["g"].settings)

    with template_rendered.connected_to(record, app):
        response = client.get(f"/processes/{process.slug}/f/{page.id}/pages/")

    assert response.status_code == 200
    assert seen == {"support_limit": 4, "comments_enabled": True, "order": "random",
                    "creation_enabled": True, "supports_enabled": False}
