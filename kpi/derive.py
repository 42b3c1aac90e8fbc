"""Derived aggregates built at every store commit (filled in by the kpi/ registry work)."""

from __future__ import annotations


def build(root, manifest) -> None:
    """Placeholder until the aggregate tables land: derives nothing yet."""
    return None
