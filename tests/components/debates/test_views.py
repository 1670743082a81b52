"""The public pages of debates: the list and its filters, a debate, and the residents' forms,
with who may do what, bad input and the number of queries of the list."""

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import select

from decide.comments.services import can_comment
from decide.components.debates.models import Debate
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import Role
from tests.components.debates.conftest import hours
from tests.components.debates.conftest import main_of
from tests.components.debates.conftest import now
from tests.components.debates.conftest import public_url
from tests.conftest import DEFAULT_PASSWORD
from tests.conftest import STAFF_PASSWORD

NEW_DEBATE = {"title": "Should the market move to the square?",
              "description": "The market blocks the high street every Saturday."}


def catalan(message: str, **values) -> str:
    """The resident of these tests reads in Catalan (their saved language)."""
    with force_locale("ca"):
        return gettext(message, **values)


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


# --- the list -------------------------------------------------------------------------------

def test_the_list_shows_visible_debates_with_their_dates(client, component, create_debate,
                                                         resident):
    open_ended = create_debate(title={"en": "Trees or parking?"})
    dated = create_debate(title={"en": "Ask the mayor"},
                          start_at=now() - hours(1), end_at=now() + hours(2))
    closed = create_debate(author=resident, closed_at=now(), conclusion={"ca": "Fet."})
    create_debate(title={"en": "Spam from a troll"}, hidden_at=now())

    html = main_of(client.get(public_url(component)))

    assert "3 debates" in html
    assert "Trees or parking?" in html and "Ask the mayor" in html
    assert "Spam from a troll" not in html
    assert "Open-ended" in html
    # The dates in the organization's zone (Madrid), in the reader's language.
    assert html.count("Open-ended") == 2
    assert 'class="badge badge--debate-closed"' in html and "Official" in html
    assert f'href="{public_url(component, str(closed.id))}"' in html
    assert 'lang="ca"' in html  # a resident's title says its language
    assert dated.id and open_ended.id


@pytest.mark.parametrize("query, shown", [
    ("state=open", ["Trees or parking?", "Ask the mayor"]),
    ("state=closed", ["Closed one"]),
    ("state=nonsense", ["Trees or parking?", "Ask the mayor", "Closed one"]),
    ("q=PARKING", ["Trees or parking?"]),
    ("q=", ["Trees or parking?", "Ask the mayor", "Closed one"]),
    ("category=PARENT", ["Trees or parking?", "Ask the mayor"]),  # with its subcategories
    ("category=CHILD", ["Ask the mayor"]),
    ("category=OTHER", ["Trees or parking?", "Ask the mayor", "Closed one"]),  # ignored
    ("scope=SCOPE", ["Closed one"]),
    ("scope=99999999999999999999", ["Trees or parking?", "Ask the mayor", "Closed one"]),
    ("page=x&category=abc", ["Trees or parking?", "Ask the mayor", "Closed one"]),
])
def test_the_filters(client, component, create_debate, create_category, create_scope,
                     create_process, query, shown):
    parent = create_category(component.process)
    child = create_category(component.process, parent=parent)
    other = create_category(create_process())
    scope = create_scope()
    create_debate(title={"en": "Trees or parking?"}, category_id=parent.id)
    create_debate(title={"en": "Ask the mayor"}, category_id=child.id)
    create_debate(title={"en": "Closed one"}, closed_at=now(), conclusion={"en": "Done."},
                  scope_id=scope.id)
    for name, value in (("PARENT", parent.id), ("CHILD", child.id), ("OTHER", other.id),
                        ("SCOPE", scope.id)):
        query = query.replace(name, str(value))

    html = main_of(client.get(public_url(component) + "?" + query))

    titles = re.findall(r'<h2 class="card__title"><a [^>]*>(.*?)</a>', html)
    assert sorted(titles) == sorted(shown)


def test_the_filter_form_shows_what_was_chosen(client, component, create_category,
                                                create_scope):
    category, scope = create_category(component.process), create_scope()
    html = main_of(client.get(public_url(component) + f"?state=closed&category={category.id}"
                              f"&scope={scope.id}&q=%3Cb%3Etrees"))
    assert '<option value="closed" selected>' in html
    assert f'<option value="{category.id}" selected>' in html
    assert f'<option value="{scope.id}" selected>' in html
    assert 'value="&lt;b&gt;trees"' in html and "Clear the filters" in html


def test_the_list_is_paginated_and_keeps_the_filters(client, component, create_debate):
    for number in range(23):
        create_debate(title={"en": f"Debate about trees {number}"})

    first = main_of(client.get(public_url(component) + "?q=trees"))
    assert first.count('class="card__title"') == 20
    assert "Page 1 of 2" in first
    assert 'href="/processes/green-streets' in first and "q=trees" in first
    second = main_of(client.get(public_url(component) + "?q=trees&page=2"))
    assert second.count('class="card__title"') == 3
    beyond = main_of(client.get(public_url(component) + "?page=999999999"))
    assert "Page 2 of 2" in beyond


