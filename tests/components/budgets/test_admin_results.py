"""The budgets back office after the vote: the staff's results page (votes, ranks, the
winners under the component's rule and its options), confirming the winners, and the
dashboard's "winners to confirm"."""

import html
import re
import time

import pytest
from sqlalchemy import select

from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.spaces.models import Role


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def base(component) -> str:
    return f"/admin/processes/{component.process.slug}/f/{component.id}/budgets"


@pytest.fixture
def process_admin(client, create_user, grant, process):
    person = create_user(nickname="pat")
    grant(person, process, Role.PROCESS_ADMIN)
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["_fresh"] = True
        session["last_seen"] = time.time()
    return person


@pytest.fixture
def voting_over(db, component, phase, create_phase, process):
    """Voting was enabled in the phase before the active one: it has ended."""
    def end() -> None:
        later = create_phase(process)
        component.phase_settings = {str(phase.id): {"voting_enabled": True}}
        phase.active, later.active = False, True
        db.session.commit()

    return end


@pytest.fixture
def election(db, make_budget, make_project, create_user):
    """A budget of 100 with three projects: A (60, 3 votes), B (50, 2 votes), C (40, 1 vote).
    Greedy funds A then C (B no longer fits)."""
    def make(**budget_values):
        budget = make_budget(total=100, **budget_values)
        a = make_project(budget, title={"en": "Project A"}, amount=60, votes_count=3)
        b = make_project(budget, title={"en": "Project B"}, amount=50, votes_count=2)
        c = make_project(budget, title={"en": "Project C"}, amount=40, votes_count=1)
        for chosen in ([a, b], [a, b], [a, c]):
            db.session.add(Order(budget_id=budget.id, user_id=create_user().id,
                                 checked_out_at=utcnow(), ballot_key=f"k{create_user().id}",
                                 lines=[OrderLine(project_id=p.id) for p in chosen]))
        db.session.commit()
        return budget, (a, b, c)

    return make


def rows_of(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    table = re.search(r"<tbody>(.*?)</tbody>", body, re.S).group(1)
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_the_results_show_votes_ranks_and_the_provisional_winners(client, base, process_admin,
                                                                  election):
    budget, (a, b, c) = election()
    response = client.get(f"{base}/{budget.id}/results")
    assert response.status_code == 200
    page = text(response)
    assert "Most votes first (greedy)" in page
    assert "these winners are provisional" in page
    assert "Confirm the winners" not in page  # voting has not ended
    rows = rows_of(response)
    assert [row[:5] for row in rows] == [
        ["1", f"Project A ({a.id})", "€60", "3", "Funded"],
        ["2", f"Project B ({b.id})", "€50", "2", "Not funded"],
        ["3", f"Project C ({c.id})", "€40", "1", "Funded"],
    ]
    assert "€100" in page and "€0" in page  # the total, what is left


def test_the_results_print_the_equal_shares_options(client, base, process_admin, election,
                                                    configure):
    configure(winner_rule="equal_shares")
    budget, _projects = election(add1_stops_when_exhaustive=False, greedy_completion=False)
    page = text(client.get(f"{base}/{budget.id}/results"))
    assert "Method of Equal Shares" in page
    assert "raised (Add1) as long as the outcome fits the budget" in page
    assert "the money left stays unspent" in page


def test_winners_are_confirmed_once_voting_has_ended(client, db, base, process_admin, election,
                                                     voting_over):
    budget, (a, b, c) = election()
    confirm = f"{base}/{budget.id}/confirm"
    refused = client.post(confirm)
    assert refused.status_code == 400
    assert "once voting has ended" in text(refused)
    assert "can be confirmed once voting has ended" in text(client.get(confirm))
    voting_over()

    results = text(client.get(f"{base}/{budget.id}/results"))
    assert f'href="{confirm}"' in client.get(f"{base}/{budget.id}/results").get_data(
        as_text=True)
    assert "Voting has ended" in results
    page = text(client.get(confirm))
    assert "These 2 projects will be marked as selected (€100):" in page
    assert "Project A · €60" in page and "Project C · €40" in page
    assert "Project B · €50" not in page

    response = client.post(confirm)
    assert response.status_code == 302
    assert response.location.endswith(f"/budgets/{budget.id}/results")
    db.session.expire_all()
    assert [project.is_selected for project in (a, b, c)] == [True, False, True]
    assert budget.winners_confirmed_at is not None
    entry = db.session.scalars(select(ActionLog).where(
        ActionLog.action == "confirm_winners")).one()
    assert entry.resource_id == budget.id

    after = client.get(f"{base}/{budget.id}/results")
    assert "The winners were confirmed on" in text(after)
    assert [row[5] for row in rows_of(after)] == ["Selected", "", "Selected"]
    listed = text(client.get(f"{base}/{budget.id}/projects/"))
    assert listed.count("Selected") == 2
    again = client.post(confirm)
    assert again.status_code == 400
    assert "already confirmed" in text(again)


def test_a_closed_budget_can_have_its_winners_confirmed(client, db, base, process_admin,
                                                        election):
    budget, _projects = election(closed_at=utcnow())
    assert "Confirm the winners" in text(client.get(f"{base}/{budget.id}/results"))
    assert client.post(f"{base}/{budget.id}/confirm").status_code == 302


def test_results_of_another_component_are_not_found(client, base, process_admin, process,
                                                    create_component, make_budget):
    other = make_budget(create_component(process, manifest_name="budgets"), closed_at=utcnow())
    assert client.get(f"{base}/{other.id}/results").status_code == 404
    assert client.post(f"{base}/{other.id}/confirm").status_code == 404
    assert other.winners_confirmed_at is None


def test_the_dashboard_lists_the_winners_to_confirm(client, db, process_admin, election,
                                                    voting_over, component):
    budget, _projects = election()
    assert "Winners to confirm" not in text(client.get("/admin/"))
    voting_over()
    page = client.get("/admin/").get_data(as_text=True)
    assert "Winners to confirm in District Budgets: Budgets" in html.unescape(page)
    assert f"/budgets/{budget.id}/results" in page
    budget.winners_confirmed_at = utcnow()
    db.session.commit()
    assert "Winners to confirm" not in text(client.get("/admin/"))
