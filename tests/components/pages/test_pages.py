"""The pages component: the public page, the back-office editor, its hooks."""

import re

import pytest
from sqlalchemy import select

from decide.components import get_manifest
from decide.components.pages.models import Page
from decide.core.models import ActionLog
from decide.core.models import Organization
from decide.spaces.models import Role
from tests.conftest import STAFF_PASSWORD


@pytest.fixture
def organization(db):
    organization = Organization.current(("en", "es", "ca", "fr"))
    organization.name = "Vilanova City Council"
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def process(organization, create_process):
    return create_process(slug="green-streets", title={"en": "Green Streets"})


@pytest.fixture
def component(process, create_component):
    return create_component(process, name={"en": "How this process works",
                                           "es": "Cómo funciona este proceso"})


@pytest.fixture
def write_page(db):
    def write(component, body: dict) -> Page:
        page = Page(component_id=component.id, body=body)
        db.session.add(page)
        db.session.commit()
        return page

    return write


@pytest.fixture
def staff_member(create_user):
    return create_user(password=STAFF_PASSWORD, nickname="jordi", email="jordi@example.org")


def public_url(component) -> str:
    return f"/processes/{component.process.slug}/f/{component.id}/pages/"


def admin_url(component) -> str:
    return f"/admin{public_url(component)}"