def test_the_list_runs_the_same_queries_for_3_or_30_debates(client, db, component,
                                                             create_debate, create_category,
                                                             create_scope, create_user,
                                                             count_queries, resident, login):
    category, scope = create_category(component.process), create_scope()

    def add(number):
        for index in range(number):
            author = create_user() if index % 2 else None
            create_debate(author=author, category_id=category.id, scope_id=scope.id,
                          comments_count=index, start_at=now(), end_at=now() + hours(1))

    login(resident)

    def queries(query: str = "") -> int:
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(public_url(component) + query).status_code == 200
        return counter.count

    add(3)
    few, few_searched = queries(), queries("?q=debate&state=open")
    add(27)
    assert queries() == few
    assert queries("?q=debate&state=open") == few_searched


def test_an_unpublished_component_is_hidden_from_residents(client, db, component, resident,
                                                           login, create_debate):
    debate = create_debate()
    component.published_at = None
    db.session.commit()
    login(resident)
    assert client.get(public_url(component)).status_code == 404
    assert client.get(public_url(component, str(debate.id))).status_code == 404


# --- a debate -------------------------------------------------------------------------------

def test_a_debate_page(client, component, create_debate, resident, other_resident, login):
    text = "Vull <b>arbres</b>\n\nhttps://www.vilanova.cat/plan"
    debate = create_debate(author=resident, description={"ca": text})
    login(other_resident)

    html = main_of(client.get(public_url(component, str(debate.id))))

    assert "<h1 lang=\"ca\">Resident debate number 1</h1>" in html
    # Resident text is escaped, its paragraphs kept and links made clickable.
    assert "Vull &lt;b&gt;arbres&lt;/b&gt;" in html and "<b>arbres</b>" not in html
    assert 'href="https://www.vilanova.cat/plan" rel="nofollow ugc"' in html
    with force_locale("fr"):  # the reader's language
        # The language's name is in that language, and marked so.
        language = Markup('<span lang="ca">Català</span>')
        assert gettext("Written in %(language)s.", language=language) in html
        assert gettext("Open-ended") in html and "Maria Puig" in html
    assert 'id="comments"' in html            # the thread
    assert "follow-form" in html              # follow button
    assert "/report" in html                  # report link
    with force_locale("fr"):
        assert gettext("Close the debate") not in html and f">{gettext('Edit')}<" not in html


def test_an_official_debate_shows_its_sanitized_rich_text(client, component, create_debate):
    debate = create_debate(description={"en": "<p>Plant <strong>trees</strong></p>"})
    html = main_of(client.get(public_url(component, str(debate.id))))
    assert "<p>Plant <strong>trees</strong></p>" in html
    assert "The council" in html  # its author


def test_a_closed_debate_shows_its_conclusion_and_takes_no_comments(client, component,
                                                                    create_debate, resident,
                                                                    other_resident, login):
    debate = create_debate(author=resident, closed_at=now(), closed_by_id=resident.id,
                           conclusion={"ca": "Ho farem <de seguida>."})
    login(other_resident)

    html = main_of(client.get(public_url(component, str(debate.id))))

    assert "Conclusion" in html and "Ho farem &lt;de seguida&gt;." in html
    assert 'class="badge badge--debate-closed"' in html
    assert 'name="body"' not in html  # no comment form
    assert not can_comment(other_resident, debate)


@pytest.mark.parametrize("start, end, message", [
    (1, 2, "This debate opens on"),
    (-2, -1, "This debate ended on"),
])
def test_a_debate_with_dates_says_when_it_takes_comments(client, component, create_debate,
                                                         start, end, message):
    debate = create_debate(start_at=now() + hours(start), end_at=now() + hours(end))
    html = main_of(client.get(public_url(component, str(debate.id))))
    assert message in html


def test_hidden_debates_are_for_moderators_only(client, component, create_debate, resident,
                                                create_user, grant, login):
    debate = create_debate(hidden_at=now())
    url = public_url(component, str(debate.id))
    assert client.get(url).status_code == 404
    login(resident)
    assert client.get(url).status_code == 404
    moderator = create_user(password=STAFF_PASSWORD)
    grant(moderator, component.process, Role.MODERATOR)
    client.post("/signout")
    login(moderator)
    assert "Hidden by moderation" in main_of(client.get(url))


@pytest.mark.parametrize("tail", ["{other}", "{other}/edit", "{other}/close", "2147483648",
                                  "0/edit", "{elsewhere}"])
