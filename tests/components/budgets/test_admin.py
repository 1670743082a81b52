"""The budgets back office through the client: who reaches each page, budgets and projects
(forms, bad input, refusals), the import of accepted proposals, the lists' constant queries,
the projects CSV, and the link back on a proposal's page."""

import csv
import html
import io
import re
import time

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets.models import Budget
from decide.components.budgets.models import Project
from decide.core.models import ResourceLink
from decide.notifications.models import Notification
from decide.spaces.models import Role

CSRF_MESSAGE = ("This form has expired or was not sent from this site. "
                "Check what you wrote and send it again.")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


@pytest.fixture
def base(component) -> str:
    return f"/admin/processes/{component.process.slug}/f/{component.id}/budgets"


@pytest.fixture
def sign_in(client):
    """Sign the client in as this user without the form (Argon2 is slow on purpose)."""
    def become(person) -> None:
        with client.session_transaction() as session:
            session["_user_id"] = person.get_id()
            session["_fresh"] = True
            session["last_seen"] = time.time()

    return become


@pytest.fixture
def process_admin(create_user, grant, process, sign_in):
    person = create_user(nickname="pat")
    grant(person, process, Role.PROCESS_ADMIN)
    sign_in(person)
    return person


BUDGET_FORM = {"title-en": "North <b>district</b>", "description-en": "<p>North</p>",
               "total": "100000", "weight": "0", "add1_stops_when_exhaustive": "y",
               "greedy_completion": "y", "receipts_linked": "False"}
PROJECT_FORM = {"title-en": "A <i>new</i> park", "description-en": "<p>Green</p>",
                "amount": "30000", "address": ""}


# --- who reaches what ----------------------------------------------------------------------------

PERSONAS = ("anonymous", "resident", "moderator", "valuator", "admin of another process",
            "process admin", "organization admin")
PAGES = ("/", "/new", "/{budget}/edit", "/{budget}/delete", "/{budget}/projects/",
         "/{budget}/projects/new", "/{budget}/projects/{project}",
         "/{budget}/projects/{project}/delete", "/{budget}/import", "/export.csv")


@pytest.fixture
def persona(create_user, grant, process, create_process, sign_in):
    def become(name: str):
        if name == "anonymous":
            return None
        person = create_user(admin=name == "organization admin")
        roles = {"moderator": Role.MODERATOR, "valuator": Role.VALUATOR,
                 "process admin": Role.PROCESS_ADMIN}
        if name in roles:
            grant(person, process, roles[name])
        if name == "admin of another process":
            grant(person, create_process(), Role.PROCESS_ADMIN)
        sign_in(person)
        return person

    return become


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_process_admins_and_admins_reach_the_back_office(client, db, base, persona,
                                                                   make_budget, make_project,
                                                                   page, who):
    budget = make_budget(title={"en": "Secret north"})
    project = make_project(budget)
    url = base + page.format(budget=budget.id, project=project.id)
    persona(who)

    response = client.get(url)
    posted = client.post(url, data={}) if page not in ("/", "/{budget}/projects/",
                                                       "/export.csv") else None

    if who == "anonymous":
        assert response.status_code == 302 and "/signin" in response.location
    elif who in ("process admin", "organization admin"):
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Secret north" not in response.get_data(as_text=True)
        if posted is not None:
            assert posted.status_code == 403
        assert db.session.scalar(select(func.count(Budget.id))) == 1
        assert db.session.get(Project, project.id) is not None


def test_the_component_list_leads_to_the_budgets(client, component, process_admin):
    page = client.get(f"/admin/processes/{component.process.slug}/components")
    assert f"/f/{component.id}/budgets/" in page.get_data(as_text=True)


# --- budgets -------------------------------------------------------------------------------------

def test_the_budgets_list_shows_each_budget_with_its_counts(client, base, process_admin,
                                                            make_budget, make_project, ballot,
                                                            create_scope):
    north = make_budget(title={"en": "North <script>"}, total=1_250_000, scope_id=create_scope(
        name={"en": "Old town"}).id)
    project = make_project(north)
    make_project(north)
    ballot(north, project)
    ballot(north, checked_out=False)
    page = client.get(base + "/")
    body = page.get_data(as_text=True)
    assert "North &lt;script&gt;" in body and "<script>" not in body
    row = re.search(r"<tr>\s*<td>\s*<a[^>]*>North.*?</tr>", body, re.S).group(0)
    cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[1:5] == ["Old town", "€1,250,000", "2", "1"]


