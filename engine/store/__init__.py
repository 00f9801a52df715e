"""Where cases live: SQLite by default, PostgreSQL when shared; one code path for both."""

from trinn.engine.store.database import open_database, resolve_url, shown_url
from trinn.engine.store.store import Store, Transaction

__all__ = ["Store", "Transaction", "open_database", "resolve_url", "shown_url"]
