"""Alembic environment: runs migrations against the URL set by assistant.store.db.alembic_config."""

from alembic import context
from sqlalchemy import create_engine

from assistant.store.models import Base

config = context.config


def run() -> None:
    """Run migrations online (offline SQL generation uses the same URL)."""
    url = config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
