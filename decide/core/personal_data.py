"""The personal-data registry: what "download my data" exports and what deletion does.

Every model with a foreign key to users declares, for each such column, a PersonalData
entry in its `__personal_data__` tuple. tests/core/test_personal_data.py walks every table
with a foreign key to users and fails when one is not declared, so a new table cannot
forget it.
"""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class PersonalData:
    column: str  # the column holding users.id
    # delete: the rows go with the account (pending mail, private drafts);
    # nullify: the row stays and forgets the user (e.g. who last edited a page);
    # keep: the row stays pointing at the anonymized account, shown as "deleted
    # participant" (what the person wrote in public).
    erase: Literal["delete", "nullify", "keep"]
    export: tuple[str, ...] = ()  # columns that go into the download


def declared_personal_data(metadata_models) -> dict[tuple[str, str], tuple[type, PersonalData]]:
    """{(table, column): (model, declaration)} for every model that declares personal data."""
    declared = {}
    for mapper in metadata_models.registry.mappers:
        model = mapper.class_
        for entry in model.__dict__.get("__personal_data__", ()):
            declared[(model.__tablename__, entry.column)] = (model, entry)
    return declared
