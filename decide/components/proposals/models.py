"""Proposals, their supports and endorsements."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
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
from decide.spaces.models import Category
from decide.spaces.models import Scope

STATES = ("evaluating", "accepted", "rejected")


class Proposal(Resource):
    """A resident's (or, when `official`, the council's) proposal.

    A draft until `published_at`. The answer (`state`, `answer`, cost) is written by staff
    or the assigned valuator and shown to residents only once `answer_published_at` is set.
    """

    __tablename__ = "proposals_proposals"
    __personal_data__ = (PersonalData("valuator_id", erase="nullify"),)

    id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))  # the author's language when writing
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    scope_id: Mapped[int | None] = mapped_column(
        ForeignKey("scopes.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(String(255), default="")
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    state: Mapped[str | None] = mapped_column(String(12), index=True)
    answer: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # per locale
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer_published_at: Mapped[datetime | None] = mapped_column(DateTime)
    cost: Mapped[int | None] = mapped_column(Integer)  # whole currency units
    cost_report: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    execution_period: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    valuator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    endorsements_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set once, so followers hear "threshold reached" once.
    threshold_reached_at: Mapped[datetime | None] = mapped_column(DateTime)

    category: Mapped[Category | None] = relationship(lazy="joined")
    scope: Mapped[Scope | None] = relationship(lazy="joined")
    valuator: Mapped[User | None] = relationship(foreign_keys=[valuator_id])

    __mapper_args__ = {"polymorphic_identity": "proposal"}
    __table_args__ = (
        CheckConstraint(
            "state IS NULL OR state IN ('evaluating', 'accepted', 'rejected')",
            name="known_state",
        ),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint("supports_count >= 0", name="supports_not_negative"),
    )

    @property
    def summary(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_public(self) -> bool:
        return self.is_published

    def link(self) -> tuple[str, dict]:
        return "proposals.show", {"slug": self.component.process.slug,
                                  "component_id": self.component_id, "proposal_id": self.id}

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def public_state(self) -> str | None:
        """The state residents see: an answer counts once it is published."""
        return self.state if self.answer_published_at is not None else None


class Support(db.Model):
    __tablename__ = "proposals_supports"
    # Supports are counted anonymously; they stay after the supporter leaves.
    __personal_data__ = (
        PersonalData("user_id", erase="keep", export=("proposal_id", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals_proposals.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)


class Endorsement(db.Model):
    """A public "I back this", shown with the endorser's name."""

    __tablename__ = "proposals_endorsements"
    __personal_data__ = (
        PersonalData("user_id", erase="keep", export=("proposal_id", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals_proposals.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)