def test_another_components_debate_is_not_found_here(client, component, create_debate,
                                                     create_component, create_process,
                                                     create_phase, resident, login, tail):
    sibling = create_component(component.process, manifest_name="debates")
    process = create_process()
    create_phase(process, active=True)
    elsewhere = create_component(process, manifest_name="debates")
    other = create_debate(author=resident, target=sibling)
    far = create_debate(author=resident, target=elsewhere)
    login(resident)
    path = tail.format(other=other.id, elsewhere=far.id)
    assert client.get(public_url(component, path)).status_code == 404
    if path.endswith(("edit", "close")):
        response = client.post(public_url(component, path), data={"conclusion": "x" * 20,
                                                                  **NEW_DEBATE})
        assert response.status_code == 404
    db_debate = other
    assert db_debate.title == {"ca": "Resident debate number 1"}


# --- who may do what ------------------------------------------------------------------------

PERSONAS = ("anonymous", "resident", "author", "moderator", "process admin", "admin")


@pytest.fixture
def become(client, login, create_user, grant, component, resident):
    def sign_in(persona: str):
        if persona == "anonymous":
            return None
        if persona == "author":
            person = resident
        else:
            person = create_user(admin=persona == "admin",
                                 password=DEFAULT_PASSWORD if persona == "resident"
                                 else STAFF_PASSWORD)
            if persona in ("moderator", "process admin"):
                grant(person, component.process,
                      Role.MODERATOR if persona == "moderator" else Role.PROCESS_ADMIN)
        login(person)
        return person

    return sign_in


# (action, whether creation is enabled) → who may.
ALLOWED = {
    "index": set(PERSONAS),
    "show": set(PERSONAS),
    "new (creation enabled)": set(PERSONAS) - {"anonymous"},
    "new (creation disabled)": set(),
    "edit": {"author"},
    "close": {"author", "process admin", "admin"},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ALLOWED)
def test_permission_matrix(client, db, component, set_phase, create_debate, resident, become,
                           persona, action):
    set_phase(creation_enabled=action != "new (creation disabled)")
    debate = create_debate(author=resident)
    become(persona)
    path = {"index": "", "show": str(debate.id), "edit": f"{debate.id}/edit",
            "close": f"{debate.id}/close"}.get(action, "new")
    url = public_url(component, path)

    response = client.get(url)

    if persona in ALLOWED[action]:
        assert response.status_code == 200
    elif persona == "anonymous":
        assert response.status_code == 302 and "/signin" in response.headers["Location"]
    else:
        assert response.status_code == 403
    if action in ("index", "show", "new (creation enabled)"):
        return
    # A refused POST changes nothing.
    before = (debate.title, debate.closed_at)
    response = client.post(url, data={**NEW_DEBATE, "conclusion": "A fine conclusion."})
    db.session.refresh(debate)
    if persona in ALLOWED[action]:
        assert response.status_code == 302
    else:
        assert response.status_code in (302, 403)
        assert (debate.title, debate.closed_at) == before


@pytest.mark.parametrize("persona, buttons", [
    ("anonymous", set()),
    ("resident", set()),
    ("author", {"edit", "close"}),
    ("process admin", {"close", "back office"}),
])
def test_the_buttons_agree_with_the_permissions(client, component, create_debate, resident,
                                                become, persona, buttons):
    debate = create_debate(author=resident)
    official = create_debate()
    become(persona)
    html = main_of(client.get(public_url(component, str(debate.id))))
    shown = {name for name, text in (("edit", f"{debate.id}/edit"),
                                     ("close", f"{debate.id}/close"),
                                     ("back office", "/admin/")) if text in html}
    assert shown == buttons - {"back office"}
    official_page = main_of(client.get(public_url(component, str(official.id))))
    assert ("Edit in the back office" in official_page) == ("back office" in buttons)


# --- a resident starts, edits and closes a debate ---------------------------------------------

