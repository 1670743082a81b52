"""Services of processes, phases, categories, scopes, components and roles (no client).

Each rule is checked where it lives; each change is checked in the action log too.
"""

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import select

from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.spaces import services
from decide.spaces.forms import settings_form
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import PhaseActivation
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope

START, END = date(2030, 3, 1), date(2030, 6, 30)


def logged(db) -> list[tuple]:
    """The action log, oldest first, as (action, resource type, resource id, process id)."""
    entries = db.session.scalars(select(ActionLog).order_by(ActionLog.id)).all()
    return [(e.action, e.resource_type, e.resource_id, e.process_id) for e in entries]


def process_values(**overrides) -> dict:
    values = {"title": {"en": "Green Streets"}, "subtitle": {"en": "Trees on every street"},
              "description": {"en": "<p>Plant</p>"}, "slug": "green-streets",
              "start_date": START, "end_date": END, "scope_id": None, "promoted": False,
              "automatic_phases": False}
    values.update(overrides)
    return values


def refused(call, field=None) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call()
    assert raised.value.message
    assert raised.value.field == field
    return raised.value


def test_the_factories_build_a_process_with_what_it_holds(create_process, create_phase,
                                                          create_component, create_scope,
                                                          create_category, grant, user):
    scope = create_scope()
    process = create_process(scope_id=scope.id)
    first = create_phase(process, active=True)
    second = create_phase(process)
    component = create_component(process)
    parent = create_category(process)
    child = create_category(process, parent=parent)
    grant(user, process, Role.MODERATOR)
    assert process.is_published and process.scope == scope
    assert process.phases == [first, second] and first.active and not second.active
    assert process.components == [component] and component.is_published
    assert child.parent == parent and process.categories == [parent, child]
    assert [(r.user, r.role) for r in process.roles] == [(user, "moderator")]
    assert user.is_staff


# --- scopes ---------------------------------------------------------------------------------

def test_scopes_are_created_updated_and_deleted_with_the_log(db, admin):
    scope = services.create_scope(admin, name={"en": "North"}, code=" N1 ")
    other = services.create_scope(admin, name={"en": "South"}, code="S1")
    assert (scope.code, scope.position, other.position) == ("N1", 1, 2)
    services.update_scope(admin, scope, name={"en": "North district"}, code="N1")
    assert scope.name == {"en": "North district"}
    services.delete_scope(admin, other)
    db.session.commit()
    assert db.session.scalars(select(Scope)).all() == [scope]
    assert logged(db) == [("create", "scope", scope.id, None), ("create", "scope", other.id, None),
                          ("update", "scope", scope.id, None), ("delete", "scope", other.id, None)]


def test_a_scope_code_is_unique_whatever_its_case(db, admin, create_scope):
    create_scope(code="N1")
    refused(lambda: services.create_scope(admin, name={"en": "X"}, code="n1"), "code")
    scope = create_scope(code="S1")
    refused(lambda: services.update_scope(admin, scope, name={"en": "X"}, code="N1"), "code")
    assert logged(db) == []


def test_a_scope_code_longer_than_its_column_is_refused(db, admin):
    refused(lambda: services.create_scope(admin, name={"en": "X"}, code="x" * 21), "code")


def test_a_scope_used_by_a_process_cannot_be_deleted(db, admin, create_scope, create_process):
    scope = create_scope()
    create_process(scope_id=scope.id)
    refused(lambda: services.delete_scope(admin, scope))
    assert db.session.get(Scope, scope.id) is not None
    assert logged(db) == []


# --- processes ------------------------------------------------------------------------------

def test_a_new_process_is_unpublished_its_slug_lower_case_its_description_sanitized(db, admin):
    process = services.create_process(admin, **process_values(
        slug=" Green-Streets ",
        description={"en": '<p onclick="x()">Plant</p><script>x()</script>'},
        title={"en": "<script>alert(1)</script>"},
    ))
    db.session.commit()
    assert process.slug == "green-streets"
    assert not process.is_published
    assert process.description == {"en": "<p>Plant</p>x()"}
    assert process.title == {"en": "<script>alert(1)</script>"}  # plain text: escaped on output
    assert logged(db) == [("create", "process", process.id, process.id)]


