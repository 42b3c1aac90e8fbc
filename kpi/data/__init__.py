"""The data layer: the contract (schema), the store, all SQL (queries), derived aggregates, ingest, the sample."""
