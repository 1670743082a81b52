"""The accountability back office through the client: every page, the results list
(sub-results under their result, pages, constant queries), results, progress updates, timelines,
statuses, results from a budget, the CSV export, and 404 for another component's ids.

Who reaches these pages is swept by tests/core/test_permissions.py; bad input is in
test_admin_forms.py; the CSV import in test_files.py."""

import csv
import html
import io
import re
import time
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.accountability import admin as admin_views
from decide.components.accountability.models import PROJECT_LINK
from decide.components.accountability.models import PROPOSAL_LINK
from decide.components.accountability.models import Result
from decide.components.accountability.models import Status
from decide.components.accountability.models import TimelineEntry
from decide.core.models import ActionLog
from decide.core.models import ResourceLink
from decide.core.models import utcnow
from decide.notifications.models import Follow
from decide.spaces.models import Role


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashed(client) -> str:
    return text(client.get("/"))


def logged(db, action: str, resource_type: str) -> list[ActionLog]:
    return db.session.scalars(select(ActionLog).where(
        ActionLog.action == action, ActionLog.resource_type == resource_type)).all()


@pytest.fixture
def base(component) -> str:
    return f"/admin/processes/{component.process.slug}/f/{component.id}/accountability"


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


@pytest.fixture
def other_component(create_process, create_component, create_phase):
    """An accountability component of another process."""
    process = create_process(slug="elsewhere")
    create_phase(process, active=True)
    return create_component(process, manifest_name="accountability")


RESULT_FORM = {"title-en": "Shade <b>trees</b>", "description-en": "<p>Forty trees</p>",
               "reference": "", "status_id": "", "progress": "", "start_date": "2026-03-01",
               "end_date": "2026-09-30", "category_id": "", "scope_id": "", "amount": "40000",
               "parent_id": "", "proposal_ids": "", "project_ids": "", "weight": "0"}


# --- every page -------------------------------------------------------------------------------

PAGES = ("/", "/results/new", "/results/{result}", "/results/{result}/progress",
         "/results/{result}/timeline", "/results/{result}/timeline/{entry}",
         "/results/{result}/timeline/{entry}/delete", "/results/{result}/delete",
         "/statuses/", "/statuses/new", "/statuses/{status}", "/statuses/{status}/delete",
         "/from-budget", "/import", "/export.csv")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_a_process_admin(client, base, process_admin, make_result,
                                                make_status, make_entry, make_budget, page):
    status = make_status(name={"en": "Tender out"})
    result = make_result(title={"en": "Library <roof>"}, status=status)
    entry = make_entry(result, title={"en": "Scaffolding up"})
    make_budget(title={"en": "Whole city"})

    response = client.get(base + page.format(result=result.id, entry=entry.id,
                                             status=status.id))

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if response.mimetype == "text/html":
        assert "Library <roof>" not in body  # escaped wherever it is shown
        assert re.search(r"<h2>.+?</h2>", body)
    expected = {"/": "Library &lt;roof&gt;", "/results/{result}/timeline": "Scaffolding up",
                "/statuses/": "Tender out", "/from-budget": "Whole city",
                "/export.csv": "Library <roof>"}
    if page in expected:
        assert expected[page] in body


# --- the results list -------------------------------------------------------------------------

def test_the_list_shows_each_result_with_its_sub_results_under_it(client, base, process_admin,
                                                            make_result, default_statuses):
    statuses = default_statuses()
    park = make_result(title={"en": "Park"}, reference="P-1", children_count=2, progress=30)
    make_result(title={"en": "Library"}, reference="L-1", status=statuses["completed"])
    make_result(title={"en": "Benches"}, parent=park, reference="P-1.2", weight=2, progress=10)
    make_result(title={"en": "Fountain"}, parent=park, reference="P-1.1", weight=1, progress=50,
                progress_manual=True)

    body = text(client.get(base + "/"))

    titles = re.findall(r'/results/\d+">(Park|Library|Benches|Fountain)</a>', body)
    assert titles == ["Park", "Fountain", "Benches", "Library"]
    assert body.count("Under P-1") == 2
    assert "2 top-level results" in body
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    library = next(row for row in rows if "Library" in row)
    assert "Completed" in library and 'value="100"' in library
    fountain = next(row for row in rows if "Fountain" in row)
    assert "set by hand" in fountain and "50 %" in fountain
    assert '<progress max="100" value="50" aria-label="Progress of Fountain">' in body
    for label in ("New result", "Statuses", "Create results from a budget",
                  "Import a CSV file", "Export the results as CSV"):
        assert label in body


