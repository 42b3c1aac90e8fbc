"""Scopes the tests read with (kpi.metrics.scope).

PUBLIC is the signed-out public. SCHEMES is a hub over every region: the protected (public) figures, and scheme-level
ones for every scheme — what the public pages showed before scopes, and what the pages still read scheme views with
until sign-in is wired in (ui.data.viewer_scope). EXACT is an analyst's: every figure exact.
"""

from kpi.data.schema import AREAS
from kpi.metrics.scope import Scope, ScopeError

PUBLIC = Scope.public()
SCHEMES = Scope.hub(*AREAS)
EXACT = Scope.analyst()

__all__ = ["PUBLIC", "SCHEMES", "EXACT", "Scope", "ScopeError"]
