"""The back office of budgets and of the census in a real browser.

Jordi (process admin of District Budgets, switched to English) creates a budget and a
project, imports an accepted proposal and enters a paper ballot at the help desk; the
organization admin uploads the census (a file with a bad line first), revokes a
verification, ends the vote of District Budgets and confirms the winners of its Centre
budget. The file runs a demo city of its own (tests/e2e/staff.py); its tests run in order
(the last one ends the vote).
"""

import re

import pytest

from decide.demo.budget_data import census_identities
from decide.demo.budgets import census_csv
from decide.demo.participation import RESIDENTS
from tests.e2e import staff
from tests.e2e.residents import CENSUS_PAPER_CENTRE
from tests.e2e.residents import ballot
from tests.e2e.residents import budget_id
from tests.e2e.residents import budgets_url
from tests.e2e.residents import sign_up
from tests.e2e.residents import verify
from tests.e2e.staff import db_execute
from tests.e2e.staff import db_value
from tests.e2e.staff import field_errors
from tests.e2e.staff import flash
from tests.e2e.staff import in_english

pytestmark = pytest.mark.e2e

server = staff.server
person = staff.person

RECEIPT = re.compile(r"\b[2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){3}\b")
CENTRE_WINNERS = {"A protected bike lane on Carrer Nou", "Longer opening hours at the day centre",
                  "Renovate the Centre sports pavilion", "Shade sails over Plaça Major",
                  "Aseos públicos en la plaza del Mercado",
                  "A free outdoor gym in the Centre gardens"}
CABLE_CAR = "Un téléphérique entre le centre et le nord"  # rejected in the demo


def admin_url(server) -> str:
    component = db_value(server, "select c.id from components c join processes p "
                                 "on p.id = c.process_id where p.slug = 'district-budgets' "
                                 "and c.manifest_name = 'budgets'")
    return f"{server.url}/admin/processes/district-budgets/f/{component}/budgets/"


def action(verb: str, subject: str) -> re.Pattern:
    """The name of a row's link or button ("Revoke" and, for screen readers, ": ana")."""
    return re.compile(rf"^{re.escape(verb)}\W+{re.escape(subject)}$")


def budget_row(page, title: str):
    return page.locator("main table tbody tr").filter(
        has=page.get_by_role("link", name=title, exact=True))


@pytest.fixture
def accepted_proposal(server):
    """An accepted proposal of District Budgets with a cost, answered and published, that
    no budget holds yet (the demo imported all of its accepted ones)."""
    db_execute(server, "update proposals_proposals set state = 'accepted', cost = 90000, "
                       "answer = ? where title = ?",
               '{"en": "<p>Feasible as a study of the route.</p>"}', CABLE_CAR)
    return CABLE_CAR


def test_jordi_creates_a_budget_and_a_project_and_imports_a_proposal(
        server, person, check_page, submit, accepted_proposal):
    page = person("jordi")
    in_english(page, submit)
    page.goto(admin_url(server))
    assert page.locator(".results-count").inner_text() == "2 budgets"
    check_page(page, "budgets-admin-index")

    submit(page.get_by_role("link", name="New budget"))
    check_page(page, "budgets-admin-new")
    # Nothing typed: the form says what is missing, and keeps the choices made.
    page.get_by_label("Scope").select_option(label="Old Town")
    submit(page.get_by_role("button", name="Save"))
    errors = field_errors(page)
    assert "title" in errors and "total" in errors
    assert page.get_by_label("Scope").input_value() != ""
    check_page(page, "budgets-admin-new-invalid")
    page.locator("#title-en").fill("Old Town")
    page.locator("#title-ca").fill("Barri Vell")
    page.locator("#description-en").fill("<p>€500,000 for the Old Town.</p>"
                                         "<script>alert(1)</script>")
    page.get_by_label("Total amount").fill("500000")
    submit(page.get_by_role("button", name="Save"))
    assert "The budget is saved." in flash(page)
    row = budget_row(page, "Old Town")
    assert row.locator("td").nth(2).inner_text() == "€500,000"
    assert row.locator("td").nth(1).inner_text() == "Old Town"

    # A project of the council.
    submit(row.get_by_role("link", name="Old Town", exact=True))
    assert "This budget has no projects yet" in page.locator("main").inner_text()
    check_page(page, "budgets-admin-projects-empty")
    submit(page.get_by_role("link", name="New project"))
    page.locator("#title-en").fill("Benches in the Old Town squares")
    page.get_by_label("Amount").fill("-5")
    submit(page.get_by_role("button", name="Save"))
    assert "amount" in field_errors(page)
    assert page.locator("#title-en").input_value() == "Benches in the Old Town squares"
    check_page(page, "budgets-admin-project-invalid")
    page.get_by_label("Amount").fill("120000")
    page.get_by_label("Address").fill("Plaça Vella")
    submit(page.get_by_role("button", name="Save"))
    assert "The project is saved." in flash(page)
    assert "Benches in the Old Town squares" in page.locator("main table").inner_text()

    # The accepted proposal waiting: ticked already; imported, with its cost as the amount.
    submit(page.get_by_role("navigation", name="Sections of this budget").get_by_role(
        "link", name="Import accepted proposals"))
    check_page(page, "budgets-admin-import")
    choice = page.get_by_label(re.compile(re.escape(accepted_proposal)))
    assert choice.is_checked()
    submit(page.get_by_role("button", name="Import the ticked proposals"))
    assert "1 proposal is now a project of this budget." in flash(page)
    table = page.locator("main table").inner_text()
    assert accepted_proposal in table and "€90,000" in table
    check_page(page, "budgets-admin-projects")
    # Nothing waits any more.
    submit(page.get_by_role("navigation", name="Sections of this budget").get_by_role(
        "link", name="Import accepted proposals"))
    assert "No accepted proposal of this process is waiting" in page.locator(
        "main").inner_text()

    # Residents see the new budget, its description cleaned.
    page.goto(budgets_url(server, "district-budgets"))
    submit(page.get_by_role("heading", name="Old Town").get_by_role("link"))
    assert page.locator(".project-card").count() == 2
    assert "<script>" not in page.locator(".budget__header").inner_html()
    check_page(page, "budget-old-town")


