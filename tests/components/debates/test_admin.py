"""The back office of debates: who may enter, the list, official debates and their dates,
closing any debate, deleting official ones, bad input, the action log."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from decide.comments.models import Comment
from decide.components.debates.models import Debate
from decide.core.models import ActionLog
from decide.spaces.models import Role
from tests.components.debates.conftest import admin_url
from tests.components.debates.conftest import hours
from tests.components.debates.conftest import main_of
from tests.components.debates.conftest import now
from tests.components.debates.conftest import public_url
from tests.conftest import DEFAULT_PASSWORD
from tests.conftest import STAFF_PASSWORD

OFFICIAL = {"title-en": "Which streets get trees first?", "title-es": "¿Qué calles primero?",
            "description-en": "<p>We plant 400 trees a year.</p>"}


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


@pytest.fixture
def staff(login, process_admin):
    login(process_admin)
    return process_admin


# --- who may enter ------------------------------------------------------------------------------

PERSONAS = ("anonymous", "resident", "author", "moderator", "collaborator",
            "admin of another process", "process admin", "admin")
ALLOWED = {"process admin", "admin"}


@pytest.fixture
def become(login, create_user, grant, component, resident, create_process):
    def sign_in(persona: str):
        if persona == "anonymous":
            return
        if persona == "author":
            login(resident)
            return
        person = create_user(admin=persona == "admin",
                             password=DEFAULT_PASSWORD if persona == "resident"
                             else STAFF_PASSWORD)
        roles = {"moderator": Role.MODERATOR, "collaborator": Role.COLLABORATOR,
                 "process admin": Role.PROCESS_ADMIN}
        if persona in roles:
            grant(person, component.process, roles[persona])
        if persona == "admin of another process":
            grant(person, create_process(), Role.PROCESS_ADMIN)
        login(person)

    return sign_in


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("tail", ["", "new", "{debate}", "{debate}/close", "{debate}/delete",
                                  "{residents}/close"])
def test_who_enters_the_back_office(client, db, component, create_debate, resident, become,
                                    persona, tail):
    official = create_debate()
    residents = create_debate(author=resident)
    url = admin_url(component, tail.format(debate=official.id, residents=residents.id))
    become(persona)

    response = client.get(url)

    if persona == "anonymous":
        assert response.status_code == 302 and "/signin" in response.headers["Location"]
    elif persona in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    if tail and persona not in ALLOWED:  # a refused POST changes nothing
        before = db.session.scalars(select(Debate.id, Debate.title, Debate.closed_at)).all()
        client.post(url, data={**OFFICIAL, "conclusion-en": "A conclusion that is long."})
        db.session.expire_all()
        assert db.session.scalars(select(Debate.id, Debate.title, Debate.closed_at)
                                  ).all() == before


def test_a_residents_debate_is_not_edited_nor_deleted_by_staff(client, db, component,
                                                              create_debate, resident, staff):
    debate = create_debate(author=resident)
    for tail in (str(debate.id), f"{debate.id}/delete"):
        assert client.get(admin_url(component, tail)).status_code == 403
        assert client.post(admin_url(component, tail), data=OFFICIAL).status_code == 403
    db.session.refresh(debate)
    assert debate.title == {"ca": "Resident debate number 1"}


@pytest.mark.parametrize("tail", ["{other}", "{other}/close", "{other}/delete", "{far}",
                                  "2147483648", "2147483648/close"])
def test_another_components_debates_are_not_found_here(client, db, component, create_debate,
                                                       create_component, create_process,
                                                       staff, tail):
    sibling = create_debate(target=create_component(component.process,
                                                    manifest_name="debates"))
    far = create_debate(target=create_component(create_process(), manifest_name="debates"))
    url = admin_url(component, tail.format(other=sibling.id, far=far.id))
    assert client.get(url).status_code == 404
    assert client.post(url, data={"conclusion-en": "Closed from elsewhere."}).status_code == 404
    db.session.refresh(sibling)
    assert not sibling.is_closed and db.session.get(Debate, sibling.id)


def test_the_component_list_leads_to_the_debates(client, component, staff):
    html = main_of(client.get(f"/admin/processes/{component.process.slug}/components"))
    assert f'href="{admin_url(component)}"' in html


# --- the list ---------------------------------------------------------------------------------

def test_the_list_shows_every_debate_with_its_actions(client, db, component, create_debate,
                                                      resident, staff):
    official = create_debate(title={"en": "Trees or parking?"})
    commented = create_debate(title={"en": "Ask the mayor"})
    db.session.add(Comment(component_id=component.id, author_id=resident.id,
                           commentable_id=commented.id, body="Hi", locale="en",
                           deleted_at=now()))
    db.session.commit()
    mine = create_debate(author=resident)
    hidden = create_debate(title={"en": "Spam"}, hidden_at=now())

    html = main_of(client.get(admin_url(component)))

    assert "4 debates" in html and "Hidden" in html and "Spam" in html
    assert f'href="{admin_url(component, str(official.id))}"' in html
    assert f'href="{admin_url(component, str(official.id))}/delete"' in html
    assert f'{commented.id}/delete"' not in html       # it has a comment
    assert f'href="{admin_url(component, str(mine.id))}"' not in html  # not ours to edit
    assert f'{mine.id}/close"' in html and f'{mine.id}/delete"' not in html
    assert hidden.id


def test_the_list_runs_the_same_queries_for_3_or_30_debates(client, db, component,
                                                             create_debate, create_user,
                                                             count_queries, staff):
    def add(number):
        for index in range(number):
            create_debate(author=create_user() if index % 2 else None,
                          comments_count=index, closed_at=now() if index % 3 else None)

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(admin_url(component)).status_code == 200
        return counter.count

    add(3)
    few = queries()
    add(27)
    assert queries() == few


# --- official debates ---------------------------------------------------------------------------

def test_staff_put_an_official_debate_with_dates(client, db, component, staff, create_category,
                                                 create_scope):
    category, scope = create_category(component.process), create_scope()
    form = main_of(client.get(admin_url(component, "new")))
    assert 'name="title-en"' in form and 'name="title-ca"' in form
    assert 'type="datetime-local"' in form

    response = client.post(admin_url(component, "new"), data={
        **OFFICIAL, "description-en": '<p onclick="x()">Trees</p><script>alert(1)</script>',
        "start_at": "2031-03-01T18:30", "end_at": "2031-03-01T20:00",
        "category_id": str(category.id), "scope_id": str(scope.id),
    })

    assert response.status_code == 302 and response.headers["Location"] == admin_url(component)
    debate = db.session.scalars(select(Debate)).one()
    assert debate.official and debate.author_id is None
    assert debate.title == {"en": OFFICIAL["title-en"], "es": OFFICIAL["title-es"]}
    assert debate.description == {"en": "<p>Trees</p>alert(1)"}
    # Entered in the organization's zone (Madrid, UTC+1 in March), stored in UTC.
    assert debate.start_at == datetime(2031, 3, 1, 17, 30)
    assert debate.end_at == datetime(2031, 3, 1, 19, 0)
    assert (debate.category_id, debate.scope_id) == (category.id, scope.id)
    # Shown back in the organization's zone.
    edit = main_of(client.get(admin_url(component, str(debate.id))))
    assert 'value="2031-03-01T18:30"' in edit
    public = main_of(client.get(public_url(component, str(debate.id))))
    assert "6:30" in public and "<script" not in public


def test_staff_edit_an_official_debate_even_with_comments(client, db, component, create_debate,
                                                          staff):
    debate = create_debate(comments_count=2, start_at=now(), end_at=now() + hours(2))

    response = client.post(admin_url(component, str(debate.id)), data={
        "title-en": "A clearer title", "description-en": "<p>More</p>",
        "start_at": "", "end_at": "",
    })

    assert response.status_code == 302
    db.session.refresh(debate)
    assert debate.title == {"en": "A clearer title"}
    assert debate.start_at is None and debate.end_at is None  # now open-ended


LONG_TITLE = "x" * 151


@pytest.mark.parametrize("data, field, message", [
    ({"title-en": ""}, "title", "Write this text at least in English."),
    ({"title-en": LONG_TITLE}, "title",
     "The English text is too long (at most 150 characters)."),
    ({"title-es": LONG_TITLE}, "title",
     "The Español text is too long (at most 150 characters)."),
    ({"description-en": ""}, "description", "Write this text at least in English."),
    ({"description-en": "y" * 50_001}, "description",
     "The English text is too long (at most 50000 characters)."),
    ({"title-en": "Trees\x00"}, "title", "Remove the control characters from this text."),
    ({"start_at": "2031-03-01T18:30", "end_at": "2031-03-01T18:00"}, "end_at",
     "The end must be after the start."),
    ({"start_at": "2031-03-01T18:30", "end_at": "2031-03-01T18:30"}, "end_at",
     "The end must be after the start."),
    ({"start_at": "2031-03-01T18:30"}, "end_at",
     "Give both a start and an end, or neither for an open-ended debate."),
    ({"end_at": "2031-03-01T18:30"}, "start_at",
     "Give both a start and an end, or neither for an open-ended debate."),
    ({"start_at": "tomorrow", "end_at": "2031-03-01T18:30"}, "start_at",
     "Enter a day and time like 2025-03-31 18:30."),
    ({"start_at": "2031-02-30T10:00", "end_at": "2031-03-01T18:30"}, "start_at",
     "Enter a day and time like 2025-03-31 18:30."),
    ({"category_id": "OTHER"}, "category_id", "Choose one of the options."),
    ({"scope_id": "12345678"}, "scope_id", "Choose one of the options."),
    ({"scope_id": "<script>"}, "scope_id", "Choose one of the options."),
])
def test_bad_input_for_an_official_debate(client, db, component, staff, create_category,
                                          create_process, create_scope, data, field, message):
    create_scope()
    create_category(component.process)
    other = create_category(create_process())
    data = {key: value.replace("OTHER", str(other.id)) for key, value in data.items()}

    response = client.post(admin_url(component, "new"), data={**OFFICIAL, **data})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    if field != "title":  # what was typed is kept
        assert f'value="{OFFICIAL["title-en"]}"' in html
    assert db.session.scalars(select(Debate)).all() == []


def test_html_in_titles_is_text(client, db, component, staff):
    client.post(admin_url(component, "new"), data={**OFFICIAL,
                                                   "title-en": "<b>Trees</b> & <i>parks</i>"})
    debate = db.session.scalars(select(Debate)).one()
    html = main_of(client.get(public_url(component, str(debate.id))))
    assert "&lt;b&gt;Trees&lt;/b&gt; &amp; &lt;i&gt;parks&lt;/i&gt;" in html


# --- closing and deleting ---------------------------------------------------------------------

def test_staff_close_a_residents_debate_in_every_language(client, db, component,
                                                          create_debate, resident, staff):
    debate = create_debate(author=resident)
    url = admin_url(component, f"{debate.id}/close")

    empty = client.post(url, data={"conclusion-en": "", "conclusion-es": "Solo en español."})
    assert empty.status_code == 400
    assert "Write this text at least in English." in field_error(
        empty.get_data(as_text=True), "conclusion")
    assert "Solo en español." in empty.get_data(as_text=True)
    short = client.post(url, data={"conclusion-en": "Too short"})
    assert "Use at least 10 characters." in field_error(short.get_data(as_text=True),
                                                         "conclusion")
    long = client.post(url, data={"conclusion-en": "z" * 10_001})
    assert long.status_code == 400
    db.session.refresh(debate)
    assert not debate.is_closed

    response = client.post(url, data={"conclusion-en": "Most want <trees>.",
                                      "conclusion-es": "La mayoría quiere árboles."})

    assert response.status_code == 302
    db.session.refresh(debate)
    assert debate.conclusion == {"en": "Most want <trees>.", "es": "La mayoría quiere árboles."}
    assert debate.closed_by_id == staff.id
    page = main_of(client.get(public_url(component, str(debate.id))))
    assert "Most want &lt;trees&gt;." in page
    # The conclusion can be rewritten.
    again = main_of(client.get(url))
    assert "Edit the conclusion" in again and "Most want &lt;trees&gt;." in again


def test_staff_delete_an_official_debate_without_comments(client, db, component,
                                                          create_debate, resident, staff):
    debate = create_debate()
    commented = create_debate(comments_count=1)
    db.session.add(Comment(component_id=component.id, author_id=resident.id,
                           commentable_id=commented.id, body="Hi", locale="en"))
    db.session.commit()

    refused_page = main_of(client.get(admin_url(component, f"{commented.id}/delete")))
    assert "has comments" in refused_page and "Delete the debate</button>" not in refused_page
    refused = client.post(admin_url(component, f"{commented.id}/delete"))
    assert refused.status_code == 400
    assert db.session.get(Debate, commented.id) is not None

    assert "Delete the debate</button>" in main_of(
        client.get(admin_url(component, f"{debate.id}/delete")))
    response = client.post(admin_url(component, f"{debate.id}/delete"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Debate, debate.id) is None


def test_every_staff_action_is_in_the_action_log(client, db, component, create_debate,
                                                 admin, login):
    login(admin)
    client.post(admin_url(component, "new"), data=OFFICIAL)
    debate = db.session.scalars(select(Debate)).one()
    client.post(admin_url(component, str(debate.id)),
                data={**OFFICIAL, "title-en": "Renamed debate"})
    client.post(admin_url(component, f"{debate.id}/close"),
                data={"conclusion-en": "Most want trees."})
    client.post(admin_url(component, f"{debate.id}/delete"))

    actions = db.session.scalars(select(ActionLog.action).where(
        ActionLog.resource_type == "debate").order_by(ActionLog.id)).all()
    assert actions == ["create", "update", "close", "delete"]
    html = main_of(client.get("/admin/logs"))
    for sentence in ("created the debate", "edited the debate", "closed the debate",
                     "deleted the debate"):
        assert sentence in html
    assert "<strong>Renamed debate</strong>" in html
