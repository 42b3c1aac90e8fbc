"""The one error an ingest run raises before touching the store."""


class IngestError(Exception):
    """The run cannot start (a file unreadable or unmappable, or the store is the bundled sample); nothing written."""
