"""The pages of notifications: who may do what, the list, preferences, follows, the bell."""

import re

import pytest
from sqlalchemy import select

from decide.core.models import utcnow
from decide.notifications import services
from decide.notifications.models import Follow
from decide.notifications.models import Notification


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- who may do what ----------------------------------------------------------------------

GUARDED = [
    ("get", "/notifications"),
    ("get", "/notifications/preferences"),
    ("post", "/notifications/preferences"),
    ("post", "/notifications/read"),
    ("post", "/notifications/{notification}/read"),
    ("post", "/follows/processes/{process}"),
    ("post", "/follows/processes/{process}/delete"),
    ("post", "/follows/users/{user}"),
    ("post", "/follows/resources/{proposal}"),
]


@pytest.mark.parametrize("method, path", GUARDED)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, user, process, create_proposal,
                                                create_notification, method, path):
    values = {"notification": create_notification(user).id, "process": process.id,
              "user": user.id, "proposal": create_proposal().id}
    response = getattr(client, method)(path.format(**values))
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]
    assert db.session.scalars(select(Follow)).all() == []


def test_another_residents_notification_is_not_found(client, db, user, create_user, login,
                                                     create_notification):
    theirs = create_notification(create_user())
    login(user)
    for notification_id in (theirs.id, theirs.id + 100, 2**31, 10**20):
        response = client.post(f"/notifications/{notification_id}/read")
        assert response.status_code == 404, notification_id
    db.session.refresh(theirs)
    assert theirs.read_at is None


FOLLOW_CASES = {
    # target -> status for a resident
    "published process": 303,
    "unpublished process": 404,
    "missing process": 404,
    "proposal": 303,
    "hidden proposal": 404,
    "someone else's draft": 404,
    "own draft": 303,
    "resident": 303,
    "themself": 403,
    "blocked resident": 403,
    "deleted resident": 404,
    "huge id": 404,
}


@pytest.mark.parametrize("case", FOLLOW_CASES)
def test_follow_permission_matrix(client, db, user, create_user, login, process,
                                  create_process, create_proposal, case):
    targets = {
        "published process": lambda: ("processes", process.id),
        "unpublished process": lambda: ("processes", create_process(published=False).id),
        "missing process": lambda: ("processes", process.id + 1000),
        "proposal": lambda: ("resources", create_proposal().id),
        "hidden proposal": lambda: ("resources", create_proposal(hidden_at=utcnow()).id),
        "someone else's draft": lambda: ("resources", create_proposal(published=False).id),
        "own draft": lambda: ("resources", create_proposal(published=False, author=user).id),
        "resident": lambda: ("users", create_user().id),
        "themself": lambda: ("users", user.id),
        "blocked resident": lambda: ("users", create_user(blocked_at=utcnow()).id),
        "deleted resident": lambda: ("users", create_user(deleted_at=utcnow()).id),
        "huge id": lambda: ("users", 10**12),
    }
    kind, target_id = targets[case]()
    login(user)

    response = client.post(f"/follows/{kind}/{target_id}")

    assert response.status_code == FOLLOW_CASES[case]
    follows = db.session.scalars(select(Follow).where(Follow.user_id == user.id)).all()
    assert len(follows) == (1 if response.status_code == 303 else 0)
    if response.status_code == 404:
        # Unfollowing what one cannot see is not found either.
        assert client.post(f"/follows/{kind}/{target_id}/delete").status_code == 404


def test_follow_and_unfollow_a_process_from_its_page(client, db, user, login, process):
    login(user)
    page = page_text(client.get(f"/processes/{process.slug}"))
    assert f'action="/follows/processes/{process.id}"' in page
    assert ">Follow<" in page

    response = client.post(f"/follows/processes/{process.id}", follow_redirects=True)
    page = page_text(response)
    assert "You follow “Green Streets”" in page
    assert f'action="/follows/processes/{process.id}/delete"' in page
    assert "Stop following" in page
    assert services.is_following(user, process=process)

    response = client.post(f"/follows/processes/{process.id}/delete", follow_redirects=True)
    assert "You no longer follow “Green Streets”" in page_text(response)
    assert not services.is_following(user, process=process)


