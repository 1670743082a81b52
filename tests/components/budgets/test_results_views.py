"""The public pages after the vote: the results (votes, ranks, winners under the rule, the
rule printed), the published ballots and receipts with the look-up, the downloads, and the
page that explains how winners are chosen."""

import csv
import io
import re
import secrets
from datetime import timedelta

import pytest

from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.results import receipt_hash
from decide.core.models import utcnow

# The Equal Shares options as the pages print them.
SHARES_STOPPING = ("Method of Equal Shares, everyone's share raised (Add1) until no other "
                   "project fits; then the money left goes to the most voted projects that fit.")
SHARES_GOING_ON = ("Method of Equal Shares, everyone's share raised (Add1) as long as the "
                   "outcome fits the budget; the money left stays unspent.")


def base(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/budgets"


def text(response) -> str:
    return response.get_data(as_text=True)


def squeeze(page: str) -> str:
    return " ".join(page.replace("&#39;", "'").split())


@pytest.fixture
def budget(make_budget):
    """A budget whose voting is over (closed), so its results are public."""
    return make_budget(title={"en": "North district"}, total=100_000, closed_at=utcnow())


@pytest.fixture
def cast(db, create_user):
    """cast(budget, [projects], code=None): a checked-out ballot of a new resident."""

    def make(budget, projects, code: str | None = None) -> Order:
        order = Order(budget_id=budget.id, user_id=create_user().id, checked_out_at=utcnow(),
                      receipt_hash=receipt_hash(code or secrets.token_hex(8)),
                      ballot_key=secrets.token_hex(16))
        db.session.add(order)
        db.session.flush()
        for project in projects:
            db.session.add(OrderLine(order_id=order.id, project_id=project.id))
            project.votes_count += 1
        db.session.commit()
        return order

    return make


@pytest.fixture
def election(budget, make_project, cast):
    """Three projects: the park (60,000, 3 votes), the library (50,000, 2 votes) and the
    square (30,000, 1 vote). Greedy funds the park and the square."""
    park = make_project(budget, title={"en": "The park"}, amount=60_000)
    library = make_project(budget, title={"en": "The library"}, amount=50_000)
    square = make_project(budget, title={"en": "The square"}, amount=30_000)
    cast(budget, [park, library], code="AAAA-BBBB-CCCC-DDDD")
    cast(budget, [park, library])
    cast(budget, [park, square])
    return park, library, square


# --- the results ----------------------------------------------------------------------------

def test_results_are_not_out_while_voting_is_open(client, configure, component, make_budget,
                                                  make_project, cast):
    configure(voting_enabled=True, show_votes=False)
    budget = make_budget()
    project = make_project(budget, title={"en": "Secret count"})
    cast(budget, [project])
    response = client.get(f"{base(component)}/{budget.id}/results")
    assert response.status_code == 200
    page = text(response)
    assert "not published yet" in page and "Secret count" not in page
    ballots = text(client.get(f"{base(component)}/{budget.id}/ballots"))
    assert "published once voting is over" in ballots and "<table" not in ballots
    for name in ("results.csv", "ballots.csv", "budget.pb"):
        assert client.get(f"{base(component)}/{budget.id}/{name}").status_code == 404
    # The receipt look-up tells nothing either.
    code = client.get(f"{base(component)}/{budget.id}/ballots?code=ABCD")
    assert "in the count" not in text(code) and "No ballot has" not in text(code)


def test_results_are_out_when_voting_ended_in_an_earlier_phase(client, db, create_phase,
                                                               process, phase, component,
                                                               make_budget, make_project):
    component.phase_settings = {str(phase.id): {"voting_enabled": True}}
    phase.active = False
    create_phase(process, active=True)
    db.session.commit()
    budget = make_budget()
    make_project(budget, title={"en": "Counted project"})
    page = text(client.get(f"{base(component)}/{budget.id}/results"))
    assert "Counted project" in page and "not published yet" not in page


def test_the_results_rank_projects_and_show_the_provisional_winners(client, component, budget,
                                                                   election):
    response = client.get(f"{base(component)}/{budget.id}/results")
    assert response.status_code == 200
    page = squeeze(text(response))
    rows = re.findall(r'<tr( class="is-funded")?> <td class="number">(\d+)</td> <th scope="row">'
                      r'<a [^>]+>([^<]+)</a>', page)
    assert [(rank, name, bool(funded)) for funded, rank, name in rows] == [
        ("1", "The park", True), ("2", "The library", False), ("3", "The square", True)]
    assert "Most votes first (greedy)" in page
    assert "Provisional" in page
    assert "90,000" in page  # funded: the park and the square
    assert "how-winners-are-chosen" in page
    for name in ("results.csv", "ballots.csv", "budget.pb"):
        assert f"{base(component)}/{budget.id}/{name}" in page


def test_confirmed_winners_are_the_ones_shown(client, db, component, budget, election):
    park, library, square = election
    budget.winners_confirmed_at = utcnow() - timedelta(days=1)
    library.selected_at = budget.winners_confirmed_at
    park.selected_at = budget.winners_confirmed_at
    db.session.commit()
    page = squeeze(text(client.get(f"{base(component)}/{budget.id}/results")))
    assert "Provisional" not in page and "confirmed these winners" in page
    funded = re.findall(r'<tr class="is-funded">.*?<a [^>]+>([^<]+)</a>', page)
    assert sorted(funded) == ["The library", "The park"]


def test_the_equal_shares_rule_is_printed_with_its_options(client, db, configure, component,
                                                           budget, election):
    configure(winner_rule="equal_shares")
    page = squeeze(text(client.get(f"{base(component)}/{budget.id}/results")))
    assert SHARES_STOPPING in page
    budget.add1_stops_when_exhaustive = False
    budget.greedy_completion = False
    db.session.commit()
    page = squeeze(text(client.get(f"{base(component)}/{budget.id}/results")))
    assert SHARES_GOING_ON in page


def test_the_results_page_runs_a_fixed_number_of_queries(client, component, budget,
                                                         make_project, cast, count_queries):
    def add(number):
        projects = [make_project(budget) for _ in range(number)]
        cast(budget, projects[:2])

    def queries():
        with count_queries() as counter:
            assert client.get(f"{base(component)}/{budget.id}/results").status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


# --- the downloads --------------------------------------------------------------------------

def test_the_results_csv(client, component, budget, election):
    park, library, square = election
    response = client.get(f"{base(component)}/{budget.id}/results.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert len(rows) == 4
    assert any(str(park.id) in row and "3" in row for row in rows[1:])


def test_the_ballots_csv_lets_anyone_recount(client, component, budget, election):
    park, library, square = election
    response = client.get(f"{base(component)}/{budget.id}/ballots.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(text(response))))
    votes = {}
    for row in rows[1:]:
        for reference in row[1].split(","):
            votes[reference] = votes.get(reference, 0) + 1
    assert votes == {str(park.id): 3, str(library.id): 2, str(square.id): 1}


def test_the_pb_file(client, component, budget, election):
    response = client.get(f"{base(component)}/{budget.id}/budget.pb")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".pb" in response.headers["Content-Disposition"]
    body = text(response)
    assert body.startswith("META") and "PROJECTS" in body and "VOTES" in body
    assert "vote_type;approval" in body


# --- the published ballots and the receipt look-up -----------------------------------------

def ballots_page(client, component, budget, query: str = ""):
    return client.get(f"{base(component)}/{budget.id}/ballots{query}")


def test_the_ballots_and_the_sorted_receipts_are_published_unlinked(client, component, budget,
                                                                    election):
    page = squeeze(text(ballots_page(client, component, budget)))
    assert "3 ballots, in random order" in page
    assert page.count("The park") >= 3
    hashes = re.findall(r'<li><code class="hash">([0-9a-f]{64})</code></li>', page)
    assert len(hashes) == 3 and hashes == sorted(hashes)
    assert receipt_hash("AAAA-BBBB-CCCC-DDDD") in hashes
    assert "two separate lists" in page
    # Unlinked: no ballot row carries a hash.
    table = re.search(r'<table class="table ballots-table">(.*?)</table>', page).group(1)
    assert not re.search(r"[0-9a-f]{64}", table)
    assert "Receipt hash" not in table


def test_linked_receipts_are_shown_beside_their_ballots(client, db, component, budget,
                                                        election):
    budget.receipts_linked = True
    db.session.commit()
    page = squeeze(text(ballots_page(client, component, budget)))
    table = re.search(r'<table class="table ballots-table">(.*?)</table>', page).group(1)
    assert receipt_hash("AAAA-BBBB-CCCC-DDDD") in table
    assert "anyone you show your receipt to can see how you voted" in page


@pytest.mark.parametrize("typed", ["AAAA-BBBB-CCCC-DDDD", "aaaa bbbb cccc dddd",
                                   "AAAABBBBCCCCDDDD"])
def test_a_receipt_in_the_count_is_found(client, component, budget, election, typed):
    response = ballots_page(client, component, budget, f"?code={typed.replace(' ', '+')}")
    # The code leaves the address at once: the page is at its hash.
    assert response.status_code == 303
    location = response.headers["Location"]
    assert f"receipt={receipt_hash('AAAA-BBBB-CCCC-DDDD')}" in location
    assert typed.replace(" ", "+") not in location
    page = squeeze(text(client.get(location)))
    assert "Your ballot is in the count." in page
    assert receipt_hash("AAAA-BBBB-CCCC-DDDD") in page
    assert typed not in page


def test_an_unknown_receipt_is_said_so(client, component, budget, election):
    response = ballots_page(client, component, budget, "?code=ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    page = squeeze(text(client.get(response.headers["Location"])))
    assert "No ballot has this receipt." in page and "Your ballot is in the count" not in page
    assert "ZZZZ-ZZZZ-ZZZZ-ZZZZ" not in page
    assert receipt_hash("ZZZZ-ZZZZ-ZZZZ-ZZZZ") in page


@pytest.mark.parametrize("query", ["?receipt=abc", "?receipt=" + "g" * 64,
                                   "?receipt=%3Cscript%3E", "?receipt=" + "0" * 64])
def test_an_odd_receipt_hash_finds_nothing(client, component, budget, election, query):
    response = ballots_page(client, component, budget, query)
    assert response.status_code == 200
    page = text(response)
    assert "Your ballot is in the count." not in page and "<script>" not in page
    assert ("No ballot has this receipt." in page) == (query.endswith("0" * 64))


@pytest.mark.parametrize("query", ["?code=", "?code=%3Cscript%3Ealert(1)%3C/script%3E",
                                   "?code=" + "A" * 65, "?code=%00", "?code=' OR 1=1 --"])
def test_a_bad_receipt_code_is_refused(client, component, budget, election, query):
    response = ballots_page(client, component, budget, query)
    assert response.status_code == 400
    page = text(response)
    assert "<script>alert(1)" not in page
    if query == "?code=%00":  # refused before any view (a NUL anywhere in a request)
        return
    assert 'id="code" maxlength="64" name="code" type="text" value=""' in page or \
        re.search(r'<input[^>]*name="code"[^>]*value=""', page)
    assert 'class="field-error"' in page
    assert "Your ballot is in the count" not in page and "No ballot has" not in page


def test_a_cancelled_ballot_is_not_in_the_count(client, db, component, budget, election,
                                                make_project, create_user):
    cancelled = Order(budget_id=budget.id, user_id=create_user().id)  # lines stay, no receipt
    db.session.add(cancelled)
    db.session.commit()
    page = squeeze(text(ballots_page(client, component, budget)))
    assert "3 ballots" in page


def test_the_lists_are_paged_separately(client, component, budget, make_project, cast):
    project = make_project(budget, title={"en": "Only project"})
    for _ in range(105):
        cast(budget, [project])
    page = squeeze(text(ballots_page(client, component, budget)))
    assert "105 ballots" in page
    assert page.count("Page 1 of 2") == 2
    second = squeeze(text(ballots_page(client, component, budget, "?receipts_page=2")))
    assert len(re.findall(r'<li><code class="hash">', second)) == 5
    assert 'start="101"' in second
    assert len(re.findall(r"<th scope=\"row\"><code>", second)) == 100


def test_the_ballots_page_runs_a_fixed_number_of_queries(client, component, budget,
                                                         make_project, cast, count_queries):
    projects = [make_project(budget) for _ in range(3)]

    def add(number):
        for _ in range(number):
            cast(budget, projects[:2])

    def queries():
        with count_queries() as counter:
            query = f"?receipt={receipt_hash('ABCD')}"
            assert ballots_page(client, component, budget, query).status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


# --- how winners are chosen -----------------------------------------------------------------

def test_the_explanation_page_says_which_rule_each_budget_uses(client, configure, component,
                                                               budget, make_budget):
    configure(winner_rule="equal_shares")
    make_budget(title={"en": "South district"}, add1_stops_when_exhaustive=False,
                greedy_completion=False)
    page = squeeze(text(client.get(f"{base(component)}/how-winners-are-chosen")))
    assert "Most votes first (greedy)" in page and "The Method of Equal Shares" in page
    assert f"North district</strong>: {SHARES_STOPPING}" in page
    assert f"South district</strong>: {SHARES_GOING_ON}" in page
    assert "An example" in page
