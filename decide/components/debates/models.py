"""Debates: a question put to residents, open-ended or with dates, closed with a conclusion."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.i18n import translate
from decide.core.models import Resource
from decide.core.models import User
from decide.core.personal_data import PersonalData
from decide.spaces.models import Category
from decide.spaces.models import Scope


class Debate(Resource):
    """Staff write title and description in every language; a resident's debate has one
    language, the author's, as {locale: text} (and its description is plain text)."""

    __tablename__ = "debates_debates"
    __personal_data__ = (PersonalData("closed_by_id", erase="nullify"),)

    id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    scope_id: Mapped[int | None] = mapped_column(
        ForeignKey("scopes.id", ondelete="SET NULL"), index=True
    )
    # Both None: open-ended.
    start_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    conclusion: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    category: Mapped[Category | None] = relationship(lazy="joined")
    scope: Mapped[Scope | None] = relationship(lazy="joined")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    __mapper_args__ = {
        "polymorphic_identity": "debate",
        "inherit_condition": id == Resource.id,
    }
    __table_args__ = (
        CheckConstraint("end_at IS NULL OR start_at IS NULL OR end_at > start_at",
                        name="dates_in_order"),
    )

    @property
    def summary(self) -> str:
        return translate(self.title)

    def link(self) -> tuple[str, dict]:
        return "debates.show", {"slug": self.component.process.slug,
                                "component_id": self.component_id, "debate_id": self.id}

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None
