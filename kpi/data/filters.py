"""What a reader narrowed the view to (`Filters`): every query, cache key and kpi call takes one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; an empty tuple means "all". Hashable, so it can key a cache."""

    years: tuple[int, ...] = ()
    areas: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    arrangements: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    benchmark: str = "auto"  # what a place is compared with (schema.BENCHMARK_CHOICES); not a SQL filter

    def without_place(self) -> "Filters":
        """The same view for the whole country: the benchmark an area is compared with."""
        return replace(self, areas=(), schemes=())

    def with_years(self, years: Iterable[int]) -> "Filters":
        return replace(self, years=tuple(sorted(set(years))))
