"""The accountability services without the client: statuses, results (references, foreign
ids, dates, parents, links), the roll-up of children into their parent, results from a
budget's selected projects, timelines, `result_for` and the action log."""

from datetime import date
from datetime import datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func
from sqlalchemy import select

from decide.comments.models import Comment
from decide.components.accountability import services
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from decide.core.models import ActionLog
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.spaces.models import Role


@pytest.fixture
def actor(create_user, grant, process):
    person = create_user(nickname="pat")
    grant(person, process, Role.PROCESS_ADMIN)
    return person


@pytest.fixture
def other_process(create_process):
    return create_process(slug="elsewhere", title={"en": "Elsewhere"})


def values(**overrides) -> dict:
    result = {"title": {"en": "A new park"}, "description": {"en": "<p>Green</p>"}}
    result.update(overrides)
    return result


def create(actor, component, **overrides) -> Result:
    return services.create_result(actor, component, **values(**overrides))


def update(actor, result, **overrides) -> None:
    services.update_result(actor, result, **values(**overrides))


def logged(db, action: str, resource_type: str) -> list[ActionLog]:
    return db.session.scalars(select(ActionLog).where(ActionLog.action == action,
                                                      ActionLog.resource_type == resource_type)
                              .order_by(ActionLog.id)).all()


def links(db, result, name) -> list[int]:
    return list(db.session.scalars(select(ResourceLink.to_id).where(
        ResourceLink.from_id == result.id, ResourceLink.name == name
    ).order_by(ResourceLink.to_id)))


# --- statuses ---------------------------------------------------------------------------------

def status_values(**overrides) -> dict:
    result = {"key": "in_progress", "name": {"en": "In progress"},
              "description": {"en": "<p>Works</p>"}, "progress": 50}
    result.update(overrides)
    return result


def test_a_status_is_created_last_sanitized_and_logged(db, actor, component, make_status):
    make_status(position=7)
    status = services.create_status(actor, component, **status_values(
        name={"en": " In progress ", "es": ""},
        description={"en": "<p>Works</p><script>alert(1)</script>"}))
    db.session.commit()
    assert (status.key, status.name, status.progress, status.position) == (
        "in_progress", {"en": "In progress"}, 50, 8)
    assert status.description == {"en": "<p>Works</p>alert(1)"}
    [entry] = logged(db, "create", "status")
    assert (entry.user_id, entry.process_id, entry.resource_id) == (
        actor.id, component.process_id, status.id)


@pytest.mark.parametrize("key", ["", "In progress", "in-progress", "é", "a" * 41, None, 5])
def test_a_status_key_is_lower_case_letters_digits_and_underscores(db, actor, component, key):
    with pytest.raises(DomainError) as error:
        services.create_status(actor, component, **status_values(key=key))
    assert error.value.field == "key"


def test_a_status_key_is_unique_in_its_component(db, actor, component, make_status,
                                                 create_component, process):
    make_status(key="done")
    with pytest.raises(DomainError) as error:
        services.create_status(actor, component, **status_values(key="done"))
    assert error.value.field == "key"
    other = create_component(process, manifest_name="accountability", name={"en": "Other"})
    assert services.create_status(actor, other, **status_values(key="done")).key == "done"


@pytest.mark.parametrize("progress", [-1, 101, "50", True, 5.5])
def test_a_status_progress_is_a_percentage(db, actor, component, progress):
    with pytest.raises(DomainError) as error:
        services.create_status(actor, component, **status_values(progress=progress))
    assert error.value.field == "progress"


@pytest.mark.parametrize("progress", [None, 0, 100])
def test_a_status_may_have_no_progress_or_0_to_100(db, actor, component, progress):
    status = services.create_status(actor, component, **status_values(progress=progress))
    assert status.progress == progress


@pytest.mark.parametrize("name", [{}, {"en": "  "}, None, {"en": "x" * 101}])
def test_a_status_needs_a_short_name(db, actor, component, name):
    with pytest.raises(DomainError) as error:
        services.create_status(actor, component, **status_values(name=name))
    assert error.value.field == "name"


