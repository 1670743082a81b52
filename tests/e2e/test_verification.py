"""Verification against the census in a real browser: a new resident who wants to vote in a
district budget is sent to verify, gets a wrong date of birth told (the document number
kept), is refused a census identity another account holds, verifies and lands back on the
budget, able to vote; Lucas (French) reads the error in his language; a verified resident
of a district without a budget, and a child, are told why they cannot vote.

The file runs a demo city of its own (tests/e2e/staff.py): the identities it verifies are
then taken, which no other file should see.
"""

import pytest

from tests.e2e import staff
from tests.e2e.residents import CENSUS_CENTRE
from tests.e2e.residents import CENSUS_CHILD
from tests.e2e.residents import CENSUS_MARIA
from tests.e2e.residents import CENSUS_NORTH
from tests.e2e.residents import DISTRICT_BUDGETS
from tests.e2e.residents import ballot
from tests.e2e.residents import budget_id
from tests.e2e.residents import budgets_url
from tests.e2e.residents import sign_up
from tests.e2e.residents import verify
from tests.e2e.staff import catalog_or_english
from tests.e2e.staff import flash

pytestmark = pytest.mark.e2e

server = staff.server
person = staff.person

NOT_FOUND = ("We could not find this identity in the census. Check the document number and "
             "date of birth.")
TAKEN = "This identity already verifies another account. Contact the council to sort it out."


def centre_url(server) -> str:
    return f"{budgets_url(server, 'district-budgets')}{budget_id(server, 'Centre')}/projects/"


def error_text(page) -> str:
    return page.locator("main form").inner_text()


def test_a_new_resident_verifies_and_comes_back_to_the_budget(server, person, check_page,
                                                              submit):
    page = person()
    sign_up(page, server, submit, name="Irene Vidal")
    # From the process page to the Centre's budget, as a resident finds it.
    page.goto(f"{server.url}{DISTRICT_BUDGETS}")
    submit(page.locator("main").get_by_role("link", name="Budgets", exact=True))
    submit(page.get_by_role("heading", name="Centre").get_by_role("link"))
    budget = page.url
    assert budget == centre_url(server)
    assert "Verify your identity" in ballot(page).inner_text()
    assert not page.get_by_role("button", name="Add to my ballot").count()
    check_page(page, "budget-not-verified")

    submit(ballot(page).get_by_role("link", name="Verify your identity to vote"))
    assert page.url.startswith(f"{server.url}/verification?next=")
    assert page.locator("h1").inner_text() == "Identity verification"
    assert "Once verified, you go back to what you were doing." in page.locator(
        "main").inner_text()
    check_page(page, "verification-form")

    # A wrong date of birth: one message whatever did not match; the document is kept.
    document, birth_date = CENSUS_CENTRE
    verify(page, submit, (document, "1992-06-12"))
    assert NOT_FOUND in error_text(page)
    assert page.locator("#document").input_value() == document
    assert page.locator("#birth_date").input_value() == "1992-06-12"
    check_page(page, "verification-not-found")

    # A date that is no date: the field says so (no JavaScript check in the way).
    page.locator("#birth_date").evaluate("input => { input.type = 'text'; }")
    page.locator("#birth_date").fill("17/13/1990")
    submit(page.locator("main form").get_by_role("button"))
    assert "Enter a date like 1990-05-17." in error_text(page)
    assert page.locator("#document").input_value() == document

    # Maria's identity verifies her account already: this one is told to ask the council.
    verify(page, submit, CENSUS_MARIA)
    assert TAKEN in error_text(page)
    check_page(page, "verification-taken")

    # The right date: verified, and back on the budget, where the buttons are now.
    verify(page, submit, (document, birth_date))
    assert page.url == budget
    assert "Your identity is verified." in flash(page)
    assert not ballot(page).get_by_role("link", name="Verify your identity to vote").count()
    assert page.get_by_role("button", name="Add to my ballot").count() == 8
    check_page(page, "budget-verified")

    # The verification page now says so, with the district of the census.
    page.goto(f"{server.url}/verification")
    status = page.get_by_role("status").inner_text()
    assert "Your identity is verified." in status and "Your district: Centre." in status
    assert not page.locator("#document").count()
    check_page(page, "verification-done")


def test_the_error_in_the_residents_language_and_those_who_cannot_vote_here(
        server, person, check_page, submit):
    # Lucas reads French: the error is the French catalog's (or the English text while the
    # catalog lacks it), never another language's; his typed document stays.
    lucas = person("lucas")
    lucas.goto(f"{server.url}/verification")
    assert lucas.locator("html").get_attribute("lang") == "fr"
    document, _birth = CENSUS_NORTH
    verify(lucas, submit, (document, "1971-02-28"))
    assert catalog_or_english("fr", NOT_FOUND) in error_text(lucas)
    assert lucas.locator("#document").input_value() == document
    check_page(lucas, "verification-not-found-fr")

    # Verified in the North, which has no budget this year: the Centre's says why.
    staff.in_english(lucas, submit)
    lucas.goto(f"{server.url}/verification?next=/processes/district-budgets")
    verify(lucas, submit, CENSUS_NORTH)
    assert lucas.url == f"{server.url}{DISTRICT_BUDGETS}"
    lucas.goto(centre_url(server))
    assert ("This budget is for another district: you can vote in your district's budget."
            in ballot(lucas).inner_text())
    assert not lucas.get_by_role("button", name="Add to my ballot").count()
    check_page(lucas, "budget-other-district")
    # The server agrees with the page: a press forged anyway changes nothing.
    project = lucas.locator(".project-card h2 a").first.get_attribute("href")
    answer = lucas.request.post(f"{server.url}{project}/add",
                                form={"csrf_token": csrf_token(lucas)})
    assert answer.status in (400, 403)
    assert "not verified" not in answer.text()

    # A child of the census verifies, and is told the minimum age.
    child = person()
    sign_up(child, server, submit, name="Pau Serra")
    child.goto(f"{server.url}/verification?next=" + centre_url(server).removeprefix(server.url))
    verify(child, submit, CENSUS_CHILD)
    assert child.url == centre_url(server)
    assert "You are not old enough to vote in this budget." in ballot(child).inner_text()
    assert not child.get_by_role("button", name="Add to my ballot").count()
    check_page(child, "budget-too-young")


def csrf_token(page) -> str:
    return page.evaluate(
        "() => (document.querySelector('input[name=csrf_token]') || {}).value || ''")
