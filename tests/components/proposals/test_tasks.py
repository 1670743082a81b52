"""The dashboard's "Waiting for you": proposals without an answer, per component, for the
staff who answer them (a valuator sees only those assigned to them)."""

import html
import re

from decide.core.models import utcnow
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


def tasks(client) -> dict[str, int]:
    """{link target: count} of the dashboard's task list."""
    response = client.get("/admin/")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    listed = re.search(r'<ul class="tasks">(.*?)</ul>', page, re.S)
    if listed is None:
        return {}
    return {href: int(count) for href, count in re.findall(
        r'<a href="([^"]+)">[^<]*</a> <span class="badge">(\d+)</span>', listed.group(1))}


def test_a_valuator_sees_the_unanswered_proposals_assigned_to_them(
        client, login, staff, make_proposal, component):
    _admin, valuator = staff
    for _ in range(2):
        make_proposal(valuator_id=valuator.id)
    make_proposal(valuator_id=valuator.id, answered_at=utcnow(), state="evaluating")
    make_proposal(valuator_id=valuator.id, withdrawn_at=utcnow())
    make_proposal(valuator_id=valuator.id, hidden_at=utcnow())  # still to answer
    make_proposal(valuator_id=valuator.id, published_at=None)
    make_proposal()  # not theirs
    login(valuator)

    assert tasks(client) == {
        f"/admin/processes/green-streets/f/{component.id}/proposals/?state=not_answered": 3}


def test_the_process_admin_sees_every_unanswered_proposal(client, login, staff, make_proposal,
                                                          component):
    process_admin, valuator = staff
    make_proposal(valuator_id=valuator.id)
    make_proposal()
    make_proposal(answered_at=utcnow(), state="rejected")
    login(process_admin)

    assert tasks(client) == {
        f"/admin/processes/green-streets/f/{component.id}/proposals/?state=not_answered": 2}
    assert "Proposals waiting for an answer in Green Streets: Ideas" in html.unescape(
        client.get("/admin/").get_data(as_text=True))


def test_nothing_waits_for_staff_of_other_processes(client, login, create_user, grant,
                                                    create_process, make_proposal, db):
    other_admin = create_user(password=STAFF_PASSWORD)
    grant(other_admin, create_process(), Role.PROCESS_ADMIN)
    make_proposal()
    login(other_admin)

    assert tasks(client) == {}


def test_a_valuator_turned_moderator_no_longer_sees_the_proposals(client, login, staff,
                                                                   make_proposal, db):
    process_admin, valuator = staff
    make_proposal(valuator_id=valuator.id)
    valuator.process_roles[0].role = Role.MODERATOR
    db.session.commit()
    login(valuator)

    assert tasks(client) == {}


def test_an_admin_sees_every_component_with_waiting_proposals(
        client, login, admin, make_proposal, component, create_component, process):
    second = create_component(process, manifest_name="proposals")
    make_proposal()
    for _ in range(3):
        make_proposal(second)
    login(admin)

    assert tasks(client) == {
        f"/admin/processes/green-streets/f/{component.id}/proposals/?state=not_answered": 1,
        f"/admin/processes/green-streets/f/{second.id}/proposals/?state=not_answered": 3}


def test_the_tasks_run_a_constant_number_of_queries(client, login, admin, create_process,
                                                    create_phase, create_component,
                                                    make_proposal, count_queries):
    login(admin)

    def queries(components: int) -> int:
        for _ in range(components):
            process = create_process()
            create_phase(process, active=True)
            make_proposal(create_component(process, manifest_name="proposals"))
        with count_queries() as counter:
            client.get("/admin/")
        return counter.count

    assert queries(2) == queries(10)
