"""Where cases live: SQLite by default, PostgreSQL when shared; one code path for both."""

from trinn.engine.store.database import Database, open_database
from trinn.engine.store.store import Store, Transaction
from trinn.engine.store.url import resolve_url, shown_url

__all__ = ["Database", "Store", "Transaction", "open_database", "resolve_url", "shown_url"]