def test_the_budgets_list_runs_a_constant_number_of_queries(client, base, process_admin,
                                                           make_budget, make_project,
                                                           ballot, count_queries,
                                                           create_scope):
    scope = create_scope()

    def add(number):
        for _ in range(number):
            budget = make_budget(scope_id=scope.id)
            ballot(budget, make_project(budget))

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(base + "/").status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


def test_a_budget_is_created_from_the_form(client, db, base, process_admin, component):
    response = client.post(base + "/new", data=BUDGET_FORM)
    assert response.status_code == 302 and response.location.endswith("/budgets/")
    budget = db.session.scalars(select(Budget)).one()
    assert budget.title == {"en": "North <b>district</b>"}
    assert (budget.total, budget.component_id) == (100_000, component.id)
    assert budget.add1_stops_when_exhaustive and budget.greedy_completion
    assert not budget.receipts_linked
    assert "North <b>district</b>" in text(client.get(base + "/"))


def test_the_budget_form_explains_the_receipts_trade_off(client, base, process_admin):
    page = text(client.get(base + "/new"))
    assert "anyone they show it to learns how they voted" in page
    assert "Not linked (recommended)" in page
    assert 'name="add1_stops_when_exhaustive"' in page and 'name="greedy_completion"' in page
    for name in ("add1_stops_when_exhaustive", "greedy_completion"):  # the defaults: ticked
        assert re.search(rf'<input[^>]* checked [^>]*name="{name}"', page), name
    assert re.search(r'<input checked[^>]*name="receipts_linked"[^>]*value="False"', page)


def test_receipts_linked_and_the_options_are_saved(client, db, base, process_admin):
    client.post(base + "/new", data={**BUDGET_FORM, "add1_stops_when_exhaustive": "",
                                     "greedy_completion": "", "receipts_linked": "True"})
    budget = db.session.scalars(select(Budget)).one()
    assert budget.receipts_linked
    assert not budget.add1_stops_when_exhaustive and not budget.greedy_completion


@pytest.mark.parametrize("total, message", [
    ("", "Fill in this field."),
    ("abc", "Enter a whole number, without decimals."),
    ("1.5", "Enter a whole number, without decimals."),
    ("0", "The amount must be more than 0."),
    ("-100", "The amount must be more than 0."),
    ("9" * 30, "The amount can be at most"),
])
def test_a_bad_total_is_refused_next_to_the_field(client, db, base, process_admin, total,
                                                  message):
    response = client.post(base + "/new", data={**BUDGET_FORM, "total": total})
    assert response.status_code == 400
    assert message in field_error(response, "total")
    assert 'value="North &lt;b&gt;district&lt;/b&gt;"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Budget.id))) == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"title-en": ""}, "title", "Write this text at least in English."),
    ({"title-en": "x" * 151}, "title", "too long"),
    ({"scope_id": "99999"}, "scope_id", "Choose one of the scopes."),
    ({"scope_id": "abc"}, "scope_id", "Choose one of the scopes."),
    ({"weight": "x"}, "weight", "Enter a whole number, without decimals."),
    ({"weight": "99999"}, "weight", "Enter a number from -1000 to 1000."),
])
def test_other_bad_budget_values_are_refused(client, db, base, process_admin, changes, field,
                                             message):
    response = client.post(base + "/new", data={**BUDGET_FORM, **changes})
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert db.session.scalar(select(func.count(Budget.id))) == 0


def test_a_budget_is_edited_and_its_total_frozen_once_ballots_exist(client, db, base,
                                                                    process_admin, make_budget,
                                                                    ballot):
    budget = make_budget()
    page = client.get(f"{base}/{budget.id}/edit")
    assert 'value="100000"' in page.get_data(as_text=True)
    response = client.post(f"{base}/{budget.id}/edit", data={**BUDGET_FORM, "total": "5000"})
    assert response.status_code == 302
    db.session.refresh(budget)
    assert budget.total == 5000
    ballot(budget, checked_out=False)
    response = client.post(f"{base}/{budget.id}/edit", data={**BUDGET_FORM, "total": "6000"})
    assert response.status_code == 400
    assert "its total can no longer change" in field_error(response, "total")
    db.session.refresh(budget)
    assert budget.total == 5000


