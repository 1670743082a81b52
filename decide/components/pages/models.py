"""The pages component: one translated rich-text page per component."""

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from decide.core.models import Timestamped
from decide.extensions import db


class Page(Timestamped, db.Model):
    __tablename__ = "pages_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("components.id", ondelete="CASCADE"), unique=True
    )
    body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
