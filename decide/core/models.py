"""Core models: the organization, users, the mail outbox, the action log, and the Resource base."""

import secrets
from datetime import UTC
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.personal_data import PersonalData
from decide.extensions import db


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL, shown in the org's zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Organization(Timestamped, db.Model):
    """The city. One row per installation; `Organization.current()` never returns None."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_locale: Mapped[str] = mapped_column(String(8), default="en")
    available_locales: Mapped[list[str]] = mapped_column(JSON, default=list)
    terms_of_service: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    terms_version: Mapped[int] = mapped_column(Integer, default=1)
    # Reports that hide an item until a moderator looks at it (Decidim's default: 3).
    report_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    privacy_policy: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    accessibility_statement: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    @classmethod
    def current(cls, languages: tuple[str, ...] = ("en",)) -> "Organization":
        organization = db.session.scalars(select(cls).order_by(cls.id).limit(1)).first()
        if organization is None:
            # A fresh database before `flask decide demo` or the first settings save:
            # a transient default, never added to the session.
            organization = cls(
                name="Decide",
                time_zone="UTC",
                default_locale=languages[0],
                available_locales=list(languages),
                terms_of_service={},
                terms_version=1,
                privacy_policy={},
                accessibility_statement={},
                report_threshold=3,
            )
        return organization


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both stored lower-case, so the unique constraints are case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    nickname: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8))
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_terms_version: Mapped[int] = mapped_column(Integer, default=0)
    accepted_terms_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set by an admin (moderation.UserBlock keeps why and by whom): no sign-in, and the
    # profile says "blocked participant".
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # How notifications reach the inbox: every event, a daily or weekly digest, or never.
    notifications_email: Mapped[str] = mapped_column(
        String(10), default="every", server_default="every"
    )
    # Part of the session identity: changing it (new password, deletion) signs out
    # every other session of this user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_token)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None and self.blocked_at is None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_staff(self) -> bool:
        """Admins and holders of any process role (`process_roles` is a backref from spaces)."""
        return self.admin or bool(getattr(self, "process_roles", ()))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.nickname}>"

    __table_args__ = (
        CheckConstraint("notifications_email IN ('every', 'daily', 'weekly', 'none')",
                        name="known_notifications_email"),
    )


class OutboxMessage(db.Model):
    """An e-mail written in the transaction of the change that caused it, sent after commit."""

    __tablename__ = "outbox"
    __personal_data__ = (
        PersonalData(
            "user_id", erase="delete", export=("subject", "created_at", "sent_at")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set by the worker that claimed the message; a crashed worker's claim expires.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Sent as List-Unsubscribe with List-Unsubscribe-Post (RFC 8058), so mail programs offer
    # their own one-click unsubscribe button.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))


class ActionLog(db.Model):
    """Who did what to which resource, when: every staff and moderation action.

    `process_id` and `resource_id` are plain integers, not foreign keys: the log outlives
    what it describes, and `resource_label` keeps what the resource was called.
    """

    __tablename__ = "action_logs"
    __personal_data__ = (
        PersonalData("user_id", erase="keep",
                     export=("action", "resource_type", "resource_id", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    resource_type: Mapped[str] = mapped_column(String(40), index=True)
    resource_id: Mapped[int | None] = mapped_column(Integer)
    resource_label: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship(lazy="joined")


class Resource(db.Model):
    """The shared identity of participatory content: proposals, debates, comments, projects,
    results (joined-table inheritance, `kind` says which).

    Comments, reports, hiding, follows and notifications point here with real foreign keys,
    whatever the kind. `author_id` is None for content written by the council.
    """

    __tablename__ = "resources"
    __personal_data__ = (
        PersonalData("author_id", erase="keep", export=("kind", "summary", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Hidden by moderation: out of every list and page, kept for the moderators.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Kept by the comments service, so lists sort by "most commented" without a join.
    comments_count: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    component = relationship("Component", lazy="select")

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "resource"}

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def summary(self) -> str:
        """A line that names the resource (title, or the start of a comment)."""
        return ""

    @property
    def is_public(self) -> bool:
        """False while only its author may see it (a proposal's draft)."""
        return True

    def link(self) -> tuple[str, dict]:
        """The endpoint and values of the resource's public page, for `url_for`:
        every kind says where it lives, so comments, reports and notifications can link to
        any of them (see core.views `resource_url`)."""
        raise NotImplementedError(self.kind)


class ResourceLink(db.Model):
    """A named link between two resources of any kinds, kept when content moves along the
    chain: a budget project "included_proposals" the proposals it came from, a result the
    projects and proposals it carries out. Read both ways."""

    __tablename__ = "resource_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"),
                                         index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"),
                                       index=True)
    name: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("from_id", "to_id", "name"),)