def test_a_budget_without_ballots_is_deleted_after_confirmation(client, db, base,
                                                               process_admin, make_budget,
                                                               make_project):
    budget = make_budget()
    make_project(budget)
    page = client.get(f"{base}/{budget.id}/delete")
    assert "Delete the budget" in text(page)
    response = client.post(f"{base}/{budget.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Budget.id))) == 0
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_a_budget_with_ballots_is_not_deleted(client, db, base, process_admin, make_budget,
                                              ballot):
    budget = make_budget()
    ballot(budget, checked_out=False)
    page = text(client.get(f"{base}/{budget.id}/delete"))
    assert "Residents have ballots in this budget, so it cannot be deleted." in page
    assert "button--danger" not in page
    response = client.post(f"{base}/{budget.id}/delete")
    assert response.status_code == 400
    assert db.session.get(Budget, budget.id) is not None


def test_a_budget_of_another_component_is_not_found(client, base, process_admin, process,
                                                    create_component, make_budget):
    other = make_budget(create_component(process, manifest_name="budgets"))
    for path in ("/edit", "/delete", "/projects/", "/projects/new", "/import"):
        assert client.get(f"{base}/{other.id}{path}").status_code == 404
        if path != "/projects/":
            assert client.post(f"{base}/{other.id}{path}", data=BUDGET_FORM).status_code == 404
    assert client.get(f"{base}/99999999999/edit").status_code == 404


def test_a_post_without_the_csrf_token_changes_nothing(client, db, base, process_admin):
    response = client.post(base + "/new", data=BUDGET_FORM, csrf=False)
    assert response.status_code == 400
    assert CSRF_MESSAGE in text(response)
    assert db.session.scalar(select(func.count(Budget.id))) == 0


# --- projects ------------------------------------------------------------------------------------

def test_the_projects_list_shows_amount_category_scope_and_proposals(
        client, base, process_admin, make_budget, make_project, create_category, create_scope,
        process, make_proposal, db):
    budget = make_budget()
    project = make_project(budget, title={"en": "Benches <b>"}, amount=12_500,
                           category_id=create_category(process, name={"en": "Parks"}).id,
                           scope_id=create_scope(name={"en": "Harbour"}).id, votes_count=7)
    db.session.add(ResourceLink(from_id=project.id, to_id=make_proposal().id,
                                name="included_proposals"))
    db.session.commit()
    body = client.get(f"{base}/{budget.id}/projects/").get_data(as_text=True)
    assert "Benches &lt;b&gt;" in body
    row = re.search(r"<tr>\s*<td>\s*<a[^>]*>Benches.*?</tr>", body, re.S).group(0)
    cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[1:5] == ["€12,500", "Parks", "Harbour", "1"]  # votes hidden: not shown yet
    assert ">7<" not in row


def test_the_projects_list_shows_votes_when_they_are_shown(client, base, process_admin,
                                                           make_budget, make_project,
                                                           configure):
    configure(show_votes=True)
    budget = make_budget()
    make_project(budget, votes_count=7)
    body = client.get(f"{base}/{budget.id}/projects/").get_data(as_text=True)
    assert "<th scope=\"col\">Votes</th>" in body and "<td>7</td>" in body


def test_the_projects_list_runs_a_constant_number_of_queries(client, base, process_admin,
                                                            make_budget, make_project,
                                                            make_proposal, ballot, db,
                                                            create_category, create_scope,
                                                            process, count_queries):
    budget = make_budget()
    category, scope = create_category(process), create_scope()

    def add(number):
        for _ in range(number):
            project = make_project(budget, category_id=category.id, scope_id=scope.id)
            db.session.add(ResourceLink(from_id=project.id, to_id=make_proposal().id,
                                        name="included_proposals"))
            ballot(budget, project)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"{base}/{budget.id}/projects/").status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