def test_jordi_enters_a_paper_ballot_at_the_help_desk(server, person, check_page, submit):
    page = person("jordi")
    in_english(page, submit)
    page.goto(admin_url(server))
    submit(budget_row(page, "Centre").get_by_role("link", name="Centre", exact=True))
    submit(page.get_by_role("navigation", name="Sections of this budget").get_by_role(
        "link", name="Paper ballots"))
    counted = page.locator(".results-count").inner_text()
    assert counted == "1 paper ballot counted in this budget"
    check_page(page, "budgets-admin-paper-ballot")

    document, birth_date = CENSUS_PAPER_CENTRE
    form = page.locator("main form")

    def fill(projects: list[str], birth: str = birth_date) -> None:
        form.get_by_label("Document number").fill(document)
        form.get_by_label("Date of birth").fill(birth)
        for box in form.get_by_role("checkbox").all():
            box.set_checked(False)
        for title in projects:
            form.get_by_label(re.compile("^" + re.escape(title) + " · ")).check()
        submit(form.get_by_role("button", name="Count this paper ballot"))

    # Too little for the rule (70% of €1,800,000): refused, what was typed kept.
    fill(["A free outdoor gym in the Centre gardens"])
    assert "This ballot does not follow the voting rule" in page.locator("main").inner_text()
    assert page.get_by_label("Document number").input_value() == document
    assert page.get_by_label(re.compile("^A free outdoor gym")).is_checked()
    check_page(page, "budgets-admin-paper-ballot-invalid")
    # A date of birth the census does not have for this document.
    fill(["Renovate the Centre sports pavilion", "A protected bike lane on Carrer Nou",
          "Longer opening hours at the day centre"], birth="1951-09-08")
    assert "No one in the census has this document number and date of birth" in page.locator(
        "main").inner_text()

    fill(["Renovate the Centre sports pavilion", "A protected bike lane on Carrer Nou",
          "Longer opening hours at the day centre"])
    receipt = page.get_by_role("status")
    assert "The ballot is counted." in receipt.inner_text()
    assert RECEIPT.fullmatch(receipt.locator("code").inner_text())
    check_page(page, "budgets-admin-paper-ballot-done")
    submit(page.get_by_role("link", name="Enter another paper ballot"))
    assert page.locator(".results-count").inner_text() == (
        "2 paper ballots counted in this budget")
    # The same person cannot vote twice on paper...
    fill(["Renovate the Centre sports pavilion", "A protected bike lane on Carrer Nou",
          "Longer opening hours at the day centre"])
    assert not page.get_by_role("status").count()
    assert page.locator(".alert--error, .field-error").count()

    # ...nor online, from an account verified with that identity.
    resident = person()
    sign_up(resident, server, submit, name="Rosa Soler")
    resident.goto(f"{server.url}/verification")
    verify(resident, submit, CENSUS_PAPER_CENTRE)
    resident.goto(f"{budgets_url(server, 'district-budgets')}{budget_id(server, 'Centre')}"
                  "/projects/")
    assert ("A paper ballot has already been counted for you in this budget."
            in ballot(resident).inner_text())
    assert not resident.get_by_role("button", name="Add to my ballot").count()