def test_default_statuses_are_named_in_every_shipped_language(app, db, actor, component):
    statuses = services.create_default_statuses(actor, component)
    db.session.commit()
    assert [(s.key, s.progress, s.position) for s in statuses] == [
        ("not_started", 0, 1), ("in_preparation", 10, 2), ("in_progress", 50, 3),
        ("completed", 100, 4)]
    assert statuses[2].name["en"] == "In progress"
    for status, (_key, label, _progress) in zip(statuses, services.DEFAULT_STATUSES,
                                                strict=True):
        assert set(status.name) == set(app.config["LANGUAGES"]) == {"en", "es", "ca", "fr"}
        for code in app.config["LANGUAGES"]:
            with force_locale(code):
                assert status.name[code] == str(label)
    assert len(logged(db, "create", "status")) == 4
    assert [s.id for s in services.component_statuses(component)] == [s.id for s in statuses]


def test_default_statuses_are_refused_when_the_component_has_statuses(db, actor, component,
                                                                       make_status):
    make_status()
    with pytest.raises(DomainError):
        services.create_default_statuses(actor, component)
    assert db.session.scalar(select(func.count(Status.id))) == 1


def test_statuses_are_listed_by_position(db, component, make_status):
    third, first, second = make_status(position=3), make_status(position=1), make_status(
        position=1)
    assert services.component_statuses(component) == [first, second, third]


def test_a_new_default_progress_moves_the_results_that_follow_their_status(
        db, actor, component, make_status, make_result):
    status, other = make_status(progress=10), make_status(progress=10)
    following = create(actor, component, status_id=status.id)
    by_hand = create(actor, component, status_id=status.id, progress=30)
    elsewhere = create(actor, component, status_id=other.id)
    parent = create(actor, component)
    child = create(actor, component, status_id=status.id, parent_id=parent.id)
    db.session.commit()
    assert (following.progress, by_hand.progress, child.progress, parent.progress) == (
        10, 30, 10, 10)

    services.update_status(actor, status, key=status.key, name=status.name,
                           description=status.description, progress=60)
    db.session.commit()
    assert (following.progress, by_hand.progress, elsewhere.progress) == (60, 30, 10)
    assert not following.progress_manual and by_hand.progress_manual
    assert (child.progress, parent.progress) == (60, 60)  # the parent rolls up
    [entry] = logged(db, "update", "status")
    assert entry.details["changed"] == ["progress"]


def test_a_status_keeps_its_own_key_when_edited(db, actor, component, make_status):
    status, other = make_status(key="a"), make_status(key="b")
    services.update_status(actor, status, **status_values(key="a", progress=None))
    with pytest.raises(DomainError) as error:
        services.update_status(actor, status, **status_values(key=other.key))
    assert error.value.field == "key"


def test_a_deleted_status_leaves_its_results_where_they_are(db, actor, component, make_status):
    status = make_status(progress=50)
    result = create(actor, component, status_id=status.id)
    db.session.commit()
    services.delete_status(actor, status)
    db.session.commit()
    assert (result.status_id, result.status, result.progress) == (None, None, 50)
    assert db.session.get(Status, status.id) is None
    assert len(logged(db, "delete", "status")) == 1


# --- results ----------------------------------------------------------------------------------

def test_a_result_follows_its_status_or_is_set_by_hand(db, actor, component, default_statuses):
    statuses = default_statuses()
    following = create(actor, component, status_id=statuses["in_progress"].id)
    by_hand = create(actor, component, status_id=statuses["in_progress"].id, progress=70)
    without = create(actor, component)
    db.session.commit()
    assert (following.progress, following.progress_manual) == (50, False)
    assert (by_hand.progress, by_hand.progress_manual) == (70, True)
    assert (without.progress, without.progress_manual) == (0, False)
    assert following.author_id is None  # council content