def test_a_project_is_created_with_its_proposals(client, db, base, process_admin, make_budget,
                                                 make_proposal, create_category, process):
    budget = make_budget()
    first, second = make_proposal(title="First idea"), make_proposal(title="Second idea")
    category = create_category(process)
    form = client.get(f"{base}/{budget.id}/projects/new").get_data(as_text=True)
    assert "First idea" in form and "Second idea" in form
    response = client.post(f"{base}/{budget.id}/projects/new", data={
        **PROJECT_FORM, "category_id": str(category.id), "proposal_ids": [str(first.id),
                                                                          str(second.id)]})
    assert response.status_code == 302
    assert response.location.endswith(f"/budgets/{budget.id}/projects/")
    project = db.session.scalars(select(Project)).one()
    assert (project.title, project.amount, project.category_id) == (
        {"en": "A <i>new</i> park"}, 30_000, category.id)
    assert sorted(db.session.scalars(select(ResourceLink.to_id))) == sorted([first.id,
                                                                             second.id])
    listed = client.get(f"{base}/{budget.id}/projects/").get_data(as_text=True)
    assert "A &lt;i&gt;new&lt;/i&gt; park" in listed


@pytest.mark.parametrize("amount, message", [
    ("", "Fill in this field."),
    ("-1", "The amount cannot be negative."),
    ("ten", "Enter a whole number, without decimals."),
    ("2.50", "Enter a whole number, without decimals."),
    ("1" + "0" * 20, "The amount can be at most"),
])
def test_a_bad_amount_is_refused(client, db, base, process_admin, make_budget, amount,
                                 message):
    budget = make_budget()
    response = client.post(f"{base}/{budget.id}/projects/new",
                           data={**PROJECT_FORM, "amount": amount})
    assert response.status_code == 400
    assert message in field_error(response, "amount")
    assert 'value="A &lt;i&gt;new&lt;/i&gt; park"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_a_free_project_is_accepted(client, db, base, process_admin, make_budget):
    budget = make_budget()
    response = client.post(f"{base}/{budget.id}/projects/new",
                           data={**PROJECT_FORM, "amount": "0"})
    assert response.status_code == 302
    assert db.session.scalars(select(Project.amount)).one() == 0


def test_ids_of_another_process_are_refused(client, db, base, process_admin, make_budget,
                                            create_process, create_category, create_component,
                                            make_proposal):
    budget = make_budget()
    elsewhere = create_process()
    category = create_category(elsewhere)
    foreign = make_proposal(create_component(elsewhere, manifest_name="proposals"))
    draft = make_proposal(published_at=None, state=None)
    cases = [({"category_id": str(category.id)}, "category_id",
              "Choose a category of this process."),
             ({"category_id": "nope"}, "category_id", "Choose a category of this process."),
             ({"proposal_ids": [str(foreign.id)]}, "proposal_ids",
              "Choose proposals of this process."),
             ({"proposal_ids": [str(draft.id)]}, "proposal_ids",
              "Choose proposals of this process."),
             ({"proposal_ids": ["x"]}, "proposal_ids", "Choose proposals from the list."),
             ({"proposal_ids": [str(2**40)]}, "proposal_ids",
              "Choose proposals of this process.")]
    for changes, field, message in cases:
        response = client.post(f"{base}/{budget.id}/projects/new",
                               data={**PROJECT_FORM, **changes})
        assert response.status_code == 400, changes
        assert message in field_error(response, field), changes
    assert db.session.scalar(select(func.count(Project.id))) == 0
    assert db.session.scalar(select(func.count(ResourceLink.id))) == 0


