"""Fixtures of budgets: a published process in its voting phase with a budgets component,
budgets and projects written directly, and verified residents.

    configure(voting_enabled=True, vote_rule="project_range")   # global or phase, by name
    budget = make_budget(total=100_000)
    project = make_project(budget, amount=30_000)
    voter = verified(create_user(nickname="ana"), document="12345678Z")   # tests/conftest.py
"""

import pytest

from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.proposals.models import Proposal
from decide.core.models import utcnow
from tests.conftest import change_settings


@pytest.fixture
def process(create_process):
    return create_process(slug="district-budgets", title={"en": "District Budgets"})


@pytest.fixture
def phase(create_phase, process):
    return create_phase(process, active=True)


@pytest.fixture
def component(create_component, process, phase):
    return create_component(process, manifest_name="budgets", name={"en": "Budgets"})


@pytest.fixture
def configure(db, component, phase):
    """Set settings of the component (or of `target`), global or of the active phase, by
    their name."""
    def change(target=None, **values):
        change_settings(target or component, **values)

    return change


@pytest.fixture
def make_budget(db, component):
    def make(target=None, **overrides) -> Budget:
        values = {"title": {"en": "North district"}, "description": {"en": "<p>North</p>"},
                  "total": 100_000}
        values.update(overrides)
        budget = Budget(component=target or component, **values)
        db.session.add(budget)
        db.session.commit()
        return budget

    return make


@pytest.fixture
def make_project(db):
    counter = iter(range(1, 10_000))

    def make(budget: Budget, **overrides) -> Project:
        number = next(counter)
        values = {"title": {"en": f"Project {number}"},
                  "description": {"en": f"<p>Project {number}</p>"}, "amount": 10_000}
        values.update(overrides)
        project = Project(budget=budget, component_id=budget.component_id, **values)
        db.session.add(project)
        db.session.commit()
        return project

    return make


@pytest.fixture
def proposals_component(create_component, process):
    return create_component(process, manifest_name="proposals", name={"en": "Ideas"})


@pytest.fixture
def make_proposal(db, proposals_component, create_user):
    """A published proposal of the process, accepted with a published answer and a cost
    unless told."""
    def make(target=None, **overrides) -> Proposal:
        values = {"title": "Shade on the school path", "locale": "en",
                  "body": "Plant trees.\n\nAnd <b>benches</b> at https://example.org",
                  "author_id": create_user().id, "published_at": utcnow(),
                  "state": "accepted", "answered_at": utcnow(), "answer_published_at": utcnow(),
                  "cost": 25_000}
        values.update(overrides)
        proposal = Proposal(component_id=(target or proposals_component).id, **values)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@pytest.fixture
def ballot(db, create_user):
    """A ballot holding these projects, checked out unless told."""
    def cast(budget, *projects, checked_out=True) -> Order:
        order = Order(budget_id=budget.id, user_id=create_user().id,
                      checked_out_at=utcnow() if checked_out else None,
                      lines=[OrderLine(project_id=project.id) for project in projects])
        db.session.add(order)
        db.session.commit()
        return order

    return cast
