"""The dashboard: organization totals, and per process what its components' stats hooks count."""

import dataclasses
import re
from datetime import datetime

import pytest
from flask_babel import lazy_gettext as _l

from decide.admin.views import component_counts
from decide.admin.views import process_counts
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


def rows(response) -> dict[str, str]:
    """{process title: the visible text of its row}."""
    html = response.get_data(as_text=True)
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        if cells:
            text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells]
            found[text[0]] = " | ".join(text[1:])
    return found


def stat(response, label: str) -> str:
    match = re.search(rf"<dt>{label}</dt><dd>([^<]*)</dd>", response.get_data(as_text=True))
    return match.group(1) if match else ""


@pytest.fixture
def counting_pages(app, monkeypatch):
    """The pages manifest with a stats hook that reports what each component's settings say."""
    registry = dict(app.extensions["decide.components"])

    def stats(components):
        return {component.id: {_l("Proposals"): component.settings.get("proposals", 0),
                               _l("Comments"): component.settings.get("comments", 0)}
                for component in components}

    registry["pages"] = dataclasses.replace(registry["pages"], stats=stats)
    monkeypatch.setitem(app.extensions, "decide.components", registry)


def test_counts_are_summed_per_label_across_a_processs_components(
    client, admin, login, create_process, create_component, counting_pages
):
    streets = create_process(title={"en": "Green Streets"})
    create_component(streets, settings={"proposals": 12, "comments": 30})
    create_component(streets, settings={"proposals": 3, "comments": 1})
    budgets = create_process(title={"en": "Budgets"})
    create_component(budgets, settings={"proposals": 1})
    login(admin)

    response = client.get("/admin/")

    assert response.status_code == 200
    found = rows(response)
    assert found["Green Streets"].endswith("Proposals 15 Comments 31")
    assert found["Budgets"].endswith("Proposals 1 Comments 0")


def test_process_counts_skip_kinds_no_longer_installed(app, db, create_process,
                                                       create_component, counting_pages):
    process = create_process()
    create_component(process, settings={"proposals": 2})
    create_component(process, manifest_name="surveys")

    assert process_counts(process, component_counts([process])) == {"Proposals": 2,
                                                                    "Comments": 0}


def test_the_pages_component_reports_no_counts(client, admin, login, create_process,
                                               create_component):
    create_component(create_process(title={"en": "Green Streets"}))
    login(admin)

    found = rows(client.get("/admin/"))

    assert found["Green Streets"].endswith("Nothing to count yet")


def test_organization_totals(client, db, admin, login, create_user, create_process):
    create_user()
    create_user(deleted_at=datetime(2025, 1, 1))
    create_process(published=True)
    create_process(published=False)
    login(admin)

    response = client.get("/admin/")

    assert stat(response, "Participants") == "2"  # the admin and one resident
    assert stat(response, "Published processes") == "1"


def test_the_row_tells_the_state_and_the_active_phase(client, admin, login, create_process,
                                                      create_phase):
    process = create_process(title={"en": "Green Streets"}, published=False)
    create_phase(process, title={"en": "Ideas"}, active=True)
    login(admin)

    found = rows(client.get("/admin/"))

    assert found["Green Streets"].startswith("Open now Not published | Ideas |")


def test_process_admins_see_only_their_processes(client, create_user, login, create_process,
                                                 grant):
    mine, other = create_process(title={"en": "Mine"}), create_process(title={"en": "Other"})
    manager = create_user(password=STAFF_PASSWORD)
    grant(manager, mine, Role.PROCESS_ADMIN)
    grant(manager, other, Role.COLLABORATOR)  # a role, but not the admin's one
    login(manager)

    response = client.get("/admin/")

    assert list(rows(response)) == ["Mine"]
    assert 'href="/admin/processes/process-1"' in response.get_data(as_text=True)


def test_other_staff_see_no_process(client, create_user, login, create_process, grant):
    holder = create_user(password=STAFF_PASSWORD)
    grant(holder, create_process(), Role.MODERATOR)
    login(holder)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert rows(response) == {}
    assert "You administer no process." in response.get_data(as_text=True)


def test_the_process_list_runs_a_constant_number_of_queries(
    client, db, admin, login, create_process, create_component, create_phase, count_queries,
    counting_pages
):
    login(admin)

    def queries(processes: int) -> int:
        for _ in range(processes):
            process = create_process()
            create_phase(process, active=True)
            create_component(process, settings={"proposals": 1})
            create_component(process, settings={"comments": 2})
        with count_queries() as counter:
            response = client.get("/admin/")
        assert response.status_code == 200
        return counter.count, len(rows(response))

    few, few_rows = queries(3)
    many, many_rows = queries(27)

    assert (few_rows, many_rows) == (3, 30)
    assert few == many
