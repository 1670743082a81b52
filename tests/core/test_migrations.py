"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL.

The test database is built by `flask db upgrade` (see tests/conftest.py), so comparing it
with the models' metadata finds any change made to a model without a migration, or the
other way round.
"""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_the_migrated_database_matches_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "compare_server_default": True,
                  "render_as_batch": True},
        )
        differences = compare_metadata(context, db.metadata)

    assert differences == [], (
        "The models and the migrations disagree; until the first release, edit "
        f"migrations/versions/0001_accounts.py to match the models: {differences}"
    )


def test_there_is_one_head_and_the_database_is_at_it(db):
    script = ScriptDirectory.from_config(_alembic_config())

    heads = script.get_heads()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()

    assert len(heads) == 1, f"several migration heads: {heads}"
    assert tuple(current) == tuple(heads)


def test_every_table_comes_from_a_migration(db):
    with db.engine.connect() as connection:
        existing = set(db.inspect(connection).get_table_names())

    assert existing == set(db.metadata.tables) | {"alembic_version"}


def _alembic_config() -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