@pytest.mark.parametrize("slug", ["Green Streets", "green_streets", "-green", "green--streets",
                                  "verd-àrea", "", "green-", "x" * 81])
def test_a_bad_slug_is_refused(db, admin, slug):
    refused(lambda: services.create_process(admin, **process_values(slug=slug)), "slug")
    assert db.session.scalars(select(Process)).all() == []


def test_a_slug_is_unique_whatever_its_case(db, admin, create_process):
    create_process(slug="green-streets")
    refused(lambda: services.create_process(admin, **process_values(slug="GREEN-Streets")),
            "slug")
    other = create_process(slug="other")
    refused(lambda: services.update_process(admin, other, **process_values()), "slug")
    assert logged(db) == []


def test_a_process_cannot_end_before_it_starts(db, admin, create_process):
    refused(lambda: services.create_process(
        admin, **process_values(start_date=END, end_date=START)), "end_date")
    process = create_process()
    refused(lambda: services.update_process(
        admin, process, **process_values(start_date=END, end_date=START)), "end_date")
    # One day long is fine.
    services.update_process(admin, process, **process_values(start_date=START, end_date=START))


def test_updating_a_process_keeps_its_own_slug_and_logs(db, admin, create_process, create_scope):
    process = create_process(slug="green-streets")
    scope = create_scope()
    services.update_process(admin, process, **process_values(
        title={"en": "Greener"}, scope_id=scope.id, promoted=True, automatic_phases=True))
    db.session.commit()
    assert (process.title, process.scope, process.promoted, process.automatic_phases) == (
        {"en": "Greener"}, scope, True, True)
    assert logged(db) == [("update", "process", process.id, process.id)]


def test_publishing_and_unpublishing_a_process(db, admin, create_process):
    process = create_process(published=False)
    services.publish_process(admin, process)
    first = process.published_at
    assert first is not None
    services.publish_process(admin, process)  # publishing again keeps the first date
    assert process.published_at == first
    services.unpublish_process(admin, process)
    db.session.commit()
    assert not process.is_published
    assert [entry[0] for entry in logged(db)] == ["publish", "publish", "unpublish"]


def test_deleting_a_process_deletes_what_it_holds_and_logs(db, admin, user, create_process,
                                                           create_phase, create_component,
                                                           create_category, grant):
    process = create_process()
    create_phase(process, active=True)
    create_component(process)
    create_category(process, parent=create_category(process))
    grant(user, process)
    process_id = process.id
    services.delete_process(admin, process)
    db.session.commit()
    for model in (Process, Phase, Component, Category, ProcessRole):
        assert db.session.scalars(select(model)).all() == [], model
    assert logged(db) == [("delete", "process", process_id, process_id)]


def test_a_process_where_residents_took_part_cannot_be_deleted(db, admin, create_process,
                                                               create_component, survey_kind):
    process = create_process()
    create_component(process)
    survey = create_component(process, manifest_name="survey")
    survey_kind.extra["participated"].add(survey.id)
    error = refused(lambda: services.delete_process(admin, process))
    assert "Unpublish it instead" in error.message
    assert db.session.get(Process, process.id) is not None
    assert logged(db) == []


# --- categories -----------------------------------------------------------------------------

def test_categories_and_subcategories(db, admin, create_process):
    process = create_process()
    parks = services.create_category(admin, process, name={"en": "Parks"})
    trees = services.create_category(admin, process, name={"en": "Trees"}, parent_id=parks.id)
    services.update_category(admin, trees, name={"en": "Street trees"}, parent_id=parks.id)
    services.update_category(admin, trees, name={"en": "Street trees"}, parent_id=None)
    assert (trees.parent_id, trees.name) == (None, {"en": "Street trees"})
    services.update_category(admin, trees, name={"en": "Street trees"}, parent_id=parks.id)
    db.session.commit()
    assert trees.parent == parks and trees.process == process
    assert logged(db) == [("create", "category", parks.id, process.id),
                          ("create", "category", trees.id, process.id),
                          ("update", "category", trees.id, process.id),
                          ("update", "category", trees.id, process.id),
                          ("update", "category", trees.id, process.id)]