def test_the_list_is_paginated_by_top_level_results(client, base, process_admin, make_result,
                                                    monkeypatch):
    monkeypatch.setattr(admin_views, "PAGE_SIZE", 2)
    first = make_result(title={"en": "First"})
    make_result(title={"en": "Second"})
    make_result(title={"en": "Third"})
    make_result(title={"en": "Under the first"}, parent=first)

    one, two = text(client.get(base + "/")), text(client.get(base + "/?page=2"))

    assert "Page 1 of 2" in one and "Under the first" in one and "Third" not in one
    assert "Third" in two and "First" not in two
    assert "Page 2 of 2" in text(client.get(base + "/?page=99"))


def test_the_list_runs_a_constant_number_of_queries(client, base, process_admin, make_result,
                                                    default_statuses, create_category,
                                                    create_scope, process, count_queries):
    statuses = default_statuses()
    category, scope = create_category(process), create_scope()

    def add(number):
        for _ in range(number):
            parent = make_result(status=statuses["in_progress"], category_id=category.id,
                                 scope_id=scope.id, children_count=1)
            make_result(parent=parent, status=statuses["completed"], scope_id=scope.id)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(base + "/").status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


def test_an_empty_component_says_how_to_start(client, base, process_admin):
    body = text(client.get(base + "/"))
    assert "This component has no results yet" in body
    assert "Export the results as CSV" not in body


# --- results ----------------------------------------------------------------------------------

def test_a_result_is_created_with_every_field(client, db, base, process_admin, component,
                                              make_status, make_result, create_category,
                                              create_scope, process, make_proposal,
                                              make_budget, make_project):
    status = make_status(progress=10)
    parent = make_result(title={"en": "Parks"})
    category, scope = create_category(process), create_scope()
    proposal = make_proposal()
    project = make_project(make_budget())

    response = client.post(base + "/results/new", data={
        **RESULT_FORM, "reference": "T-7", "status_id": str(status.id), "progress": "35",
        "category_id": str(category.id), "scope_id": str(scope.id),
        "parent_id": str(parent.id), "proposal_ids": f"{proposal.id}",
        "project_ids": f" {project.id}, ", "weight": "-3"})

    assert response.status_code == 303 and response.location.endswith("/accountability/")
    result = db.session.scalars(select(Result).where(Result.reference == "T-7")).one()
    assert result.title == {"en": "Shade <b>trees</b>"}
    assert result.description == {"en": "<p>Forty trees</p>"}
    assert (result.status_id, result.progress, result.progress_manual) == (status.id, 35, True)
    assert (result.start_date, result.end_date) == (date(2026, 3, 1), date(2026, 9, 30))
    assert (result.category_id, result.scope_id, result.amount) == (category.id, scope.id,
                                                                    40_000)
    assert (result.parent_id, result.weight, result.component_id) == (parent.id, -3,
                                                                      component.id)
    links = set(db.session.execute(select(ResourceLink.name, ResourceLink.to_id)
                                   .where(ResourceLink.from_id == result.id)))
    assert links == {(PROPOSAL_LINK, proposal.id), (PROJECT_LINK, project.id)}
    # The proposal's author follows it; the parent rolls up.
    assert db.session.scalar(select(Follow.id).where(Follow.user_id == proposal.author_id,
                                                     Follow.resource_id == result.id))
    db.session.refresh(parent)
    assert (parent.children_count, parent.progress) == (1, 35)
    assert [entry.resource_id for entry in logged(db, "create", "result")] == [result.id]
    assert "The result is saved." in flashed(client)


def test_an_empty_progress_follows_the_status_and_an_empty_reference_is_given_one(
        client, db, base, process_admin, make_status):
    status = make_status(progress=50)
    client.post(base + "/results/new", data={**RESULT_FORM, "status_id": str(status.id)})
    result = db.session.scalars(select(Result)).one()
    assert (result.progress, result.progress_manual) == (50, False)
    assert re.fullmatch(r"R-\d+", result.reference)


