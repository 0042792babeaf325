"""Give Aegra's SQLAlchemy engine asyncpg's prepared-statement cache back.

Aegra builds its engine with ``prepared_statement_cache_size=0`` for PgBouncer in transaction mode, so every
statement of its run bookkeeping is prepared, executed and closed again: in a 20-conversation profile that was
~18% of the event loop. We connect to Postgres directly (embedded, or DATABASE_URL), so unless
``DATABASE_PGBOUNCER`` says otherwise the engine is rebuilt with the cache on, before the first request.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


async def enable_statement_cache() -> bool:
    """Swap Aegra's engine for one that caches prepared statements; False when it was left alone."""
    from aegra_api.core import orm
    from aegra_api.core.database import db_manager
    from aegra_api.settings import settings as aegra_settings
    from sqlalchemy.ext.asyncio import create_async_engine

    from settings import get_settings

    if get_settings().database_pgbouncer or db_manager.engine is None:
        return False
    previous = db_manager.engine
    db_manager.engine = create_async_engine(
        previous.url,
        pool_size=aegra_settings.pool.SQLALCHEMY_POOL_SIZE,
        max_overflow=aegra_settings.pool.SQLALCHEMY_MAX_OVERFLOW,
        pool_pre_ping=True,
        echo=aegra_settings.db.DB_ECHO_LOG,
    )
    if orm.async_session_maker is not None:  # built during Aegra's start-up: rebind it, don't leave two engines
        orm.async_session_maker.configure(bind=db_manager.engine)
    await previous.dispose()
    logger.info("Aegra's engine now caches prepared statements (DATABASE_PGBOUNCER=false)")
    return True