def test_the_admin_uploads_the_census_and_revokes_a_verification(server, person, check_page,
                                                                 submit):
    page = person("admin")
    page.goto(f"{server.url}/admin/")
    submit(page.get_by_role("navigation").get_by_role("link", name="Census", exact=True))
    people = page.locator(".counts dd").first
    assert people.inner_text() == "67"
    check_page(page, "census")

    bad = (b"document_number,birth_date,scope\n12345678Z,1990-01-01,centre\n"
           b"87654321X,1990-13-45,centre\n")
    page.get_by_label("Census file (CSV)").set_input_files(
        {"name": "census.csv", "mimeType": "text/csv", "buffer": bad})
    submit(page.get_by_role("button", name="Upload and replace the census"))
    problems = page.locator(".census-problems li").all_inner_texts()
    assert len(problems) == 1 and problems[0].startswith("Line 3: ")
    assert "The census was not imported" in page.locator("main").inner_text()
    assert people.inner_text() == "67"  # nothing half-imported
    check_page(page, "census-bad-line")

    # The demo's census and one more person.
    good = census_csv(census_identities(tuple(r.nickname for r in RESIDENTS)))
    good += b"12345678Z,1990-01-01,old-town\n"
    page.get_by_label("Census file (CSV)").set_input_files(
        {"name": "census.csv", "mimeType": "text/csv", "buffer": good})
    submit(page.get_by_role("button", name="Upload and replace the census"))
    assert "The census is replaced: 68 people." in flash(page)
    assert people.inner_text() == "68"
    assert not page.locator(".census-problems").count()

    # Ana's verification, revoked after a search.
    submit(page.get_by_role("link", name="Verified residents").first)
    check_page(page, "verifications")
    page.get_by_label("Nickname, name or e-mail").fill("ana@")
    submit(page.get_by_role("button", name="Search"))
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and "@ana" in rows.inner_text()
    assert "Riverside" in rows.inner_text()
    submit(rows.get_by_role("link", name="Revoke"))
    assert page.locator("h1, h2").filter(has_text="Revoke the verification of ana?").count()
    check_page(page, "verification-revoke")
    submit(page.locator("main").get_by_role("button", name="Revoke"))
    assert "The verification of ana is revoked." in flash(page)
    page.get_by_label("Nickname, name or e-mail").fill("ana@")
    submit(page.get_by_role("button", name="Search"))
    assert not page.locator("main table tbody tr").count()
    page.goto(f"{server.url}/admin/logs")
    assert "revoked the verification of" in page.locator("main").inner_text()

    # Ana is asked to verify again; her identity can verify her account again.
    ana = person("ana")
    in_english(ana, submit)
    ana.goto(f"{server.url}/verification")
    assert ana.locator("#document").is_visible()


def test_the_admin_ends_the_vote_and_confirms_the_winners(server, person, check_page,
                                                          submit):
    page = person("admin")
    page.goto(admin_url(server))
    submit(budget_row(page, "Centre").get_by_role(
        "link", name=action("Results", "Centre")))
    assert "Voting has not ended" in page.locator("main").inner_text()
    assert not page.get_by_role("link", name="Confirm the winners").count()
    page.goto(admin_url(server) + f"{budget_id(server, 'Centre')}/confirm")
    assert "The winners can be confirmed once voting has ended." in page.locator(
        "main").inner_text()
    assert not page.locator("main").get_by_role("button", name="Confirm the winners").count()

    # The vote ends: the process moves on to its Results phase.
    page.goto(f"{server.url}/admin/processes/district-budgets/phases")
    submit(page.get_by_role("button", name=action("Activate", "Results")))
    assert page.locator("main tr").filter(has_text="Results").locator(
        ".badge--active").is_visible()
    page.goto(f"{server.url}/admin/")
    assert "Winners to confirm" in page.locator("main").inner_text()

    page.goto(admin_url(server))
    submit(budget_row(page, "Centre").get_by_role(
        "link", name=action("Results", "Centre")))
    assert "Voting has ended." in page.locator("main").inner_text()
    check_page(page, "budgets-admin-results")
    submit(page.get_by_role("link", name="Confirm the winners"))
    # Greedy on the demo's Centre ballots (with or without the paper ballot above): most
    # votes first, the cheaper first on a tie, skipping what no longer fits.
    assert "These 6 projects will be marked as selected (€1,705,000):" in page.locator(
        "main").inner_text()
    winners = {line.rsplit(" · ", 1)[0] for line in page.locator("main ul li").filter(
        has_text=" · €").all_inner_texts()}
    assert winners == CENTRE_WINNERS
    check_page(page, "budgets-admin-confirm")
    submit(page.locator("main").get_by_role("button", name="Confirm the winners"))
    assert "The winners are confirmed" in flash(page)
    assert not page.get_by_role("link", name="Confirm the winners").count()

    # Residents see the winners confirmed, and the ballots published.
    visitor = person()
    visitor.goto(f"{budgets_url(server, 'district-budgets')}{budget_id(server, 'Centre')}"
                 "/results")
    assert "The council confirmed these winners on" in visitor.locator("main").inner_text()
    funded = visitor.locator("table.results-table tr.is-funded th").all_inner_texts()
    assert set(funded) == CENTRE_WINNERS
    check_page(visitor, "budget-centre-results")