def test_add_a_part_names_the_parent(client, base, process_admin, make_result):
    parent = make_result(title={"en": "Parks"})
    body = client.get(base + f"/results/new?parent_id={parent.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{parent.id}">', body)
    # Nonsense in the address is ignored, not a 500.
    assert client.get(base + "/results/new?parent_id=x'--").status_code == 200


def test_a_result_is_edited_and_its_form_shows_what_it_links_to(client, db, base,
                                                                process_admin, make_result,
                                                                make_proposal):
    proposal = make_proposal(title="Shade on the <school> path")
    result = make_result(title={"en": "Old title"}, reference="K-1")
    db.session.add(ResourceLink(from_id=result.id, to_id=proposal.id, name=PROPOSAL_LINK))
    db.session.commit()

    page = client.get(base + f"/results/{result.id}").get_data(as_text=True)
    assert f'name="proposal_ids" type="text" value="{proposal.id}"' in page
    assert "Shade on the &lt;school&gt; path" in page
    assert 'value="K-1"' in page

    response = client.post(base + f"/results/{result.id}", data={
        **RESULT_FORM, "title-en": "New title", "reference": "K-1",
        "proposal_ids": str(proposal.id)})

    assert response.status_code == 303
    db.session.refresh(result)
    assert result.title == {"en": "New title"} and result.reference == "K-1"
    assert [entry.resource_id for entry in logged(db, "update", "result")] == [result.id]


def test_a_parent_cannot_take_a_progress_or_a_parent_in_its_form(client, base, process_admin,
                                                                 make_result):
    parent = make_result(children_count=1, progress=40)
    make_result(parent=parent)
    page = text(client.get(base + f"/results/{parent.id}"))
    assert 'name="progress"' not in page and 'name="parent_id"' not in page
    assert "average of its sub-results' (40 %" in page


def test_a_result_is_deleted_with_its_sub_results_after_confirming(client, db, base, process_admin,
                                                              make_result):
    parent = make_result(title={"en": "Parks"}, children_count=1)
    child = make_result(parent=parent)
    parent_id, child_id = parent.id, child.id

    page = text(client.get(base + f"/results/{parent_id}/delete"))
    assert "Delete the result “Parks” and its 1 sub-result?" in page
    response = client.post(base + f"/results/{parent_id}/delete")

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Result, parent_id) is None and db.session.get(Result, child_id) is None
    assert [entry.resource_id for entry in logged(db, "delete", "result")] == [parent_id]


# --- progress updates -------------------------------------------------------------------------

def test_a_progress_update_with_a_timeline_entry(client, db, base, process_admin, make_result,
                                                 default_statuses, create_user):
    statuses = default_statuses()
    result = make_result(status=statuses["not_started"])
    follower = create_user()
    db.session.add(Follow(user_id=follower.id, resource_id=result.id))
    db.session.commit()

    page = text(client.get(base + f"/results/{result.id}/progress"))
    assert "Timeline entry (optional)" in page
    response = client.post(base + f"/results/{result.id}/progress", data={
        "status_id": str(statuses["in_progress"].id), "progress": "",
        "entry_date": "2026-04-02", "entry_title-en": "Works started",
        "entry_description-en": "<p>The <em>digger</em> came<script>x()</script></p>"})

    assert response.status_code == 303
    db.session.refresh(result)
    assert (result.status_id, result.progress, result.progress_manual) == (
        statuses["in_progress"].id, 50, False)
    entry = db.session.scalars(select(TimelineEntry)).one()
    assert (entry.result_id, entry.date, entry.title) == (result.id, date(2026, 4, 2),
                                                          {"en": "Works started"})
    assert "<script>" not in entry.description["en"]
    assert [log.resource_id for log in logged(db, "update_progress", "result")] == [result.id]
    assert "The progress update is published." in flashed(client)


def test_a_progress_update_without_an_entry_adds_none(client, db, base, process_admin,
                                                      make_result):
    result = make_result(progress=0)
    response = client.post(base + f"/results/{result.id}/progress", data={
        "status_id": "", "progress": "70", "entry_date": "2026-04-02"})
    assert response.status_code == 303
    db.session.refresh(result)
    assert (result.progress, result.progress_manual) == (70, True)
    assert db.session.scalar(select(func.count(TimelineEntry.id))) == 0


# --- timeline ---------------------------------------------------------------------------------