def test_follow_button_on_profiles_but_not_ones_own(client, user, create_user, login):
    other = create_user()
    assert "/follows/" not in page_text(client.get(f"/profiles/{other.nickname}"))
    login(user)
    assert f'action="/follows/users/{other.id}"' in page_text(
        client.get(f"/profiles/{other.nickname}"))
    assert "/follows/" not in page_text(client.get(f"/profiles/{user.nickname}"))


def test_follow_without_a_token_shows_the_button_again(client, db, user, login, process):
    login(user)
    response = client.post(f"/follows/processes/{process.id}", csrf=False)
    assert response.status_code == 400
    page = page_text(response)
    assert "This form has expired" in page
    assert re.search(r'<form method="post" novalidate>.*csrf_token.*</form>', page, re.S)
    assert db.session.scalars(select(Follow)).all() == []


# --- the list -----------------------------------------------------------------------------

def test_the_list_shows_newest_first_with_unread_marked(client, user, login, create_proposal,
                                                        create_notification):
    old = create_proposal(title="An older idea for the library")
    new = create_proposal(title="A newer idea for the market")
    create_notification(user, "support_threshold_reached", resource=old, read=True)
    create_notification(user, "debate_closed", resource=new)
    login(user)

    page = page_text(client.get("/notifications"))

    assert page.index("A newer idea") < page.index("An older idea")
    assert page.count("notification--unread") == 1
    assert page.count(">Unread<") == 1
    assert "1 unread notification" in page
    assert "Mark all as read" in page


def test_the_list_never_shows_another_residents_notifications(client, user, create_user,
                                                              login, create_proposal,
                                                              create_notification):
    create_notification(create_user(), resource=create_proposal(title="Secret of someone"))
    login(user)
    page = page_text(client.get("/notifications"))
    assert "Secret of someone" not in page
    assert "No notifications yet" in page


def test_the_list_is_paginated(client, user, login, create_proposal, create_notification):
    proposal = create_proposal()
    for _ in range(25):
        create_notification(user, "debate_closed", resource=proposal)
    login(user)

    first = page_text(client.get("/notifications"))
    second = page_text(client.get("/notifications?page=2"))
    beyond = client.get("/notifications?page=999")

    assert first.count('<li class="notification') == 20
    assert second.count('<li class="notification') == 5
    assert "Page 1 of 2" in first and 'href="/notifications?page=2"' in first
    assert beyond.status_code == 200 and "Page 2 of 2" in page_text(beyond)
    for nonsense in ("abc", "-3", "0", "99999999999999999999"):
        assert client.get(f"/notifications?page={nonsense}").status_code == 200


def test_hidden_content_is_listed_without_a_link(client, db, user, login, create_proposal,
                                                 create_notification):
    proposal = create_proposal(title="Now hidden idea", hidden_at=utcnow())
    create_notification(user, "debate_closed", resource=proposal)
    login(user)
    page = page_text(client.get("/notifications"))
    assert "Now hidden idea" in page
    assert "This content is no longer available." in page


def test_mark_one_and_all_as_read(client, db, user, login, create_notification):
    first, second, third = (create_notification(user) for _ in range(3))
    login(user)

    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 303
    db.session.expire_all()
    assert first.read_at is not None and second.read_at is None

    response = client.post("/notifications/read", follow_redirects=True)
    assert "All your notifications are marked as read." in page_text(response)
    db.session.expire_all()
    assert all(n.read_at is not None for n in (first, second, third))


def test_constant_queries_for_the_list(client, db, user, create_user, login, process,
                                       create_proposal, create_comment, create_debate,
                                       create_notification, count_queries):
    login(user)

    def fill(number):
        actor = create_user()
        for index in range(number):
            kind = index % 4
            if kind == 0:
                create_notification(user, "support_threshold_reached",
                                    resource=create_proposal(), actor=actor)
            elif kind == 1:
                create_notification(user, "comment_created", actor=create_user(),
                                    resource=create_comment(create_proposal()))
            elif kind == 2:
                create_notification(user, "debate_closed", resource=create_debate())
            else:
                create_notification(user, "phase_activated", process=process,
                                    data={"phase_title": {"en": "Ideas"}})
        db.session.expire_all()

    def queries() -> int:
        with count_queries() as counter:
            response = client.get("/notifications?page=1")
        assert response.status_code == 200
        return counter.count

    fill(3)
    few = queries()
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    fill(19)  # the page shows 20
    many = queries()
    assert many == few


# --- the bell -----------------------------------------------------------------------------

