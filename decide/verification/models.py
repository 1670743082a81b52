"""The census and the verifications it grants.

Neither table holds a document number: an identity is stored as HMAC-SHA256 keyed with
CENSUS_KEY (a secret apart from SECRET_KEY), so a copy of the database alone does not give
the census away, and the same person is recognised on every upload and at the help desk.
"""

from datetime import date
from datetime import datetime

from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from decide.core.models import User
from decide.core.models import utcnow
from decide.core.personal_data import PersonalData
from decide.extensions import db
from decide.spaces.models import Scope

HASH_LENGTH = 64  # hex HMAC-SHA256


class CensusEntry(db.Model):
    """One person of the census. Replaced as a whole by each upload."""

    __tablename__ = "verification_census"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Verification(db.Model):
    """An account proven to be a person of the census. The district and the date of birth
    are copied from the census, so they outlive its deletion once a process is over; one
    identity verifies one account (the unique hash), one account has one identity."""

    __tablename__ = "verification_verifications"
    __personal_data__ = (
        PersonalData("user_id", erase="delete",
                     export=("birth_date", "scope_id", "created_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    identity_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("scopes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    scope: Mapped[Scope | None] = relationship(lazy="joined")