def test_timeline_entries_are_added_edited_and_deleted(client, db, base, process_admin,
                                                       make_result, make_entry):
    result = make_result(title={"en": "Library"})
    older = make_entry(result, date=date(2026, 1, 5), title={"en": "Tender published"})
    page = text(client.get(base + f"/results/{result.id}/timeline"))
    assert "Tender published" in page and "January 5, 2026" in page

    added = client.post(base + f"/results/{result.id}/timeline", data={
        "date": "2026-02-10", "title-en": "Works <started>", "description-en": "<p>Yes</p>"})
    assert added.status_code == 303 and added.location.endswith(f"/{result.id}/timeline")
    entry = db.session.scalars(select(TimelineEntry).where(TimelineEntry.id != older.id)).one()
    assert entry.title == {"en": "Works <started>"}
    page = client.get(base + f"/results/{result.id}/timeline").get_data(as_text=True)
    assert page.index("Works &lt;started&gt;") < page.index("Tender published")  # newest first

    edited = client.post(base + f"/results/{result.id}/timeline/{older.id}", data={
        "date": "2026-01-06", "title-en": "Tender out", "description-en": ""})
    assert edited.status_code == 303
    db.session.refresh(older)
    assert (older.date, older.title) == (date(2026, 1, 6), {"en": "Tender out"})

    assert "Delete the timeline entry “Tender out” of “Library”?" in text(
        client.get(base + f"/results/{result.id}/timeline/{older.id}/delete"))
    deleted = client.post(base + f"/results/{result.id}/timeline/{older.id}/delete")
    assert deleted.status_code == 303
    assert db.session.scalars(select(TimelineEntry.id)).all() == [entry.id]
    for action in ("create", "update", "delete"):
        assert len(logged(db, action, "timelineentry")) == 1, action


# --- statuses ---------------------------------------------------------------------------------

def test_the_usual_statuses_are_offered_when_there_are_none(client, db, base, process_admin,
                                                            component):
    page = text(client.get(base + "/statuses/"))
    assert "Create the usual statuses" in page and "This component has no statuses yet." in page
    assert "Not started (0 %), In preparation (10 %)" in page

    response = client.post(base + "/statuses/defaults")

    assert response.status_code == 303 and response.location.endswith("/statuses/")
    keys = db.session.scalars(select(Status.key).where(Status.component_id == component.id)
                              .order_by(Status.position)).all()
    assert keys == ["not_started", "in_preparation", "in_progress", "completed"]
    page = text(client.get(base + "/statuses/"))
    assert "The usual statuses are created." in page
    assert "Create the usual statuses" not in page
    assert len(logged(db, "create", "status")) == 4


def test_the_usual_statuses_are_refused_once_there_are_some(client, db, base, process_admin,
                                                            make_status):
    make_status()
    response = client.post(base + "/statuses/defaults")
    assert response.status_code == 400
    assert "This component has statuses already." in text(response)
    assert db.session.scalar(select(func.count(Status.id))) == 1


def test_a_status_is_created_edited_and_deleted(client, db, base, process_admin, make_result):
    created = client.post(base + "/statuses/new", data={
        "key": "tendering", "name-en": "Tendering <now>", "description-en": "<p>Out</p>",
        "progress": "20"})
    assert created.status_code == 303
    status = db.session.scalars(select(Status)).one()
    assert (status.key, status.name, status.progress) == ("tendering", {"en": "Tendering <now>"},
                                                          20)
    assert "Tendering &lt;now&gt;" in client.get(base + "/statuses/").get_data(as_text=True)
    follower = make_result(status=status, progress=20)

    edited = client.post(base + f"/statuses/{status.id}", data={
        "key": "tendering", "name-en": "Tender", "description-en": "", "progress": "25"})
    assert edited.status_code == 303
    db.session.refresh(follower)
    assert follower.progress == 25  # results that follow the status move with it

    assert "Delete the status “Tender”?" in text(client.get(base + f"/statuses/{status.id}/delete"))
    deleted = client.post(base + f"/statuses/{status.id}/delete")
    assert deleted.status_code == 303
    db.session.refresh(follower)
    assert db.session.scalar(select(func.count(Status.id))) == 0
    assert (follower.status_id, follower.progress) == (None, 25)
    for action in ("create", "update", "delete"):
        assert len(logged(db, action, "status")) == 1, action


# --- results from a budget --------------------------------------------------------------------

def test_results_are_created_from_the_selected_projects_of_a_budget(
        client, db, base, process_admin, make_budget, make_project, make_status):
    make_status(progress=0)
    budget = make_budget(title={"en": "North"})
    chosen = [make_project(budget, selected_at=utcnow(), amount=1000 * n) for n in (1, 2)]
    make_project(budget)  # not selected

    page = text(client.get(base + "/from-budget"))
    assert "Budgets · North" in page
    response = client.post(base + "/from-budget", data={"budget_id": str(budget.id)})

    assert response.status_code == 303
    results = db.session.scalars(select(Result).order_by(Result.id)).all()
    assert sorted(result.amount for result in results) == [1000, 2000]
    assert {link for link in db.session.scalars(
        select(ResourceLink.to_id).where(ResourceLink.name == PROJECT_LINK))} == {
        project.id for project in chosen}
    assert "2 results were created from the selected projects." in flashed(client)
    assert len(logged(db, "create", "result")) == 2

    client.post(base + "/from-budget", data={"budget_id": str(budget.id)})
    assert "Every selected project of this budget has a result already" in flashed(client)
    assert db.session.scalar(select(func.count(Result.id))) == 2


