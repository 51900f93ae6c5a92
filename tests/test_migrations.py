"""The models and the migrations describe the same schema, and every migration can be undone.

Both on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL: the two dialects build the schema
differently (SQLite through batch table copies), so drift can hide in one and not the other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from storage.database import Database, normalise_url
from storage.models import Base
from storage.schema import current_revision, downgrade, revisions, upgrade
from tests.conftest import POSTGRES_URL


def drift(engine: Engine) -> list[Any]:
    """What autogenerate would write into a new migration: empty when the models and the migrated
    database agree. Types and server defaults are compared too, not only tables, columns and keys."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        # Nothing is filtered out: on this schema neither dialect reports noise (SQLite's type
        # affinities compare equal to the declared types), so any difference is real.
        return list(compare_metadata(context, Base.metadata))


def test_the_models_match_the_migrated_database(db: Database) -> None:
    # `db` is the test database as every other test gets it: migrated to head by conftest.
    assert current_revision(db.engine) == revisions()[-1]
    assert drift(db.engine) == []


@pytest.fixture
def scratch_url(tmp_path: Any) -> Iterator[str]:
    """An empty database of the dialect under test that this test alone uses: the shared PostgreSQL
    test database is truncated, not re-created, between tests, so walking it down to nothing would
    pull the schema from under the others. On PostgreSQL: `<test database>_migrations` on the same
    server, created here and dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server = make_url(normalise_url(POSTGRES_URL))
    name = f"{server.database}_migrations"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_of(engine: Engine) -> dict[str, Any]:
    """The schema as the database reports it, in a form two snapshots can be compared by."""
    inspector = inspect(engine)
    tables: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        tables[table] = {
            "columns": [
                (column["name"], str(column["type"]), column["nullable"], column.get("default"))
                for column in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (str(key["name"]), key["constrained_columns"], key["referred_table"], key["referred_columns"])
                for key in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (str(index["name"]), index["column_names"], bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (str(unique["name"]), unique["column_names"])
                for unique in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(
                (str(check["name"]), check["sqltext"]) for check in inspector.get_check_constraints(table)
            ),
        }
    return tables


def test_every_migration_downgrades_and_upgrades_again(scratch_url: str) -> None:
    db = Database(scratch_url)
    try:
        # The empty database and the schema each revision builds, on the way up from nothing.
        built: dict[str, dict[str, Any]] = {"base": schema_of(db.engine)}
        chain = ["base", *revisions()]
        for revision in chain[1:]:
            upgrade(db.engine, revision)
            built[revision] = schema_of(db.engine)
        # Down from the head one step at a time: each downgrade gives back exactly the schema of the
        # revision below it, so one that leaves something behind (or takes too much) is named.
        for below, revision in reversed(list(pairwise(chain))):
            assert current_revision(db.engine) == revision
            downgrade(db.engine, below)
            after = schema_of(db.engine)
            # alembic_version outlives the last step: Alembic empties it rather than dropping it.
            if below == "base":
                after.pop("alembic_version", None)
            assert after == built[below], f"downgrading {revision} did not give back {below}"
        assert current_revision(db.engine) is None
        # And up again, over what the downgrades left: every upgrade still applies, to the same end.
        for revision in chain[1:]:
            upgrade(db.engine, revision)
            assert schema_of(db.engine) == built[revision], f"upgrading to {revision} after downgrades"
        assert drift(db.engine) == []
    finally:
        db.dispose()
