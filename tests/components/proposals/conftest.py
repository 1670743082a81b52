"""Fixtures of the residents' side of proposals: a published process with its active phase
and a proposals component, settings changed by name, proposals written directly.

    configure(supports_enabled=True, support_limit=2)   # global or phase, by its name
    proposal = make_proposal(author=resident)            # published unless told
    draft = make_proposal(author=resident, published_at=None)
"""

import pytest

from decide.components import get_manifest
from decide.components.proposals.models import Proposal
from decide.core.models import utcnow
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD

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
    """Set settings of the component, global or of the active phase, by their name."""
    phase_names = {setting.name for setting in get_manifest("proposals").phase_settings}

    def change(target=None, **values):
        target = target or component
        active = next((each for each in target.process.phases if each.active), phase)
        key = str(active.id)
        target.settings = {**(target.settings or {}),
                           **{k: v for k, v in values.items() if k not in phase_names}}
        target.phase_settings = {**(target.phase_settings or {}), key: {
            **(target.phase_settings or {}).get(key, {}),
            **{k: v for k, v in values.items() if k in phase_names},
        }}
        db.session.commit()

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
