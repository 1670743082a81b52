"""Fixtures of the moderation tests: a published process with a debates component, and a
factory of debates written straight to the database (the debates module has its own tests).

    debate = create_debate(author=user)               # in the "green-streets" process
    debate = create_debate(component=other_component, title={"en": "Bus lanes"})
"""

from itertools import count

import pytest

from decide.components.debates.models import Debate
from decide.core.models import Organization


@pytest.fixture
def organization(db):
    """The organization row (report threshold 3, Decidim's default)."""
    organization = Organization.current(("en", "es", "ca", "fr"))
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def process(create_process, create_phase):
    process = create_process(slug="green-streets", title={"en": "Green Streets"})
    create_phase(process, active=True)
    return process


@pytest.fixture
def component(create_component, process):
    return create_component(process, manifest_name="debates")


@pytest.fixture
def create_debate(db, component):
    numbers = count(1)

    def make(*, author=None, component=component, **overrides) -> Debate:
        number = next(numbers)
        values = {"title": {"en": f"Debate {number}"}, "description": {"en": "Let us talk."}}
        values.update(overrides)
        debate = Debate(component_id=component.id, author_id=author.id if author else None,
                        **values)
        db.session.add(debate)
        db.session.commit()
        return debate

    return make


@pytest.fixture
def author(create_user):
    return create_user(nickname="author", email="author@example.org", name="Ada Author")


@pytest.fixture
def debate(create_debate, author):
    return create_debate(author=author, title={"en": "Trees on Main Street"})
