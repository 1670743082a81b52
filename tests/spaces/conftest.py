"""Factory fixtures for processes and what they hold. Each commits and returns the new row.

    process = create_process(published=False, title={"en": "Green Streets"})
    phase = create_phase(process, active=True)
    component = create_component(process, manifest_name="pages")
    grant(user, process, Role.PROCESS_ADMIN)
    survey = create_component(process, manifest_name="survey")  # with the survey_kind fixture
    survey_kind.extra["participated"].add(survey.id)  # residents took part in it

They write rows directly (no action log): the services are tested on their own.
"""

from datetime import timedelta
from itertools import count

import pytest
from flask import Blueprint

from decide.components import Manifest
from decide.components import Setting
from decide.core.models import utcnow
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope
from decide.spaces.services import today_here


@pytest.fixture
def create_scope(db):
    numbers = count(1)

    def make(**overrides) -> Scope:
        number = next(numbers)
        values = {"name": {"en": f"District {number}"}, "code": f"D{number}",
                  "position": number}
        values.update(overrides)
        scope = Scope(**values)
        db.session.add(scope)
        db.session.commit()
        return scope

    return make


@pytest.fixture
def create_process(db):
    """A process running from ten days ago to thirty days ahead, published unless told."""
    numbers = count(1)

    def make(*, published: bool = True, **overrides) -> Process:
        number = next(numbers)
        today = today_here()
        values = {
            "slug": f"process-{number}",
            "title": {"en": f"Process {number}"},
            "subtitle": {},
            "description": {},
            "start_date": today - timedelta(days=10),
            "end_date": today + timedelta(days=30),
            "published_at": utcnow() if published else None,
        }
        values.update(overrides)
        process = Process(**values)
        db.session.add(process)
        db.session.commit()
        return process

    return make


@pytest.fixture
def create_phase(db):
    """A phase placed after the process's others; by default it spans the process's dates."""
    numbers = count(1)

    def make(process: Process, *, active: bool = False, **overrides) -> Phase:
        number = next(numbers)
        values = {
            "title": {"en": f"Phase {number}"},
            "description": {},
            "start_date": process.start_date,
            "end_date": process.end_date,
            "position": max((p.position for p in process.phases), default=-1) + 1,
            "active": active,
        }
        values.update(overrides)
        phase = Phase(process=process, **values)
        db.session.add(phase)
        db.session.commit()
        return phase

    return make


@pytest.fixture
def create_component(db):
    """A component (pages unless told) placed last in its process, published unless told."""
    numbers = count(1)

    def make(process: Process, *, manifest_name: str = "pages", published: bool = True,
             **overrides) -> Component:
        number = next(numbers)
        values = {
            "name": {"en": f"Component {number}"},
            "weight": max((c.weight for c in process.components), default=-1) + 1,
            "published_at": utcnow() if published else None,
            "settings": {},
            "phase_settings": {},
        }
        values.update(overrides)
        component = Component(process=process, manifest_name=manifest_name, **values)
        db.session.add(component)
        db.session.commit()
        return component

    return make


@pytest.fixture
def create_category(db):
    numbers = count(1)

    def make(process: Process, *, parent: Category | None = None, **overrides) -> Category:
        number = next(numbers)
        values = {"name": {"en": f"Category {number}"}, "position": len(process.categories)}
        values.update(overrides)
        category = Category(process=process, parent=parent, **values)
        db.session.add(category)
        db.session.commit()
        return category

    return make


@pytest.fixture
def grant(db):
    """Give a user a role in a process (process admin unless told)."""

    def make(user, process: Process, role: Role | str = Role.PROCESS_ADMIN) -> ProcessRole:
        assignment = ProcessRole(process=process, user=user, role=str(role))
        db.session.add(assignment)
        db.session.commit()
        return assignment

    return make


SURVEY_SETTINGS = (
    Setting("comments_enabled", True, bool, label="Comments enabled"),
    Setting("answers_limit", 3, int, label="Answers per person", bounds=(1, 10)),
    Setting("order", "random", str, label="Order",
            choices=(("random", "Random"), ("recent", "Most recent"))),
    Setting("announcement", {}, dict, label="Announcement", translated=True),
    Setting("hashtag", "", str, label="Hashtag"),
)
SURVEY_PHASE_SETTINGS = (
    Setting("answers_enabled", False, bool, label="Answers enabled"),
    Setting("questions_limit", 5, int, label="Questions", bounds=(0, 20)),
)


@pytest.fixture
def survey_kind(app, monkeypatch):
    """A component kind registered for one test only ("survey"), with a setting of every
    sort; `extra["participated"]` holds the ids of the components residents took part in."""
    participated = set()
    manifest = Manifest(
        name="survey", label="Survey", public=Blueprint("survey", __name__),
        settings=SURVEY_SETTINGS, phase_settings=SURVEY_PHASE_SETTINGS,
        has_participation=lambda component: component.id in participated,
        extra={"participated": participated},
    )
    monkeypatch.setitem(app.extensions["decide.components"], "survey", manifest)
    return manifest
