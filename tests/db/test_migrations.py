from __future__ import annotations

from alembic import command

from xinyong.db.migrate import alembic_config, current_revision


def test_migrations_match_the_models(db_url: str) -> None:
    """Every model change comes with a migration (alembic check finds no difference)."""
    command.check(alembic_config(db_url))


def test_database_is_at_head(db_url: str) -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert current_revision(db_url) == head
