"""The staff services of budgets (projects.py), without the client: budgets, projects, the
proposals they come from, importing accepted proposals, and the manifest's hooks."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func
from sqlalchemy import select

from decide.comments.models import Comment
from decide.components.budgets import projects as staff
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import Project
from decide.core.models import ActionLog
from decide.core.models import Resource
from decide.core.models import ResourceLink
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.notifications.services import describe
from decide.spaces.models import Role
from decide.spaces.services import update_component


@pytest.fixture
def actor(create_user, grant, process):
    person = create_user(nickname="pat")
    grant(person, process, Role.PROCESS_ADMIN)
    return person


def budget_values(**overrides) -> dict:
    values = {"title": {"en": "North district"}, "description": {"en": "<p>North</p>"},
              "total": 100_000}
    values.update(overrides)
    return values


def project_values(**overrides) -> dict:
    values = {"title": {"en": "A new park"}, "description": {"en": "<p>Green</p>"},
              "amount": 30_000}
    values.update(overrides)
    return values


def logged(db, action: str, resource_type: str) -> list[ActionLog]:
    return db.session.scalars(select(ActionLog).where(ActionLog.action == action,
                                                      ActionLog.resource_type == resource_type)
                              ).all()


# --- budgets ---------------------------------------------------------------------------------

def test_a_budget_is_created_with_its_texts_sanitized_and_logged(db, actor, component,
                                                                 create_scope):
    scope = create_scope()
    budget = staff.create_budget(actor, component, **budget_values(
        title={"en": "  North <b>district</b> ", "es": ""},
        description={"en": "<p>North</p><script>alert(1)</script>"}, scope_id=scope.id,
        weight=3, add1_stops_when_exhaustive=False, greedy_completion=False,
        receipts_linked=True))
    db.session.commit()

    assert budget.title == {"en": "North <b>district</b>"}  # plain text, escaped when shown
    assert budget.description == {"en": "<p>North</p>alert(1)"}
    assert (budget.total, budget.scope_id, budget.weight) == (100_000, scope.id, 3)
    assert not budget.add1_stops_when_exhaustive and not budget.greedy_completion
    assert budget.receipts_linked
    [entry] = logged(db, "create", "budget")
    assert (entry.user_id, entry.process_id, entry.resource_id) == (actor.id,
                                                                     component.process_id,
                                                                     budget.id)


def test_new_budgets_use_the_recommended_defaults(db, actor, component):
    budget = staff.create_budget(actor, component, **budget_values())
    assert budget.add1_stops_when_exhaustive and budget.greedy_completion
    assert not budget.receipts_linked


@pytest.mark.parametrize("changes, field", [
    ({"title": {}}, "title"),
    ({"title": {"en": "   "}}, "title"),
    ({"title": {"en": "x" * 151}}, "title"),
    ({"title": "not a dict"}, "title"),
    ({"description": {"en": "x" * 50_001}}, "description"),
    ({"total": 0}, "total"),
    ({"total": -5}, "total"),
    ({"total": None}, "total"),
    ({"total": "100"}, "total"),
    ({"total": 12.5}, "total"),
    ({"total": True}, "total"),
    ({"total": 10**18}, "total"),
    ({"scope_id": 999_999}, "scope_id"),
    ({"scope_id": 2**40}, "scope_id"),
    ({"weight": 5000}, "weight"),
    ({"weight": "1"}, "weight"),
])
def test_a_budget_refuses_bad_values(db, actor, component, changes, field):
    with pytest.raises(DomainError) as error:
        staff.create_budget(actor, component, **budget_values(**changes))
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Budget.id))) == 0


def test_the_total_is_frozen_once_residents_have_ballots_even_drafts(db, actor, make_budget,
                                                                      ballot):
    budget = make_budget()
    ballot(budget, checked_out=False)
    staff.update_budget(actor, budget, **budget_values(title={"en": "Renamed"}))
    assert budget.title == {"en": "Renamed"}
    with pytest.raises(DomainError) as error:
        staff.update_budget(actor, budget, **budget_values(total=200_000))
    assert error.value.field == "total"


def test_the_total_changes_while_nobody_has_a_ballot(db, actor, make_budget):
    budget = make_budget()
    staff.update_budget(actor, budget, **budget_values(total=250_000))
    db.session.commit()
    assert budget.total == 250_000
    [entry] = logged(db, "update", "budget")
    assert entry.details["changed"] == ["total"]


def test_receipts_cannot_become_linked_after_residents_voted(db, actor, make_budget, ballot):
    budget = make_budget()
    ballot(budget)
    with pytest.raises(DomainError) as error:
        staff.update_budget(actor, budget, **budget_values(receipts_linked=True))
    assert error.value.field == "receipts_linked"
    db.session.rollback()
    linked = make_budget(receipts_linked=True)
    ballot(linked)
    staff.update_budget(actor, linked, **budget_values(receipts_linked=False))
    assert not linked.receipts_linked  # unlinking only protects voters more


def test_the_equal_shares_options_are_frozen_once_the_winners_are_confirmed(db, actor,
                                                                            make_budget):
    budget = make_budget()
    staff.update_budget(actor, budget, **budget_values(greedy_completion=False))
    assert not budget.greedy_completion
    budget.winners_confirmed_at = utcnow()
    with pytest.raises(DomainError):
        staff.update_budget(actor, budget, **budget_values(greedy_completion=True))


def test_a_budget_without_ballots_is_deleted_with_its_projects(db, actor, make_budget,
                                                               make_project):
    budget, kept = make_budget(), make_budget()
    gone = make_project(budget)
    other = make_project(kept)
    gone_id = gone.id
    staff.delete_budget(actor, budget)
    db.session.commit()

    assert db.session.get(Budget, budget.id) is None
    assert db.session.get(Resource, gone_id) is None  # no row left behind by the cascade
    assert db.session.get(Project, other.id) is not None
    assert len(logged(db, "delete", "budget")) == 1


def test_a_budget_holding_a_ballot_is_not_deleted(db, actor, make_budget, ballot):
    budget = make_budget()
    ballot(budget, checked_out=False)
    assert not staff.can_delete_budget(actor, budget)
    with pytest.raises(DomainError):
        staff.delete_budget(actor, budget)


def test_only_process_admins_and_admins_manage_budgets(create_user, grant, process, component,
                                                       make_budget, create_process):
    budget = make_budget()
    admin = create_user(admin=True)
    other = create_user()
    grant(other, create_process(), Role.PROCESS_ADMIN)
    moderator = create_user()
    grant(moderator, process, Role.MODERATOR)
    assert staff.can_manage_budgets(admin, component)
    assert staff.can_delete_budget(admin, budget)
    for person in (other, moderator, create_user(), AnonymousUserMixin()):
        assert not staff.can_manage_budgets(person, component)
        assert not staff.can_delete_budget(person, budget)


# --- projects --------------------------------------------------------------------------------

def test_a_project_is_created_with_its_place_and_proposals(db, actor, make_budget, process,
                                                           create_category, create_scope,
                                                           make_proposal):
    budget = make_budget()
    category, scope = create_category(process), create_scope()
    first, second = make_proposal(state=None, cost=None), make_proposal()
    project = staff.create_project(actor, budget, **project_values(
        amount=0, category_id=category.id, scope_id=scope.id, address=" Main street 3 ",
        proposal_ids=[second.id, first.id, first.id]))
    db.session.commit()

    assert (project.amount, project.category_id, project.scope_id) == (0, category.id, scope.id)
    assert project.address == "Main street 3"
    assert project.component_id == budget.component_id
    assert staff.linked_proposal_ids([project]) == {project.id: sorted([first.id, second.id])}
    links = db.session.scalars(select(ResourceLink)).all()
    assert {(link.from_id, link.name) for link in links} == {
        (project.id, "included_proposals")}
    [entry] = logged(db, "create", "project")
    assert entry.details["budget"] == budget.id


@pytest.mark.parametrize("changes, field", [
    ({"amount": -1}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": "12"}, "amount"),
    ({"amount": 1.5}, "amount"),
    ({"amount": 10**16}, "amount"),
    ({"title": {"en": ""}}, "title"),
    ({"address": "x" * 256}, "address"),
    ({"scope_id": 123_456}, "scope_id"),
    ({"category_id": 0}, "category_id"),
    ({"proposal_ids": [0]}, "proposal_ids"),
    ({"proposal_ids": [2**40]}, "proposal_ids"),
])
def test_a_project_refuses_bad_values(db, actor, make_budget, changes, field):
    budget = make_budget()
    with pytest.raises(DomainError) as error:
        staff.create_project(actor, budget, **project_values(**changes))
    assert error.value.field == field


def test_a_project_refuses_a_category_and_proposals_of_another_process(
        db, actor, make_budget, create_process, create_category, create_component,
        make_proposal):
    budget = make_budget()
    elsewhere = create_process()
    foreign_category = create_category(elsewhere)
    foreign_proposal = make_proposal(create_component(elsewhere, manifest_name="proposals"))
    with pytest.raises(DomainError) as error:
        staff.create_project(actor, budget, **project_values(category_id=foreign_category.id))
    assert error.value.field == "category_id"
    with pytest.raises(DomainError) as error:
        staff.create_project(actor, budget,
                             **project_values(proposal_ids=[foreign_proposal.id]))
    assert error.value.field == "proposal_ids"


def test_a_draft_proposal_cannot_be_linked(db, actor, make_budget, make_proposal):
    draft = make_proposal(published_at=None, state=None)
    with pytest.raises(DomainError):
        staff.create_project(actor, make_budget(), **project_values(proposal_ids=[draft.id]))


def test_editing_a_project_replaces_its_links(db, actor, make_budget, make_project,
                                              make_proposal):
    budget = make_budget()
    project = make_project(budget)
    first, second, third = make_proposal(), make_proposal(), make_proposal()
    staff.update_project(actor, project, **project_values(proposal_ids=[first.id, second.id]))
    staff.update_project(actor, project, **project_values(title={"en": "Renamed"},
                                                          proposal_ids=[second.id, third.id]))
    db.session.commit()
    assert staff.linked_proposal_ids([project])[project.id] == sorted([second.id, third.id])
    entry = logged(db, "update", "project")[-1]
    assert "title" in entry.details["changed"] and "proposal_ids" in entry.details["changed"]


def test_a_voted_project_keeps_its_amount_but_can_be_renamed(db, actor, make_budget,
                                                             make_project, ballot):
    budget = make_budget()
    project = make_project(budget, amount=30_000)
    ballot(budget, project)
    staff.update_project(actor, project, **project_values(title={"en": "Renamed"}))
    assert project.title == {"en": "Renamed"}
    with pytest.raises(DomainError) as error:
        staff.update_project(actor, project, **project_values(amount=1))
    assert error.value.field == "amount"


def test_a_project_in_a_cast_ballot_is_not_deleted(db, actor, make_budget, make_project,
                                                   ballot):
    budget = make_budget()
    project = make_project(budget)
    ballot(budget, project)
    assert not staff.can_delete_project(actor, project)
    with pytest.raises(DomainError):
        staff.delete_project(actor, project)


def test_a_project_only_in_draft_ballots_is_deleted_and_leaves_them(db, actor, make_budget,
                                                                    make_project, ballot):
    budget = make_budget()
    project, other = make_project(budget), make_project(budget)
    draft = ballot(budget, project, other, checked_out=False)
    assert staff.can_delete_project(actor, project)
    staff.delete_project(actor, project)
    db.session.commit()
    db.session.expire_all()
    assert [line.project_id for line in db.session.get(Order, draft.id).lines] == [other.id]
    assert len(logged(db, "delete", "project")) == 1


def test_a_closed_budget_takes_no_new_projects(db, actor, make_budget):
    budget = make_budget(closed_at=utcnow())
    with pytest.raises(DomainError):
        staff.create_project(actor, budget, **project_values())


# --- importing accepted proposals --------------------------------------------------------------

def test_only_accepted_published_answers_are_importable(db, make_budget, make_proposal,
                                                        create_process, create_component):
    budget = make_budget()
    accepted = make_proposal()
    no_cost = make_proposal(cost=None)
    make_proposal(state="evaluating", cost=None)
    make_proposal(state="rejected", cost=None)
    make_proposal(answer_published_at=None)  # not public yet
    make_proposal(withdrawn_at=utcnow())
    make_proposal(hidden_at=utcnow())
    make_proposal(published_at=None)
    make_proposal(create_component(create_process(), manifest_name="proposals"))
    assert staff.importable_proposals(budget) == [accepted, no_cost]


def test_importing_makes_projects_links_a_log_entry_and_notifications(
        db, actor, make_budget, make_proposal, process, create_category, create_scope,
        create_user):
    budget = make_budget()
    category, scope = create_category(process), create_scope()
    proposal = make_proposal(category_id=category.id, scope_id=scope.id, address="Main 1",
                             locale="es", title="Sombra <b>ya</b>")
    follower = create_user(nickname="follower")
    db.session.add_all([Follow(user_id=follower.id, resource_id=proposal.id),
                        Follow(user_id=actor.id, resource_id=proposal.id)])
    db.session.commit()

    [project] = staff.import_proposals(actor, budget, [proposal.id])
    db.session.commit()

    assert project.budget_id == budget.id
    assert project.title == {"es": "Sombra <b>ya</b>"}
    description = project.description["es"]
    assert description.startswith("<p>Plant trees.</p><p>And &lt;b&gt;benches&lt;/b&gt;")
    assert "<b>" not in description
    assert (project.amount, project.category_id, project.scope_id, project.address) == (
        25_000, category.id, scope.id, "Main 1")
    assert staff.linked_proposal_ids([project])[project.id] == [proposal.id]
    [entry] = logged(db, "import_proposals", "budget")
    assert entry.details["proposals"] == [proposal.id]
    assert entry.details["projects"] == [project.id]
    told = db.session.scalars(select(Notification).where(
        Notification.event == "proposal_imported")).all()
    assert sorted(n.user_id for n in told) == sorted([proposal.author_id, follower.id])
    assert all(n.resource_id == proposal.id for n in told)  # the actor is not told


def test_importing_twice_imports_nothing_twice(db, actor, make_budget, make_proposal):
    budget, other_budget = make_budget(), make_budget()
    first, second = make_proposal(), make_proposal()
    assert len(staff.import_proposals(actor, budget, [first.id])) == 1
    db.session.commit()

    assert staff.importable_proposals(budget) == [second]
    assert staff.importable_proposals(other_budget) == [second]  # per component
    again = staff.import_proposals(actor, other_budget, [first.id, second.id])
    db.session.commit()
    assert [project.budget_id for project in again] == [other_budget.id]
    assert staff.import_proposals(actor, budget, [first.id, second.id]) == []
    db.session.commit()
    assert db.session.scalar(select(func.count(Project.id))) == 2
    assert len(logged(db, "import_proposals", "budget")) == 2  # nothing new, nothing logged
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.event == "proposal_imported")) == 2


def test_another_component_may_import_the_same_proposal(db, actor, make_budget, make_proposal,
                                                        create_component, process):
    proposal = make_proposal()
    staff.import_proposals(actor, make_budget(), [proposal.id])
    second = make_budget(create_component(process, manifest_name="budgets"))
    assert staff.importable_proposals(second) == [proposal]


@pytest.mark.parametrize("ids", [[], None, [0], [2**40], ["1"]])
def test_importing_refuses_an_empty_or_odd_choice(db, actor, make_budget, make_proposal, ids):
    make_proposal()
    with pytest.raises(DomainError) as error:
        staff.import_proposals(actor, make_budget(), ids)
    assert error.value.field == "proposal_ids"


def test_importing_refuses_what_is_not_listed_and_imports_nothing(
        db, actor, make_budget, make_proposal, create_process, create_component):
    budget = make_budget()
    good = make_proposal()
    rejected = make_proposal(state="rejected", cost=None)
    foreign = make_proposal(create_component(create_process(), manifest_name="proposals"))
    without_cost = make_proposal(cost=None)
    for bad in (rejected, foreign, without_cost):
        with pytest.raises(DomainError):
            staff.import_proposals(actor, budget, [good.id, bad.id])
        db.session.rollback()
    assert db.session.scalar(select(func.count(Project.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_a_closed_budget_imports_nothing(db, actor, make_budget, make_proposal):
    proposal = make_proposal()
    with pytest.raises(DomainError):
        staff.import_proposals(actor, make_budget(closed_at=utcnow()), [proposal.id])


def test_the_imported_notification_says_where_the_proposal_went(app, db, actor, make_budget,
                                                                make_proposal):
    proposal = make_proposal(title="Shade on the school path")
    staff.import_proposals(actor, make_budget(title={"en": "North district"}), [proposal.id])
    db.session.commit()
    notification = db.session.scalars(select(Notification)).one()
    with app.test_request_context():
        notice = describe(notification, notification.user)
    assert notice.text == ("The proposal “Shade on the school path” is now a project of the "
                           "budget “North district”.")


# --- lists and the manifest's hooks ------------------------------------------------------------

def test_budget_rows_count_projects_and_cast_ballots(db, make_budget, make_project, ballot):
    north, south = make_budget(weight=2), make_budget(weight=1)
    project = make_project(north)
    make_project(north)
    ballot(north, project)
    ballot(north, checked_out=False)
    assert staff.budget_rows(north.component) == [(south, 0, 0), (north, 2, 1)]


def test_summary_stats_and_participation(app, db, component, make_budget, make_project,
                                         ballot):
    with app.app_context(), app.test_request_context():  # a request of its own
        assert staff.summary(component) == "0 budgets · 0 projects"
    assert not staff.has_participation(component)
    budget = make_budget()
    make_project(budget)
    make_project(budget)
    make_project(make_budget())
    with app.app_context(), app.test_request_context():
        assert staff.summary(component) == "2 budgets · 3 projects"
    ballot(budget, checked_out=False)
    assert staff.has_participation(component)
    ballot(budget)
    counts = {str(label): number for label, number in staff.stats([component])[component.id]
              .items()}
    assert counts == {"Budgets": 2, "Projects": 3, "Ballots cast": 1}


def test_winners_to_confirm_are_a_task_for_the_process_admins(app, db, actor, component,
                                                              make_budget, create_user,
                                                              grant, create_process):
    open_budget = make_budget()
    ended = make_budget(title={"en": "Closed"}, closed_at=utcnow())
    make_budget(closed_at=utcnow(), winners_confirmed_at=utcnow())
    outsider = create_user()
    grant(outsider, create_process(), Role.PROCESS_ADMIN)
    with app.test_request_context():
        [task] = staff.tasks(actor)
        assert task.count == 1
        assert task.label == "Winners to confirm in District Budgets: Budgets"
        assert task.url.endswith(f"/budgets/{ended.id}/results")
        assert [t.count for t in staff.tasks(create_user(admin=True))] == [1]
        assert staff.tasks(outsider) == []
        assert staff.tasks(create_user()) == []
    open_budget.closed_at = utcnow()
    db.session.commit()
    with app.test_request_context():
        [task] = staff.tasks(actor)
        assert task.count == 2 and task.url.endswith("/budgets/")


def test_export_rows_list_every_project(app, db, component, make_budget, make_project,
                                        make_proposal, actor):
    budget = make_budget()
    project = make_project(budget, title={"en": "=SUM(A1)"}, description={"en": "<p>Hi</p>"})
    proposal = make_proposal()
    staff.update_project(actor, project, **project_values(
        title={"en": "=SUM(A1)"}, proposal_ids=[proposal.id]))
    db.session.commit()
    with app.test_request_context():
        [row] = staff.export_rows(component)
    assert row["title"] == "=SUM(A1)" and row["description"] == "Green"
    assert row["proposals"] == str(proposal.id) and row["budget_id"] == budget.id


def test_commented_projects_and_their_budget_are_not_deleted(db, actor, make_budget,
                                                             make_project, create_user):
    budget = make_budget()
    project = make_project(budget)
    db.session.add(Comment(component_id=budget.component_id, commentable_id=project.id,
                           author_id=create_user().id, body="Yes!", locale="en"))
    db.session.commit()
    assert staff.project_deletion_refusal(project) == (
        "Residents have commented on this project, so it cannot be deleted.")
    assert not staff.can_delete_budget(actor, budget)
    with pytest.raises(DomainError):
        staff.delete_project(actor, project)
    with pytest.raises(DomainError, match="commented on projects of this budget"):
        staff.delete_budget(actor, budget)


def test_the_manifest_checks_settings_changes(db, actor, component, make_budget, ballot):
    """The component's settings form goes through the manifest's check_settings hook."""
    budget = make_budget()
    update_component(actor, component, name=component.name,
                     settings={"vote_rule": "project_range"}, phase_settings={})
    ballot(budget, checked_out=False)
    with pytest.raises(DomainError):
        update_component(actor, component, name=component.name,
                         settings={"vote_rule": "minimum_percent"}, phase_settings={})
