"""The back office of processes through the client: who gets in, each form's happy path and
bad input (400, the message next to the field, typed values kept, nothing saved), buttons,
ids of another process (404), and lists that run a fixed number of queries."""

import html
import re
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import select

from decide.core.models import ActionLog
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Phase
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope
from tests.conftest import STAFF_PASSWORD

CSRF_MESSAGE = ("This form has expired or was not sent from this site. "
                "Check what you wrote and send it again.")
SCRIPT = "<script>alert('x')</script>"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    """The message shown next to a field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def form_html(response) -> str:
    match = re.search(r'<form method="post" novalidate>(.*?)</form>',
                      response.get_data(as_text=True), re.S)
    assert match, "the page shows the form"
    return match.group(1)


def assert_refused(response, field_id: str, message: str, kept: dict | None = None):
    assert response.status_code == 400
    assert field_error(response, field_id) == message
    for value in (kept or {}).values():
        assert str(escape(value)) in form_html(response), f"{value!r} was not kept"


def actions(db) -> list[tuple[str, str]]:
    return [(e.action, e.resource_type) for e in
            db.session.scalars(select(ActionLog).order_by(ActionLog.id))]


@pytest.fixture
def process(create_process):
    return create_process(slug="green-streets", title={"en": "Green Streets"})


@pytest.fixture
def process_admin(create_user, grant, process):
    """A participant who administers `process` (and no other)."""
    person = create_user(nickname="pat", email="pat@example.org", password=STAFF_PASSWORD)
    grant(person, process, Role.PROCESS_ADMIN)
    return person


@pytest.fixture
def as_admin(admin, login):
    login(admin)
    return admin


@pytest.fixture
def as_process_admin(process_admin, login):
    login(process_admin)
    return process_admin


# --- who gets in --------------------------------------------------------------------------------

def test_admins_see_every_process_and_process_admins_only_theirs(
        client, login, admin, process, process_admin, create_process, create_user, grant):
    other = create_process(title={"en": "District Budgets"})
    login(admin)
    page = text(client.get("/admin/processes"))
    assert "Green Streets" in page and "District Budgets" in page
    assert 'href="/admin/processes/new"' in page
    client.post("/signout")

    login(process_admin)
    page = text(client.get("/admin/processes"))
    assert "Green Streets" in page and "District Budgets" not in page
    assert 'href="/admin/processes/new"' not in page
    client.post("/signout")

    moderator = create_user(password=STAFF_PASSWORD)
    grant(moderator, other, Role.MODERATOR)
    login(moderator)
    page = text(client.get("/admin/processes"))
    assert "Green Streets" not in page and "District Budgets" not in page
    assert "You administer no process." in page


def test_the_navigation_shows_scopes_to_organization_admins_only(client, login, admin,
                                                                 process_admin):
    login(admin)
    nav = text(client.get("/admin/"))
    assert 'href="/admin/processes"' in nav and 'href="/admin/scopes"' in nav
    client.post("/signout")
    login(process_admin)
    nav = text(client.get("/admin/"))
    assert 'href="/admin/processes"' in nav and 'href="/admin/scopes"' not in nav


@pytest.mark.parametrize("method, url", [
    ("GET", "/admin/processes/new"),
    ("POST", "/admin/processes/new"),
    ("GET", "/admin/processes/green-streets/delete"),
    ("POST", "/admin/processes/green-streets/delete"),
    ("GET", "/admin/scopes"),
    ("GET", "/admin/scopes/new"),
    ("POST", "/admin/scopes/new"),
])
def test_only_organization_admins_create_and_delete_processes_and_manage_scopes(
        client, db, as_process_admin, method, url):
    response = client.get(url) if method == "GET" else client.post(url, data={
        "title-en": "Taken", "slug": "taken", "start_date": "2030-01-01",
        "end_date": "2030-02-01", "name-en": "North", "code": "N"})
    assert response.status_code == 403
    assert db.session.scalars(select(Process.slug)).all() == ["green-streets"]
    assert db.session.scalars(select(Scope)).all() == []


@pytest.mark.parametrize("role", [Role.COLLABORATOR, Role.MODERATOR, Role.VALUATOR])
def test_other_roles_of_the_process_do_not_get_into_its_back_office(client, login, create_user,
                                                                    grant, process, role):
    holder = create_user(password=STAFF_PASSWORD)
    grant(holder, process, role)
    login(holder)
    assert client.get("/admin/processes/green-streets").status_code == 403
    assert client.get("/admin/processes/green-streets/phases").status_code == 403
    assert client.post("/admin/processes/green-streets/publish").status_code == 403


def test_a_process_admin_does_not_get_into_another_process(client, as_process_admin,
                                                           create_process):
    create_process(slug="other", title={"en": "Other"})
    for url in ("/admin/processes/other", "/admin/processes/other/components",
                "/admin/processes/other/roles"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/processes/other/unpublish").status_code == 403


def test_an_unknown_process_is_404(client, as_admin):
    assert client.get("/admin/processes/no-such-process").status_code == 404
    assert client.get("/admin/processes/no-such-process/phases").status_code == 404


@pytest.fixture
def foreign(create_process, create_phase, create_category, create_component, create_user,
            grant):
    """Rows of another process, whose ids must not work under /admin/processes/green-streets."""
    other = create_process(slug="other")
    return {"phase_id": create_phase(other).id, "category_id": create_category(other).id,
            "component_id": create_component(other).id,
            "role_id": grant(create_user(), other, Role.MODERATOR).id}


@pytest.mark.parametrize("method, path", [
    ("GET", "phases/{phase_id}"),
    ("POST", "phases/{phase_id}"),
    ("POST", "phases/{phase_id}/up"),
    ("POST", "phases/{phase_id}/down"),
    ("POST", "phases/{phase_id}/activate"),
    ("GET", "phases/{phase_id}/delete"),
    ("POST", "phases/{phase_id}/delete"),
    ("GET", "categories/{category_id}"),
    ("POST", "categories/{category_id}"),
    ("POST", "categories/{category_id}/delete"),
    ("GET", "components/{component_id}"),
    ("POST", "components/{component_id}"),
    ("POST", "components/{component_id}/up"),
    ("POST", "components/{component_id}/publish"),
    ("POST", "components/{component_id}/unpublish"),
    ("POST", "components/{component_id}/delete"),
    ("GET", "f/{component_id}/pages/"),
    ("GET", "roles/{role_id}"),
    ("POST", "roles/{role_id}"),
    ("POST", "roles/{role_id}/revoke"),
])
def test_ids_of_another_process_are_404(client, db, as_process_admin, process, create_phase,
                                        foreign, method, path):
    url = "/admin/processes/green-streets/" + path.format(**foreign)
    before = (db.session.scalars(select(Phase)).all(), db.session.scalars(select(Category)).all(),
              db.session.scalars(select(Component)).all(),
              db.session.scalars(select(ProcessRole)).all())
    response = client.get(url) if method == "GET" else client.post(url, data={
        "title-en": "Moved", "name-en": "Moved", "role": "process_admin"})
    assert response.status_code == 404
    db.session.expire_all()
    assert (db.session.scalars(select(Phase)).all(), db.session.scalars(select(Category)).all(),
            db.session.scalars(select(Component)).all(),
            db.session.scalars(select(ProcessRole)).all()) == before
    assert actions(db) == []


# --- processes ----------------------------------------------------------------------------------

def process_data(**overrides) -> dict:
    data = {"title-en": "Green Streets", "title-es": "Calles verdes", "subtitle-en": "Trees",
            "description-en": "<p>Plant trees.</p>", "slug": "green-streets",
            "start_date": "2030-03-01", "end_date": "2030-06-30", "scope_id": ""}
    data.update(overrides)
    return data


def test_an_admin_creates_a_process_unpublished(client, db, as_admin, create_scope):
    scope = create_scope(name={"en": "North"})
    assert "North" in text(client.get("/admin/processes/new"))
    response = client.post("/admin/processes/new", data=process_data(
        slug="Green-Streets", scope_id=str(scope.id), promoted="y"))
    assert response.status_code == 302
    assert response.location == "/admin/processes/green-streets"
    process = db.session.scalars(select(Process)).one()
    assert (process.title, process.slug, process.scope, process.promoted) == (
        {"en": "Green Streets", "es": "Calles verdes"}, "green-streets", scope, True)
    assert (process.start_date, process.end_date) == (date(2030, 3, 1), date(2030, 6, 30))
    assert not process.is_published and not process.automatic_phases
    assert actions(db) == [("create", "process")]
    page = text(client.get(response.location))
    assert "The process is created." in page
    assert "Not published" in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"slug": "GREEN-streets"}, "slug", "Another process already uses this address."),
    ({"slug": "Green Streets!"}, "slug",
     "Use only lower-case letters without accents, digits and single hyphens."),
    ({"slug": "x" * 81}, "slug", "Use at most 80 characters."),
    ({"slug": ""}, "slug", "Fill in this field."),
    ({"end_date": "2030-02-28"}, "end_date", "The end date must be on or after the start date."),
    ({"start_date": "31/03/2030"}, "start_date", "Enter a date like 2025-03-31."),
    ({"end_date": ""}, "end_date", "Fill in this field."),
    ({"title-en": ""}, "title", "Write this text at least in English."),
    ({"title-es": "x" * 151}, "title",
     "The Español text is too long (at most 150 characters)."),
    ({"description-en": "x" * 50_001}, "description",
     "The English text is too long (at most 50000 characters)."),
    ({"scope_id": "999"}, "scope_id", "Choose one of the options."),
    ({"scope_id": "north"}, "scope_id", "Choose one of the options."),
    ({"subtitle-en": "Trees\x00"}, "subtitle", "Remove the control characters from this text."),
])
def test_bad_process_input_is_refused_next_to_the_field(client, db, as_admin, create_process,
                                                        overrides, field, message):
    create_process(slug="green-streets")
    data = process_data(**{"title-en": "New process", "slug": "new-process", **overrides})
    response = client.post("/admin/processes/new", data=data)
    kept = {name: data[name] for name in ("title-en", "subtitle-en", "slug")
            if len(data[name]) < 100 and "\x00" not in data[name]}
    assert_refused(response, field, message, kept)
    assert db.session.scalars(select(Process.slug)).all() == ["green-streets"]
    assert actions(db) == []


def test_every_field_error_is_shown_at_once(client, db, as_admin, process):
    response = client.post("/admin/processes/new", data=process_data(**{
        "title-en": "", "slug": "Not a slug!", "end_date": "2030-01-01"}))
    assert db.session.scalars(select(Process.slug)).all() == ["green-streets"]
    assert response.status_code == 400
    assert field_error(response, "title") == "Write this text at least in English."
    assert field_error(response, "slug") == (
        "Use only lower-case letters without accents, digits and single hyphens.")
    assert field_error(response, "end_date") == (
        "The end date must be on or after the start date.")
    response = client.post("/admin/processes/green-streets/phases/new", data=phase_data(**{
        "title-en": "", "end_date": "2030-01-01"}))
    assert field_error(response, "title") == "Write this text at least in English."
    assert field_error(response, "end_date") == (
        "The end date must be on or after the start date.")


def test_the_same_rules_apply_when_editing(client, db, as_process_admin, process,
                                          create_process):
    create_process(slug="taken")
    response = client.post("/admin/processes/green-streets", data=process_data(slug="Taken"))
    assert_refused(response, "slug", "Another process already uses this address.",
                   {"slug": "Taken"})
    response = client.post("/admin/processes/green-streets",
                           data=process_data(end_date="2030-01-01"))
    assert_refused(response, "end_date", "The end date must be on or after the start date.")
    db.session.expire_all()
    assert process.slug == "green-streets" and process.title == {"en": "Green Streets"}
    assert actions(db) == []


def test_a_process_admin_edits_the_process_and_its_new_slug_is_followed(
        client, db, as_process_admin, process):
    page = text(client.get("/admin/processes/green-streets"))
    assert 'value="green-streets"' in page
    assert 'href="/processes/green-streets"' in page  # the preview
    for tab in ("Information", "Phases", "Components", "Categories", "Roles"):
        assert f">{tab}</a>" in page
    assert "Delete this process" not in page  # organization admins only
    response = client.post("/admin/processes/green-streets", data=process_data(
        slug="greener-streets", automatic_phases="y",
        description="", **{"description-en": '<p>Plant</p><img src=x onerror="alert(1)">'}))
    assert response.location == "/admin/processes/greener-streets"
    db.session.expire_all()
    assert (process.slug, process.automatic_phases) == ("greener-streets", True)
    assert process.description == {"en": "<p>Plant</p>"}
    assert actions(db) == [("update", "process")]


def test_publishing_and_unpublishing_a_process(client, db, as_process_admin, create_process,
                                               grant, process_admin):
    draft = create_process(slug="draft", published=False)
    grant(process_admin, draft)
    page = text(client.get("/admin/processes/draft"))
    assert 'action="/admin/processes/draft/publish"' in page
    response = client.post("/admin/processes/draft/publish")
    assert response.location == "/admin/processes/draft"
    db.session.expire_all()
    assert draft.is_published
    page = text(client.get("/admin/processes/draft"))
    assert "The process is published" in page
    assert 'action="/admin/processes/draft/unpublish"' in page
    client.post("/admin/processes/draft/unpublish")
    db.session.expire_all()
    assert not draft.is_published
    assert actions(db) == [("publish", "process"), ("unpublish", "process")]


def test_a_button_pressed_without_a_valid_token_asks_again(client, db, as_admin, create_process):
    draft = create_process(slug="draft", published=False)
    response = client.post("/admin/processes/draft/publish", csrf=False)
    assert response.status_code == 400
    assert CSRF_MESSAGE in text(response)
    assert 'name="csrf_token"' in form_html(response)  # a fresh token to press again
    db.session.expire_all()
    assert not draft.is_published
    assert actions(db) == []


def test_an_admin_deletes_a_process_after_confirming(client, db, as_admin, process,
                                                     create_phase, create_component):
    create_phase(process)
    create_component(process)
    page = text(client.get("/admin/processes/green-streets/delete"))
    assert "Delete this process with its phases, components and categories?" in page
    response = client.post("/admin/processes/green-streets/delete")
    assert response.location == "/admin/processes"
    assert db.session.scalars(select(Process)).all() == []
    assert "The process is deleted." in text(client.get("/admin/processes"))
    assert actions(db) == [("delete", "process")]


def test_a_process_where_residents_took_part_is_not_deleted(client, db, as_admin, process,
                                                            create_component, survey_kind):
    survey = create_component(process, manifest_name="survey")
    survey_kind.extra["participated"].add(survey.id)
    response = client.post("/admin/processes/green-streets/delete")
    assert response.status_code == 400
    assert "Residents have taken part in this process, so it cannot be deleted." in text(response)
    db.session.expire_all()
    assert db.session.scalars(select(Process)).all() == [process]
    assert actions(db) == []


# --- phases -------------------------------------------------------------------------------------

def phase_data(**overrides) -> dict:
    data = {"title-en": "Ideas", "description-en": "<p>Send ideas.</p>",
            "start_date": "2030-03-01", "end_date": "2030-03-31"}
    data.update(overrides)
    return data


def test_phases_are_added_listed_in_order_moved_activated_and_deleted(client, db,
                                                                      as_process_admin, process):
    assert client.post("/admin/processes/green-streets/phases/new",
                       data=phase_data()).location == "/admin/processes/green-streets/phases"
    client.post("/admin/processes/green-streets/phases/new", data=phase_data(
        **{"title-en": "Vote", "start_date": "2030-04-01", "end_date": "2030-04-20"}))
    ideas, vote = process.phases
    assert (vote.start_date, vote.end_date) == (date(2030, 4, 1), date(2030, 4, 20))

    page = text(client.get("/admin/processes/green-streets/phases"))
    assert page.index("Ideas") < page.index("Vote")
    assert "Mar 1, 2030 – Mar 31, 2030" in page
    assert "Active</strong>" not in page

    client.post(f"/admin/processes/green-streets/phases/{vote.id}/activate")
    client.post(f"/admin/processes/green-streets/phases/{vote.id}/up")
    db.session.expire_all()
    assert process.phases == [vote, ideas] and vote.active
    page = text(client.get("/admin/processes/green-streets/phases"))
    assert "“Vote” is now the active phase." in page
    row = re.search(r"<tr class=\"is-current\">(.*?)</tr>", page, re.S).group(1)
    assert "Vote" in row and "Active" in row
    client.post(f"/admin/processes/green-streets/phases/{vote.id}/down")
    db.session.expire_all()
    assert process.phases == [ideas, vote]

    page = text(client.get(f"/admin/processes/green-streets/phases/{ideas.id}/delete"))
    assert "Delete the phase “Ideas”" in page
    client.post(f"/admin/processes/green-streets/phases/{ideas.id}/delete")
    db.session.expire_all()
    assert process.phases == [vote]
    assert actions(db) == [("create", "phase"), ("create", "phase"), ("activate", "phase"),
                           ("move", "phase"), ("move", "phase"), ("delete", "phase")]


def test_a_phase_is_edited(client, db, as_process_admin, process, create_phase):
    phase = create_phase(process, title={"en": "Ideas"})
    page = text(client.get(f"/admin/processes/green-streets/phases/{phase.id}"))
    assert 'value="Ideas"' in page and 'type="date"' in page
    client.post(f"/admin/processes/green-streets/phases/{phase.id}",
                data=phase_data(**{"title-en": "Proposals", "end_date": "2030-03-02"}))
    db.session.expire_all()
    assert (phase.title, phase.end_date) == ({"en": "Proposals"}, date(2030, 3, 2))


@pytest.mark.parametrize("overrides, field, message", [
    ({"end_date": "2030-02-01"}, "end_date", "The end date must be on or after the start date."),
    ({"start_date": "2030-02-30"}, "start_date", "Enter a date like 2025-03-31."),
    ({"title-en": ""}, "title", "Write this text at least in English."),
    ({"title-en": "x" * 151}, "title", "The English text is too long (at most 150 characters)."),
])
def test_bad_phase_input_is_refused(client, db, as_process_admin, process, create_phase,
                                    overrides, field, message):
    phase = create_phase(process, title={"en": "Ideas"})
    data = phase_data(**overrides)
    kept = {"title-en": data["title-en"]} if len(data["title-en"]) < 100 else {}
    assert_refused(client.post("/admin/processes/green-streets/phases/new", data=data),
                   field, message, kept)
    assert_refused(client.post(f"/admin/processes/green-streets/phases/{phase.id}", data=data),
                   field, message, kept)
    db.session.expire_all()
    assert process.phases == [phase] and phase.title == {"en": "Ideas"}
    assert actions(db) == []


# --- categories ---------------------------------------------------------------------------------

def test_categories_with_subcategories(client, db, as_process_admin, process):
    client.post("/admin/processes/green-streets/categories/new",
                data={"name-en": "Parks", "parent_id": ""})
    parks = db.session.scalars(select(Category)).one()
    page = text(client.get("/admin/processes/green-streets/categories/new"))
    assert f'<option value="{parks.id}">Parks</option>' in page
    client.post("/admin/processes/green-streets/categories/new",
                data={"name-en": "Trees", "parent_id": str(parks.id)})
    client.post("/admin/processes/green-streets/categories/new",
                data={"name-en": "Mobility", "parent_id": ""})
    page = text(client.get("/admin/processes/green-streets/categories"))
    tree = re.search(r'<ul class="tree">(.*)</ul>', page, re.S).group(1)
    nested = re.search(r"Parks.*?<ul>(.*?)</ul>", tree, re.S).group(1)
    assert "Trees" in nested and "Mobility" not in nested  # the subcategory is indented

    trees = db.session.scalars(select(Category).where(Category.parent_id == parks.id)).one()
    client.post(f"/admin/processes/green-streets/categories/{trees.id}",
                data={"name-en": "Street trees", "parent_id": ""})
    db.session.expire_all()
    assert (trees.name, trees.parent_id) == ({"en": "Street trees"}, None)
    client.post(f"/admin/processes/green-streets/categories/{trees.id}/delete")
    assert [c.name["en"] for c in db.session.scalars(select(Category))] == ["Parks", "Mobility"]
    assert actions(db) == [("create", "category")] * 3 + [("update", "category"),
                                                          ("delete", "category")]


def test_a_category_cannot_hang_from_a_category_of_another_process_or_a_subcategory(
        client, db, as_process_admin, process, create_process, create_category):
    foreign = create_category(create_process())
    main = create_category(process, name={"en": "Parks"})
    sub = create_category(process, parent=main)
    for parent in (foreign, sub):
        response = client.post("/admin/processes/green-streets/categories/new",
                               data={"name-en": "Trees", "parent_id": str(parent.id)})
        assert_refused(response, "parent_id", "Choose one of the options.", {"name-en": "Trees"})
    response = client.post(f"/admin/processes/green-streets/categories/{main.id}",
                           data={"name-en": "Parks", "parent_id": str(main.id)})
    assert_refused(response, "parent_id", "Choose one of the options.")
    response = client.post("/admin/processes/green-streets/categories/new",
                           data={"name-en": "x" * 101})
    assert_refused(response, "name", "The English text is too long (at most 100 characters).")
    assert len(db.session.scalars(select(Category)).all()) == 3
    assert actions(db) == []


def test_a_main_category_with_subcategories_cannot_become_a_subcategory(
        client, db, as_process_admin, process, create_category):
    main = create_category(process, name={"en": "Parks"})
    create_category(process, parent=main)
    other = create_category(process, name={"en": "Mobility"})
    response = client.post(f"/admin/processes/green-streets/categories/{main.id}",
                           data={"name-en": "Parks", "parent_id": str(other.id)})
    assert_refused(response, "parent_id",
                   "A category with subcategories cannot become a subcategory.")
    db.session.expire_all()
    assert main.parent_id is None


# --- components ---------------------------------------------------------------------------------

def test_a_component_is_added_unpublished_and_listed_with_its_links(client, db,
                                                                    as_process_admin, process):
    page = text(client.get("/admin/processes/green-streets/components/new"))
    assert '<option value="pages">Page</option>' in page
    response = client.post("/admin/processes/green-streets/components/new",
                           data={"manifest_name": "pages", "name-en": "How it works"})
    assert response.location == "/admin/processes/green-streets/components"
    component = db.session.scalars(select(Component)).one()
    assert (component.manifest_name, component.name, component.is_published) == (
        "pages", {"en": "How it works"}, False)
    page = text(client.get("/admin/processes/green-streets/components"))
    assert "How it works" in page and "Page" in page and "Not published" in page
    base = f"/admin/processes/green-streets/f/{component.id}"
    assert f'href="{base}/pages/"' in page  # the kind's own back office
    assert f'href="/processes/green-streets/f/{component.id}/"' in page  # its public page
    assert f'href="/admin/processes/green-streets/components/{component.id}"' in page
    # The kind's own back office sits inside the process's.
    page = text(client.get(f"{base}/pages/"))
    assert '<a href="/admin/processes/green-streets/components" aria-current="true">' in page
    assert actions(db) == [("create", "component")]


@pytest.mark.parametrize("kind", ["meetings", "", "PAGES", "../pages"])
def test_a_component_of_an_unknown_kind_is_refused(client, db, as_process_admin, process, kind):
    response = client.post("/admin/processes/green-streets/components/new",
                           data={"manifest_name": kind, "name-en": "How it works"})
    assert_refused(response, "manifest_name", "Choose one of the options.",
                   {"name-en": "How it works"})
    assert db.session.scalars(select(Component)).all() == []


def test_components_are_moved_published_unpublished_and_deleted(client, db, as_process_admin,
                                                                process, create_component):
    first = create_component(process, name={"en": "First"}, published=False)
    second = create_component(process, name={"en": "Second"}, published=False)
    base = "/admin/processes/green-streets/components"
    client.post(f"{base}/{second.id}/up")
    client.post(f"{base}/{second.id}/publish")
    db.session.expire_all()
    assert process.components == [second, first] and second.is_published
    page = text(client.get(base))
    assert page.index("Second") < page.index("First")
    assert f'action="{base}/{second.id}/unpublish"' in page
    assert f'action="{base}/{first.id}/publish"' in page
    client.post(f"{base}/{second.id}/unpublish")
    client.post(f"{base}/{first.id}/up")
    assert "Delete the component “First”" in text(client.get(f"{base}/{first.id}/delete"))
    client.post(f"{base}/{first.id}/delete")
    db.session.expire_all()
    assert process.components == [second] and not second.is_published
    assert actions(db) == [("move", "component"), ("publish", "component"),
                           ("unpublish", "component"), ("move", "component"),
                           ("delete", "component")]


def test_a_component_where_residents_took_part_is_not_deleted(client, db, as_process_admin,
                                                              process, create_component,
                                                              survey_kind):
    survey = create_component(process, manifest_name="survey")
    survey_kind.extra["participated"].add(survey.id)
    page = text(client.get("/admin/processes/green-streets/components"))
    assert "Survey" in page and "Manage content" not in page  # the test kind has no back office
    response = client.post(f"/admin/processes/green-streets/components/{survey.id}/delete")
    assert response.status_code == 400
    assert "Residents have taken part in this component, so it cannot be deleted." in \
        text(response)
    assert db.session.scalars(select(Component)).all() == [survey]


def survey_data(phase_ids, **overrides) -> dict:
    data = {"name-en": "Survey", "settings-comments_enabled": "y",
            "settings-answers_limit": "4", "settings-order": "recent",
            "settings-announcement-en": "Answer now", "settings-hashtag": "green"}
    for phase_id in phase_ids:
        data[f"phase-{phase_id}-questions_limit"] = "2"
    data.update(overrides)
    return data


def test_the_settings_page_is_generated_from_the_manifest(client, db, as_process_admin,
                                                          process, create_phase,
                                                          create_component, survey_kind):
    ideas = create_phase(process, title={"en": "Ideas"}, active=True)
    vote = create_phase(process, title={"en": "Vote"})
    survey = create_component(process, manifest_name="survey")
    url = f"/admin/processes/green-streets/components/{survey.id}"
    page = text(client.get(url))
    form = form_html(client.get(url))
    assert '<input checked id="settings-comments_enabled"' in form  # default True
    assert re.search(r'<input[^>]*id="settings-answers_limit"[^>]*max="10"[^>]*min="1"'
                     r'[^>]*type="number"[^>]*value="3"', form)
    assert '<select id="settings-order" name="settings-order">' in form
    assert 'id="settings-announcement-en"' in form and 'id="settings-hashtag"' in form
    assert "<legend>In the phase “Ideas” (active now)</legend>" in page
    assert "<legend>In the phase “Vote”</legend>" in page
    assert f'id="phase-{vote.id}-answers_enabled"' in form
    assert f'max="20" min="0" name="phase-{vote.id}-questions_limit"' in form

    data = survey_data([ideas.id, vote.id], **{f"phase-{ideas.id}-answers_enabled": "y"})
    assert client.post(url, data=data).location == "/admin/processes/green-streets/components"
    db.session.expire_all()
    assert survey.settings == {"comments_enabled": True, "answers_limit": 4, "order": "recent",
                               "announcement": {"en": "Answer now"}, "hashtag": "green"}
    assert survey.phase_settings == {
        str(ideas.id): {"answers_enabled": True, "questions_limit": 2},
        str(vote.id): {"answers_enabled": False, "questions_limit": 2},
    }
    form = form_html(client.get(url))
    assert f'<input checked id="phase-{ideas.id}-answers_enabled"' in form
    assert actions(db) == [("update", "component")]


@pytest.mark.parametrize("field, value, message", [
    ("settings-answers_limit", "11", "Enter a number from 1 to 10."),
    ("settings-answers_limit", "0", "Enter a number from 1 to 10."),
    ("settings-answers_limit", "three", "Enter a whole number."),
    ("settings-answers_limit", "2.5", "Enter a whole number."),
    ("settings-answers_limit", " ", "Fill in this field."),
    ("settings-order", "alphabetical", "Choose one of the options."),
    ("settings-hashtag", "x" * 1001, "Use at most 1000 characters."),
    ("settings-hashtag", "#green\x00", "Remove the control characters from this text."),
    ("phase-{phase_id}-questions_limit", "21", "Enter a number from 0 to 20."),
    ("phase-{phase_id}-questions_limit", "-1", "Enter a number from 0 to 20."),
])
def test_settings_out_of_bounds_or_of_the_wrong_type_are_refused(
        client, db, as_process_admin, process, create_phase, create_component, survey_kind,
        field, value, message):
    phase = create_phase(process)
    survey = create_component(process, manifest_name="survey")
    field = field.format(phase_id=phase.id)
    data = survey_data([phase.id], **{field: value})
    response = client.post(f"/admin/processes/green-streets/components/{survey.id}", data=data)
    typed = {field: value} if "order" not in field and len(value) < 100 and "\x00" not in value \
        else {}
    assert_refused(response, field, message, {"name-en": "Survey", **typed})
    db.session.expire_all()
    assert (survey.settings, survey.phase_settings) == ({}, {})
    assert actions(db) == []


def test_a_typed_value_out_of_bounds_is_shown_again(client, db, as_process_admin, process,
                                                    create_component, survey_kind):
    survey = create_component(process, manifest_name="survey")
    response = client.post(f"/admin/processes/green-streets/components/{survey.id}",
                           data=survey_data([], **{"settings-answers_limit": "seven"}))
    assert response.status_code == 400
    assert re.search(r'id="settings-answers_limit"[^>]*value="seven"', form_html(response))


def test_the_pages_component_has_no_settings_but_a_name(client, db, as_process_admin, process,
                                                        create_component):
    page = create_component(process, name={"en": "How it works"})
    url = f"/admin/processes/green-streets/components/{page.id}"
    assert "This kind of component has no settings." in text(client.get(url))
    client.post(url, data={"name-en": "About"})
    db.session.expire_all()
    assert page.name == {"en": "About"}
    assert_refused(client.post(url, data={"name-en": ""}), "name",
                   "Write this text at least in English.")


# --- roles --------------------------------------------------------------------------------------

def test_roles_are_given_changed_and_taken_away(client, db, as_process_admin, process,
                                                create_user):
    ana = create_user(name="Ana García", nickname="ana", email="ana@example.org")
    client.post("/admin/processes/green-streets/roles/new",
                data={"identifier": "ANA@example.org", "role": "moderator"})
    assignment = db.session.scalars(select(ProcessRole).where(ProcessRole.user == ana)).one()
    assert assignment.role == "moderator"
    page = text(client.get("/admin/processes/green-streets/roles"))
    assert "Ana García" in page and "ana@example.org" in page
    assert "Moderator (the moderation queue of this process)" in page
    assert "pat@example.org" in page  # the process admin is listed too

    client.post(f"/admin/processes/green-streets/roles/{assignment.id}",
                data={"role": "valuator"})
    db.session.expire_all()
    assert assignment.role == "valuator"
    client.post("/admin/processes/green-streets/roles/new",
                data={"identifier": "@ana", "role": "collaborator"})  # by nickname: a change
    db.session.expire_all()
    assert assignment.role == "collaborator"
    response = client.post(f"/admin/processes/green-streets/roles/{assignment.id}/revoke")
    assert response.location == "/admin/processes/green-streets/roles"
    assert db.session.scalars(select(ProcessRole).where(ProcessRole.user == ana)).all() == []
    assert actions(db) == [("grant_role", "user")] * 3 + [("revoke_role", "user")]


@pytest.mark.parametrize("data, field, message", [
    ({"identifier": "nobody@example.org", "role": "moderator"}, "identifier",
     "No participant has this e-mail address or nickname."),
    ({"identifier": SCRIPT, "role": "moderator"}, "identifier",
     "No participant has this e-mail address or nickname."),
    ({"identifier": "", "role": "moderator"}, "identifier", "Fill in this field."),
    ({"identifier": "x" * 255, "role": "moderator"}, "identifier", "Use at most 254 characters."),
    ({"identifier": "pat", "role": "owner"}, "role", "Choose one of the options."),
    ({"identifier": "pat", "role": ""}, "role", "Choose one of the options."),
])
def test_a_role_for_an_unknown_user_or_an_unknown_role_is_refused(
        client, db, as_process_admin, process, data, field, message):
    response = client.post("/admin/processes/green-streets/roles/new", data=data)
    kept = {"identifier": data["identifier"]} if len(data["identifier"]) < 100 else {}
    assert_refused(response, field, message, kept)
    assert SCRIPT not in response.get_data(as_text=True)
    assert [r.role for r in db.session.scalars(select(ProcessRole))] == ["process_admin"]
    assert actions(db) == []


def test_a_process_admin_who_gives_up_the_role_goes_back_to_the_list(client, db,
                                                                     as_process_admin, process):
    own = db.session.scalars(select(ProcessRole)).one()
    response = client.post(f"/admin/processes/green-streets/roles/{own.id}/revoke")
    assert response.location == "/admin/processes"
    assert client.get("/admin/processes/green-streets").status_code == 403


# --- scopes -------------------------------------------------------------------------------------

def test_scopes_are_added_edited_and_deleted(client, db, as_admin):
    assert client.post("/admin/scopes/new", data={"name-en": "North", "code": "N1"}
                       ).location == "/admin/scopes"
    scope = db.session.scalars(select(Scope)).one()
    page = text(client.get("/admin/scopes"))
    assert "North" in page and "N1" in page
    client.post(f"/admin/scopes/{scope.id}", data={"name-en": "North district", "code": "N1"})
    db.session.expire_all()
    assert scope.name == {"en": "North district"}
    confirmation = text(client.get(f"/admin/scopes/{scope.id}/delete"))
    assert "Delete the scope “North district”?" in confirmation
    client.post(f"/admin/scopes/{scope.id}/delete")
    assert db.session.scalars(select(Scope)).all() == []
    assert actions(db) == [("create", "scope"), ("update", "scope"), ("delete", "scope")]


@pytest.mark.parametrize("data, field, message", [
    ({"name-en": "North", "code": "n1"}, "code", "Another scope already uses this code."),
    ({"name-en": "North", "code": "x" * 21}, "code", "Use at most 20 characters."),
    ({"name-en": "North", "code": ""}, "code", "Fill in this field."),
    ({"name-en": "", "code": "N2"}, "name", "Write this text at least in English."),
])
def test_bad_scope_input_is_refused(client, db, as_admin, create_scope, data, field, message):
    create_scope(code="N1")
    assert_refused(client.post("/admin/scopes/new", data=data), field, message,
                   {k: v for k, v in data.items() if v and len(v) < 20})
    assert len(db.session.scalars(select(Scope)).all()) == 1


def test_a_scope_in_use_is_not_deleted(client, db, as_admin, create_scope, create_process):
    scope = create_scope()
    create_process(scope_id=scope.id)
    response = client.post(f"/admin/scopes/{scope.id}/delete")
    assert response.status_code == 400
    assert "This scope is used by a process" in text(response)
    assert db.session.scalars(select(Scope)).all() == [scope]
    assert client.get("/admin/scopes/987654").status_code == 404


# --- text is escaped or sanitized everywhere ----------------------------------------------------

@pytest.mark.parametrize("url, data, shown_at", [
    ("/admin/processes/new", process_data(slug="new", **{
        "title-en": SCRIPT, "subtitle-en": SCRIPT, "description-en": f"<p>Hi</p>{SCRIPT}"}),
     "/admin/processes/new"),
    ("/admin/processes/green-streets/phases/new",
     phase_data(**{"title-en": SCRIPT, "description-en": SCRIPT}),
     "/admin/processes/green-streets/phases"),
    ("/admin/processes/green-streets/categories/new", {"name-en": SCRIPT},
     "/admin/processes/green-streets/categories"),
    ("/admin/processes/green-streets/components/new",
     {"manifest_name": "pages", "name-en": SCRIPT}, "/admin/processes/green-streets/components"),
    ("/admin/scopes/new", {"name-en": SCRIPT, "code": "<b>1</b>"}, "/admin/scopes"),
])
def test_script_in_any_text_field_is_escaped_or_sanitized(client, db, as_admin, process, url,
                                                          data, shown_at):
    response = client.post(url, data=data)
    assert response.status_code == 302, field_error(response, "code")
    for page in (client.get(shown_at), client.get(response.location)):
        body = page.get_data(as_text=True)
        assert "<script>alert" not in body and "<b>1</b>" not in body
    if shown_at == "/admin/processes/new":
        created = db.session.scalars(select(Process).where(Process.slug == "new")).one()
        assert created.description == {"en": "<p>Hi</p>alert('x')"}
        assert "&lt;script&gt;alert" in text(client.get("/admin/processes")).replace(
            "<script>", "&lt;script&gt;")


# --- lists run a fixed number of queries --------------------------------------------------------

def test_the_process_list_runs_the_same_queries_for_3_or_30_processes(
        client, db, as_process_admin, process_admin, create_process, create_phase, grant,
        count_queries, login, admin):
    def fill(count):
        for _ in range(count):
            each = create_process()
            create_phase(each, active=True)
            create_phase(each)
            grant(process_admin, each)

    def measure():
        db.session.commit()  # as a new request: no transaction open, nothing loaded
        with count_queries() as counter:
            assert client.get("/admin/processes").status_code == 200
        return counter.count

    fill(2)  # and green-streets
    few = measure()
    fill(27)
    assert measure() == few
    client.post("/signout")
    login(admin)
    few = measure()
    fill(30)
    assert measure() == few


@pytest.mark.parametrize("path", ["phases", "components", "categories", "roles"])
def test_the_lists_of_a_process_run_the_same_queries_for_3_or_30_rows(
        client, db, as_process_admin, process, create_phase, create_component, create_category,
        create_user, grant, count_queries, path):
    def fill(count):
        for _ in range(count):
            create_phase(process)
            create_component(process)
            create_category(process, parent=create_category(process))
            grant(create_user(), process, Role.MODERATOR)

    def measure():
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/admin/processes/green-streets/{path}").status_code == 200
        return counter.count

    fill(3)
    few = measure()
    fill(27)
    assert measure() == few


def test_the_missing_language_is_named_in_the_readers_language(client, db, as_admin):
    as_admin.locale = "es"
    db.session.commit()
    response = client.post("/admin/processes/new", data=process_data(**{"title-en": ""}))
    assert response.status_code == 400
    assert field_error(response, "title") == "Escribe este texto al menos en inglés."
