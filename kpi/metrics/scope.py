"""Who may see what: a viewer's scope, and the rule that turns a request into the filters actually queried.

Pure (no I/O): `kpi.metrics.api` asks `Scope.restrict(by, filters)` before it reads anything, so the restriction is
in the query itself, never a page hiding rows afterwards.

The rules (issue 11):

- **public**, **ambassador**: national, nation and regional figures, always protected (the public figures).
- **hub** (one or more regions): the same, and the scheme-level figures of the schemes in its regions, protected.
- **scheme_manager** (one or more schemes): their own schemes' figures exact; everything else as the public.
- **analyst** (the national team's analysts and directors) and **admin**: everything, exact.

A request is *scheme-level* when it breaks down by scheme or filters to schemes. What a scheme-level request returns:

- a filter naming a scheme, or (for a hub) a region, outside the scope raises `ScopeError`; so does any scheme-level
  request from a public or ambassador scope;
- a scheme breakdown without such a filter is narrowed to the scope's own schemes (a hub gets its regions' schemes,
  a scheme manager their own), in the query's WHERE clause.

Exactness: a request is exact only if every row it returns is one the scope may see exactly. So an analyst's or
admin's request is exact; a scheme manager's scheme-level request is exact (it is narrowed to their own schemes, so
no other row can come back), and every other request of theirs is protected; the public, ambassadors and hubs always
get protected figures. The benchmark beside an exact scheme manager's figure is the national figure as the public
sees it (protected): only analysts and admins see exact national figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from kpi.data.queries import Filters
from kpi.data.users import ROLES, validate

__all__ = ["ROLES", "Scope", "ScopeError", "NOT_AVAILABLE"]

NOT_AVAILABLE = "This view is not available to you."
EXACT_ROLES = frozenset({"analyst", "admin"})
SCHEME_ROLES = frozenset({"hub", "scheme_manager", "analyst", "admin"})  # may see some scheme-level figures
UPLOAD_ROLES = frozenset({"scheme_manager", "hub", "admin"})  # may send data (their own schemes; admins any)
ADMIN_ROLES = frozenset({"admin"})  # manage the roles table, read the audit log, publish


class ScopeError(ValueError):
    """A request for figures outside the viewer's scope; the message is a plain sentence the UI can show."""

    def __init__(self, message: str = NOT_AVAILABLE):
        super().__init__(message)


def _role_constructor(role: str, doc: str):
    def make(cls) -> "Scope":
        return cls(role)

    make.__name__, make.__doc__ = role, doc
    return classmethod(make)


@dataclass(frozen=True)
class Scope:
    """A viewer's rights. Frozen and hashable, so it keys caches; build one with the constructors below."""

    role: str = "public"
    regions: tuple[str, ...] = ()  # area codes (GSS), for a hub
    schemes: tuple[str, ...] = ()  # scheme ids, for a scheme manager

    def __post_init__(self):
        # The same checks as a row of the roles table: the role, a hub's regions, a scheme manager's schemes.
        regions, schemes = validate(self.role, self.regions, self.schemes)
        object.__setattr__(self, "regions", regions)
        object.__setattr__(self, "schemes", schemes)

    # -- constructors: Scope.public(), .ambassador(), .analyst(), .admin(), .hub(*regions), .scheme_manager(*ids) --
    public = _role_constructor("public", "The signed-out public, and anyone signed in who is not in the roles table.")
    ambassador = _role_constructor("ambassador", "An ambassador presenting the figures: what the public sees.")
    analyst = _role_constructor("analyst", "The national team's analysts and directors: everything, exact.")
    admin = _role_constructor("admin", "Manages the roles table and reads the audit log; everything, exact.")

    @classmethod
    def hub(cls, *regions: str) -> "Scope":
        """A regional hub (area codes): the public figures, and its regions' schemes, protected."""
        return cls("hub", regions=regions)

    @classmethod
    def scheme_manager(cls, *schemes: str) -> "Scope":
        """A scheme manager (scheme ids): their own schemes exact, everything else as the public."""
        return cls("scheme_manager", schemes=schemes)

    # -- the rules ------------------------------------------------------------------------------------------------
    @property
    def exact_everywhere(self) -> bool:
        """Every figure exact (analysts, directors, admins)."""
        return self.role in EXACT_ROLES

    @property
    def sees_schemes(self) -> bool:
        """May see some scheme-level figures (and scheme names)."""
        return self.role in SCHEME_ROLES

    @staticmethod
    def scheme_level(by: Sequence[str] | str, filters: Filters) -> bool:
        """A request that breaks down by scheme or filters to schemes."""
        by = (by,) if isinstance(by, str) else tuple(by)
        return "scheme" in by or bool(filters.schemes)

    def restrict(self, by: Sequence[str] | str, filters: Filters,
                 scheme_areas: Mapping[str, str] | None = None) -> tuple[Filters, bool]:
        """(the filters to query, whether the figures are exact) for a request, or ScopeError.

        scheme_areas: scheme id -> area code for the schemes `filters` names; needed only for a hub whose request
        names schemes (`needs_scheme_areas`), to check they are in its regions.
        """
        if not self.scheme_level(by, filters):
            return filters, self.exact_everywhere
        if self.exact_everywhere:
            return filters, True
        if self.role == "scheme_manager":
            if any(s not in self.schemes for s in filters.schemes):
                raise ScopeError()
            return replace(filters, schemes=filters.schemes or self.schemes), True
        if self.role == "hub":
            if any(a not in self.regions for a in filters.areas):
                raise ScopeError()
            if filters.schemes:
                areas = scheme_areas or {}
                if any(areas.get(s) not in self.regions for s in filters.schemes):
                    raise ScopeError()
            return replace(filters, areas=filters.areas or self.regions), False
        raise ScopeError()  # public, ambassador: no scheme-level figures

    def needs_scheme_areas(self, filters: Filters) -> bool:
        """Whether `restrict` needs the named schemes' areas (a hub naming schemes)."""
        return self.role == "hub" and bool(filters.schemes)

    def exact(self, by: Sequence[str] | str, filters: Filters) -> bool:
        """Whether this request's figures would be exact (False when it would be refused or protected)."""
        if self.exact_everywhere:
            return True
        return (self.role == "scheme_manager" and self.scheme_level(by, filters)
                and all(s in self.schemes for s in filters.schemes))

    def scheme_visible(self, scheme_id: str, area_code: str | None) -> bool:
        """Whether this scope may see a scheme's name and figures."""
        if self.exact_everywhere:
            return True
        if self.role == "scheme_manager":
            return str(scheme_id) in self.schemes
        return self.role == "hub" and area_code in self.regions

    def describe(self) -> str:
        """In words, for logs and the CLI: "hub (E12000002)"."""
        detail = self.regions or self.schemes
        return f"{self.role} ({', '.join(detail)})" if detail else self.role