def test_a_parent_category_must_be_a_main_category_of_the_same_process(
        db, admin, create_process, create_category):
    process, other = create_process(), create_process()
    foreign = create_category(other)
    main = create_category(process)
    sub = create_category(process, parent=main)
    lone = create_category(process)
    refused(lambda: services.create_category(admin, process, name={"en": "X"},
                                             parent_id=foreign.id), "parent_id")
    refused(lambda: services.create_category(admin, process, name={"en": "X"},
                                             parent_id=sub.id), "parent_id")
    refused(lambda: services.create_category(admin, process, name={"en": "X"},
                                             parent_id=987654), "parent_id")
    refused(lambda: services.update_category(admin, main, name=main.name, parent_id=lone.id),
            "parent_id")  # it has subcategories
    refused(lambda: services.update_category(admin, lone, name=lone.name, parent_id=lone.id),
            "parent_id")  # itself
    assert logged(db) == []


def test_deleting_a_category_deletes_its_subcategories(db, admin, create_process,
                                                       create_category):
    process = create_process()
    main = create_category(process)
    create_category(process, parent=main)
    kept = create_category(process)
    main_id = main.id
    services.delete_category(admin, main)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(select(Category)).all() == [kept]
    assert logged(db) == [("delete", "category", main_id, process.id)]


# --- phases ---------------------------------------------------------------------------------

def test_phases_are_added_in_order_with_their_description_sanitized(db, admin, create_process):
    process = create_process()
    ideas = services.create_phase(admin, process, title={"en": "Ideas"},
                                  description={"en": "<p>Go</p><script>x()</script>"},
                                  start_date=START, end_date=START + timedelta(days=30))
    vote = services.create_phase(admin, process, title={"en": "Vote"}, description={},
                                 start_date=END, end_date=END)
    db.session.commit()
    assert process.phases == [ideas, vote]
    assert (ideas.position, vote.position) == (0, 1)
    assert ideas.description == {"en": "<p>Go</p>x()"}
    assert not ideas.active and not vote.active
    assert logged(db) == [("create", "phase", ideas.id, process.id),
                          ("create", "phase", vote.id, process.id)]


def test_a_phase_cannot_end_before_it_starts(db, admin, create_process, create_phase):
    process = create_process()
    refused(lambda: services.create_phase(admin, process, title={"en": "X"}, description={},
                                          start_date=END, end_date=START), "end_date")
    phase = create_phase(process)
    refused(lambda: services.update_phase(admin, phase, title={"en": "X"}, description={},
                                          start_date=END, end_date=START), "end_date")
    assert logged(db) == []


def test_updating_a_phase(db, admin, create_process, create_phase):
    phase = create_phase(create_process())
    services.update_phase(admin, phase, title={"en": "Vote"}, description={"en": "<b>Now</b>"},
                          start_date=START, end_date=END)
    db.session.commit()
    assert (phase.title, phase.description, phase.start_date, phase.end_date) == (
        {"en": "Vote"}, {"en": "<b>Now</b>"}, START, END)
    assert logged(db) == [("update", "phase", phase.id, phase.process_id)]


def test_moving_phases_up_and_down(db, admin, create_process, create_phase):
    process = create_process()
    first, second, third = (create_phase(process) for _ in range(3))
    services.move_phase(admin, third, -1)
    db.session.commit()
    db.session.expire_all()
    assert process.phases == [first, third, second]
    services.move_phase(admin, first, 1)
    db.session.commit()
    db.session.expire_all()
    assert process.phases == [third, first, second]
    assert [p.position for p in process.phases] == [0, 1, 2]
    # At either end nothing moves and nothing is logged.
    services.move_phase(admin, third, -1)
    services.move_phase(admin, second, 1)
    assert logged(db) == [("move", "phase", third.id, process.id),
                          ("move", "phase", first.id, process.id)]


