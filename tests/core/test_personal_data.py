"""The personal-data registry covers every table that points at a user.

A new table with a foreign key to users fails here until its model says, in
`__personal_data__`, what "download my data" exports from it and what account deletion
does to it.
"""

import pytest
from sqlalchemy import ForeignKey
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from decide.core.personal_data import PersonalData
from decide.core.personal_data import declared_personal_data
from decide.core.services import export_user_data
from decide.extensions import db

ERASE_MODES = {"delete", "nullify", "keep"}


def columns_pointing_at_users(metadata: MetaData) -> set[tuple[str, str]]:
    """Every (table, column) with a foreign key to users.id."""
    found = set()
    for table in metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == "users" and foreign_key.column.name == "id":
                found.add((table.name, foreign_key.parent.name))
    return found


def undeclared(model_base) -> set[tuple[str, str]]:
    return columns_pointing_at_users(model_base.metadata) - set(
        declared_personal_data(model_base))


def test_every_column_pointing_at_a_user_is_declared():
    missing = undeclared(db.Model)

    assert not missing, (
        "Declare these in the model's __personal_data__ (see decide/core/personal_data.py): "
        + ", ".join(f"{table}.{column}" for table, column in sorted(missing))
    )


def test_the_registry_already_covers_the_outbox():
    assert ("outbox", "user_id") in columns_pointing_at_users(db.metadata)
    assert ("outbox", "user_id") in declared_personal_data(db.Model)


def test_the_check_catches_a_table_that_forgets_to_declare():
    class Base(DeclarativeBase):
        pass

    class Person(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Draft(Base):
        __tablename__ = "drafts"
        __personal_data__ = (PersonalData("author_id", erase="delete", export=("text",)),)
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        text: Mapped[str] = mapped_column(String(10))

    class Note(Base):
        __tablename__ = "notes"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assert undeclared(Base) == {("notes", "author_id"), ("notes", "reviewer_id")}


@pytest.mark.parametrize(
    "key", sorted(declared_personal_data(db.Model)), ids=lambda key: ".".join(key)
)
def test_each_declaration_matches_its_table(key):
    table_name, column_name = key
    model, entry = declared_personal_data(db.Model)[key]
    table = db.metadata.tables[table_name]

    assert model.__table__ is table
    assert column_name in table.c, f"{table_name} has no column {column_name}"
    targets = {(fk.column.table.name, fk.column.name) for fk in table.c[column_name].foreign_keys}
    assert targets == {("users", "id")}, f"{table_name}.{column_name} does not point at users"
    assert entry.erase in ERASE_MODES
    if entry.erase == "nullify":
        assert table.c[column_name].nullable, f"{table_name}.{column_name} cannot be nulled"
    for exported in entry.export:
        # A column, or a property every kind defines (Resource.summary: the title or text).
        readable = exported in table.c or isinstance(getattr(model, exported, None), property)
        assert readable, f"{table_name} exports {exported!r}, which it does not have"
    assert len(set(entry.export)) == len(entry.export)


def test_every_declared_table_appears_in_the_download(db, user):
    data = export_user_data(user)

    for table_name, _column in declared_personal_data(db.Model):
        assert data[table_name] == []
