"""The back office of proposals and debates in a real browser, checked page by page.

The organization admin (English), Jordi (process admin, Catalan), Nadia (valuator, French) and
Sofía (moderator, Spanish) start from their dashboards; the admin filters, assigns, answers,
publishes, writes official proposals and exports; Nadia answers what is assigned to her; the
admin runs the debates. The file runs a demo city of its own (tests/e2e/staff.py): the
answers and debates it writes, other files never see.
"""

import csv
import io
import json
import re

import pytest

from tests.e2e import staff
from tests.e2e.staff import PROCESS
from tests.e2e.staff import catalog_text
from tests.e2e.staff import component_id
from tests.e2e.staff import field_errors
from tests.e2e.staff import flash
from tests.e2e.staff import in_english
from tests.e2e.staff import proposal_url

pytestmark = pytest.mark.e2e

# This file's own demo city, and a signed-in browser per person (tests/e2e/staff.py).
server = staff.server
person = staff.person

PENDING = "A safe crossing at the corner of Mill Street and the ring road"  # answer not public


def admin_url(server, kind: str) -> str:
    return f"{server.url}/admin{PROCESS}/f/{component_id(server, kind)}/{kind}/"


def tasks(page) -> dict[str, int]:
    """{label: count} of the dashboard's "Waiting for you"."""
    return {item.locator("a").inner_text(): int(item.locator(".badge").inner_text())
            for item in page.locator("ul.tasks li").all()}


def rows(page):
    return page.locator("table.proposals-admin tbody tr")


def row(page, title: str):
    return rows(page).filter(has=page.get_by_role("link", name=title, exact=True))


def titles(page) -> list[str]:
    return rows(page).locator("td a").all_inner_texts()


def count_shown(page) -> int:
    return int(re.search(r"\d+", page.locator(".results-count").inner_text()).group())


def test_each_one_finds_what_waits_for_them_on_the_dashboard(server, person, check_page,
                                                             submit):
    waiting_answer = "Proposals waiting for an answer in Green Streets: Proposals"
    waiting_moderator = "Reported content waiting for a moderator"
    admin = person("admin")
    admin.goto(f"{server.url}/admin/")
    assert admin.get_by_role("heading", name="Waiting for you").is_visible()
    work = tasks(admin)
    assert work[waiting_answer] > 0
    assert work[waiting_moderator] == 2, "the demo's reports below the threshold"
    check_page(admin, "dashboard-admin")
    submit(admin.get_by_role("link", name=waiting_answer))
    assert admin.url == admin_url(server, "proposals") + "?state=not_answered"
    assert admin.locator("h2").first.inner_text() == "Proposals"
    assert admin.get_by_label("State").input_value() == "not_answered"
    assert f"{work[waiting_answer]} proposals" in admin.locator("main").inner_text()

    # The process admin, in Catalan: the same proposals and reports wait for him.
    jordi = person("jordi")
    jordi.goto(f"{server.url}/admin/")
    assert jordi.get_by_role("heading", name=catalog_text("ca", "Waiting for you")).is_visible()
    assert sorted(tasks(jordi).values()) == sorted([work[waiting_answer], 2])
    check_page(jordi, "dashboard-process-admin-ca")

    # The valuator, in French: only what is assigned to her, and no moderation in her menu.
    nadia = person("nadia")
    nadia.goto(f"{server.url}/admin/")
    assert nadia.locator("html").get_attribute("lang") == "fr"
    assert list(tasks(nadia).values()) == [2]
    sidebar = nadia.get_by_role("navigation", name=catalog_text("fr", "Administration"))
    assert catalog_text("fr", "Moderation") not in sidebar.inner_text()
    check_page(nadia, "dashboard-valuator-fr")

    # The moderator, in Spanish: the reported content waiting in her queue.
    sofia = person("sofia")
    sofia.goto(f"{server.url}/admin/")
    assert list(tasks(sofia).values()) == [2]
    check_page(sofia, "dashboard-moderator-es")
    submit(sofia.locator("ul.tasks a"))
    assert sofia.url == f"{server.url}/admin/moderation"


