"""Processes (the spaces), phases, scopes, categories, component rows, roles, the action log."""

from datetime import date
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import backref
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.models import Timestamped
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db


class Scope(Timestamped, db.Model):
    """A district (or any area) of the organization."""

    __tablename__ = "scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @classmethod
    def ordered(cls) -> list["Scope"]:
        """Every scope, in the order staff gave them: filters, forms and charts list them so."""
        return db.session.scalars(select(cls).order_by(cls.position, cls.id)).all()


class Process(Timestamped, db.Model):
    __tablename__ = "processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    subtitle: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id"), index=True)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    # When set, `flask decide phases` activates the phase whose dates contain today.
    automatic_phases: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    scope: Mapped[Scope | None] = relationship(lazy="joined")
    phases: Mapped[list["Phase"]] = relationship(
        back_populates="process", order_by="Phase.position, Phase.id",
        cascade="all, delete-orphan",
    )
    components: Mapped[list["Component"]] = relationship(
        back_populates="process", order_by="Component.weight, Component.id",
        cascade="all, delete-orphan",
    )
    categories: Mapped[list["Category"]] = relationship(
        back_populates="process", order_by="Category.position, Category.id",
        cascade="all, delete-orphan",
    )
    roles: Mapped[list["ProcessRole"]] = relationship(
        back_populates="process", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_in_order"),)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Phase(Timestamped, db.Model):
    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=False)

    process: Mapped[Process] = relationship(back_populates="phases")

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        Index("ix_phases_process_id", "process_id"),
        # The database guarantees one active phase per process.
        Index(
            "uq_phases_one_active_per_process", "process_id", unique=True,
            sqlite_where=text("active"), postgresql_where=text("active"),
        ),
    )


class PhaseActivation(db.Model):
    """A phase became active: kept so followers can be told (notifications read these)."""

    __tablename__ = "phase_activations"
    __personal_data__ = (PersonalData("activated_by_id", erase="nullify"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    phase_id: Mapped[int] = mapped_column(ForeignKey("phases.id", ondelete="CASCADE"), index=True)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)


class Category(Timestamped, db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)

    process: Mapped[Process] = relationship(back_populates="categories")
    parent: Mapped["Category | None"] = relationship(remote_side=[id])


class Component(Timestamped, db.Model):
    """A participation component inside a process; its behaviour comes from its manifest."""

    __tablename__ = "components"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    manifest_name: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    weight: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"<phase id>": {setting: value}}: what changes with the active phase.
    phase_settings: Mapped[dict] = mapped_column(JSON, default=dict)

    process: Mapped[Process] = relationship(back_populates="components")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Role(StrEnum):
    PROCESS_ADMIN = "process_admin"
    COLLABORATOR = "collaborator"
    MODERATOR = "moderator"
    VALUATOR = "valuator"


class ProcessRole(Timestamped, db.Model):
    __tablename__ = "process_roles"
    __personal_data__ = (PersonalData("user_id", erase="delete", export=("process_id", "role")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    process: Mapped[Process] = relationship(back_populates="roles")
    # The backref gives User.process_roles without core importing spaces.
    user: Mapped[User] = relationship(backref=backref("process_roles", lazy="select"))

    __table_args__ = (
        UniqueConstraint("process_id", "user_id"),
        CheckConstraint(
            "role IN ('process_admin', 'collaborator', 'moderator', 'valuator')", name="known_role"
        ),
    )