def test_activating_a_phase_leaves_one_active_and_records_the_change(db, admin, create_process,
                                                                      create_phase):
    process = create_process()
    ideas = create_phase(process, active=True)
    vote = create_phase(process)
    assert services.activate_phase(admin, vote) is True
    db.session.commit()
    db.session.expire_all()
    assert (ideas.active, vote.active) == (False, True)
    assert services.activate_phase(admin, vote) is False  # already active: nothing happens
    db.session.commit()
    activations = db.session.scalars(select(PhaseActivation)).all()
    assert [(a.phase_id, a.activated_by_id, a.notified_at) for a in activations] == [
        (vote.id, admin.id, None)]
    assert logged(db) == [("activate", "phase", vote.id, process.id)]


def test_deleting_a_phase_drops_its_component_settings(db, admin, create_process, create_phase,
                                                       create_component):
    process = create_process()
    kept, deleted = create_phase(process), create_phase(process)
    component = create_component(process, phase_settings={
        str(kept.id): {"answers_enabled": True}, str(deleted.id): {"answers_enabled": False},
    })
    deleted_id = deleted.id
    services.delete_phase(admin, deleted)
    db.session.commit()
    db.session.expire_all()
    assert process.phases == [kept]
    assert component.phase_settings == {str(kept.id): {"answers_enabled": True}}
    assert logged(db) == [("delete", "phase", deleted_id, process.id)]


# --- components -----------------------------------------------------------------------------

def test_adding_a_component_of_a_registered_kind(db, admin, create_process, create_component):
    process = create_process()
    first = create_component(process)
    component = services.add_component(admin, process, manifest_name="pages",
                                       name={"en": "How it works"})
    db.session.commit()
    assert process.components == [first, component]
    assert component.weight == first.weight + 1
    assert not component.is_published
    assert (component.settings, component.phase_settings) == ({}, {})
    assert logged(db) == [("create", "component", component.id, process.id)]


@pytest.mark.parametrize("kind", ["meetings", "PAGES", "", "survey"])
def test_a_component_of_an_unknown_kind_is_refused(db, admin, create_process, kind):
    process = create_process()
    refused(lambda: services.add_component(admin, process, manifest_name=kind,
                                           name={"en": "X"}), "manifest_name")
    assert db.session.scalars(select(Component)).all() == []


def test_updating_a_component_keeps_only_clean_declared_settings(db, admin, create_process,
                                                                 create_phase, create_component,
                                                                 survey_kind):
    process = create_process()
    ideas, vote = create_phase(process, active=True), create_phase(process)
    component = create_component(process, manifest_name="survey")
    services.update_component(
        admin, component, name={"en": "Survey"},
        settings={"comments_enabled": False, "answers_limit": 10, "order": "recent",
                  "announcement": {"en": "Hello", "es": ""}, "hashtag": "#green",
                  "undeclared": 1},
        phase_settings={ideas.id: {"answers_enabled": True, "questions_limit": 0},
                        vote.id: {"answers_enabled": False}},
    )
    db.session.commit()
    assert component.name == {"en": "Survey"}
    assert component.settings == {"comments_enabled": False, "answers_limit": 10,
                                  "order": "recent", "announcement": {"en": "Hello"},
                                  "hashtag": "#green"}
    assert component.phase_settings == {
        str(ideas.id): {"answers_enabled": True, "questions_limit": 0},
        str(vote.id): {"answers_enabled": False},
    }
    effective = services.component_settings(component)
    assert (effective["answers_limit"], effective["answers_enabled"],
            effective["questions_limit"]) == (10, True, 0)
    assert logged(db) == [("update", "component", component.id, process.id)]


