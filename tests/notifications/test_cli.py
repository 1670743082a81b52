"""`flask decide digest daily|weekly`, and phase activations told by `phases` and `deliver`."""

from datetime import timedelta

from sqlalchemy import select

from decide.core.models import OutboxMessage
from decide.core.models import utcnow
from decide.notifications import services
from decide.notifications.models import Notification
from decide.spaces.services import activate_phase
from decide.spaces.services import today_here


def test_digest_command_sends_once(runner, db, create_user, create_proposal,
                                   create_notification, mails):
    daily = create_user(notifications_email="daily")
    create_notification(daily, "debate_closed", resource=create_proposal(title="Quiet streets"))

    first = runner.invoke(args=["decide", "digest", "daily"])
    again = runner.invoke(args=["decide", "digest", "daily"])

    assert first.exit_code == 0, first.output
    assert first.output.strip() == "1 digest(s) queued."
    assert again.output.strip() == "0 digest(s) queued."
    [message] = mails()
    assert message["To"] == daily.email
    assert message["Subject"] == "1 new notification"
    assert "Quiet streets" in message.get_body(preferencelist=("plain",)).get_content()


def test_digest_command_refuses_other_frequencies(runner):
    result = runner.invoke(args=["decide", "digest", "hourly"])
    assert result.exit_code != 0
    assert "daily" in result.output and "weekly" in result.output


def test_phases_command_tells_the_followers(runner, db, create_user, create_process,
                                            create_phase):
    today = today_here()
    process = create_process(automatic_phases=True)
    create_phase(process, active=True, start_date=today - timedelta(days=9),
                 end_date=today - timedelta(days=1))
    create_phase(process, title={"en": "Vote"}, start_date=today,
                 end_date=today + timedelta(days=5))
    follower = create_user()
    services.follow(follower, process=process)
    db.session.commit()

    result = runner.invoke(args=["decide", "phases"])

    assert result.exit_code == 0, result.output
    [told] = db.session.scalars(select(Notification)).all()
    assert told.user_id == follower.id and told.data["phase_title"] == {"en": "Vote"}
    runner.invoke(args=["decide", "phases"])
    assert len(db.session.scalars(select(Notification)).all()) == 1


def test_deliver_tells_of_phases_activated_in_the_back_office(runner, db, admin, create_user,
                                                              process, create_phase, mails):
    follower = create_user()
    services.follow(follower, process=process)
    activate_phase(admin, create_phase(process, title={"en": "Results"}))
    db.session.commit()

    result = runner.invoke(args=["decide", "deliver"])

    assert result.exit_code == 0, result.output
    [message] = mails()
    assert message["To"] == follower.email
    assert "Results" in message["Subject"]
    assert db.session.scalars(select(OutboxMessage)).one().sent_at is not None
    assert db.session.scalars(select(Notification)).one().emailed_at <= utcnow()