def main_of(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


# --- the public page --------------------------------------------------------------------

def test_the_page_shows_its_text_in_the_readers_language(client, component, write_page):
    write_page(component, {"en": "<h2>Phases</h2><p>First we listen.</p>",
                           "es": "<h2>Fases</h2><p>Primero escuchamos.</p>"})

    spanish = main_of(client.get(public_url(component), headers={"Accept-Language": "es"}))
    english = main_of(client.get(public_url(component)))

    assert "<h1>Cómo funciona este proceso</h1>" in spanish
    assert "<h2>Fases</h2><p>Primero escuchamos.</p>" in spanish
    assert "First we listen." not in spanish
    assert "<p>First we listen.</p>" in english
    # The breadcrumbs lead back to the process and the list.
    assert 'href="/processes/green-streets"' in english and 'href="/processes"' in english


@pytest.mark.parametrize("body, reader, shown", [
    ({"en": "<p>In English.</p>"}, "fr", "<p>In English.</p>"),          # default language
    ({"ca": "<p>En català.</p>"}, "fr", "<p>En català.</p>"),             # first present
    ({"en": "<p>In English.</p>", "fr": ""}, "fr", "<p>In English.</p>"),  # empty is missing
])
def test_the_page_falls_back_when_the_readers_language_is_missing(client, component,
                                                                  write_page, body, reader,
                                                                  shown):
    write_page(component, body)

    assert shown in main_of(client.get(public_url(component),
                                       headers={"Accept-Language": reader}))


def test_a_page_without_text_says_so(client, component):
    assert "This page has no text yet." in main_of(client.get(public_url(component)))


def test_the_public_page_shows_the_current_phase(client, component, create_phase):
    create_phase(component.process, title={"en": "Proposals"}, active=True)

    html = main_of(client.get(public_url(component)))

    assert 'class="phase-banner"' in html and "Proposals" in html


# --- the editor -------------------------------------------------------------------------------

def test_the_admin_saves_sanitized_html(client, db, admin, login, component):
    login(admin)
    form = main_of(client.get(admin_url(component)))
    assert 'name="body-en"' in form and 'name="body-es"' in form

    response = client.post(admin_url(component), data={
        "body-en": '<p onclick="steal()">Plant <strong>trees</strong>.</p>'
                   '<script>alert(1)</script><a href="javascript:alert(2)">link</a>',
        "body-es": "<p>Planta <em>árboles</em>.</p><iframe src='https://evil.example'></iframe>",
    })

    assert response.status_code == 302
    assert response.headers["Location"] == admin_url(component)
    assert "The page is saved." in main_of(client.get(admin_url(component)))
    page = db.session.scalars(select(Page).where(Page.component_id == component.id)).one()
    assert page.body["es"] == "<p>Planta <em>árboles</em>.</p>"
    assert "<strong>trees</strong>" in page.body["en"]
    for bad in ("onclick", "<script", "javascript:", "steal()"):
        assert bad not in page.body["en"]
    public = main_of(client.get(public_url(component)))
    assert "<strong>trees</strong>" in public and "<script" not in public


@pytest.mark.parametrize("text, message", [
    ("x" * 100_001, "The English text is too long (at most 100000 characters)."),
    ("<p>Bell\x07 here</p>", "Remove the control characters from this text."),
])
def test_bad_input_is_refused_next_to_the_field(client, db, admin, login, component,
                                                write_page, text, message):
    write_page(component, {"en": "<p>Before.</p>"})
    login(admin)

    response = client.post(admin_url(component), data={"body-en": text})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="body-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert 'aria-describedby="body-help body-error"' in html
    db.session.expire_all()
    page = db.session.scalars(select(Page).where(Page.component_id == component.id)).one()
    assert page.body == {"en": "<p>Before.</p>"}
    assert db.session.scalars(select(ActionLog)).all() == []


def test_every_save_is_written_to_the_action_log(client, db, admin, login, component):
    login(admin)

    for text in ("<p>One.</p>", "<p>Two.</p>"):
        assert client.post(admin_url(component), data={"body-en": text}).status_code == 302

    entries = db.session.scalars(select(ActionLog).order_by(ActionLog.id)).all()
    assert [(e.user_id, e.action, e.resource_type, e.resource_id, e.process_id)
            for e in entries] == [(admin.id, "update", "component", component.id,
                                   component.process_id)] * 2
    assert entries[0].resource_label == {"en": "How this process works",
                                         "es": "Cómo funciona este proceso"}


def test_the_process_admin_of_this_process_edits_the_page(client, db, staff_member, login,
                                                          component, grant):
    grant(staff_member, component.process, Role.PROCESS_ADMIN)
    login(staff_member)

    assert client.get(admin_url(component)).status_code == 200
    assert client.post(admin_url(component), data={"body-en": "<p>Ours.</p>"}).status_code == 302
    page = db.session.scalars(select(Page).where(Page.component_id == component.id)).one()
    assert page.body == {"en": "<p>Ours.</p>"}
    # The public page offers the way back to the editor.
    assert f'href="{admin_url(component)}"' in main_of(client.get(public_url(component)))


@pytest.mark.parametrize("role", [Role.COLLABORATOR, Role.MODERATOR, Role.VALUATOR,
                                  "process admin elsewhere"])
def test_other_staff_cannot_edit_the_page(client, db, staff_member, login, component, grant,
                                          create_process, role):
    if role == "process admin elsewhere":
        grant(staff_member, create_process(), Role.PROCESS_ADMIN)
    else:
        grant(staff_member, component.process, role)
    login(staff_member)

    assert client.get(admin_url(component)).status_code == 403
    assert client.post(admin_url(component), data={"body-en": "<p>Mine.</p>"}).status_code == 403
    assert db.session.scalars(select(Page)).all() == []
    assert "Edit this page" not in main_of(client.get(public_url(component)))


def test_residents_get_403_and_anonymous_visitors_are_sent_to_sign_in(client, db, user, login,
                                                                      component):
    response = client.get(admin_url(component))
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")

    login(user)
    assert client.get(admin_url(component)).status_code == 403
    assert client.post(admin_url(component), data={"body-en": "<p>Mine.</p>"}).status_code == 403
    assert db.session.scalars(select(Page)).all() == []


def test_the_editor_is_404_for_another_process_or_another_kind(client, admin, login, component,
                                                               create_process,
                                                               create_component):
    other = create_process()
    debates = create_component(component.process, manifest_name="debates")
    login(admin)

    assert client.get(f"/admin/processes/{other.slug}/f/{component.id}/pages/").status_code \
        == 404
    assert client.get(admin_url(debates)).status_code == 404
    huge = "9" * 26
    assert client.get(f"/admin/processes/{other.slug}/f/{huge}/pages/").status_code == 404


# --- hooks -----------------------------------------------------------------------------------

def test_the_summary_is_the_first_paragraph_as_plain_text(app, component, create_component,
                                                          write_page):
    write_page(component, {"en": "<h2>Why</h2><p>Read <strong>this</strong> &amp; that.</p>"
                                 "<p>Second paragraph.</p>"})
    long = create_component(component.process)
    write_page(long, {"en": "<p>" + "word " * 100 + "</p>"})
    no_paragraph = create_component(component.process)
    write_page(no_paragraph, {"en": "<h2>Steps</h2><ol><li>Propose</li><li>Vote</li></ol>"})
    empty = create_component(component.process)
    manifest = get_manifest("pages")

    assert manifest.summary(component) == "Read this & that."
    summary = manifest.summary(long)
    assert summary.endswith("…") and len(summary) <= 161 and "  " not in summary
    assert manifest.summary(no_paragraph) == "Steps Propose Vote"
    assert manifest.summary(empty) == ""


def test_the_seed_writes_the_phases_in_every_language(app, db, component, create_phase):
    create_phase(component.process, title={"en": "Proposals", "es": "Propuestas"})
    create_phase(component.process, title={"en": "Voting"})

    get_manifest("pages").seed(component)

    page = db.session.scalars(select(Page).where(Page.component_id == component.id)).one()
    assert set(page.body) == {"en", "es", "ca", "fr"}
    assert "<strong>Propuestas</strong>" in page.body["es"]
    assert "<strong>Voting</strong>" in page.body["es"]  # falls back to the default language
    assert page.body["en"].index("Proposals") < page.body["en"].index("Voting")