@pytest.mark.parametrize("settings, phase, field", [
    ({"answers_limit": 11}, {}, "answers_limit"),
    ({"answers_limit": 0}, {}, "answers_limit"),
    ({"answers_limit": "3"}, {}, "answers_limit"),
    ({"answers_limit": True}, {}, "answers_limit"),
    ({"comments_enabled": "yes"}, {}, "comments_enabled"),
    ({"order": "alphabetical"}, {}, "order"),
    ({"announcement": "Hello"}, {}, "announcement"),
    ({}, {"questions_limit": 21}, "questions_limit"),
    ({}, {"answers_enabled": 1}, "answers_enabled"),
])
def test_settings_out_of_bounds_or_of_the_wrong_type_are_refused(
        db, admin, create_process, create_phase, create_component, survey_kind,
        settings, phase, field):
    process = create_process()
    ideas = create_phase(process)
    component = create_component(process, manifest_name="survey")
    refused(lambda: services.update_component(admin, component, name={"en": "X"},
                                              settings=settings,
                                              phase_settings={ideas.id: phase}), field)
    db.session.rollback()
    assert component.settings == {} and component.phase_settings == {}
    assert logged(db) == []


def test_settings_for_a_phase_of_another_process_are_refused(db, admin, create_process,
                                                             create_phase, create_component,
                                                             survey_kind):
    process = create_process()
    foreign = create_phase(create_process())
    component = create_component(process, manifest_name="survey")
    refused(lambda: services.update_component(admin, component, name={"en": "X"}, settings={},
                                              phase_settings={foreign.id: {}}))
    assert logged(db) == []


def test_moving_publishing_and_unpublishing_components(db, admin, create_process,
                                                      create_component):
    process = create_process()
    first = create_component(process, published=False)
    second = create_component(process, published=False)
    services.move_component(admin, second, -1)
    services.move_component(admin, second, -1)  # already first: nothing moves, no log
    services.publish_component(admin, first)
    services.unpublish_component(admin, first)
    services.publish_component(admin, second)
    db.session.commit()
    db.session.expire_all()
    assert process.components == [second, first]
    assert (first.is_published, second.is_published) == (False, True)
    assert [(action, resource_id) for action, _type, resource_id, _p in logged(db)] == [
        ("move", second.id), ("publish", first.id), ("unpublish", first.id),
        ("publish", second.id)]


def test_deleting_a_component_unless_residents_took_part(db, admin, create_process,
                                                        create_component, survey_kind):
    process = create_process()
    page = create_component(process)
    survey = create_component(process, manifest_name="survey")
    survey_kind.extra["participated"].add(survey.id)
    error = refused(lambda: services.delete_component(admin, survey))
    assert "Unpublish it instead" in error.message
    page_id = page.id
    services.delete_component(admin, page)
    db.session.commit()
    assert db.session.scalars(select(Component)).all() == [survey]
    assert logged(db) == [("delete", "component", page_id, process.id)]


# --- roles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("identifier", ["ana@example.org", " ANA@example.org ", "ana", "@Ana"])
def test_a_role_is_given_by_e_mail_address_or_nickname(db, admin, create_user, create_process,
                                                       identifier):
    ana = create_user(email="ana@example.org", nickname="ana")
    process = create_process()
    assignment = services.grant_role(admin, process, identifier=identifier, role="moderator")
    db.session.commit()
    assert (assignment.user, assignment.process, assignment.role) == (ana, process, "moderator")
    assert ana.is_staff
    assert logged(db) == [("grant_role", "user", ana.id, process.id)]


def test_giving_another_role_changes_the_one_a_user_holds(db, admin, user, create_process):
    process = create_process()
    services.grant_role(admin, process, identifier=user.email, role="moderator")
    services.grant_role(admin, process, identifier=user.nickname, role="process_admin")
    db.session.commit()
    assert [(r.user, r.role) for r in process.roles] == [(user, "process_admin")]
    assert services.can_admin_process(user, process)
    entries = db.session.scalars(select(ActionLog).order_by(ActionLog.id)).all()
    assert [e.details for e in entries] == [{"role": "moderator"}, {"role": "process_admin"}]


def test_a_role_for_an_unknown_or_deleted_user_or_an_unknown_role_is_refused(
        db, admin, create_user, create_process):
    process = create_process()
    gone = create_user(deleted_at=utcnow())
    for identifier in ("nobody@example.org", "nobody", gone.email, gone.nickname, ""):
        refused(lambda identifier=identifier: services.grant_role(
            admin, process, identifier=identifier, role="moderator"), "identifier")
    refused(lambda: services.grant_role(admin, process, identifier=admin.email, role="owner"),
            "role")
    assert process.roles == []
    assert logged(db) == []