def test_the_list_filters_and_acts_on_the_ticked_proposals(server, person, check_page, submit):
    admin = person("admin")
    admin.goto(admin_url(server, "proposals"))
    everything = count_shown(admin)
    assert rows(admin).count() == everything
    assert field_errors(admin) == {}, "no filter is not a wrong filter"
    check_page(admin, "proposals-admin")

    admin.get_by_label("State").select_option(label="Not answered")
    admin.get_by_label("Category").select_option(label="Cycling")
    submit(admin.get_by_role("button", name="Filter"))
    assert "state=not_answered" in admin.url
    assert 0 < count_shown(admin) < everything
    for each in rows(admin).all():
        assert "Not answered" in each.inner_text()
        assert "Cycling" in each.inner_text()
    check_page(admin, "proposals-admin-filtered")
    submit(admin.get_by_role("link", name="Clear the filters"))
    assert count_shown(admin) == everything

    admin.get_by_label("Search").fill("riverside")
    submit(admin.get_by_role("button", name="Filter"))
    assert titles(admin) == ["Shaded benches along the riverside walk"]
    number = re.search(r"/(\d+)$", proposal_url(server, "Water fountains")).group(1)
    admin.get_by_label("Search").fill(f"#{number}")
    submit(admin.get_by_role("button", name="Filter"))
    assert titles(admin) == ["Water fountains in every playground"]
    admin.get_by_label("Search").fill("no proposal says this")
    submit(admin.get_by_role("button", name="Filter"))
    assert "No proposal matches these filters." in admin.locator("main").inner_text()
    check_page(admin, "proposals-admin-nothing-found")

    # Nothing ticked, no action: the bulk page says what is missing.
    admin.goto(admin_url(server, "proposals"))
    submit(admin.get_by_role("button", name="Apply to the chosen proposals"))
    assert field_errors(admin) == {"action": "Choose an action."}
    assert "No proposal is ticked" in admin.locator("main").inner_text()
    check_page(admin, "proposals-bulk-errors")

    # Two proposals to Nadia: first without saying who, then with her.
    admin.goto(admin_url(server, "proposals"))
    chosen = ["Slow the traffic on School Lane to 20 km/h",
              "Night lighting on the path through the park"]
    for title in chosen:
        admin.get_by_label(f"Choose: {title}").check()
    admin.get_by_label("Action").select_option(label="Assign to a valuator")
    submit(admin.get_by_role("button", name="Apply to the chosen proposals"))
    assert field_errors(admin) == {"valuator_id": "Choose the valuator to assign."}
    assert admin.locator("input[name=proposal_ids]:checked").count() == 2, "still ticked"
    check_page(admin, "proposals-bulk-without-valuator")
    admin.get_by_label("Valuator").select_option(label="Nadia Benali (@nadia)")
    submit(admin.get_by_role("button", name="Apply to the chosen proposals"))
    assert "The valuator is assigned to 2 proposals." in flash(admin)
    for title in chosen:
        assert "Nadia Benali" in row(admin, title).inner_text()

    # The answer waiting to be published goes public in bulk.
    admin.get_by_label("State").select_option(label="Answer not published yet")
    submit(admin.get_by_role("button", name="Filter"))
    assert titles(admin) == [PENDING]
    admin.get_by_label(f"Choose: {PENDING}").check()
    admin.locator("#action").select_option("publish_answers")
    submit(admin.get_by_role("button", name="Apply to the chosen proposals"))
    assert "1 answer is published." in flash(admin)
    assert "state=unpublished" in admin.url, "back to the same filtered list"
    assert rows(admin).count() == 0
    visitor = person()
    visitor.goto(proposal_url(server, PENDING))
    assert "Accepted" in visitor.locator(".proposal-answer").inner_text()


def test_answering_a_proposal(server, person, check_page, submit):
    admin = person("admin")
    admin.goto(admin_url(server, "proposals"))
    title = "Caminos escolares señalizados en todo el barrio norte"
    submit(admin.get_by_role("link", name=title, exact=True))
    assert admin.locator("h2").inner_text() == title
    check_page(admin, "proposal-answer")

    admin.get_by_label("Rejected").check()
    submit(admin.get_by_role("button", name="Save the answer"))
    assert field_errors(admin) == {"answer": "Say why the proposal is rejected."}
    assert admin.get_by_label("Rejected").is_checked()
    check_page(admin, "proposal-answer-rejected-without-text")

    admin.get_by_label("Accepted").check()
    cost = admin.get_by_label("Cost", exact=True)
    for typed, message in (("-5", "The cost cannot be negative."),
                           ("12.5", "Enter a whole number, without decimals."),
                           ("", "Give the cost of an accepted proposal.")):
        cost.fill(typed)
        submit(admin.get_by_role("button", name="Save the answer"))
        assert field_errors(admin) == {"cost": message}, typed
    check_page(admin, "proposal-answer-bad-cost")

    cost.fill("18000")
    admin.locator("#answer-en").fill("We will paint the routes to the three northern schools.")
    submit(admin.get_by_role("button", name="Save the answer"))
    assert "The answer is saved. Residents will see it once it is published." in flash(admin)
    assert "not published yet" in row(admin, title).inner_text()

    # Published from its own page; residents read it.
    submit(admin.get_by_role("link", name=title, exact=True))
    submit(admin.get_by_role("button", name="Publish the answer"))
    assert "1 answer is published." in flash(admin)
    assert admin.get_by_role("button", name="Publish the answer").count() == 0
    visitor = person()
    visitor.goto(proposal_url(server, "Caminos escolares"))
    answer = visitor.locator(".proposal-answer").inner_text()
    assert "Accepted" in answer
    assert "We will paint the routes to the three northern schools." in answer