def test_the_bell_shows_the_unread_count(client, user, login, create_notification):
    for read in (False, False, False, True):
        create_notification(user, read=read)
    login(user)

    page = page_text(client.get("/"))

    bell = re.search(r'<a class="bell"[^>]*>(.*?)</a>', page, re.S).group(1)
    assert "Notifications, 3 unread" in bell
    assert '<span class="bell__count" aria-hidden="true">3</span>' in bell


def test_the_bell_without_unread(client, user, login):
    login(user)
    bell = re.search(r'<a class="bell"[^>]*>(.*?)</a>', page_text(client.get("/")), re.S)
    assert "Notifications" in bell.group(1) and "bell__count" not in bell.group(1)


def test_no_bell_for_anonymous_visitors(client):
    assert 'class="bell"' not in page_text(client.get("/"))


def test_the_bell_is_one_query(client, user, login, create_notification, count_queries,
                               monkeypatch):
    create_notification(user)
    login(user)
    calls = []
    original = services.unread_count
    monkeypatch.setattr(services, "unread_count", lambda who: calls.append(who) or original(who))
    with count_queries() as with_bell:
        client.get("/pages/terms")
    assert len(calls) == 1
    monkeypatch.setattr(services, "unread_count", lambda who: 0)
    with count_queries() as without_bell:
        client.get("/pages/terms")
    assert with_bell.count - without_bell.count == 1


# --- preferences --------------------------------------------------------------------------

def test_preferences_show_the_current_choice_and_save(client, db, user, login):
    user.notifications_email = "weekly"
    db.session.commit()
    login(user)

    page = page_text(client.get("/notifications/preferences"))
    assert re.search(r'<input checked[^>]*value="weekly"|value="weekly"[^>]*checked', page)

    response = client.post("/notifications/preferences", data={"frequency": "daily"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.notifications_email == "daily"


@pytest.mark.parametrize("data", [
    {},
    {"frequency": ""},
    {"frequency": "hourly"},
    {"frequency": "x" * 5000},
    {"frequency": "<script>alert(1)</script>"},
    {"frequency": "daily\x00"},
])
def test_preferences_refuse_bad_input(client, db, user, login, data):
    login(user)
    response = client.post("/notifications/preferences", data=data)
    assert response.status_code == 400
    page = page_text(response)
    assert "Choose one of the options." in page or "control characters" in page
    assert "<script>alert(1)" not in page
    db.session.refresh(user)
    assert user.notifications_email == "every"


# --- e-mail and unsubscribing -------------------------------------------------------------

def test_the_unsubscribe_link_of_an_email_works_without_signing_in(app, client, db, user,
                                                                    create_proposal, mails):
    services.notify("debate_closed", [user], resource=create_proposal(title="Night buses"))
    db.session.commit()

    [message] = mails()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Night buses" in text
    link = re.search(r"https://decide\.test(/notifications/unsubscribe/\S+)", text).group(1)

    response = client.get(link)
    assert response.status_code == 200
    page = page_text(response)
    assert "You are unsubscribed" in page
    assert 'href="/notifications/preferences"' in page
    db.session.refresh(user)
    assert user.notifications_email == "none"
    assert client.get(link).status_code == 200  # a second click says the same


def test_the_mail_programs_one_click_unsubscribe_works_without_a_session(app, db, user,
                                                                         create_proposal, mails):
    services.notify("debate_closed", [user], resource=create_proposal(title="Night buses"))
    db.session.commit()

    [message] = mails()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = re.fullmatch(r"<https://decide\.test(/notifications/unsubscribe/\S+)>",
                           message["List-Unsubscribe"]).group(1)
    # What RFC 8058 says a mail program sends: a POST without cookies or CSRF token.
    response = app.test_client().post(address, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    db.session.refresh(user)
    assert user.notifications_email == "none"


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c"])
def test_a_one_click_unsubscribe_with_a_bad_token_changes_nothing(client, db, user, token):
    response = client.post(f"/notifications/unsubscribe/{token}",
                           data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.notifications_email == "every"


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "%00"])
def test_a_bad_unsubscribe_link_says_so(client, db, user, token):
    response = client.get(f"/notifications/unsubscribe/{token}")
    assert response.status_code == 400
    if token != "%00":  # refused before the view, by the guard on control characters
        assert "This link is not valid" in page_text(response)
    db.session.refresh(user)
    assert user.notifications_email == "every"
