"""Applying Alembic migrations from code: `collect-bot db upgrade`, and every command that opens a
new SQLite file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.database import Database, DatabaseSetupError, require_reachable

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revisions() -> list[str]:
    """Every revision from the first to the head, in the order `upgrade` applies them."""
    script = ScriptDirectory.from_config(_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def prepare_schema(db: Database) -> None:
    """A new or older SQLite file is brought up to date; PostgreSQL, shared by several processes,
    is upgraded on purpose with `collect-bot db upgrade`."""
    require_reachable(db)
    if is_current(db.engine):
        return
    if db.is_sqlite:
        upgrade(db.engine)
        return
    found = current_revision(db.engine) or "empty"
    raise DatabaseSetupError(
        f"the database schema is {found}, not current: run `collect-bot db upgrade` first"
    )
