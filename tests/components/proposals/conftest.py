"""Fixtures of the residents' side of proposals: a published process with its active phase
and a proposals component, settings changed by name, proposals written directly.

    configure(supports_enabled=True, support_limit=2)   # global or phase, by its name
    proposal = make_proposal(author=resident)            # published unless told
    draft = make_proposal(author=resident, published_at=None)
"""

import pytest

from decide.components.proposals.models import Proposal
from decide.core.models import utcnow
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD
from tests.conftest import change_settings

TITLE = "More trees along the main street"
BODY = "The main street has no shade at all in summer: plant trees on both sides."


@pytest.fixture
def process(create_process):
    return create_process(slug="green-streets", title={"en": "Green Streets"})


@pytest.fixture
def phase(create_phase, process):
    return create_phase(process, active=True)


@pytest.fixture
def component(create_component, process, phase):
    return create_component(process, manifest_name="proposals", name={"en": "Ideas"})


@pytest.fixture
def configure(db, component, phase):
    """Set settings of the component (or of `target`), global or of the active phase, by
    their name."""
    def change(target=None, **values):
        change_settings(target or component, **values)

    return change


@pytest.fixture
def resident(create_user):
    return create_user(nickname="ana", name="Ana Ruiz", email="ana@example.org")


@pytest.fixture
def neighbour(create_user):
    return create_user(nickname="bo", name="Bo Lind", email="bo@example.org")


@pytest.fixture
def staff(create_user, grant, process):
    """The process admin, and a valuator of the process."""
    process_admin = create_user(nickname="pat", password=STAFF_PASSWORD)
    grant(process_admin, process, Role.PROCESS_ADMIN)
    valuator = create_user(nickname="val", name="Val Uator", password=STAFF_PASSWORD)
    grant(valuator, process, Role.VALUATOR)
    return process_admin, valuator


@pytest.fixture
def make_proposal(db, component, create_user):
    """A published proposal of `component` (by a new resident unless told), written
    directly; `published_at=None` makes a draft."""

    def make(target=None, *, author=None, **overrides) -> Proposal:
        values = {"title": TITLE, "body": BODY, "locale": "en", "published_at": utcnow()}
        if not overrides.get("official"):
            values["author_id"] = (author or create_user()).id
        values.update(overrides)
        proposal = Proposal(component_id=(target or component).id, **values)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make
