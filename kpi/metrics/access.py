"""From a signed-in identity to the Scope its figures are read with, through the app's own roles table.

Here rather than in kpi.data.users because a Scope is a kpi.metrics type (imports only go down the layers).
Someone not in the table (or with no identity at all) gets the public scope.
"""

from __future__ import annotations

import os

from kpi.data import paths, users
from kpi.data.users import Identity
from kpi.metrics.scope import Scope

__all__ = ["Identity", "scope_for", "scope_of"]


def scope_of(user: users.User | None) -> Scope:
    """A roles-table row as a Scope (None: the public scope)."""
    if user is None:
        return Scope.public()
    return Scope(user.role, regions=user.regions, schemes=user.schemes)


def scope_for(identity: Identity | None, *, folder: str | os.PathLike | None = None) -> Scope:
    """The scope of a signed-in person: their row in the roles table (by verified e-mail, else OIDC subject), or
    `Scope.public()` when they are not in it. Never from claims in the token: a removed row takes effect at once.

    folder: the access folder (default `kpi.data.paths.access_dir()`; none for the bundled sample, so public).
    """
    if identity is None or not identity.keys():
        return Scope.public()
    if folder is None:
        try:
            folder = paths.access_dir()
        except paths.AccessDirError:
            return Scope.public()
    return scope_of(users.lookup(identity, folder))
