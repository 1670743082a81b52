"""Reports of content or of residents, and the blocks admins place on accounts."""

from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db

REASONS = ("spam", "offensive", "does_not_belong")


class Report(db.Model):
    """One resident's report of a resource or of another resident, once per item.

    A report points at exactly one target. Dismissing keeps the row (the reporter cannot
    report the same item twice) and takes it out of the queue and of the threshold count.
    """

    __tablename__ = "moderation_reports"
    __personal_data__ = (
        PersonalData("user_id", erase="keep",
                     export=("resource_id", "reported_user_id", "reason", "details",
                             "created_at")),
        PersonalData("reported_user_id", erase="delete"),
        PersonalData("dismissed_by_id", erase="nullify"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    reported_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resource: Mapped[Resource | None] = relationship()
    reported_user: Mapped[User | None] = relationship(foreign_keys=[reported_user_id])

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN resource_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN reported_user_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        CheckConstraint(
            "reason IN ('spam', 'offensive', 'does_not_belong')", name="known_reason"
        ),
        UniqueConstraint("user_id", "resource_id"),
        UniqueConstraint("user_id", "reported_user_id"),
    )


class UserBlock(db.Model):
    """An admin blocked an account, with a justification; unblocking closes the row."""

    __tablename__ = "moderation_blocks"
    __personal_data__ = (
        PersonalData("user_id", erase="keep", export=("justification", "created_at",
                                                      "unblocked_at")),
        PersonalData("blocked_by_id", erase="nullify"),
        PersonalData("unblocked_by_id", erase="nullify"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    justification: Mapped[str] = mapped_column(Text)
    hide_content: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    unblocked_at: Mapped[datetime | None] = mapped_column(DateTime)
    unblocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    blocked_by: Mapped[User | None] = relationship(foreign_keys=[blocked_by_id])