def test_a_result_is_created_with_its_fields_sanitized_and_logged(
        db, actor, component, create_category, create_scope, process):
    category, scope = create_category(process), create_scope()
    result = create(actor, component, title={"en": " Park ", "es": ""},
                    description={"en": "<p>Green</p><script>x</script>"},
                    start_date=date(2026, 1, 1), end_date=date(2026, 1, 1),
                    category_id=category.id, scope_id=scope.id, amount=0, weight=3)
    db.session.commit()
    assert (result.title, result.description) == ({"en": "Park"}, {"en": "<p>Green</p>x"})
    assert (result.category_id, result.scope_id, result.amount, result.weight) == (
        category.id, scope.id, 0, 3)
    assert result.component_id == component.id and result.kind == "result"
    [entry] = logged(db, "create", "result")
    assert (entry.user_id, entry.process_id, entry.resource_id) == (
        actor.id, component.process_id, result.id)


def test_references_are_given_in_order_and_unique_in_the_component(
        db, actor, component, create_component, process):
    first, second = create(actor, component), create(actor, component)
    typed = create(actor, component, reference=" R-3 ")
    fourth = create(actor, component)
    assert [first.reference, second.reference, typed.reference, fourth.reference] == [
        "R-1", "R-2", "R-3", "R-4"]
    with pytest.raises(DomainError) as error:
        create(actor, component, reference="R-2")
    assert error.value.field == "reference"
    with pytest.raises(DomainError):
        update(actor, first, reference="R-2")
    update(actor, first)  # no reference given: it keeps its own
    assert first.reference == "R-1"
    other = create_component(process, manifest_name="accountability", name={"en": "Other"})
    assert create(actor, other, reference="R-2").reference == "R-2"


def test_a_generated_reference_skips_those_taken(db, actor, component):
    create(actor, component, reference="R-2")
    assert create(actor, component).reference == "R-3"
    with pytest.raises(DomainError):
        create(actor, component, reference="x" * 65)


@pytest.mark.parametrize("title", [{}, {"en": "   "}, None, "A park", {"en": "x" * 151}])
def test_a_result_needs_a_title(db, actor, component, title):
    with pytest.raises(DomainError) as error:
        create(actor, component, title=title)
    assert error.value.field == "title"


@pytest.mark.parametrize("field, value", [
    ("status_id", "1"), ("status_id", True), ("status_id", 2**40), ("category_id", -1),
    ("scope_id", 999_999), ("parent_id", "x"), ("proposal_ids", ["1"]),
    ("project_ids", [True]), ("amount", -1), ("amount", 1.5), ("amount", "10"),
    ("progress", 101), ("progress", "50"), ("weight", 5000), ("start_date", "2026-01-01"),
    ("end_date", datetime(2026, 1, 1)),
])
def test_wrong_values_are_refused_on_their_field(db, actor, component, field, value):
    with pytest.raises(DomainError) as error:
        create(actor, component, **{field: value})
    assert error.value.field == field
    assert db.session.scalar(select(func.count(Result.id))) == 0


def test_ids_of_another_component_or_process_are_refused(
        db, actor, component, other_process, create_component, create_category, make_status,
        make_result, make_proposal, make_project, create_phase):
    other = create_component(component.process, manifest_name="accountability",
                             name={"en": "Other"})
    elsewhere_proposals = create_component(other_process, manifest_name="proposals",
                                           name={"en": "Ideas"})
    elsewhere_budgets = create_component(other_process, manifest_name="budgets",
                                         name={"en": "Budgets"})
    budget = Budget(component=elsewhere_budgets, title={"en": "B"}, total=10)
    db.session.add(budget)
    db.session.commit()
    foreign = {
        "status_id": make_status(other).id,
        "category_id": create_category(other_process).id,
        "parent_id": make_result(other).id,
        "proposal_ids": [make_proposal(elsewhere_proposals).id],
        "project_ids": [make_project(budget).id],
    }
    for field, value in foreign.items():
        with pytest.raises(DomainError) as error:
            create(actor, component, **{field: value})
        assert error.value.field == field


def test_unpublished_proposals_cannot_be_linked(db, actor, component, make_proposal):
    draft = make_proposal(published_at=None)
    with pytest.raises(DomainError) as error:
        create(actor, component, proposal_ids=[draft.id])
    assert error.value.field == "proposal_ids"


def test_the_end_date_is_not_before_the_start_date(db, actor, component):
    with pytest.raises(DomainError) as error:
        create(actor, component, start_date=date(2026, 5, 2), end_date=date(2026, 5, 1))
    assert error.value.field == "end_date"
    result = create(actor, component, end_date=date(2026, 5, 1))
    assert (result.start_date, result.end_date) == (None, date(2026, 5, 1))


