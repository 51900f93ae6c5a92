"""Applying Alembic migrations from code: `collect-bot db upgrade`, and every command that opens a
new SQLite file.

Every command and `serve` check at start that the schema is current. That check reads the
`alembic_version` row and the migration files' `revision` lines itself: importing Alembic's
migration machinery costs a quarter of a second and a few megabytes, so it is imported only to
migrate."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from storage.database import Database, DatabaseSetupError, require_reachable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$""", re.MULTILINE)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revisions() -> list[str]:
    """Every revision from the first to the head, in the order `upgrade` applies them."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def head_revision() -> str | None:
    """The revision no other migration revises, from the files' `revision = "0025"` and
    `down_revision = "0024"` lines; Alembic's own answer when they are not one plain chain."""
    revised: set[str] = set()
    named: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for field, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            found = set(re.findall(r"""["']([^"']+)["']""", value))
            if value != "None" and not found:
                return _alembic_head()  # a revision computed, not written: only Alembic knows
            (named if field == "revision" else revised).update(found)
    heads = named - revised
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it has none), as Alembic's MigrationContext
    reads it: the one row of its version table."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        stored = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(stored) > 1:
        raise DatabaseSetupError(
            f"the database records {len(stored)} schema revisions at once ({', '.join(sorted(stored))}):"
            " it was migrated by another branch of the bot"
        )
    return str(stored[0]) if stored else None


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
