"""The outbox: written with the change, delivered after commit, once, retried on failure."""

import logging
from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from sqlalchemy import func
from sqlalchemy import select

from decide.core import mail
from decide.core.mail import MAX_ATTEMPTS
from decide.core.mail import deliver_pending
from decide.core.mail import public_url_for
from decide.core.mail import queue_email
from decide.core.models import OutboxMessage
from decide.core.models import utcnow
from decide.core.services import request_password_reset


def queue(user, subject="Hello", link="https://decide.test/confirm/abc"):
    return queue_email(user, subject, "core/confirm", link=link)


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(db, user, mails):
    queue(user)
    db.session.flush()
    db.session.rollback()

    assert deliver_pending() == 0
    assert mails() == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_mail_from_a_request_that_fails_is_never_sent(client, db, user, mails):
    # The address is taken: register_user fails before anything reaches the outbox,
    # and the request's transaction is not committed.
    response = client.post("/signup", data={
        "name": "Copy", "nickname": "copy", "email": user.email,
        "password": "lantern-orchard-velvet", "locale": "en", "accept_terms": "y",
    })

    assert response.status_code == 400
    assert mails() == []


def test_delivery_marks_messages_sent_and_never_sends_twice(app, db, user, mails):
    queue(user, "First")
    queue(user, "Second")
    db.session.commit()

    assert deliver_pending() == 2
    assert deliver_pending() == 0

    rows = outbox(db)
    assert all(row.sent_at is not None for row in rows)
    assert [row.attempts for row in rows] == [1, 1]
    assert [message["Subject"] for message in mails()] == ["First", "Second"]
    assert len(list(app.config["MAIL_DIR"].glob("*.eml"))) == 2


def test_only_a_message_with_an_unsubscribe_address_has_the_list_headers(db, user, mails):
    queue(user, "Plain")
    queue_email(user, "News", "core/confirm", link="https://decide.test/x",
                unsubscribe="https://decide.test/notifications/unsubscribe/abc")
    db.session.commit()

    plain, news = mails()
    assert plain["List-Unsubscribe"] is None and plain["List-Unsubscribe-Post"] is None
    assert news["List-Unsubscribe"] == "<https://decide.test/notifications/unsubscribe/abc>"
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_message_is_a_text_and_html_mail_from_the_configured_sender(db, user, mails):
    queue(user, "Welcome", link="https://decide.test/confirm/xyz")
    db.session.commit()

    [message] = mails()

    assert message["From"] == "Decide <no-reply@decide.example>"
    assert message["To"] == user.email
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "https://decide.test/confirm/xyz" in text
    assert 'href="https://decide.test/confirm/xyz"' in html
    assert "Hello Resident 1," in text


def test_the_file_writer_logs_the_recipient_and_subject(db, user, caplog):
    queue(user, "Logged subject")
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="decide.core.mail"):
        deliver_pending()

    assert any(user.email in record.getMessage() and "Logged subject" in record.getMessage()
               for record in caplog.records)


def test_a_failure_is_recorded_and_retried_later(db, user, mails, monkeypatch, caplog):
    queue(user, "Retry me")
    db.session.commit()

    def broken(message, outgoing):
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(mail, "_send_to_file", broken)
        with caplog.at_level(logging.ERROR, logger="decide.core.mail"):
            assert deliver_pending() == 0
        # Not again before its time has come.
        assert deliver_pending() == 0

    [row] = outbox(db)
    assert row.sent_at is None
    assert row.last_error == "disk full"
    assert row.attempts == 1
    assert row.locked_until > utcnow()
    assert mails() == []  # the writer works again, but the message waits for its turn

    row.locked_until = utcnow() - timedelta(seconds=1)  # time passes
    db.session.commit()

    assert [message["Subject"] for message in mails()] == ["Retry me"]
    [row] = outbox(db)
    assert row.sent_at is not None
    assert row.attempts == 2


def test_each_failure_waits_longer(db, user, monkeypatch):
    queue(user)
    db.session.commit()

    def broken(message, outgoing):
        raise OSError("no route to host")

    monkeypatch.setattr(mail, "_send_to_file", broken)
    waits = []
    for _ in range(3):
        deliver_pending()
        [row] = outbox(db)
        waits.append(row.locked_until - utcnow())
        row.locked_until = None
        db.session.commit()

    assert waits[0] < waits[1] < waits[2]


def test_delivery_gives_up_after_the_last_attempt(db, user, mails):
    message = queue(user)
    message.attempts = MAX_ATTEMPTS
    message.last_error = "mailbox unavailable"
    db.session.commit()

    assert deliver_pending() == 0
    assert mails() == []