def test_results_have_two_levels(db, actor, component):
    parent = create(actor, component)
    child = create(actor, component, parent_id=parent.id)
    with pytest.raises(DomainError) as error:
        create(actor, component, parent_id=child.id)  # a child cannot be a parent
    assert error.value.field == "parent_id"
    with pytest.raises(DomainError):
        update(actor, parent, parent_id=parent.id)  # not itself
    loner = create(actor, component)
    with pytest.raises(DomainError):
        update(actor, parent, parent_id=loner.id)  # a parent does not go under another one
    update(actor, loner, parent_id=parent.id)
    db.session.commit()
    assert loner.parent_id == parent.id and parent.children_count == 2


def test_links_are_made_and_replaced(db, actor, component, make_proposal, make_budget,
                                     make_project):
    first, second = make_proposal(), make_proposal()
    budget = make_budget()
    project = make_project(budget)
    result = create(actor, component, proposal_ids=[first.id, first.id],
                    project_ids=[project.id])
    db.session.commit()
    assert links(db, result, PROPOSAL_LINK) == [first.id]
    assert links(db, result, PROJECT_LINK) == [project.id]
    update(actor, result, proposal_ids=[second.id])
    db.session.commit()
    assert links(db, result, PROPOSAL_LINK) == [second.id]
    assert links(db, result, PROJECT_LINK) == []
    [entry] = logged(db, "update", "result")
    assert "links" in entry.details["changed"]


def test_an_update_changes_the_fields_and_is_logged(db, actor, component, default_statuses):
    statuses = default_statuses()
    result = create(actor, component, status_id=statuses["not_started"].id)
    db.session.commit()
    update(actor, result, title={"en": "Renamed"}, status_id=statuses["in_progress"].id,
           amount=1000)
    db.session.commit()
    assert (result.title, result.status.key, result.progress, result.amount) == (
        {"en": "Renamed"}, "in_progress", 50, 1000)
    [entry] = logged(db, "update", "result")
    assert set(entry.details["changed"]) == {"title", "status_id", "amount", "progress"}


# --- roll-up ----------------------------------------------------------------------------------

def test_a_parent_is_the_plain_average_of_its_children_rounded(db, actor, component):
    parent = create(actor, component)
    create(actor, component, parent_id=parent.id, progress=25)
    create(actor, component, parent_id=parent.id, progress=50, amount=10_000)
    db.session.commit()
    assert (parent.progress, parent.children_count) == (38, 2)  # 37.5, half up


def test_a_parent_is_weighted_by_amount_when_every_child_has_one(db, actor, component):
    parent = create(actor, component)
    done = create(actor, component, parent_id=parent.id, progress=100, amount=30_000)
    create(actor, component, parent_id=parent.id, progress=0, amount=10_000)
    db.session.commit()
    assert parent.progress == 75
    update(actor, done, parent_id=parent.id, progress=100, amount=0)  # 0 is no weight
    db.session.commit()
    assert parent.progress == 50


def test_a_parent_rolls_up_after_each_change_of_a_child(db, actor, component, make_entry):
    parent = create(actor, component)
    first = create(actor, component, parent_id=parent.id, progress=20)
    assert parent.progress == 20
    second = create(actor, component, parent_id=parent.id, progress=60)
    assert (parent.progress, parent.children_count) == (40, 2)
    update(actor, first, parent_id=parent.id, progress=80)
    assert parent.progress == 70
    services.update_result_progress(actor, second, status_id=None, progress=100)
    assert parent.progress == 90
    services.delete_result(actor, first)
    db.session.commit()
    assert (parent.progress, parent.children_count) == (100, 1)
    update(actor, second)  # moved out: the parent has no children, keeps its last figure
    db.session.commit()
    assert (parent.progress, parent.children_count) == (100, 0)


