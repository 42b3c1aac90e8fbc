"""The roles table (kpi.data.users, `python -m kpi users`), scope_for (kpi.metrics.access) and the audit log
(kpi.data.audit): where the files live, each change logged, records only ever appended."""

from __future__ import annotations

import json
import os

import pytest

from kpi.cli import main
from kpi.data import audit, paths, users
from kpi.data.queries import Filters
from kpi.metrics.access import Identity, scope_for
from kpi.metrics.scope import Scope
from tests.scopes import EXACT, PUBLIC

NW = "E12000002"


@pytest.fixture()
def access(tmp_path, monkeypatch):
    folder = tmp_path / "access"
    monkeypatch.setenv("KHI_ACCESS_DIR", str(folder))
    return folder


def test_the_access_folder_is_never_in_the_bundled_sample(tmp_path, monkeypatch):
    monkeypatch.delenv("KHI_ACCESS_DIR", raising=False)
    monkeypatch.delenv("KHI_DATA_DIR", raising=False)
    with pytest.raises(paths.AccessDirError, match="bundled synthetic sample"):
        paths.access_dir()
    with pytest.raises(paths.AccessDirError):
        paths.access_dir(paths.BUNDLED_SAMPLE_DIR / "access")
    assert paths.access_dir(data=tmp_path / "store") == (tmp_path / "store" / "access").resolve()
    monkeypatch.setenv("KHI_ACCESS_DIR", str(tmp_path / "elsewhere"))
    assert paths.access_dir() == (tmp_path / "elsewhere").resolve()
    assert scope_for(Identity(email="someone@example.org")) == PUBLIC  # nobody in an empty folder


