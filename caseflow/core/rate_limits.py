"""Rate-limit counters kept in the database, for deployments without Redis (issue 14, item 3).

Flask-Limiter counts in Redis when CASEFLOW_REDIS_URL is set. Without Redis its only other
built-in store is the process's memory, so each gunicorn worker (and each web server) would keep
its own count: four workers would allow four times the sign-in attempts the setting names. This
store keeps the counts in the application's own database instead, so every process behind the
same database shares them, on SQLite and PostgreSQL alike.

Each hit is one upsert in its own short transaction on its own pooled connection, committed at
once, so a count is never rolled back with the request that made it (a failed sign-in still
counts) and never waits for the request's unit of work. The limiter checks before any other
hook of the request touches the database (it is registered first in create_app), which matters
on SQLite: a request that already held the write lock would make this upsert wait for itself.

The limits library finds a store by the scheme of its URI: importing this module registers
``caseflowdb://`` (see ``Settings.flask_config``).
"""
from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.core.database import Base

STORAGE_URI = "caseflowdb://"


class RateLimitCounter(Base):
    """One fixed window's count for one limit and one caller (an address, an account tried, an
    API token's hash: Flask-Limiter's key names them, never in clear)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    # Seconds since the epoch, as the limits library counts them (time.time()); indexed for
    # the sweep that deletes windows long over.
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)


def _insert_for(dialect_name: str):
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


class DatabaseStorage(Storage):
    """The fixed-window store the limits library asks for, on the application's database."""

    STORAGE_SCHEME = ["caseflowdb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @staticmethod
    def _engine():
        # The process's one engine, bound by create_app before any request is counted; looked
        # up at each use because tests and `caseflow` commands re-bind it.
        from caseflow.core.extensions import db

        if db.engine is None:
            raise SQLAlchemyError("the database is not configured yet")
        return db.engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add to the window's count and return it; a window that has run out starts again."""
        now = time.time()
        table = RateLimitCounter.__table__
        engine = self._engine()
        statement = _insert_for(engine.dialect.name)(table).values(key=key, count=amount, expires_at=now + expiry)
        window_over = table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((window_over, amount), else_=table.c.count + amount),
                  "expires_at": case((window_over, now + expiry), else_=table.c.expires_at)},
        ).returning(table.c.count)
        with engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        with self._engine().connect() as connection:
            count = connection.execute(select(RateLimitCounter.count).where(
                RateLimitCounter.key == key, RateLimitCounter.expires_at > time.time())).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self._engine().connect() as connection:
            expires = connection.execute(select(RateLimitCounter.expires_at).where(
                RateLimitCounter.key == key)).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(select(func.count()).select_from(RateLimitCounter).limit(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


def delete_windows_over(connection, older_than_seconds: float = 3600) -> int:
    """Delete counts whose window ended over an hour ago (the sweeper's housekeeping): a window
    that has run out is restarted in place by the next hit, so this only bounds the table."""
    cutoff = time.time() - older_than_seconds
    return connection.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < cutoff)).rowcount