def test_a_project_is_edited_with_its_links_shown(client, db, base, process_admin, make_budget,
                                                  make_project, make_proposal):
    budget = make_budget()
    project = make_project(budget)
    linked, other = make_proposal(title="Linked idea"), make_proposal(title="Other idea")
    db.session.add(ResourceLink(from_id=project.id, to_id=linked.id, name="included_proposals"))
    db.session.commit()
    form = client.get(f"{base}/{budget.id}/projects/{project.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{linked.id}"|value="{linked.id}" selected', form)
    response = client.post(f"{base}/{budget.id}/projects/{project.id}", data={
        **PROJECT_FORM, "title-en": "Renamed", "proposal_ids": [str(other.id)]})
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.title == {"en": "Renamed"}
    assert list(db.session.scalars(select(ResourceLink.to_id))) == [other.id]


def test_a_project_of_another_budget_is_not_found(client, db, base, process_admin, make_budget,
                                                  make_project):
    budget, other = make_budget(), make_budget()
    project = make_project(other)
    for path in ("", "/delete"):
        url = f"{base}/{budget.id}/projects/{project.id}{path}"
        assert client.get(url).status_code == 404
        assert client.post(url, data=PROJECT_FORM).status_code == 404
    db.session.refresh(project)
    assert project.title == {"en": "Project 1"}


def test_a_voted_project_is_not_deleted_nor_repriced(client, db, base, process_admin,
                                                     make_budget, make_project, ballot):
    budget = make_budget()
    project = make_project(budget, amount=30_000)
    ballot(budget, project)
    listed = client.get(f"{base}/{budget.id}/projects/").get_data(as_text=True)
    assert f"/projects/{project.id}/delete" not in listed
    assert client.post(f"{base}/{budget.id}/projects/{project.id}/delete").status_code == 400
    response = client.post(f"{base}/{budget.id}/projects/{project.id}",
                           data={**PROJECT_FORM, "amount": "1"})
    assert response.status_code == 400
    assert "its amount can no longer change" in field_error(response, "amount")
    db.session.refresh(project)
    assert project.amount == 30_000


def test_a_project_is_deleted_after_confirmation(client, db, base, process_admin, make_budget,
                                                 make_project):
    budget = make_budget()
    project = make_project(budget)
    assert "Delete the project" in text(
        client.get(f"{base}/{budget.id}/projects/{project.id}/delete"))
    response = client.post(f"{base}/{budget.id}/projects/{project.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Project.id))) == 0


# --- importing accepted proposals ----------------------------------------------------------------

def test_the_import_page_lists_accepted_proposals_ticked_and_says_why_one_cannot_be(
        client, base, process_admin, make_budget, make_proposal):
    budget = make_budget()
    ready = make_proposal(title="Ready <one>", cost=12_000)
    costless = make_proposal(title="Costless one", cost=None)
    make_proposal(title="Rejected one", state="rejected", cost=None)
    page = client.get(f"{base}/{budget.id}/import").get_data(as_text=True)
    assert "Ready &lt;one&gt;" in page and "€12,000" in page
    assert re.search(rf'value="{ready.id}" id="import-{ready.id}" checked', page)
    assert f'value="{costless.id}"' not in page
    assert "Costless one" in page and "has no cost, so it cannot be imported" in page
    assert "Rejected one" not in page


def test_importing_through_the_page_once_then_again(client, db, base, process_admin,
                                                    make_budget, make_proposal):
    budget = make_budget()
    proposal = make_proposal()
    response = client.post(f"{base}/{budget.id}/import",
                           data={"proposal_ids": [str(proposal.id)]}, follow_redirects=True)
    assert response.status_code == 200
    assert "1 proposal is now a project of this budget." in text(response)
    assert db.session.scalar(select(func.count(Project.id))) == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    again = client.post(f"{base}/{budget.id}/import",
                        data={"proposal_ids": [str(proposal.id)]}, follow_redirects=True)
    assert "imported already: nothing new" in text(again)
    assert db.session.scalar(select(func.count(Project.id))) == 1
    page = text(client.get(f"{base}/{budget.id}/import"))
    assert "No accepted proposal of this process is waiting" in page


@pytest.mark.parametrize("ids", [[], ["abc"], ["0"]])
def test_importing_bad_choices_is_refused(client, db, base, process_admin, make_budget,
                                          make_proposal, ids):
    budget = make_budget()
    make_proposal()
    response = client.post(f"{base}/{budget.id}/import", data={"proposal_ids": ids})
    assert response.status_code == 400
    assert field_error(response, "proposal_ids")
    assert db.session.scalar(select(func.count(Project.id))) == 0


def test_importing_a_proposal_of_another_process_is_refused(client, db, base, process_admin,
                                                            make_budget, make_proposal,
                                                            create_process, create_component):
    budget = make_budget()
    mine = make_proposal()
    foreign = make_proposal(create_component(create_process(), manifest_name="proposals"))
    response = client.post(f"{base}/{budget.id}/import",
                           data={"proposal_ids": [str(mine.id), str(foreign.id)]})
    assert response.status_code == 400
    assert "Choose accepted proposals of this process from the list." in field_error(
        response, "proposal_ids")
    assert db.session.scalar(select(func.count(Project.id))) == 0


# --- the export ------------------------------------------------------------------------------

def test_the_projects_export_is_a_safe_csv(client, base, process_admin, make_budget,
                                           make_project):
    budget = make_budget(title={"en": "North"})
    make_project(budget, title={"en": "=HYPERLINK(1)"}, amount=5)
    response = client.get(base + "/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["title"] == "'=HYPERLINK(1)"
    assert (row["budget"], row["amount"]) == ("North", "5")


# --- the link back on the proposal's page --------------------------------------------------------

def proposal_url(proposal) -> str:
    component = proposal.component
    return (f"/processes/{component.process.slug}/f/{component.id}/proposals/"
            f"{proposal.id}")


def test_a_proposal_says_which_project_it_became(client, db, component, make_budget,
                                                 make_project, make_proposal, count_queries):
    proposal = make_proposal()

    def link(budget_title: str) -> Project:
        project = make_project(make_budget(title={"en": budget_title}),
                               title={"en": f"Park <{budget_title}>"})
        db.session.add(ResourceLink(from_id=project.id, to_id=proposal.id,
                                    name="included_proposals"))
        db.session.commit()
        return project

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(proposal_url(proposal)).status_code == 200
        return counter.count

    project = link("North")
    one = queries()  # each count is the first request after a change (caches are cold)
    page = client.get(proposal_url(proposal)).get_data(as_text=True)
    sentence = html.unescape(re.sub(r"<[^>]+>", "", re.search(
        r"This proposal became.*?</p>", page, re.S).group(0)))
    assert sentence.startswith("This proposal became the project Park <North> of the "
                               "budget “North”.")
    assert (f'href="/processes/{component.process.slug}/f/{component.id}/budgets/'
            f'{project.budget_id}/projects/{project.id}"') in page
    assert "Park &lt;North&gt;" in page
    link("South")
    link("East")
    assert queries() == one
    assert "Park &lt;East&gt;" in client.get(proposal_url(proposal)).get_data(as_text=True)


def test_a_project_of_an_unpublished_component_is_not_told(client, db, component,
                                                           make_budget, make_project,
                                                           make_proposal):
    proposal = make_proposal()
    project = make_project(make_budget(), title={"en": "Quiet park"})
    db.session.add(ResourceLink(from_id=project.id, to_id=proposal.id, name="included_proposals"))
    component.published_at = None
    db.session.commit()
    page = client.get(proposal_url(proposal)).get_data(as_text=True)
    assert "Quiet park" not in page and "This proposal became" not in page


# --- the process page and the action log ----------------------------------------------------------

def test_the_process_page_sums_up_each_budgets_component(client, component, make_budget,
                                                         make_project, process,
                                                         create_component, count_queries):
    second = create_component(process, manifest_name="budgets", name={"en": "Youth budget"})
    budget = make_budget()
    make_project(budget)
    make_project(budget)
    make_budget(second)

    def queries(*lines) -> int:
        with count_queries() as counter:
            page = client.get(f"/processes/{process.slug}").get_data(as_text=True)
        assert re.findall(r'class="meta">(\d+ budgets? · \d+ projects?)<', page) == list(lines)
        return counter.count

    few = queries("1 budget · 2 projects", "1 budget · 0 projects")
    for _ in range(5):
        make_project(make_budget(second))
    assert queries("1 budget · 2 projects", "6 budgets · 5 projects") == few


def test_the_action_log_tells_what_staff_did_with_budgets(client, base, process_admin,
                                                          make_proposal):
    make_proposal()
    client.post(base + "/new", data=BUDGET_FORM)
    budget_id = re.search(r"/budgets/(\d+)/projects/", client.get(base + "/").get_data(
        as_text=True)).group(1)
    client.post(f"{base}/{budget_id}/projects/new", data=PROJECT_FORM)
    client.post(f"{base}/{budget_id}/import", data={"proposal_ids": [
        str(proposal_id) for proposal_id in re.findall(
            r'name="proposal_ids" value="(\d+)"',
            client.get(f"{base}/{budget_id}/import").get_data(as_text=True))]})
    log = " ".join(html.unescape(re.sub(r"<[^>]+>", "", client.get("/admin/logs").get_data(
        as_text=True))).split())
    assert "created the budget North <b>district</b>" in log
    assert "created the project A <i>new</i> park" in log
    assert "imported accepted proposals into the budget North <b>district</b>" in log
