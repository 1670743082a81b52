"""Fixtures of accountability: a published process in its implementation phase with a
proposals, a budgets and an accountability component; statuses, results and timeline entries
written directly.

    statuses = default_statuses()            # {"not_started": Status, ..., "completed": ...}
    result = make_result(status=statuses["in_progress"], amount=40_000)
    child = make_result(parent=result, progress=80, progress_manual=True)
    budget = make_budget(); project = make_project(budget, selected_at=utcnow())
    proposal = make_proposal(); ballot(budget, project)         # from the budgets fixtures
"""

from datetime import date

import pytest

from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.components.budgets.models import Budget
from tests.components.budgets.conftest import ballot  # noqa: F401 - fixtures shared
from tests.components.budgets.conftest import make_project  # noqa: F401
from tests.components.budgets.conftest import make_proposal  # noqa: F401
from tests.components.budgets.conftest import proposals_component  # noqa: F401
from tests.conftest import change_settings

# key: (name, default progress)
DEFAULT_STATUSES = {
    "not_started": ("Not started", 0),
    "in_preparation": ("In preparation", 10),
    "in_progress": ("In progress", 50),
    "completed": ("Completed", 100),
}


@pytest.fixture
def process(create_process):
    return create_process(slug="budget-of-last-year", title={"en": "Budget of last year"})


@pytest.fixture
def phase(create_phase, process):
    return create_phase(process, active=True)


@pytest.fixture
def component(create_component, process, phase):
    return create_component(process, manifest_name="accountability",
                            name={"en": "What we are doing"})


@pytest.fixture
def budgets_component(create_component, process, phase):
    return create_component(process, manifest_name="budgets", name={"en": "Budgets"})


@pytest.fixture
def configure(db, component, phase):
    """Set settings of the accountability component, global or of the active phase."""
    def change(target=None, **values):
        change_settings(target or component, **values)

    return change


@pytest.fixture
def make_budget(db, budgets_component):
    def make(**overrides) -> Budget:
        values = {"title": {"en": "Whole city"}, "total": 100_000}
        values.update(overrides)
        budget = Budget(component=budgets_component, **values)
        db.session.add(budget)
        db.session.commit()
        return budget

    return make


@pytest.fixture
def make_status(db, component):
    counter = iter(range(1, 10_000))

    def make(target=None, **overrides) -> Status:
        number = next(counter)
        values = {"key": f"status_{number}", "name": {"en": f"Status {number}"},
                  "progress": None, "position": number}
        values.update(overrides)
        status = Status(component_id=(target or component).id, **values)
        db.session.add(status)
        db.session.commit()
        return status

    return make


@pytest.fixture
def default_statuses(make_status):
    """The four usual statuses of the component, by key."""
    def make(target=None) -> dict[str, Status]:
        return {key: make_status(target, key=key, name={"en": name}, progress=progress)
                for key, (name, progress) in DEFAULT_STATUSES.items()}

    return make


@pytest.fixture
def make_result(db, component):
    """A result written directly (no service: no roll-up, no notification)."""
    counter = iter(range(1, 10_000))

    def make(target=None, **overrides) -> Result:
        number = next(counter)
        values = {"reference": f"R-{number}", "title": {"en": f"Result {number}"},
                  "description": {"en": f"<p>Result {number}</p>"}, "progress": 0}
        values.update(overrides)
        status = values.get("status")
        if status is not None and "progress" not in overrides and status.progress is not None:
            values["progress"] = status.progress
        result = Result(component_id=(target or component).id, **values)
        db.session.add(result)
        db.session.commit()
        return result

    return make


@pytest.fixture
def make_entry(db):
    def make(result: Result, **overrides) -> TimelineEntry:
        values = {"date": date(2026, 3, 1), "title": {"en": "Works started"}}
        values.update(overrides)
        entry = TimelineEntry(result_id=result.id, **values)
        db.session.add(entry)
        db.session.commit()
        return entry

    return make
