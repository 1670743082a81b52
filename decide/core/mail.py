"""The outbox: e-mail is written with the change that caused it and delivered after commit.

`queue_email` renders the message in the recipient's language and adds it to the session,
so it commits (or rolls back) with the change. `deliver_pending` (run by
`flask decide deliver`) claims each message with an atomic UPDATE, sends it outside any
long transaction, then marks it sent: nothing is lost when a request or the worker dies,
and several workers never send the same message twice.
"""

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

from flask import current_app
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from decide.core.i18n import current_organization
from decide.core.models import OutboxMessage
from decide.core.models import User
from decide.core.models import utcnow
from decide.extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)


def public_url_for(endpoint: str, **values) -> str:
    """An absolute link on the configured public address, with or without a request."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def queue_email(user: User, subject, template: str, to_address: str | None = None,
                unsubscribe: str | None = None, **context):
    """Render `email/<template>.{txt,html}` in the user's language and add it to the outbox.

    `unsubscribe`: a signed one-click address, shown in the message and sent in its headers.
    """
    with force_locale(user.locale):
        context.update(user=user, organization=current_organization(), unsubscribe=unsubscribe)
        message = OutboxMessage(
            user_id=user.id,
            to_address=to_address or user.email,
            subject=str(subject),
            text_body=render_template(f"email/{template}.txt", **context),
            html_body=render_template(f"email/{template}.html", **context),
            list_unsubscribe=unsubscribe,
        )
    db.session.add(message)
    return message


def _build_message(outgoing: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = outgoing.subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = outgoing.to_address
    message["Message-ID"] = make_msgid(domain="decide.local")
    if outgoing.list_unsubscribe:
        message["List-Unsubscribe"] = f"<{outgoing.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(outgoing.text_body)
    message.add_alternative(outgoing.html_body, subtype="html")
    return message


def _send_to_file(message: EmailMessage, outgoing: OutboxMessage) -> None:
    directory = Path(current_app.config["MAIL_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{outgoing.created_at:%Y%m%d-%H%M%S}-{outgoing.id:06d}.eml"
    path.write_bytes(bytes(message))
    log.warning("mail to %s: %s (%s)", outgoing.to_address, outgoing.subject, path)


def _send_smtp(message: EmailMessage, url: str) -> None:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    default_port = 465 if parts.scheme == "smtps" else 25
    with smtp_class(parts.hostname, parts.port or default_port, timeout=30) as smtp:
        if options.get("starttls", ["0"])[0] in {"1", "true"}:
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


def _claim(message_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_until=now + CLAIM_FOR, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    return claimed == 1


def deliver_pending(limit: int = 200) -> int:
    """Send what is waiting; returns how many messages were sent."""
    now = utcnow()
    waiting = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    url = current_app.config["MAIL_URL"]
    for message_id in waiting:
        if not _claim(message_id):
            continue  # another worker has it
        outgoing = db.session.get(OutboxMessage, message_id)
        try:
            message = _build_message(outgoing)
            if url:
                _send_smtp(message, url)
            else:
                _send_to_file(message, outgoing)
        except Exception as error:  # noqa: BLE001 - retried later, recorded on the row
            log.exception("could not deliver outbox message %s", message_id)
            outgoing.last_error = str(error)[:1000]
            outgoing.locked_until = utcnow() + timedelta(minutes=2**outgoing.attempts)
        else:
            outgoing.sent_at = utcnow()
            outgoing.locked_until = None
            sent += 1
        db.session.commit()
    return sent