def test_a_resident_starts_a_debate(client, db, component, set_phase, resident, login,
                                    create_category):
    set_phase(creation_enabled=True)
    category = create_category(component.process, name={"en": "Mobility"})
    login(resident)
    index = main_of(client.get(public_url(component)))
    assert catalan("Start a debate") in index

    response = client.post(public_url(component, "new"),
                           data={**NEW_DEBATE, "category_id": str(category.id)})

    debate = db.session.scalars(select(Debate)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == public_url(component, str(debate.id))
    assert debate.title == {"ca": NEW_DEBATE["title"]} and debate.category_id == category.id
    assert db.session.scalars(select(Follow).where(Follow.resource_id == debate.id)).one()
    assert catalan("Your debate is published.") in main_of(
        client.get(response.headers["Location"]))


def test_the_start_button_is_hidden_when_creation_is_off(client, component, resident, login):
    login(resident)
    assert catalan("Start a debate") not in main_of(client.get(public_url(component)))
    assert client.get(public_url(component, "new")).status_code == 403


LONG = "x" * 151


TITLE_LENGTH = ("Use between %(min)d and %(max)d characters.", {"min": 15, "max": 150})
DESCRIPTION_LENGTH = ("Use between %(min)d and %(max)d characters.", {"min": 15, "max": 10_000})
FILL_IN = ("Fill in this field.", {})
CHOOSE = ("Choose one of the options.", {})


@pytest.mark.parametrize("data, field, message", [
    ({"title": ""}, "title", FILL_IN),
    ({"title": "   "}, "title", FILL_IN),
    ({"title": "Too short"}, "title", TITLE_LENGTH),
    ({"title": LONG}, "title", TITLE_LENGTH),
    ({"description": ""}, "description", FILL_IN),
    ({"description": "y" * 10_001}, "description", DESCRIPTION_LENGTH),
    ({"description": "Bell\x07 in the middle of it"}, "description",
     ("Remove the control characters from this text.", {})),
    ({"category_id": "OTHER"}, "category_id", CHOOSE),
    ({"category_id": "abc"}, "category_id", CHOOSE),
    ({"scope_id": "99999999999999999999"}, "scope_id", CHOOSE),
])
def test_bad_input_when_starting_a_debate(client, db, component, set_phase, resident, login,
                                          create_category, create_process, create_scope,
                                          data, field, message):
    set_phase(creation_enabled=True)
    create_scope()
    create_category(component.process)
    other = create_category(create_process())
    data = {key: value.replace("OTHER", str(other.id)) for key, value in data.items()}
    login(resident)

    response = client.post(public_url(component, "new"), data={**NEW_DEBATE, **data})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert catalan(message[0], **message[1]) in field_error(html, field)
    if field != "title":
        assert f'value="{NEW_DEBATE["title"]}"' in html  # what was typed is kept
    assert db.session.scalars(select(Debate)).all() == []


def test_html_in_a_residents_debate_is_kept_as_text(client, db, component, set_phase,
                                                    resident, login):
    set_phase(creation_enabled=True)
    login(resident)
    client.post(public_url(component, "new"), data={
        "title": "<script>alert(1)</script> markets",
        "description": '<img src=x onerror="alert(2)"> the market <b>now</b>',
    })
    debate = db.session.scalars(select(Debate)).one()
    assert debate.title == {"ca": "<script>alert(1)</script> markets"}
    html = client.get(public_url(component, str(debate.id))).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; markets" in html


def test_the_author_edits_until_someone_comments(client, db, component, create_debate,
                                                 resident, login):
    debate = create_debate(author=resident)
    login(resident)
    form = main_of(client.get(public_url(component, f"{debate.id}/edit")))
    assert 'value="Resident debate number 1"' in form

    response = client.post(public_url(component, f"{debate.id}/edit"), data={
        "title": "A better title, much clearer", "description": "And a better description.",
    })
    assert response.status_code == 302
    db.session.refresh(debate)
    assert debate.title == {"ca": "A better title, much clearer"}

    bad = client.post(public_url(component, f"{debate.id}/edit"),
                      data={"title": "", "description": "Still here, typed."})
    assert bad.status_code == 400
    assert "Still here, typed." in bad.get_data(as_text=True)

    debate.comments_count = 1
    db.session.commit()
    assert client.get(public_url(component, f"{debate.id}/edit")).status_code == 403


def test_the_author_closes_the_debate(client, db, component, create_debate, resident,
                                      other_resident, login):
    from decide.notifications.services import follow

    debate = create_debate(author=resident)
    follow(other_resident, resource=debate)
    db.session.commit()
    login(resident)
    url = public_url(component, f"{debate.id}/close")

    length = catalan("Use between %(min)d and %(max)d characters.", min=10, max=10_000)
    for conclusion, message in (("", catalan("Fill in this field.")), ("Too short", length),
                                ("z" * 10_001, length)):
        bad = client.post(url, data={"conclusion": conclusion})
        assert bad.status_code == 400
        assert message in field_error(bad.get_data(as_text=True), "conclusion")
    db.session.refresh(debate)
    assert not debate.is_closed

    response = client.post(url, data={"conclusion": "We will move the <market>."})

    assert response.status_code == 302
    db.session.refresh(debate)
    assert debate.conclusion == {"ca": "We will move the <market>."}
    assert db.session.scalars(select(Notification.user_id).where(
        Notification.event == "debate_closed")).all() == [other_resident.id]
    page = main_of(client.get(public_url(component, str(debate.id))))
    assert "We will move the &lt;market&gt;." in page and catalan("Edit the conclusion") in page
