"""Budgets, their projects, and the residents' orders (ballots).

Amounts are whole currency units in 64-bit integers; every sum a rule needs is exact.
"""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import Timestamped
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db
from decide.spaces.models import Category
from decide.spaces.models import Component
from decide.spaces.models import Scope

CHANNELS = ("online", "paper")
WINNER_RULES = ("greedy", "equal_shares")


class Budget(Timestamped, db.Model):
    """An amount to share out (one per district, say), with its projects.

    The winner rule lives with the component; the two options of the Method of Equal Shares
    live here and are printed with the budget's results, so a recount uses the same ones.
    """

    __tablename__ = "budgets_budgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(BigInteger)
    scope_id: Mapped[int | None] = mapped_column(
        ForeignKey("scopes.id", ondelete="SET NULL"), index=True
    )
    weight: Mapped[int] = mapped_column(Integer, default=0)
    # Method of Equal Shares: whether Add1 stops as soon as the outcome is exhaustive, and
    # whether the greedy rule then spends what is left (the default: both).
    add1_stops_when_exhaustive: Mapped[bool] = mapped_column(Boolean, default=True)
    greedy_completion: Mapped[bool] = mapped_column(Boolean, default=True)
    # Publish each receipt hash beside its ballot (individual verifiability) instead of two
    # unlinked lists (a receipt then proves how someone voted).
    receipts_linked: Mapped[bool] = mapped_column(Boolean, default=False)
    # A budget imported for a recount: its voting never opens, its results are public.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The META of an imported .pb file, kept for the export (country, unit, dates...).
    source: Mapped[dict] = mapped_column(JSON, default=dict)
    winners_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    component: Mapped[Component] = relationship()
    scope: Mapped[Scope | None] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint("total > 0", name="total_positive"),)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Project(Resource):
    """A project residents can put in their ballot. `code` is the project id of an imported
    .pb file, kept so a recount names the projects as the file does."""

    __tablename__ = "budgets_projects"

    id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    budget_id: Mapped[int] = mapped_column(
        ForeignKey("budgets_budgets.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    amount: Mapped[int] = mapped_column(BigInteger)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    scope_id: Mapped[int | None] = mapped_column(
        ForeignKey("scopes.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(String(255), default="")
    # Checked-out ballots holding the project; kept by checkout and cancel in the same
    # transaction, so lists sort by votes without counting lines.
    votes_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set when staff confirm the winners.
    selected_at: Mapped[datetime | None] = mapped_column(DateTime)

    budget: Mapped[Budget] = relationship(lazy="joined")
    category: Mapped[Category | None] = relationship(lazy="joined")
    scope: Mapped[Scope | None] = relationship(lazy="joined")

    __mapper_args__ = {"polymorphic_identity": "project"}
    __table_args__ = (
        UniqueConstraint("budget_id", "code"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("votes_count >= 0", name="votes_not_negative"),
    )

    @property
    def summary(self) -> str:
        return translate(self.title)

    @property
    def reference(self) -> str:
        """The project id of results and exports: the imported file's, or Decide's."""
        return self.code or str(self.id)

    @property
    def is_selected(self) -> bool:
        return self.selected_at is not None

    def link(self) -> tuple[str, dict]:
        return "budgets.project", {"slug": self.component.process.slug,
                                   "component_id": self.component_id,
                                   "budget_id": self.budget_id, "project_id": self.id}


class Order(db.Model):
    """A ballot: a resident's (online) or a census identity's entered by staff (paper).

    The database keeps one ballot per account and one per census identity in each budget,
    whichever way it was cast. A checked-out ballot counts; `receipt_hash` is SHA-256 of the
    receipt code the voter was given (the code itself is never stored), and `ballot_key` the
    random name the ballot is published under, unrelated to the receipt unless the budget
    links them.
    """

    __tablename__ = "budgets_orders"
    __personal_data__ = (
        # A counted ballot stays counted after its voter leaves; the account is anonymized.
        PersonalData("user_id", erase="keep", export=("budget_id", "checked_out_at")),
        PersonalData("entered_by_id", erase="nullify"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(
        ForeignKey("budgets_budgets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    identity_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8), default="online")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ballot_key: Mapped[str | None] = mapped_column(String(32), unique=True)

    budget: Mapped[Budget] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("budget_id", "user_id"),
        UniqueConstraint("budget_id", "identity_hash"),
        CheckConstraint("channel IN ('online', 'paper')", name="known_channel"),
        CheckConstraint("user_id IS NOT NULL OR identity_hash IS NOT NULL",
                        name="has_a_voter"),
    )

    @property
    def is_checked_out(self) -> bool:
        return self.checked_out_at is not None


class OrderLine(db.Model):
    """A project in a ballot."""

    __tablename__ = "budgets_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("budgets_orders.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("budgets_projects.id", ondelete="CASCADE"), index=True
    )

    order: Mapped[Order] = relationship(back_populates="lines")
    project: Mapped[Project] = relationship()

    __table_args__ = (UniqueConstraint("order_id", "project_id"),)