def test_a_parent_ignores_a_progress_set_by_hand(db, actor, component, default_statuses):
    statuses = default_statuses()
    parent = create(actor, component)
    create(actor, component, parent_id=parent.id, progress=40)
    update(actor, parent, progress=5, status_id=statuses["completed"].id)
    db.session.commit()
    assert (parent.progress, parent.progress_manual) == (40, False)
    services.update_result_progress(actor, parent, status_id=statuses["completed"].id,
                                    progress=90)
    db.session.commit()
    assert (parent.progress, parent.status.key) == (40, "completed")


def test_a_result_moving_to_another_parent_rolls_both_up(db, actor, component):
    left, right = create(actor, component), create(actor, component)
    create(actor, component, parent_id=left.id, progress=10)
    moving = create(actor, component, parent_id=left.id, progress=90)
    create(actor, component, parent_id=right.id, progress=30)
    assert (left.progress, right.progress) == (50, 30)
    update(actor, moving, parent_id=right.id, progress=90)
    db.session.commit()
    assert (left.progress, left.children_count, right.progress, right.children_count) == (
        10, 1, 60, 2)


def test_a_deleted_result_takes_its_children_and_their_rows(db, actor, component, create_user,
                                                            make_entry):
    parent = create(actor, component)
    child = create(actor, component, parent_id=parent.id)
    make_entry(child)
    comment = Comment(component_id=component.id, commentable_id=child.id, body="Nice",
                      locale="en", author_id=create_user().id)
    db.session.add(comment)
    db.session.commit()
    ids = [parent.id, child.id, comment.id]
    services.delete_result(actor, parent)
    db.session.commit()
    assert db.session.scalar(select(func.count(Resource.id)).where(Resource.id.in_(ids))) == 0
    assert db.session.scalar(select(func.count(TimelineEntry.id))) == 0
    assert len(logged(db, "delete", "result")) == 1


# --- results from a budget ------------------------------------------------------------------

def test_results_come_from_the_selected_projects_of_a_budget(
        db, actor, component, make_budget, make_project, make_proposal, default_statuses,
        create_scope, create_category, process, other_process):
    statuses = default_statuses()
    budget = make_budget()
    scope, category = create_scope(), create_category(process)
    proposal = make_proposal()
    winner = make_project(budget, selected_at=utcnow(), amount=40_000, scope_id=scope.id,
                          category_id=category.id, title={"en": "Park", "es": "Parque"},
                          description={"en": "<p>Trees</p>"})
    make_project(budget, selected_at=utcnow(), category_id=create_category(other_process).id)
    make_project(budget)  # not selected
    db.session.add(ResourceLink(from_id=winner.id, to_id=proposal.id,
                                name="included_proposals"))
    db.session.commit()

    made = services.results_from_budget(actor, component, budget)
    db.session.commit()
    assert len(made) == 2
    result = made[0]
    assert (result.title, result.description, result.amount, result.scope_id,
            result.category_id) == ({"en": "Park", "es": "Parque"}, {"en": "<p>Trees</p>"},
                                    40_000, scope.id, category.id)
    assert (result.status_id, result.progress, result.progress_manual) == (
        statuses["not_started"].id, 0, False)
    assert links(db, result, PROJECT_LINK) == [winner.id]
    assert links(db, result, PROPOSAL_LINK) == [proposal.id]
    assert made[1].category_id is None  # a category of another process is not copied
    assert [r.reference for r in made] == ["R-1", "R-2"]
    assert len(logged(db, "create", "result")) == 2

    assert services.results_from_budget(actor, component, budget) == []  # nothing twice
    assert db.session.scalar(select(func.count(Result.id))) == 2
    make_project(budget, selected_at=utcnow())
    assert len(services.results_from_budget(actor, component, budget)) == 1


def test_results_from_a_budget_without_statuses_have_none(db, actor, component, make_budget,
                                                          make_project):
    budget = make_budget()
    make_project(budget, selected_at=utcnow())
    [result] = services.results_from_budget(actor, component, budget)
    assert (result.status_id, result.progress) == (None, 0)


def test_a_budget_of_another_process_is_refused(db, actor, component, other_process,
                                                create_component, make_project):
    elsewhere = create_component(other_process, manifest_name="budgets", name={"en": "B"})
    budget = Budget(component=elsewhere, title={"en": "B"}, total=10)
    db.session.add(budget)
    db.session.commit()
    make_project(budget, selected_at=utcnow())
    with pytest.raises(DomainError):
        services.results_from_budget(actor, component, budget)
    assert db.session.scalar(select(func.count(Result.id))) == 0


