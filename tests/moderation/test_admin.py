"""The moderators' back office through the client: who may do what (every action × every
persona), what each one sees in the queue, the buttons and the block form with bad input,
and lists that run a fixed number of queries."""

import html
import re
import time
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select

from decide.comments.models import Comment
from decide.core.models import ActionLog
from decide.core.models import utcnow
from decide.moderation.models import Report
from decide.moderation.models import UserBlock
from decide.spaces.models import Role

JUSTIFICATION = "Insults residents in every thread."
SCRIPT = "<script>alert('x')</script>"

# persona → (role, in which process: "this" or "other")
PERSONAS = {
    "anonymous": None,
    "resident": None,
    "admin": None,
    "process admin": (Role.PROCESS_ADMIN, "this"),
    "process admin of another process": (Role.PROCESS_ADMIN, "other"),
    "moderator": (Role.MODERATOR, "this"),
    "moderator of another process": (Role.MODERATOR, "other"),
    "valuator": (Role.VALUATOR, "this"),
    "collaborator": (Role.COLLABORATOR, "this"),
}
QUEUE_READERS = {"admin", "process admin", "process admin of another process", "moderator",
                 "moderator of another process"}
ITEM_MODERATORS = {"admin", "process admin", "moderator"}
ADMINS = {"admin"}
# action → (method, who may, what the test checks changed)
ACTIONS = {
    "queue": ("GET", QUEUE_READERS),
    "hide": ("POST", ITEM_MODERATORS),
    "unhide": ("POST", ITEM_MODERATORS),
    "dismiss": ("POST", ITEM_MODERATORS),
    "users": ("GET", ADMINS),
    "block form": ("GET", ADMINS),
    "block": ("POST", ADMINS),
    "unblock": ("POST", ADMINS),
    "dismiss user": ("POST", ADMINS),
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def form_html(response) -> str:
    match = re.search(r'<form method="post" novalidate>(.*?)</form>',
                      response.get_data(as_text=True), re.S)
    assert match, "the page shows the form"
    return match.group(1)


@pytest.fixture
def other_process(create_process):
    return create_process(slug="bus-lanes", title={"en": "Bus Lanes"})


@pytest.fixture
def become(client, create_user, grant, process, other_process):
    """Sign the client in as a persona (the session as sign-in writes it: Argon2 is slow)."""

    def sign_in(persona: str):
        if persona == "anonymous":
            return None
        person = create_user(admin=persona == "admin")
        if PERSONAS[persona]:
            role, where = PERSONAS[persona]
            grant(person, process if where == "this" else other_process, role)
        with client.session_transaction() as session:
            session["_user_id"] = person.get_id()
            session["_fresh"] = True
            session["last_seen"] = time.time()
        return person

    return sign_in


@pytest.fixture
def scene(db, organization, create_debate, create_user, author):
    """A reported debate, a hidden one, a reported participant and a blocked one."""
    reporter = create_user(nickname="reporter", email="reporter@example.org")
    reported = create_debate(author=author, title={"en": "Reported debate"})
    hidden = create_debate(author=author, title={"en": "Hidden debate"}, hidden_at=utcnow())
    suspect = create_user(nickname="suspect", email="suspect@example.org")
    blocked = create_user(nickname="blocked", email="blocked@example.org", blocked_at=utcnow())
    db.session.add_all([
        Report(user_id=reporter.id, resource_id=reported.id, reason="spam", details="Ads"),
        Report(user_id=reporter.id, reported_user_id=suspect.id, reason="offensive"),
        UserBlock(user_id=blocked.id, justification=JUSTIFICATION),
    ])
    db.session.commit()
    return {"reported": reported, "hidden": hidden, "suspect": suspect, "blocked": blocked}


def request_for(action: str, scene) -> tuple[str, str, dict]:
    reported, hidden = scene["reported"].id, scene["hidden"].id
    suspect, blocked = scene["suspect"].id, scene["blocked"].id
    return {
        "queue": ("GET", "/admin/moderation", {}),
        "hide": ("POST", f"/admin/moderation/{reported}/hide", {}),
        "unhide": ("POST", f"/admin/moderation/{hidden}/unhide", {}),
        "dismiss": ("POST", f"/admin/moderation/{reported}/dismiss", {}),
        "users": ("GET", "/admin/moderation/users", {}),
        "block form": ("GET", f"/admin/moderation/users/{suspect}/block", {}),
        "block": ("POST", f"/admin/moderation/users/{suspect}/block",
                  {"justification": JUSTIFICATION}),
        "unblock": ("POST", f"/admin/moderation/users/{blocked}/unblock", {}),
        "dismiss user": ("POST", f"/admin/moderation/users/{suspect}/dismiss", {}),
    }[action]


def changed(db, action: str, scene) -> bool:
    db.session.expire_all()
    return {
        "hide": lambda: scene["reported"].is_hidden,
        "unhide": lambda: not scene["hidden"].is_hidden,
        "dismiss": lambda: db.session.scalar(select(Report.dismissed_at).where(
            Report.resource_id == scene["reported"].id)) is not None,
        "block": lambda: scene["suspect"].is_blocked,
        "unblock": lambda: not scene["blocked"].is_blocked,
        "dismiss user": lambda: db.session.scalar(select(Report.dismissed_at).where(
            Report.reported_user_id == scene["suspect"].id)) is not None,
    }[action]()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(client, db, scene, become, action, persona):
    method, url, data = request_for(action, scene)
    become(persona)

    response = client.get(url) if method == "GET" else client.post(url, data=data)

    if persona == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/signin"
    elif persona in ACTIONS[action][1]:
        assert response.status_code == (200 if method == "GET" else 302), response.status_code
    else:
        assert response.status_code == 403, response.status_code
    if method == "POST":
        assert changed(db, action, scene) == (persona in ACTIONS[action][1])
        logged = db.session.scalar(select(ActionLog.id)) is not None
        assert logged == (persona in ACTIONS[action][1])


# --- the queue ----------------------------------------------------------------------------

def test_the_queue_groups_the_reports_of_each_item(client, db, scene, become, create_user,
                                                   process):
    another = create_user(nickname="neighbour", email="neighbour@example.org")
    db.session.add(Report(user_id=another.id, resource_id=scene["reported"].id,
                          reason="offensive", details=SCRIPT))
    db.session.commit()
    become("moderator")

    page = client.get("/admin/moderation")

    assert page.status_code == 200
    body = text(page)
    assert "Reported debate" in body and "Hidden debate" not in body
    assert "2 open reports" in body
    assert "Spam (1)" in body and "Offensive (1)" in body
    assert "Ads" in body and "@reporter" in body and "@neighbour" in body
    assert "Green Streets" in body
    assert SCRIPT not in page.get_data(as_text=True)  # the reporter's text, escaped
    assert str(escape(SCRIPT)) in page.get_data(as_text=True)
    hidden = text(client.get("/admin/moderation?tab=hidden"))
    assert "Hidden debate" in hidden and "Reported debate" not in hidden


def test_moderators_see_the_items_of_their_processes_only(client, db, scene, become,
                                                          create_debate, create_component,
                                                          other_process, create_user):
    elsewhere = create_debate(component=create_component(other_process,
                                                         manifest_name="debates"),
                              title={"en": "Debate of Bus Lanes"})
    db.session.add(Report(user_id=create_user().id, resource_id=elsewhere.id, reason="spam"))
    db.session.commit()

    become("moderator of another process")
    body = text(client.get("/admin/moderation"))
    assert "Debate of Bus Lanes" in body and "Reported debate" not in body
    # Its own process is the only choice; another process's id in the address shows nothing.
    assert "Green Streets" not in body
    own_process = scene["reported"].component.process_id
    filtered = text(client.get(f"/admin/moderation?process_id={own_process}"))
    assert "Reported debate" not in filtered


def test_admins_filter_the_queue_by_process(client, db, scene, become, create_debate,
                                            create_component, other_process, create_user,
                                            process):
    elsewhere = create_debate(component=create_component(other_process,
                                                         manifest_name="debates"),
                              title={"en": "Debate of Bus Lanes"})
    db.session.add(Report(user_id=create_user().id, resource_id=elsewhere.id, reason="spam"))
    db.session.commit()
    become("admin")
    everything = text(client.get("/admin/moderation"))
    assert "Debate of Bus Lanes" in everything and "Reported debate" in everything
    only = text(client.get(f"/admin/moderation?process_id={process.id}"))
    assert "Reported debate" in only and "Debate of Bus Lanes" not in only
    for nasty in ("abc", "-1", "99999999999999999999", "<b>"):
        assert client.get(f"/admin/moderation?process_id={nasty}&tab={nasty}&page={nasty}"
                          ).status_code == 200


def test_a_button_acts_and_goes_back_to_the_same_list(client, db, scene, become):
    become("moderator")
    response = client.post(f"/admin/moderation/{scene['reported'].id}/hide",
                           data={"next": "/admin/moderation?tab=reported"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/moderation?tab=reported"
    outside = client.post(f"/admin/moderation/{scene['hidden'].id}/unhide",
                          data={"next": "https://evil.example/"})
    assert outside.headers["Location"] == "/admin/moderation"


def test_a_button_without_csrf_token_shows_a_page_to_press_it_again(client, db, scene,
                                                                    become):
    become("moderator")
    response = client.post(f"/admin/moderation/{scene['reported'].id}/hide", csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in form_html(response)
    assert not scene["reported"].is_hidden


def test_a_refused_button_says_why(client, db, scene, become):
    become("moderator")
    response = client.post(f"/admin/moderation/{scene['reported'].id}/unhide")
    assert response.status_code == 400
    assert "This item is not hidden." in text(response)


def test_unknown_items_are_404(client, db, scene, become):
    become("admin")
    for resource_id in (999_999, 2**31, 10**30):
        for action in ("hide", "unhide", "dismiss"):
            assert client.post(f"/admin/moderation/{resource_id}/{action}").status_code == 404
    for user_id in (999_999, 2**31):
        assert client.get(f"/admin/moderation/users/{user_id}/block").status_code == 404
        assert client.post(f"/admin/moderation/users/{user_id}/unblock").status_code == 404


def test_the_queue_shows_comments_with_a_link_to_their_thread(client, db, scene, become,
                                                              author, create_user):
    comment = Comment(component_id=scene["reported"].component_id, author_id=author.id,
                      commentable_id=scene["reported"].id, body="Rude comment", locale="en")
    db.session.add(comment)
    db.session.flush()
    db.session.add(Report(user_id=create_user().id, resource_id=comment.id, reason="offensive"))
    db.session.commit()
    become("moderator")
    body = client.get("/admin/moderation").get_data(as_text=True)
    assert "Rude comment" in body
    assert f"#comment-{comment.id}" in body


def test_the_queue_runs_the_same_queries_for_3_or_30_items(client, db, organization, become,
                                                           create_debate, create_user, author,
                                                           count_queries):
    reporters = [create_user() for _ in range(2)]

    def fill(number):
        for _ in range(number):
            debate = create_debate(author=author)
            comment = Comment(component_id=debate.component_id, author_id=author.id,
                              commentable_id=debate.id, body="Rude", locale="en")
            db.session.add(comment)
            db.session.flush()
            for reporter in reporters:
                db.session.add(Report(user_id=reporter.id, resource_id=debate.id,
                                      reason="spam"))
                db.session.add(Report(user_id=reporter.id, resource_id=comment.id,
                                      reason="offensive", details="Really"))
            hidden = create_debate(author=create_user(), hidden_at=utcnow())
            db.session.add(Report(user_id=reporters[0].id, resource_id=hidden.id,
                                  reason="spam"))
        db.session.commit()

    def measure(tab):
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/admin/moderation?tab={tab}").status_code == 200
        return counter.count

    become("moderator")
    fill(2)  # 4 reported items (2 debates, 2 comments) and 2 hidden
    few = {tab: measure(tab) for tab in ("reported", "hidden")}
    fill(13)  # 30 reported items, 15 hidden: one page of 20 and more
    assert {tab: measure(tab) for tab in ("reported", "hidden")} == few


# --- participants ---------------------------------------------------------------------------

def test_the_participants_page_lists_the_reported_and_the_blocked(client, db, scene, become):
    become("admin")
    reported = text(client.get("/admin/moderation/users"))
    assert "@suspect" in reported and "@blocked" not in reported
    assert "Offensive (1)" in reported
    blocked = text(client.get("/admin/moderation/users?tab=blocked"))
    assert "@blocked" in blocked and "@suspect" not in blocked
    assert JUSTIFICATION in blocked


def test_blocking_from_the_form(client, db, scene, become, create_debate):
    admin = become("admin")
    written = create_debate(author=scene["suspect"])
    page = client.get(f"/admin/moderation/users/{scene['suspect'].id}/block")
    assert page.status_code == 200
    assert "stays hidden until a moderator" in text(page)

    response = client.post(f"/admin/moderation/users/{scene['suspect'].id}/block",
                           data={"justification": JUSTIFICATION, "hide_content": "y"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/moderation/users"
    db.session.expire_all()
    assert scene["suspect"].is_blocked and written.is_hidden
    block = db.session.scalars(select(UserBlock).where(
        UserBlock.user_id == scene["suspect"].id)).one()
    assert (block.blocked_by_id, block.hide_content) == (admin.id, True)


@pytest.mark.parametrize("justification, message", [
    ("", "Use between 15 and 1000 characters."),
    ("Too short", "Use between 15 and 1000 characters."),
    ("x" * 1001, "Use between 15 and 1000 characters."),
])
def test_bad_input_on_the_block_form(client, db, scene, become, justification, message):
    become("admin")
    response = client.post(f"/admin/moderation/users/{scene['suspect'].id}/block",
                           data={"justification": justification})
    assert response.status_code == 400
    assert field_error(response, "justification") == message
    assert justification in text(response)
    assert not scene["suspect"].is_blocked


def test_the_block_form_shows_html_escaped_and_refuses_blocking_an_admin(client, db, scene,
                                                                         become, create_user):
    become("admin")
    other_admin = create_user(admin=True)
    response = client.post(f"/admin/moderation/users/{other_admin.id}/block",
                           data={"justification": f"{SCRIPT} is what they wrote"})
    assert response.status_code == 400
    assert "Admins cannot be blocked" in text(response)
    assert SCRIPT not in response.get_data(as_text=True)
    assert str(escape(SCRIPT)) in form_html(response)
    assert not other_admin.is_blocked
    assert db.session.query(UserBlock).count() == 1  # the scene's


def test_the_participants_page_runs_the_same_queries_for_3_or_30(client, db, organization,
                                                                 become, create_user,
                                                                 count_queries):
    admin = become("admin")

    def fill(number):
        for _ in range(number):
            reported = create_user()
            for reporter in (create_user(), create_user()):
                db.session.add(Report(user_id=reporter.id, reported_user_id=reported.id,
                                      reason="spam", details="Ads"))
            blocked = create_user(blocked_at=utcnow())
            db.session.add(UserBlock(user_id=blocked.id, blocked_by_id=admin.id,
                                     justification=JUSTIFICATION))
        db.session.commit()

    def measure(tab):
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/admin/moderation/users?tab={tab}").status_code == 200
        return counter.count

    fill(3)
    few = {tab: measure(tab) for tab in ("reported", "blocked")}
    fill(27)
    assert {tab: measure(tab) for tab in ("reported", "blocked")} == few


def test_the_navigation_shows_moderation_to_moderators_and_participants_to_admins(
        client, db, organization, become):
    become("moderator")
    body = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/moderation"' in body
    assert 'href="/admin/moderation/users"' not in body


@pytest.mark.parametrize("persona", ["valuator", "collaborator"])
def test_the_navigation_leaves_moderation_out_for_staff_who_cannot_open_it(
        client, db, organization, become, persona):
    become(persona)
    assert 'href="/admin/moderation"' not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/moderation").status_code == 403


@pytest.mark.parametrize("persona, waiting", [
    ("moderator", 1), ("process admin", 1), ("admin", 1),
    ("moderator of another process", 0), ("valuator", 0),
])
def test_the_dashboard_counts_the_reported_items_waiting_for_a_moderator(
        client, db, scene, become, persona, waiting):
    become(persona)
    body = text(client.get("/admin/"))
    task = re.search(r'<a href="/admin/moderation">Reported content waiting for a moderator</a>'
                     r'\s*<span class="badge">(\d+)</span>', body)
    assert (int(task.group(1)) if task else 0) == waiting


def test_the_action_log_tells_what_moderators_did(client, db, scene, become):
    become("admin")
    client.post(f"/admin/moderation/{scene['reported'].id}/hide")
    client.post(f"/admin/moderation/users/{scene['suspect'].id}/block",
                data={"justification": JUSTIFICATION})
    body = re.sub(r"<[^>]+>", "", text(client.get("/admin/logs")))
    assert "hid the debate Reported debate" in body
    assert f"blocked {scene['suspect'].name}" in body