def test_users_cli_round_trip(access, sample_store, capsys):
    def run(*argv):
        code = main(["users", "--data", str(sample_store), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    scheme = str(_a_scheme(sample_store))
    assert run("add", "Hub.Lead@Example.org", "--role", "hub", "--region", NW, "--by", "admin@example.org")[0] == 0
    assert run("add", "manager@example.org", "--role", "scheme_manager", "--scheme", scheme, "--by", "admin")[0] == 0
    assert run("add", "sub:abc-123", "--role", "analyst", "--by", "admin")[0] == 0
    code, out, _ = run("list", "--json")
    rows = {r["key"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {"hub.lead@example.org", "manager@example.org", "sub:abc-123"}
    assert rows["hub.lead@example.org"]["regions"] == [NW] and rows["hub.lead@example.org"]["added_by"] == \
        "admin@example.org" and rows["hub.lead@example.org"]["added_at"]
    # the scope comes from the table, by verified e-mail (any case) or subject
    assert scope_for(Identity(email="HUB.lead@example.org")) == Scope.hub(NW)
    assert scope_for(Identity(email="manager@example.org")) == Scope.scheme_manager(scheme)
    assert scope_for(Identity(email="new@example.org", subject="abc-123")) == EXACT
    assert scope_for(Identity(email="stranger@example.org")) == PUBLIC and scope_for(None) == PUBLIC
    # change and remove: at once
    assert run("change", "hub.lead@example.org", "--role", "ambassador", "--by", "director")[0] == 0
    assert scope_for(Identity(email="hub.lead@example.org")) == Scope.ambassador()
    assert run("remove", "manager@example.org", "--by", "director")[0] == 0
    assert scope_for(Identity(email="manager@example.org")) == PUBLIC
    # refused, with a reason and exit code 2; nothing changed
    for argv, reason in (
        (("add", "x@example.org", "--role", "hub", "--by", "a"), "at least one region"),
        (("add", "x@example.org", "--role", "hub", "--region", "E99", "--by", "a"), "unknown area code"),
        (("add", "x@example.org", "--role", "scheme_manager", "--scheme", "nope", "--by", "a"), "unknown scheme"),
        (("add", "sub:abc-123", "--role", "admin", "--by", "a"), "already in the table"),
        (("add", "not-an-address", "--role", "admin", "--by", "a"), "not an e-mail address"),
        (("remove", "nobody@example.org", "--by", "a"), "not in the table"),
        (("change", "sub:abc-123", "--role", "admin", "--by", " "), "who is making the change"),
    ):
        code, _, err = run(*argv)
        assert code == 2 and reason in err, (argv, err)
    log = users.changes(access)
    assert [(e["action"], e["key"]) for e in log] == [
        ("add", "hub.lead@example.org"), ("add", "manager@example.org"), ("add", "sub:abc-123"),
        ("change", "hub.lead@example.org"), ("remove", "manager@example.org")]
    assert log[3]["before"]["role"] == "hub" and log[3]["after"]["role"] == "ambassador" and log[3]["by"] == "director"
    assert log[4]["after"] is None
    code, out, _ = run("log")
    assert code == 0 and len(out.splitlines()) == 5
    assert not list(access.glob(".tmp-*"))  # written by rename: no temporary file left behind


def _a_scheme(store) -> str:
    return sorted(users.store_schemes(store))[0]


# -- audit -------------------------------------------------------------------------------------------------------

def test_audit_records_are_only_appended_and_survive_a_half_written_line(tmp_path):
    folder = tmp_path / "access"
    first = audit.record(folder, "hub@example.org", "view", page="compare", metric="connected_positive",
                         by="scheme", filters=Filters(years=(2023,), areas=(NW,)), scope=Scope.hub(NW))
    assert first["filters"] == {"years": [2023], "areas": [NW]} and first["scope"] == f"hub ({NW})"
    assert first["at"].endswith("+00:00")
    before = (folder / audit.LOG).read_bytes()
    audit.record(folder, "analyst@example.org", "download", page="health", metric=["a", "b"], fmt="csv")
    after = (folder / audit.LOG).read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2  # the first line untouched: appended to
    # a crash mid-write leaves half a line: read skips it, and the next record starts on a line of its own
    with open(folder / audit.LOG, "ab") as fh:
        fh.write(b'{"at": "2026-01-01T00:00:00+00:00", "who": "half')
    assert [r["who"] for r in audit.read(folder)] == ["hub@example.org", "analyst@example.org"]
    audit.record(folder, "later@example.org", "view", page="overview")
    assert [r["who"] for r in audit.read(folder)] == ["hub@example.org", "analyst@example.org", "later@example.org"]
    assert (folder / audit.LOG).read_bytes().startswith(after)
    assert [r["who"] for r in audit.read(folder, who="later@example.org")] == ["later@example.org"]
    assert audit.read(tmp_path / "nothing-yet") == []
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(folder, "x", "edit")


def test_admins_export_the_audit_log(access, capsys):
    audit.record(access, "a@example.org", "view", page="compare", by="scheme")
    audit.record(access, "b@example.org", "download", page="health", fmt="csv")
    assert main(["users", "audit", "--who", "b@example.org"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["download"]


def test_the_audit_file_is_opened_for_append(tmp_path, monkeypatch):
    """Every write goes through O_APPEND: a record cannot land over an existing one."""
    flags = []
    real_open = os.open

    def spy(path, flag, *args):
        flags.append(flag)
        return real_open(path, flag, *args)

    monkeypatch.setattr(os, "open", spy)
    audit.record(tmp_path, "x@example.org", "view")
    assert flags and all(f & os.O_APPEND for f in flags) and not any(f & os.O_TRUNC for f in flags)


@pytest.mark.parametrize("scope, by, filters, expected", [
    (PUBLIC, "region", Filters(), False),
    (Scope.hub(NW), "region", Filters(), False),
    (Scope.hub(NW), "scheme", Filters(), True),  # scheme-level, though protected
    (Scope.scheme_manager("S1"), (), Filters(schemes=("S1",)), True),  # exact
    (Scope.scheme_manager("S1"), (), Filters(), False),
    (EXACT, (), Filters(), True),  # exact national figures
])
def test_needs_audit(scope, by, filters, expected):
    assert audit.needs_audit(scope, by, filters) is expected
