"""Where cases live: SQLite by default, PostgreSQL when shared; one code path for both."""

from trinn.engine.store.database import open_database, resolve_url, shown_url
from trinn.engine.store.store import Store, Transaction, from_db, to_db

__all__ = ["Store", "Transaction", "from_db", "open_database", "resolve_url", "shown_url", "to_db"]
