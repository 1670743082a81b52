"""Follows (of a resource, a process or a resident) and the notifications they bring."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db
from decide.spaces.models import Process

# Exactly one target is set (DESIGN.md §1): counted with CASE, which both databases accept.
ONE_TARGET = (
    "(CASE WHEN resource_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN process_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN followed_user_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Follow(db.Model):
    __tablename__ = "follows"
    __personal_data__ = (
        PersonalData("user_id", erase="delete",
                     export=("resource_id", "process_id", "followed_user_id", "created_at")),
        PersonalData("followed_user_id", erase="delete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    followed_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resource: Mapped[Resource | None] = relationship()
    process: Mapped[Process | None] = relationship()
    followed_user: Mapped[User | None] = relationship(foreign_keys=[followed_user_id])

    __table_args__ = (
        CheckConstraint(ONE_TARGET, name="one_target"),
        # NULLs are distinct in unique constraints on both databases, so each pair is
        # unique only where its target is set.
        UniqueConstraint("user_id", "resource_id"),
        UniqueConstraint("user_id", "process_id"),
        UniqueConstraint("user_id", "followed_user_id"),
    )


class Notification(db.Model):
    """One event told to one resident: shown under the bell, e-mailed as they chose."""

    __tablename__ = "notifications"
    __personal_data__ = (
        PersonalData("user_id", erase="delete", export=("event", "created_at", "read_at")),
        PersonalData("actor_id", erase="nullify"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # What the sentence needs beyond the resource: the reason of a hiding, a phase title...
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When it went out by e-mail, alone or in a digest; a digest takes only unsent ones,
    # so re-running it sends nothing twice.
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    resource: Mapped[Resource | None] = relationship()
    process: Mapped[Process | None] = relationship()

    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_emailed_at_user_id", "emailed_at", "user_id"),
    )
