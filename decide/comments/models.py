"""Comments (a kind of resource, so they can be reported and hidden) and their votes."""

from datetime import datetime

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
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db

MAX_DEPTH = 3  # a comment, then up to three levels of replies


class Comment(Resource):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    # What the thread is about: a proposal, a debate, a project, a result.
    commentable_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8))
    # 1 in favour, -1 against, 0 neutral (or not asked).
    alignment: Mapped[int] = mapped_column(Integer, default=0)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A deleted comment keeps its place so that its replies keep theirs.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    up_votes: Mapped[int] = mapped_column(Integer, default=0)
    down_votes: Mapped[int] = mapped_column(Integer, default=0)

    commentable: Mapped[Resource] = relationship(foreign_keys=[commentable_id])
    parent: Mapped["Comment | None"] = relationship(
        remote_side=[id], foreign_keys=[parent_id]
    )

    __mapper_args__ = {
        "polymorphic_identity": "comment",
        "inherit_condition": id == Resource.id,
    }
    __table_args__ = (
        CheckConstraint("alignment IN (-1, 0, 1)", name="known_alignment"),
        CheckConstraint(f"depth BETWEEN 0 AND {MAX_DEPTH}", name="depth_in_range"),
    )

    @property
    def summary(self) -> str:
        return "" if self.deleted_at else self.body[:100]

    @property
    def is_public(self) -> bool:
        return self.commentable.is_public

    def link(self) -> tuple[str, dict]:
        endpoint, values = self.commentable.link()
        return endpoint, {**values, "_anchor": f"comment-{self.id}"}


class CommentVote(db.Model):
    __tablename__ = "comment_votes"
    # Votes are anonymous in public; they stay counted after the voter leaves.
    __personal_data__ = (
        PersonalData("user_id", erase="keep", export=("comment_id", "weight", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    weight: Mapped[int] = mapped_column(Integer)  # 1 up, -1 down
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("comment_id", "user_id"),
        CheckConstraint("weight IN (-1, 1)", name="known_weight"),
    )
