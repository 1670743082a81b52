"""Follows and notifications at the service level: who is told, once, and how."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.core.models import OutboxMessage
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import make_token
from decide.notifications import services
from decide.notifications.models import Follow
from decide.notifications.models import Notification
from decide.spaces.models import PhaseActivation
from decide.spaces.services import activate_phase


def notifications_of(db, user) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def outbox(db, user=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if user is not None:
        query = query.where(OutboxMessage.user_id == user.id)
    return db.session.scalars(query).all()


# --- follows ------------------------------------------------------------------------------

def test_following_twice_keeps_one_follow_and_unfollow_removes_it(db, user, process):
    first = services.follow(user, process=process)
    second = services.follow(user, process=process)
    db.session.commit()

    assert first.id == second.id
    assert services.is_following(user, process=process)
    assert db.session.scalar(select(func.count(Follow.id))) == 1

    services.unfollow(user, process=process)
    db.session.commit()
    assert not services.is_following(user, process=process)
    services.unfollow(user, process=process)  # not following: nothing to do


def test_follows_of_each_kind_of_target(db, user, create_user, process, create_proposal):
    other, proposal = create_user(), create_proposal()
    services.follow(user, resource=proposal)
    services.follow(user, followed_user=other)
    db.session.commit()

    assert services.is_following(user, resource=proposal)
    assert services.is_following(user, followed_user=other)
    assert not services.is_following(user, process=process)
    assert not services.is_following(other, followed_user=user)


def test_a_follow_names_exactly_one_target(user, process, create_user):
    with pytest.raises(TypeError):
        services.follow(user)
    with pytest.raises(TypeError):
        services.follow(user, process=process, followed_user=create_user())


def test_nobody_follows_themself(db, user):
    with pytest.raises(DomainError):
        services.follow(user, followed_user=user)
    assert not services.can_follow(user, followed_user=user)


def test_who_can_follow_what(db, user, create_user, process, create_process, create_proposal):
    from flask_login import AnonymousUserMixin

    hidden = create_proposal(hidden_at=utcnow())
    draft = create_proposal(published=False)
    blocked = create_user(blocked_at=utcnow())
    unpublished = create_process(published=False)

    assert services.can_follow(user, process=process)
    assert services.can_follow(user, resource=create_proposal())
    assert services.can_follow(user, followed_user=create_user())
    assert not services.can_follow(AnonymousUserMixin(), process=process)
    assert not services.can_follow(user, process=unpublished)
    assert not services.can_follow(user, resource=hidden)
    assert not services.can_follow(user, resource=draft)
    assert services.can_follow(draft.author, resource=draft)
    assert not services.can_follow(user, followed_user=blocked)
    assert not services.can_follow(blocked, process=process)


# --- notify -------------------------------------------------------------------------------

def test_one_notification_per_distinct_user_never_the_actor(db, create_user, create_proposal):
    actor, first, second = create_user(), create_user(), create_user()
    proposal = create_proposal()

    made = services.notify("support_threshold_reached", [first, first.id, second, actor, None],
                           resource=proposal, actor=actor)
    db.session.commit()

    assert sorted(n.user_id for n in made) == sorted([first.id, second.id])
    assert notifications_of(db, actor) == []
    assert [n.event for n in notifications_of(db, first)] == ["support_threshold_reached"]


def test_blocked_and_deleted_accounts_are_not_told(db, create_user, create_proposal):
    active = create_user()
    blocked = create_user(blocked_at=utcnow())
    deleted = create_user(deleted_at=utcnow())

    services.notify("debate_closed", [active, blocked, deleted], resource=create_proposal())
    db.session.commit()

    assert len(notifications_of(db, active)) == 1
    assert notifications_of(db, blocked) == notifications_of(db, deleted) == []
    assert [m.user_id for m in outbox(db)] == [active.id]


def test_every_event_is_emailed_at_once_the_digests_and_none_are_not(db, create_user,
                                                                      create_proposal):
    every = create_user(notifications_email="every")
    daily = create_user(notifications_email="daily")
    weekly = create_user(notifications_email="weekly")
    none = create_user(notifications_email="none")
    proposal = create_proposal(title="Benches in the park square")

    services.notify("proposal_answered", [every, daily, weekly, none], resource=proposal,
                    state="accepted")
    db.session.commit()

    messages = outbox(db)
    assert [m.user_id for m in messages] == [every.id]
    assert "Benches in the park square" in messages[0].subject
    assert "has been accepted" in messages[0].text_body
    assert "/notifications/unsubscribe/" in messages[0].text_body
    assert "/notifications/unsubscribe/" in messages[0].html_body
    assert notifications_of(db, every)[0].emailed_at is not None
    for user in (daily, weekly, none):
        assert notifications_of(db, user)[0].emailed_at is None


def test_email_is_in_the_recipients_language(db, create_user, process, create_phase):
    spanish = create_user(locale="es")
    services.follow(spanish, process=process)
    phase = create_phase(process, title={"en": "Vote", "es": "Votación"})
    db.session.commit()

    activate_phase(None, phase)
    services.notify_phase_activations()
    db.session.commit()

    [message] = outbox(db, spanish)
    assert "Calles verdes" in message.text_body
    assert "Votación" in message.text_body
    assert "https://decide.test/processes/green-streets" in message.text_body


def test_a_resident_hears_once_per_change(db, create_user, create_proposal, create_comment):
    """A reply to your comment on a proposal you follow: told as a reply, not twice."""
    proposal = create_proposal()
    parent_author, follower, replier = create_user(), create_user(), create_user()
    for each in (parent_author, follower):
        services.follow(each, resource=proposal)
    parent = create_comment(proposal, author=parent_author)
    reply = create_comment(proposal, author=replier, parent=parent)

    services.notify("comment_reply", [parent_author], resource=reply, actor=replier)
    services.notify_followers("comment_created", reply, actor=replier)
    db.session.commit()

    assert [n.event for n in notifications_of(db, parent_author)] == ["comment_reply"]
    assert [n.event for n in notifications_of(db, follower)] == ["comment_created"]

    # A later comment is a new change: told again.
    services.notify_followers("comment_created", create_comment(proposal, author=replier),
                              actor=replier)
    db.session.commit()
    assert len(notifications_of(db, parent_author)) == 2


def test_followers_of_the_thread_hear_of_a_comment(db, create_user, create_proposal,
                                                   create_comment):
    proposal = create_proposal()
    follower, commenter, extra = create_user(), create_user(), create_user()
    services.follow(follower, resource=proposal)
    services.follow(commenter, resource=proposal)  # commenters follow the thread
    comment = create_comment(proposal, author=commenter)

    services.notify_followers("comment_created", comment, actor=commenter, also=[extra])
    db.session.commit()

    [told] = notifications_of(db, follower)
    assert told.resource_id == comment.id and told.actor_id == commenter.id
    assert len(notifications_of(db, extra)) == 1
    assert notifications_of(db, commenter) == []


def test_a_published_proposal_reaches_followers_of_its_author_and_process(
        db, create_user, process, create_proposal):
    author, fan, watcher, stranger = (create_user() for _ in range(4))
    services.follow(fan, followed_user=author)
    services.follow(watcher, process=process)
    db.session.commit()
    proposal = create_proposal(author=author)

    services.notify_followers("proposal_published", proposal, actor=author)
    db.session.commit()

    assert len(notifications_of(db, fan)) == len(notifications_of(db, watcher)) == 1
    assert notifications_of(db, stranger) == notifications_of(db, author) == []


# --- phases -------------------------------------------------------------------------------

def test_a_phase_activation_is_told_to_the_process_followers_once(
        app, db, admin, create_user, process, create_phase):
    follower, other = create_user(), create_user()
    services.follow(follower, process=process)
    services.follow(admin, process=process)
    phase = create_phase(process, title={"en": "Supports"})
    db.session.commit()

    activate_phase(admin, phase)
    db.session.commit()
    assert services.notify_phase_activations() == 1
    db.session.commit()
    assert services.notify_phase_activations() == 0  # re-run: nothing twice
    db.session.commit()

    [told] = notifications_of(db, follower)
    assert told.event == "phase_activated" and told.process_id == process.id
    assert told.data == {"phase_title": {"en": "Supports"}}
    assert notifications_of(db, admin) == []  # who activated it knows
    assert notifications_of(db, other) == []
    activation = db.session.scalars(select(PhaseActivation)).one()
    assert activation.notified_at is not None
    with app.test_request_context():
        text = services.describe(told, follower).text
    assert text == "The phase “Supports” of “Green Streets” has started."


def test_an_old_activation_is_marked_but_not_told(db, create_user, process, create_phase):
    follower = create_user()
    services.follow(follower, process=process)
    phase = create_phase(process)
    activate_phase(None, phase)
    db.session.scalars(select(PhaseActivation)).one().activated_at = \
        utcnow() - timedelta(days=30)
    db.session.commit()

    assert services.notify_phase_activations() == 0
    db.session.commit()
    assert notifications_of(db, follower) == []
    assert db.session.scalars(select(PhaseActivation)).one().notified_at is not None


# --- digests ------------------------------------------------------------------------------

def test_digests_send_each_notification_once(db, create_user, create_proposal,
                                             create_notification):
    daily = create_user(notifications_email="daily")
    weekly = create_user(notifications_email="weekly")
    every = create_user(notifications_email="every")
    proposal = create_proposal(title="Fountains in every square")
    fresh = create_notification(daily, "support_threshold_reached", resource=proposal)
    create_notification(daily, "debate_closed", resource=proposal, read=True)
    stale = create_notification(daily, "proposal_answered", resource=proposal,
                                created_at=utcnow() - timedelta(days=3))
    create_notification(weekly, "proposal_answered", resource=proposal,
                        created_at=utcnow() - timedelta(days=3), data={"state": "rejected"})
    create_notification(every, "proposal_answered", resource=proposal, emailed_at=utcnow())

    assert services.send_digests("daily") == 1
    db.session.commit()
    assert services.send_digests("daily") == 0  # re-run: nothing twice
    db.session.commit()

    [digest] = outbox(db)
    assert digest.user_id == daily.id
    assert digest.subject == "2 new notifications"
    assert "Fountains in every square" in digest.text_body
    assert "has reached the number of supports" in digest.text_body
    assert "has been closed" in digest.text_body
    assert "/notifications/unsubscribe/" in digest.text_body
    db.session.refresh(fresh)
    db.session.refresh(stale)
    assert fresh.emailed_at is not None
    assert stale.emailed_at is None  # older than a day: not in a daily digest

    assert services.send_digests("weekly") == 1
    db.session.commit()
    weekly_digest = outbox(db, weekly)[0]
    assert "has been rejected" in weekly_digest.text_body
    assert len(outbox(db)) == 2


def test_digest_leaves_out_blocked_and_none(db, create_user, create_proposal,
                                           create_notification):
    proposal = create_proposal()
    create_notification(create_user(notifications_email="none"), resource=proposal)
    create_notification(create_user(notifications_email="daily", blocked_at=utcnow()),
                        resource=proposal)

    assert services.send_digests("daily") == 0
    assert outbox(db) == []


def test_only_daily_and_weekly_digests_exist(db):
    with pytest.raises(DomainError):
        services.send_digests("every")


# --- reading, preferences, unsubscribing --------------------------------------------------

def test_mark_read_one_then_all_and_never_another_residents(db, user, create_user,
                                                           create_notification):
    other = create_user()
    first, second = create_notification(user), create_notification(user)
    theirs = create_notification(other)

    assert services.mark_read(user, first) == 1
    db.session.commit()
    assert services.unread_count(user) == 1
    with pytest.raises(DomainError):
        services.mark_read(user, theirs)
    assert services.mark_read(user) == 1
    db.session.commit()
    db.session.refresh(second)
    assert second.read_at is not None
    assert services.unread_count(user) == 0
    assert services.unread_count(other) == 1


@pytest.mark.parametrize("frequency", ["every", "daily", "weekly", "none"])
def test_preferences_accept_the_four_choices(db, user, frequency):
    services.set_notification_preferences(user, frequency)
    db.session.commit()
    assert user.notifications_email == frequency


@pytest.mark.parametrize("frequency", ["", "hourly", "EVERY", None, "<b>daily</b>"])
def test_preferences_refuse_anything_else(db, user, frequency):
    with pytest.raises(DomainError) as error:
        services.set_notification_preferences(user, frequency)
    assert error.value.field == "frequency"


def test_unsubscribe_with_a_valid_token(db, user):
    token = services.unsubscribe_token(user)
    assert services.unsubscribe(token) is user
    db.session.commit()
    assert user.notifications_email == "none"


def tampered(token: str) -> str:
    payload, _, rest = token.partition(".")
    changed = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    return f"{changed}.{rest}"


@pytest.mark.parametrize("make", [
    lambda user: "not-a-token",
    lambda user: tampered(services.unsubscribe_token(user)),
    lambda user: make_token("confirm", {"u": user.id}),           # another purpose
    lambda user: make_token("unsubscribe", {"u": user.id + 999}),  # nobody
    lambda user: make_token("unsubscribe", {"u": str(user.id)}),
], ids=["garbage", "tampered", "other-purpose", "unknown-user", "wrong-type"])
def test_unsubscribe_refuses_bad_tokens(db, user, make):
    with pytest.raises(DomainError):
        services.unsubscribe(make(user))
    assert user.notifications_email == "every"


def test_unsubscribe_refuses_a_deleted_account(db, user):
    token = services.unsubscribe_token(user)
    user.deleted_at = utcnow()
    db.session.commit()
    with pytest.raises(DomainError):
        services.unsubscribe(token)


def test_unsubscribe_tokens_expire_after_a_year(db, user, monkeypatch):
    token = services.unsubscribe_token(user)
    monkeypatch.setattr(services, "UNSUBSCRIBE_MAX_AGE", timedelta(seconds=-1))
    with pytest.raises(DomainError, match="expired"):
        services.unsubscribe(token)


# --- sentences ----------------------------------------------------------------------------

EVENTS = {
    "comment_created": "Ana Ruiz commented on “{title}”.",
    "comment_reply": "Ana Ruiz replied to your comment on “{title}”.",
    "mention": "Ana Ruiz mentioned you in a comment on “{title}”.",
    "proposal_published": "Ana Ruiz published a new proposal: “{title}”.",
    "support_threshold_reached":
        "The proposal “{title}” has reached the number of supports it needed.",
    "debate_closed": "The debate “{title}” has been closed.",
    "some_future_event": "There is news about “{title}”.",
}


@pytest.mark.parametrize("event", EVENTS)
def test_each_event_has_its_sentence_and_link(app, db, user, create_user, create_proposal,
                                              create_notification, event):
    actor = create_user(name="Ana Ruiz")
    proposal = create_proposal(title="Shade on the school path")
    notification = create_notification(user, event, resource=proposal, actor=actor)

    with app.test_request_context():
        notice = services.describe(notification, user)
        assert notice.text == EVENTS[event].format(title="Shade on the school path")
        assert notice.url == services.resource_url(proposal)
        assert notice.note is None and notice.unread


@pytest.mark.parametrize("state, sentence", [
    ("evaluating", "is being evaluated"), ("accepted", "has been accepted"),
    ("rejected", "has been rejected"), (None, "has been answered"),
])
def test_answer_sentences_follow_the_state(app, user, create_proposal, create_notification,
                                           state, sentence):
    notification = create_notification(user, "proposal_answered", resource=create_proposal(),
                                       data={"state": state})
    with app.test_request_context():
        assert sentence in services.describe(notification, user).text


def test_a_hidden_resource_is_said_to_be_gone_without_a_link(app, db, user, create_proposal,
                                                             create_notification):
    proposal = create_proposal()
    notification = create_notification(user, "support_threshold_reached", resource=proposal)
    proposal.hidden_at = utcnow()
    db.session.commit()

    with app.test_request_context():
        notice = services.describe(notification, user)
    assert notice.url is None
    assert notice.note == "This content is no longer available."


def test_a_deleted_comment_leads_to_its_thread(app, db, user, create_proposal, create_comment,
                                               create_notification):
    proposal = create_proposal(title="Water fountains")
    comment = create_comment(proposal, deleted_at=utcnow())
    notification = create_notification(user, "mention", resource=comment)

    with app.test_request_context():
        notice = services.describe(notification, user)
        assert notice.url == services.resource_url(proposal)
    assert "Water fountains" in notice.text
    assert notice.note == "The comment has been deleted."


def test_content_hidden_says_why_without_a_link(app, user, create_proposal, create_comment,
                                                create_notification):
    proposal = create_proposal(author=user, title="My idea", hidden_at=utcnow())
    notification = create_notification(user, "content_hidden", resource=proposal,
                                       data={"reason": "spam"})
    comment = create_comment(create_proposal(title="Their idea"), author=user)
    on_comment = create_notification(user, "content_hidden", resource=comment,
                                     data={"reason": "offensive"})

    with app.test_request_context():
        notice = services.describe(notification, user)
        assert notice.text == ("Your contribution “My idea” was hidden by moderation. "
                               "Reason: spam.")
        assert notice.url is None and notice.note is None
        assert services.describe(on_comment, user).text == (
            "Your comment on “Their idea” was hidden by moderation. Reason: offensive.")


def test_an_unpublished_process_is_said_to_be_gone(app, db, user, process,
                                                   create_notification):
    notification = create_notification(user, "phase_activated", process=process,
                                       data={"phase_title": {"en": "Ideas"}})
    process.published_at = None
    db.session.commit()
    with app.test_request_context():
        notice = services.describe(notification, user)
    assert notice.url is None
    assert notice.note == "This process is no longer available."


def test_deleted_and_blocked_actors_are_not_named(app, db, user, create_user, create_proposal,
                                                  create_notification):
    proposal = create_proposal()
    gone = create_user(name="Gone Person", deleted_at=utcnow())
    blocked = create_user(name="Blocked Person", blocked_at=utcnow())
    with app.test_request_context():
        for actor, name in ((gone, "A deleted participant"), (blocked, "A blocked participant"),
                            (None, "Someone")):
            notification = create_notification(user, "comment_created", resource=proposal,
                                               actor=actor)
            assert services.describe(notification, user).text.startswith(name)


def test_email_links_are_absolute(db, create_user, create_proposal):
    user = create_user()
    proposal = create_proposal(title="Bike lanes")
    services.notify("support_threshold_reached", [user], resource=proposal)
    db.session.commit()

    [message] = outbox(db)
    links = re.findall(r'href="([^"]+)"', message.html_body)
    assert links and all(link.startswith("https://decide.test/") for link in links)


def test_nobody_is_told_about_what_they_cannot_see(db, create_user, create_process,
                                                   create_proposal, grant):
    resident, moderator = create_user(), create_user()
    draft_process = create_process(published=False)
    grant(moderator, draft_process, "moderator")
    hidden = create_proposal(author=resident, hidden_at=utcnow())

    services.notify("phase_activated", [resident, moderator], process=draft_process,
                    phase_title={"en": "Ideas"})
    services.notify("debate_closed", [resident], resource=hidden)
    services.notify("content_hidden", [resident], resource=hidden, reason="spam")
    db.session.commit()

    assert [n.event for n in notifications_of(db, resident)] == ["content_hidden"]
    assert [n.event for n in notifications_of(db, moderator)] == ["phase_activated"]