def test_official_proposals_and_the_exports(server, person, check_page, submit):
    admin = person("admin")
    admin.goto(admin_url(server, "proposals"))
    submit(admin.get_by_role("link", name="New official proposal"))
    assert admin.locator("h2").inner_text() == "New official proposal"
    check_page(admin, "official-proposal")
    submit(admin.get_by_role("button", name="Publish the official proposal"))
    assert set(field_errors(admin)) == {"title", "body"}
    check_page(admin, "official-proposal-errors")

    admin.get_by_label("Title").fill("Too short")
    admin.get_by_label("Text").fill("The council proposes shade sails over the market square.")
    submit(admin.get_by_role("button", name="Publish the official proposal"))
    assert set(field_errors(admin)) == {"title"}
    title = "Shade sails over the market square in summer"
    admin.get_by_label("Title").fill(title)
    admin.get_by_label("Category").select_option(label="Public space")
    submit(admin.get_by_role("button", name="Publish the official proposal"))
    assert "The official proposal is published." in flash(admin)
    assert "Official proposal" in row(admin, title).inner_text()
    visitor = person()
    visitor.goto(f"{server.url}{PROCESS}/f/{component_id(server, 'proposals')}/proposals/"
                 "?order=recent")
    card = visitor.locator(".proposal-card").first
    assert card.get_by_role("link", name=title).count() == 1, "the latest"

    with admin.expect_download() as download:
        admin.get_by_role("link", name="Export as CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(table) == count_shown(admin)
    assert any(line["title"] == title for line in table)

    with admin.expect_download() as download:
        admin.get_by_role("link", name="Export as JSON").click()
    assert download.value.suggested_filename.endswith(".json")
    exported = json.loads(download.value.path().read_text())
    assert {item["title"] for item in exported} == {line["title"] for line in table}


def test_the_valuator_answers_the_proposals_assigned_to_her(server, person, check_page,
                                                            submit):
    nadia = person("nadia")
    nadia.goto(f"{server.url}/admin/")
    [waiting] = tasks(nadia).values()
    submit(nadia.locator("ul.tasks a"))
    assert nadia.url == admin_url(server, "proposals") + "?state=not_answered"
    assert rows(nadia).count() == waiting
    for each in rows(nadia).all():
        assert "Nadia Benali" in each.inner_text()
    assert nadia.locator("input[name=proposal_ids]").count() == 0, "no bulk actions"
    assert nadia.locator("#valuator").count() == 0
    check_page(nadia, "valuator-proposals-fr")

    in_english(nadia, submit)
    title = "Let residents adopt a street tree and water it"
    submit(nadia.get_by_role("link", name=title, exact=True))
    assert nadia.get_by_role("button", name="Publish the answer").count() == 0
    check_page(nadia, "valuator-answer")
    nadia.get_by_label("Evaluating").check()
    nadia.locator("#answer-en").fill("The parks service is costing the signs and the water.")
    submit(nadia.get_by_role("button", name="Save the answer"))
    assert "The answer is saved. Residents will see it once it is published." in flash(nadia)
    assert "Evaluating" in row(nadia, title).inner_text()

    # What is not hers: refused.
    admin_base = admin_url(server, "proposals")
    other = proposal_url(server, "Arbres a tot el carrer Major").rsplit("/", 1)[1]
    for path in (other, "new", "export.csv", "export.json"):
        assert nadia.goto(f"{admin_base}{path}").status == 403, path
    nadia.goto(f"{server.url}/admin/")
    assert tasks(nadia) == {"Proposals waiting for an answer in Green Streets: Proposals":
                            waiting - 1}


def test_the_debates_back_office(server, person, check_page, submit):
    admin = person("admin")
    admin.goto(admin_url(server, "debates"))
    listed = admin.locator("main table tbody tr")
    before = listed.count()
    closed = listed.filter(has_text="Should cars be kept out of the old town on Sundays?")
    assert closed.get_by_role("link", name=re.compile("^Delete")).count() == 0, "it has comments"
    check_page(admin, "debates-admin")
    edit = closed.get_by_role("link", name=re.compile(r"^Edit\s*:")).get_attribute("href")
    admin.goto(f"{server.url}{edit}/delete")  # the address, without a link to it
    assert "This debate has comments, so it cannot be deleted." in admin.locator(
        "main").inner_text()
    assert admin.get_by_role("button", name="Delete the debate").count() == 0
    check_page(admin, "debate-delete-refused")
    admin.goto(admin_url(server, "debates"))

    submit(admin.get_by_role("link", name="New official debate"))
    submit(admin.get_by_role("button", name="Save"))
    assert set(field_errors(admin)) == {"title", "description"}
    admin.locator("#title-en").fill("Where should the next water fountains go?")
    admin.locator("#description-en").fill("<p>We can install six more this year.</p>")
    admin.get_by_label("Start").fill("2027-02-10T18:00")
    admin.get_by_label("End").fill("2027-02-01T18:00")
    submit(admin.get_by_role("button", name="Save"))
    assert field_errors(admin) == {"end_at": "The end must be after the start."}
    check_page(admin, "debate-form-errors")
    admin.get_by_label("End").fill("")
    submit(admin.get_by_role("button", name="Save"))
    assert field_errors(admin) == {
        "end_at": "Give both a start and an end, or neither for an open-ended debate."}
    admin.get_by_label("Start").fill("")
    submit(admin.get_by_role("button", name="Save"))
    assert "The debate is published." in flash(admin)
    assert listed.count() == before + 1

    title = "Where should the next water fountains go?"
    new = listed.filter(has_text=title)
    submit(new.get_by_role("link", name=re.compile(r"^Edit\b")))
    assert admin.locator("h2").inner_text() == "Edit the debate"
    check_page(admin, "debate-edit")
    title = "Where should the next six water fountains go?"
    admin.locator("#title-en").fill(title)
    submit(admin.get_by_role("button", name="Save"))
    assert "The debate is saved." in flash(admin)
    new = listed.filter(has_text=title)

    submit(new.get_by_role("link", name=re.compile(r"^Close\b")))
    submit(admin.get_by_role("button", name="Close the debate"))
    assert field_errors(admin) == {"conclusion": "Write this text at least in English."}
    check_page(admin, "debate-close-errors")
    admin.locator("#conclusion-en").fill("Near the three schools and the two biggest parks.")
    submit(admin.get_by_role("button", name="Close the debate"))
    assert "The debate is closed." in flash(admin)
    assert new.get_by_role("link", name=re.compile(r"^Edit the conclusion\b")).count() == 1

    submit(new.get_by_role("link", name=title, exact=True))
    assert admin.locator("h1").inner_text() == title
    assert "Near the three schools and the two biggest parks." in admin.locator(
        ".debate__conclusion").inner_text()
    assert admin.get_by_role("button", name="Publish the comment").count() == 0

    # Nobody commented: it can go.
    admin.goto(admin_url(server, "debates"))
    submit(new.get_by_role("link", name=re.compile(r"^Delete\b")))
    check_page(admin, "debate-delete")
    submit(admin.get_by_role("button", name="Delete the debate"))
    assert "The debate is deleted." in flash(admin)
    assert listed.count() == before


def test_the_bulk_actions_and_answers_work_without_javascript(server, person, submit):
    admin = person("admin", javascript=False)
    admin.goto(admin_url(server, "proposals"))
    title = "Més arbres al pati de l'institut del Nord"
    admin.get_by_label(f"Choose: {title}").check()
    admin.locator("#action").select_option("assign_valuator")
    admin.locator("#valuator_id").select_option(label="Nadia Benali (@nadia)")
    submit(admin.get_by_role("button", name="Apply to the chosen proposals"))
    assert "The valuator is assigned to 1 proposal." in flash(admin)

    submit(admin.get_by_role("link", name=title, exact=True))
    admin.get_by_label("Evaluating").check()
    submit(admin.get_by_role("button", name="Save the answer"))
    assert "The answer is saved" in flash(admin)
    assert "Evaluating" in row(admin, title).inner_text()