def test_from_a_budget_without_budgets_says_so(client, base, process_admin):
    assert "This process has no budgets" in text(client.get(base + "/from-budget"))


# --- the CSV export ---------------------------------------------------------------------------

def test_the_export_has_every_column_and_a_row_per_result(client, app, db, base,
                                                          process_admin, make_result,
                                                          default_statuses, create_scope,
                                                          make_proposal):
    statuses = default_statuses()
    scope = create_scope(code="NORTH")
    parent = make_result(reference="P-1", title={"en": "=HYPERLINK(1)", "es": "Parque"},
                         children_count=1, status=statuses["in_progress"], scope_id=scope.id,
                         amount=500, start_date=date(2026, 1, 2))
    make_result(reference="P-1.1", parent=parent, progress=70, progress_manual=True)
    proposal = make_proposal()
    db.session.add(ResourceLink(from_id=parent.id, to_id=proposal.id, name=PROPOSAL_LINK))
    db.session.commit()

    response = client.get(base + "/export.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    data = response.get_data(as_text=True)
    assert data.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(data.removeprefix("\ufeff"))))
    languages = app.config["LANGUAGES"]
    assert list(rows[0]) == [
        "reference", "parent_reference", "status", "progress", "progress_manual",
        "start_date", "end_date", "category_id", "scope_code", "amount", "proposal_ids",
        "project_ids", "weight", *(f"title_{code}" for code in languages),
        *(f"description_{code}" for code in languages)]
    first, second = rows
    assert (first["reference"], first["status"], first["progress"], first["scope_code"],
            first["amount"], first["start_date"], first["proposal_ids"]) == (
        "P-1", "in_progress", "50", "NORTH", "500", "2026-01-02", str(proposal.id))
    assert first["title_en"] == "'=HYPERLINK(1)"  # a spreadsheet does not run it
    assert first["title_es"] == "Parque"
    assert (second["parent_reference"], second["progress"], second["progress_manual"]) == (
        "P-1", "70", "true")


# --- another component's ids ------------------------------------------------------------------

@pytest.mark.parametrize("page", [
    "/results/{result}", "/results/{result}/progress", "/results/{result}/timeline",
    "/results/{result}/delete", "/results/{mine}/timeline/{entry}",
    "/results/{mine}/timeline/{entry}/delete", "/statuses/{status}",
    "/statuses/{status}/delete", "/results/2147483648", "/statuses/99999999999",
])
def test_ids_of_another_component_or_result_are_not_found(client, db, base, process_admin,
                                                          make_result, make_status,
                                                          make_entry, other_component, page):
    mine = make_result()
    theirs = make_result(other_component, title={"en": "Theirs"})
    entry = make_entry(make_result())  # an entry of another result of this component
    status = make_status(other_component)
    url = base + page.format(result=theirs.id, mine=mine.id, entry=entry.id, status=status.id)

    assert client.get(url).status_code == 404
    assert client.post(url, data={"title-en": "Taken", "key": "taken"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Result, theirs.id).title == {"en": "Theirs"}
    assert db.session.get(TimelineEntry, entry.id) is not None
    assert db.session.get(Status, status.id) is not None


# --- the action log ---------------------------------------------------------------------------

def test_the_action_log_tells_each_change_in_a_sentence(client, db, base, process_admin,
                                                       make_result):
    result = make_result(title={"en": "Library"})
    client.post(base + "/statuses/new", data={"key": "open", "name-en": "Open",
                                               "description-en": "", "progress": "100"})
    client.post(base + f"/results/{result.id}/progress", data={"progress": "40"})
    client.post(base + f"/results/{result.id}/timeline", data={
        "date": "2026-02-10", "title-en": "Doors painted", "description-en": ""})
    client.post(base + f"/results/{result.id}/delete")

    page = re.sub(r"<[^>]+>", "", text(client.get("/admin/logs")))

    for sentence in ("created the status Open",
                     "published a progress update of the result Library",
                     "added the timeline entry Doors painted",
                     "deleted the result Library"):
        assert f"{process_admin.name} {sentence}" in page, sentence