# --- timeline ---------------------------------------------------------------------------------

def test_timeline_entries_are_added_edited_and_deleted_with_the_log(db, actor, component):
    result = create(actor, component)
    entry = services.add_timeline_entry(actor, result, date=date(2026, 3, 1),
                                        title={"en": "Works started"},
                                        description={"en": "<p>Day one</p><img src=x>"})
    db.session.commit()
    assert (entry.result_id, entry.title, entry.description) == (
        result.id, {"en": "Works started"}, {"en": "<p>Day one</p>"})
    assert result.timeline == [entry]
    services.update_timeline_entry(actor, entry, date=date(2026, 3, 2),
                                   title={"en": "Works began"}, description={})
    db.session.commit()
    assert (entry.date, entry.title) == (date(2026, 3, 2), {"en": "Works began"})
    services.delete_timeline_entry(actor, entry)
    db.session.commit()
    assert result.timeline == []
    assert [len(logged(db, action, "timelineentry")) for action in ("create", "update",
                                                                     "delete")] == [1, 1, 1]


@pytest.mark.parametrize("field, value", [("date", None), ("date", "2026-03-01"),
                                          ("title", {}), ("title", {"en": "x" * 151})])
def test_a_timeline_entry_needs_a_date_and_a_title(db, actor, component, field, value):
    result = create(actor, component)
    entry = {"date": date(2026, 3, 1), "title": {"en": "Works"}, "description": {}}
    entry[field] = value
    with pytest.raises(DomainError) as error:
        services.add_timeline_entry(actor, result, **entry)
    assert error.value.field == field
    with pytest.raises(DomainError) as error:
        services.update_result_progress(actor, result, status_id=None, progress=10,
                                        entry=entry)
    assert error.value.field == f"entry_{field}"
    assert (result.progress, result.timeline) == (0, [])


def test_a_progress_update_sets_status_progress_and_entry(db, actor, component,
                                                          default_statuses):
    statuses = default_statuses()
    result = create(actor, component, progress=5)
    services.update_result_progress(
        actor, result, status_id=statuses["in_progress"].id, progress=None,
        entry={"date": date(2026, 4, 1), "title": {"en": "Tender"}, "description": {}})
    db.session.commit()
    assert (result.status.key, result.progress, result.progress_manual) == (
        "in_progress", 50, False)
    assert [entry.title for entry in result.timeline] == [{"en": "Tender"}]
    [entry] = logged(db, "update_progress", "result")
    assert entry.details["progress"] == 50
    with pytest.raises(DomainError) as error:
        services.update_result_progress(actor, result, status_id=None, progress=-5)
    assert error.value.field == "progress"


# --- result_for -------------------------------------------------------------------------------

def test_result_for_names_the_visible_result_of_a_proposal_or_project(
        db, actor, component, make_proposal, make_budget, make_project, count_queries,
        create_component, process):
    proposal, project = make_proposal(), make_project(make_budget())
    assert services.result_for(proposal) is None
    first = create(actor, component, proposal_ids=[proposal.id], project_ids=[project.id])
    create(actor, component, proposal_ids=[proposal.id])
    db.session.commit()
    slug = process.slug
    db.session.expire_all()
    db.session.refresh(proposal)
    with count_queries() as counter:
        found = services.result_for(proposal)
        assert (found.id, found.component.process.slug) == (first.id, slug)
    assert counter.count == 1
    assert services.result_for(project).id == first.id


@pytest.mark.parametrize("hide", ["result", "component", "process"])
def test_result_for_leaves_out_what_residents_cannot_see(db, actor, component, make_proposal,
                                                         hide):
    proposal = make_proposal()
    result = create(actor, component, proposal_ids=[proposal.id])
    db.session.commit()
    target = {"result": result, "component": component, "process": component.process}[hide]
    if hide == "result":
        result.hidden_at = utcnow()
    else:
        target.published_at = None
    db.session.commit()
    assert services.result_for(proposal) is None