def test_a_message_claimed_by_another_worker_is_left_alone_until_the_claim_expires(db, user,
                                                                                   mails):
    message = queue(user)
    message.locked_until = utcnow() + timedelta(minutes=3)
    db.session.commit()

    assert deliver_pending() == 0

    message.locked_until = utcnow() - timedelta(minutes=1)  # that worker died
    db.session.commit()
    assert deliver_pending() == 1


def test_mail_is_rendered_in_the_recipients_language_not_the_readers(client, db, create_user,
                                                                       mails):
    create_user(email="lucas@example.org", name="Lucas", locale="fr")

    client.post("/password/forgot", data={"email": "lucas@example.org"},
                headers={"Accept-Language": "es"})

    [message] = mails()
    with force_locale("fr"):
        subject = gettext("Choose a new password")
        greeting = gettext("Hello %(name)s,", name="Lucas")
    assert subject != "Choose a new password", "no French translation"
    assert message["Subject"] == subject
    assert greeting in message.get_body(preferencelist=("plain",)).get_content()
    assert 'lang="fr"' in message.get_body(preferencelist=("html",)).get_content()


def test_links_use_the_public_url_whatever_address_the_request_came_in_on(app, db, user,
                                                                          mails):
    with app.test_request_context("/password/forgot", method="POST",
                                  base_url="http://10.0.0.7:8000"):
        request_password_reset(user.email)
        db.session.commit()

    [message] = mails()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "https://decide.test/password/reset/" in text
    assert "10.0.0.7" not in text


def test_public_url_for_keeps_a_path_prefix(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://city.example/decide")

    assert public_url_for("auth.confirm", token="abc") == (
        "https://city.example/decide/confirm/abc")


def test_the_html_part_escapes_what_residents_wrote(db, create_user, mails):
    writer = create_user(name="<b>Bold</b> & co")
    queue(writer)
    db.session.commit()

    [message] = mails()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html
    assert "<b>Bold</b>" not in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<b>Bold</b> & co" in text  # plain text is not HTML


# --- SMTP -----------------------------------------------------------------------------

class FakeSMTP:
    """Stands in for smtplib.SMTP / SMTP_SSL and records what it was asked to do."""

    instances: list["FakeSMTP"] = []
    fail_with: Exception | None = None

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.calls = []
        self.sent = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append("quit")

    def starttls(self):
        self.calls.append("starttls")

    def login(self, username, password):
        self.calls.append(("login", username, password))

    def send_message(self, message):
        if FakeSMTP.fail_with is not None:
            raise FakeSMTP.fail_with
        self.calls.append("send_message")
        self.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.instances = []
    FakeSMTP.fail_with = None
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", type("FakeSMTPSSL", (FakeSMTP,), {}))
    return FakeSMTP


def test_smtp_delivery_when_mail_url_is_set(app, db, user, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL",
                        "smtp://mailer%40city:s3cr%3At@smtp.city.example:2525?starttls=1")
    monkeypatch.setitem(app.config, "MAIL_FROM", "Vilanova <participa@city.example>")
    queue(user, "Over SMTP", link="https://decide.test/confirm/smtp")
    db.session.commit()

    assert deliver_pending() == 1

    [connection] = smtp.instances
    assert type(connection) is FakeSMTP
    assert (connection.host, connection.port) == ("smtp.city.example", 2525)
    assert connection.calls == ["starttls", ("login", "mailer@city", "s3cr:t"), "send_message",
                                "quit"]
    [sent] = connection.sent
    assert sent["From"] == "Vilanova <participa@city.example>"
    assert sent["To"] == user.email
    assert sent["Subject"] == "Over SMTP"
    assert sent.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in sent.iter_parts()] == ["text/plain", "text/html"]
    assert "https://decide.test/confirm/smtp" in sent.get_body(("plain",)).get_content()
    assert 'href="https://decide.test/confirm/smtp"' in sent.get_body(("html",)).get_content()
    assert list(app.config["MAIL_DIR"].glob("*.eml")) == []
    [row] = outbox(db)
    assert row.sent_at is not None


def test_smtps_uses_tls_from_the_start_on_port_465(app, db, user, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtps://smtp.city.example")
    queue(user)
    db.session.commit()

    assert deliver_pending() == 1

    [connection] = smtp.instances
    assert type(connection).__name__ == "FakeSMTPSSL"
    assert (connection.host, connection.port) == ("smtp.city.example", 465)
    assert connection.calls == ["send_message", "quit"]  # no login without a user name


def test_an_smtp_refusal_is_recorded_and_retried(app, db, user, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://smtp.city.example")
    queue(user)
    db.session.commit()
    smtp.fail_with = ConnectionRefusedError("connection refused")

    assert deliver_pending() == 0

    [row] = outbox(db)
    assert row.sent_at is None
    assert "connection refused" in row.last_error
    row.locked_until = None
    db.session.commit()
    smtp.fail_with = None
    assert deliver_pending() == 1
