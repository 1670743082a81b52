"""Accountability: how each selected project and accepted proposal is carried out.

A result has a status (per component, with a default progress), a progress from 0 to 100
(the status's, set by hand, or, for a parent, rolled up from its children), dates, a
timeline, and links to the proposals and projects it comes from (core ResourceLink rows
from the result: "included_proposals", "included_projects"). Its followers are asked once,
when it is completed, whether it was done as promised.
"""

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Scope

ANSWERS = ("yes", "partly", "no")
# The names of the links from a result to what it carries out (core ResourceLink.name).
PROPOSAL_LINK = "included_proposals"
PROJECT_LINK = "included_projects"


class Status(db.Model):
    """A stage results go through, per component: "In progress", 50 %."""

    __tablename__ = "accountability_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))  # stable name for CSV files: "in_progress"
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The progress a result takes when it moves to this status (unless set by hand).
    progress: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    component: Mapped[Component] = relationship()

    __table_args__ = (
        UniqueConstraint("component_id", "key"),
        CheckConstraint("progress IS NULL OR (progress >= 0 AND progress <= 100)",
                        name="progress_percent"),
    )

    @property
    def label(self) -> str:
        return translate(self.name)


class Result(Resource):
    """A piece of work the council carries out, with its progress.

    `progress` is always the one shown: the status's default, the figure staff typed when
    `progress_manual`, or, for a result with children, their roll-up (kept by the services
    whenever a child changes, so lists never compute it).
    """

    __tablename__ = "accountability_results"

    id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("accountability_results.id", ondelete="CASCADE"), index=True
    )
    # The identifier of CSV files (import updates the result with the same reference);
    # unique in its component, which the services check (the column lives on resources).
    reference: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status_id: Mapped[int | None] = mapped_column(
        ForeignKey("accountability_statuses.id", ondelete="SET NULL"), index=True
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    progress_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    scope_id: Mapped[int | None] = mapped_column(
        ForeignKey("scopes.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[int | None] = mapped_column(BigInteger)
    weight: Mapped[int] = mapped_column(Integer, default=0)
    children_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # First time progress reached 100 %; its followers were asked then, once.
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    status: Mapped[Status | None] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    scope: Mapped[Scope | None] = relationship(lazy="joined")
    parent: Mapped["Result | None"] = relationship(
        remote_side="Result.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list["Result"]] = relationship(
        back_populates="parent", foreign_keys=[parent_id], order_by="Result.weight, Result.id",
        passive_deletes=True,
    )
    timeline: Mapped[list["TimelineEntry"]] = relationship(
        back_populates="result", order_by="TimelineEntry.date.desc(), TimelineEntry.id.desc()",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    __mapper_args__ = {"polymorphic_identity": "result"}
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
                        name="dates_in_order"),
    )

    @property
    def summary(self) -> str:
        return translate(self.title)

    @property
    def is_completed(self) -> bool:
        return self.progress >= 100

    def link(self) -> tuple[str, dict]:
        return "accountability.result", {"slug": self.component.process.slug,
                                         "component_id": self.component_id,
                                         "result_id": self.id}


class TimelineEntry(db.Model):
    """A dated step of a result: "Tender published", "Works started"."""

    __tablename__ = "accountability_timeline_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_results.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    result: Mapped[Result] = relationship(back_populates="timeline")


class Confirmation(db.Model):
    """A follower's answer to "Is it done as promised?" about a completed result: one per
    resident and result. The answer stays counted after its author leaves."""

    __tablename__ = "accountability_confirmations"
    __personal_data__ = (
        PersonalData("user_id", erase="nullify",
                     export=("result_id", "answer", "comment", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_results.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    result: Mapped[Result] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("result_id", "user_id"),
        CheckConstraint("answer IN ('yes', 'partly', 'no')", name="known_answer"),
    )