def test_revoking_a_role(db, admin, user, create_process, grant):
    process = create_process()
    assignment = grant(user, process, Role.VALUATOR)
    services.revoke_role(admin, assignment)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(select(ProcessRole)).all() == []
    assert not user.is_staff
    entry = db.session.scalars(select(ActionLog)).one()
    assert (entry.action, entry.resource_id, entry.process_id, entry.details) == (
        "revoke_role", user.id, process.id, {"role": "valuator"})


# --- who may do what ------------------------------------------------------------------------

def test_who_administers_a_process(db, admin, create_user, create_process, grant):
    process, other = create_process(), create_process()
    process_admin, collaborator, resident = create_user(), create_user(), create_user()
    grant(process_admin, process)
    grant(collaborator, process, Role.COLLABORATOR)
    assert services.can_admin_process(admin, process)
    assert services.can_admin_process(process_admin, process)
    assert not services.can_admin_process(process_admin, other)
    assert not services.can_admin_process(collaborator, process)
    assert not services.can_admin_process(resident, process)
    assert services.administered_process_ids(admin) is None
    assert services.administered_process_ids(process_admin) == {process.id}
    assert services.administered_process_ids(collaborator) == set()


# --- the settings form generated from a manifest --------------------------------------------

def test_the_settings_form_has_a_field_per_setting_and_a_group_per_phase(
        app, create_process, create_phase, survey_kind):
    process = create_process()
    phases = [create_phase(process), create_phase(process)]
    form_class = settings_form(survey_kind.settings, survey_kind.phase_settings, phases)
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        kinds = {field.name: field.type for field in form.setting_fields}
        assert kinds == {"settings-comments_enabled": "BooleanField",
                         "settings-answers_limit": "WholeNumberField",
                         "settings-order": "SelectField",
                         "settings-announcement": "TranslatedField",
                         "settings-hashtag": "StringField"}
        for phase in phases:
            assert [f.name for f in form.phase_fields(phase)] == [
                f"phase-{phase.id}-answers_enabled", f"phase-{phase.id}-questions_limit"]
        number = form["settings-answers_limit"]()
        assert 'type="number"' in number and 'min="1"' in number and 'max="10"' in number
        assert 'value="recent"' in form["settings-order"]()


def test_the_settings_form_reads_and_checks_what_is_sent(app, create_process, create_phase,
                                                         create_component, survey_kind):
    process = create_process()
    phase = create_phase(process)
    component = create_component(process, manifest_name="survey",
                                 settings={"answers_limit": 7},
                                 phase_settings={str(phase.id): {"answers_enabled": True}})
    form_class = settings_form(survey_kind.settings, survey_kind.phase_settings, [phase])
    initial = form_class.initial(component)
    assert initial["settings-answers_limit"] == 7
    assert initial["settings-order"] == "random"  # the default
    assert initial[f"phase-{phase.id}-answers_enabled"] is True
    good = {"name-en": "Survey", "settings-answers_limit": "10", "settings-order": "recent",
            "settings-announcement-en": "Hi", "settings-hashtag": "green",
            f"phase-{phase.id}-questions_limit": "0"}
    with app.test_request_context(method="POST", data=good):
        form = form_class(meta={"csrf": False}, data=initial)
        assert form.validate(), form.errors
        assert form.settings_values() == {"comments_enabled": False, "answers_limit": 10,
                                          "order": "recent", "announcement": {"en": "Hi"},
                                          "hashtag": "green"}
        assert form.phase_values() == {phase.id: {"answers_enabled": False,
                                                  "questions_limit": 0}}
    bad = {**good, "settings-answers_limit": "11", "settings-order": "other",
           f"phase-{phase.id}-questions_limit": "many"}
    with app.test_request_context(method="POST", data=bad):
        form = form_class(meta={"csrf": False}, data=initial)
        assert not form.validate()
        assert form.errors == {
            "settings-answers_limit": ["Enter a number from 1 to 10."],
            "settings-order": ["Choose one of the options."],
            f"phase-{phase.id}-questions_limit": ["Enter a whole number."],
        }
