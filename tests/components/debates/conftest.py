"""A published process "green-streets" with an active phase and a published debates
component; a factory of debates written as rows (the services are tested on their own)."""

from datetime import timedelta
from itertools import count

import pytest

from decide.components.debates.models import Debate
from decide.core.models import Organization
from decide.core.models import utcnow
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


@pytest.fixture
def organization(db):
    organization = Organization.current(("en", "es", "ca", "fr"))
    organization.name = "Vilanova City Council"
    organization.time_zone = "Europe/Madrid"
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def process(organization, create_process):
    return create_process(slug="green-streets", title={"en": "Green Streets"})


@pytest.fixture
def phase(process, create_phase):
    return create_phase(process, title={"en": "Debates"}, active=True)


@pytest.fixture
def component(process, phase, create_component):
    return create_component(process, manifest_name="debates",
                            name={"en": "Debates", "es": "Debates"})


@pytest.fixture
def set_phase(db, component):
    """Per-phase settings of the component for the active phase, e.g. creation_enabled."""

    def apply(**values):
        phase = next(p for p in component.process.phases if p.active)
        settings = dict(component.phase_settings or {})
        settings[str(phase.id)] = {**settings.get(str(phase.id), {}), **values}
        component.phase_settings = settings
        db.session.commit()

    return apply


@pytest.fixture
def set_setting(db, component):
    def apply(**values):
        component.settings = {**(component.settings or {}), **values}
        db.session.commit()

    return apply


@pytest.fixture
def resident(create_user):
    return create_user(nickname="maria", email="maria@example.org", name="Maria Puig",
                       locale="ca")


@pytest.fixture
def other_resident(create_user):
    return create_user(nickname="lucas", email="lucas@example.org", name="Lucas Moreau",
                       locale="fr")


@pytest.fixture
def process_admin(create_user, grant, process):
    person = create_user(nickname="jordi", email="jordi@example.org", name="Jordi Serra",
                         password=STAFF_PASSWORD)
    grant(person, process, Role.PROCESS_ADMIN)
    return person


@pytest.fixture
def create_debate(db, component):
    """A debate row: official (council, every language) unless an author is given."""
    numbers = count(1)

    def make(*, author=None, target=None, **overrides) -> Debate:
        number = next(numbers)
        target = target or component
        if author is not None:
            values = {"title": {author.locale: f"Resident debate number {number}"},
                      "description": {author.locale: f"What do you think of {number}?"},
                      "official": False, "author_id": author.id}
        else:
            values = {"title": {"en": f"Official debate {number}",
                                "es": f"Debate oficial {number}"},
                      "description": {"en": f"<p>Official description {number}</p>"},
                      "official": True, "author_id": None}
        values = {"conclusion": {}, **values, **overrides}
        debate = Debate(component_id=target.id, **values)
        db.session.add(debate)
        db.session.commit()
        return debate

    return make


def hours(number: int) -> timedelta:
    return timedelta(hours=number)


def now():
    return utcnow()


def public_url(component, tail: str = "") -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/debates/{tail}"


def admin_url(component, tail: str = "") -> str:
    return f"/admin{public_url(component, tail)}"


def main_of(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]
