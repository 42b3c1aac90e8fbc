"""Submissions (kpi.data.submissions): every committing ingest run recorded with who, when, its files' sha256 and
counts and the version it made; withdrawing one; dry runs and the upload page's scheme scope; the CLI.

Stores are tiny and built with ingest itself, with the real aggregates (withdrawing must rebuild them).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from kpi import cli
from kpi.data import ingest, journal, paths, queries, store, submissions, versions

SCHEMES = [["Scheme ID", "Scheme name", "Programme", "Region"],
           ["S001", "Northern Lights", "Shared Lives", "North West"],
           ["S002", "Home Together", "Homeshare", "W92000004"]]
RESPONSE_HEADER = ["Response ID", "Person ID", "Scheme ID", "Date completed", "Arrangement", "Connected"]
PEOPLE_HEADER = ["Scheme ID", "Financial year", "Arrangement", "People supported"]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def responses(path: Path, ids: list[str], scheme: str = "S001", person: str | None = None) -> Path:
    return write_rows(path, [RESPONSE_HEADER] + [[i, person or f"P{i}", scheme, "2023-06-01", "Live-in", "Positive"]
                                                 for i in ids])


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def response_ids(root: Path, version: int | None = None) -> list[str]:
    m = store.read_manifest(root, version)
    return sorted(store.read_table(root, "responses", manifest=m).column("response_id").to_pylist())


def cube_responses(root: Path, version: int | None = None) -> int:
    con = queries.connect(root, version=version)
    try:
        return int(queries.cube_counts(con.cursor(), ["responses"], (), queries.Filters())["responses"].iloc[0])
    finally:
        con.close()


def real_store(folder: Path) -> Path:
    """A store of real (not synthetic) rows: S0001 = schemes S001, S002 and responses R1, R2."""
    root = folder / "store"
    report = ingest.ingest([write_rows(folder / "schemes.csv", SCHEMES), responses(folder / "r12.csv", ["R1", "R2"])],
                           data_dir=root, submitted_by="alice@example.org")
    assert report.submission == "S0001"
    return root


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    """A store made by `kpi sample` (500 responses): its version 1 is published, its rows the initial submission."""
    from kpi.data import sample

    root = tmp_path_factory.mktemp("small-sample") / "store"
    sample.generate(root, responses=500, seed=4)
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    return real_store(tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# What a submission records.
def test_a_committing_run_is_recorded_as_a_submission(tmp_path, root):
    path = responses(tmp_path / "june.csv", ["R3", "R4", "R1"])  # R1 is a duplicate
    report = ingest.ingest([path], data_dir=root, submitted_by="bob@example.org")
    assert report.committed and report.submission == "S0002" and report.to_json()["submission"] == "S0002"
    [first, second] = submissions.submissions(root)
    assert (first.id, first.submitted_by, first.version, first.rows["schemes"]) == ("S0001", "alice@example.org", 1, 2)
    assert (second.id, second.submitted_by, second.version, second.live) == ("S0002", "bob@example.org", 2, True)
    assert second.rows == {"responses": 2, "schemes": 0, "people_supported": 0}
    assert second.files == [{"name": "june.csv", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                             "table": "responses", "read": 3, "stored": 2, "duplicates": 1, "quarantined": 0,
                             "quarantine_file": None}]
    assert second.at and store.read_manifest(root).change == "submission S0002"
    assert ingest.ingest([path], data_dir=root).submission is None  # nothing new: no commit, no submission
    assert [s.id for s in submissions.submissions(root)] == ["S0001", "S0002"]


def test_submissions_survive_a_restart_in_the_store_folder(tmp_path, root):
    ingest.ingest([responses(tmp_path / "r.csv", ["R3"])], data_dir=root)
    copy = tmp_path / "copy"
    store.copy_store(root, copy)  # another process, later: everything it needs is in the folder
    assert [s.id for s in submissions.submissions(copy)] == ["S0001", "S0002"]
    assert (copy / journal.LOG).is_file()


def test_a_record_left_by_a_run_killed_before_its_commit_is_not_a_submission(tmp_path, root, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands in for kill -9 after the record, before the swap
    monkeypatch.setattr("kpi.data.derive.commit", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest.ingest([responses(tmp_path / "r.csv", ["R3"])], data_dir=root)
    monkeypatch.undo()
    assert [e["id"] for e in journal.read(root, "submission")] == ["S0001", "S0002"]  # the record was written...
    assert [s.id for s in submissions.submissions(root)] == ["S0001"]  # ...but no version names it
    report = ingest.ingest([responses(tmp_path / "r.csv", ["R3"])], data_dir=root)
    assert report.submission == "S0003" and report.version == 2  # a fresh id; the version number is reused
    assert [(s.id, s.version) for s in submissions.submissions(root)] == [("S0001", 1), ("S0003", 2)]


def test_a_sample_store_s_rows_are_one_initial_submission(tmp_path, small_sample):
    root = tmp_path / "s"
    store.copy_store(small_sample, root)
    [initial] = submissions.submissions(root)
    assert (initial.id, initial.label, initial.version, initial.rows["responses"]) == (
        submissions.INITIAL, "synthetic sample", 1, 500)
    scheme = store.read_table(root, "schemes").column("scheme_id")[0].as_py()
    assert ingest.ingest([responses(tmp_path / "r.csv", ["X1"], scheme)], data_dir=root).submission == "S0001"
    assert [s.id for s in submissions.submissions(root)] == [submissions.INITIAL, "S0001"]


def test_the_bundled_sample_lists_its_rows_as_the_initial_submission():
    [initial] = submissions.submissions(paths.BUNDLED_SAMPLE_DIR)
    assert initial.label == "synthetic sample" and initial.rows["responses"] == 60_000


# ---------------------------------------------------------------------------------------------------------------
# Withdrawing.
def test_withdrawing_commits_a_version_without_the_rows_and_rebuilds_the_aggregates(tmp_path, root):
    path = write_rows(tmp_path / "r.csv", [RESPONSE_HEADER, ["R3", "P3", "S001", "2023-06-01", "Live-in", ""],
                                           ["R4", "P4", "S002", "2023-06-01", "Live-in", ""],
                                           ["R5", "P5", "S001", "someday", "Live-in", ""]])  # quarantined
    quarantine = ingest.ingest([path], data_dir=root).files[0].quarantine_file
    assert cube_responses(root) == 4 and store.read_manifest(root).quarantined_rows == 1
    m = submissions.withdraw(root, "S0002", "carol@example.org", "sent to the wrong service")
    assert (m.version, m.change, m.rows["responses"]) == (3, "withdrawal S0002", 2)
    assert (m.quarantine, m.quarantined_rows) == ([], 0) and quarantine in store.read_manifest(root, 2).quarantine
    assert response_ids(root) == ["R1", "R2"] and cube_responses(root) == 2  # the aggregates no longer count them
    assert response_ids(root, 2) == ["R1", "R2", "R3", "R4"]  # the version before still holds them
    s = {s.id: s for s in submissions.submissions(root)}["S0002"]
    assert not s.live and s.withdrawn["by"] == "carol@example.org" and s.withdrawn["version"] == 3
    assert s.withdrawn["reason"] == "sent to the wrong service" and s.withdrawn["at"]


def test_withdrawing_twice_or_an_unknown_id_is_a_clear_error(tmp_path, root):
    ingest.ingest([responses(tmp_path / "r.csv", ["R3"])], data_dir=root)
    submissions.withdraw(root, "S0002", "carol", "duplicate upload")
    before = tree_hashes(root)
    with pytest.raises(submissions.SubmissionError, match=r"S0002 was already withdrawn, by carol at .*: duplicate"):
        submissions.withdraw(root, "S0002", "carol", "again")
    with pytest.raises(submissions.SubmissionError, match=r"no submission 'S0099'.*S0001, S0002"):
        submissions.withdraw(root, "S0099", "carol", "typo")
    with pytest.raises(submissions.SubmissionError, match="who is withdrawing the submission and why"):
        submissions.withdraw(root, "S0001", "carol", "  ")
    assert tree_hashes(root) == before
    with pytest.raises(submissions.SubmissionError, match="no store here"):
        submissions.withdraw(tmp_path / "nothing", "S0001", "carol", "test")
    assert not (tmp_path / "nothing").exists()


def test_schemes_and_people_supported_rows_are_withdrawn_per_submission(tmp_path, root):
    people = write_rows(tmp_path / "p.csv", [PEOPLE_HEADER, ["S001", "2023-24", "Live-in", "40"]])
    more = write_rows(tmp_path / "p2.csv", [PEOPLE_HEADER, ["S002", "2023-24", "Homeshare", "7"]])
    new_scheme = write_rows(tmp_path / "s.csv", [SCHEMES[0], ["S003", "Third", "Shared Lives", "London"]])
    assert ingest.ingest([people], data_dir=root).submission == "S0002"
    assert ingest.ingest([more, new_scheme], data_dir=root).submission == "S0003"
    submissions.withdraw(root, "S0003", "carol", "wrong year")
    assert store.read_table(root, "people_supported").column("scheme_id").to_pylist() == ["S001"]
    assert sorted(store.read_table(root, "schemes").column("scheme_id").to_pylist()) == ["S001", "S002"]
    assert store.read_manifest(root).rows["people_supported"] == 1


def test_withdrawing_schemes_that_remaining_rows_use_is_refused(tmp_path, root):
    new_scheme = write_rows(tmp_path / "s.csv", [SCHEMES[0], ["S003", "Third", "Shared Lives", "London"]])
    ingest.ingest([new_scheme], data_dir=root)  # S0002
    ingest.ingest([responses(tmp_path / "r.csv", ["R9"], "S003")], data_dir=root)  # S0003 uses it
    with pytest.raises(submissions.SubmissionError, match=r"S0002 added schemes .*1 rows of S0003 \(responses\)"):
        submissions.withdraw(root, "S0002", "carol", "test")
    submissions.withdraw(root, "S0003", "carol", "test")
    submissions.withdraw(root, "S0002", "carol", "test")  # nothing refers to S003 any more
    assert "S003" not in store.read_table(root, "schemes").column("scheme_id").to_pylist()


def test_rows_counted_as_duplicates_of_withdrawn_rows_leave_with_them_until_re_ingested(tmp_path, root):
    """Documented in kpi.data.submissions: a duplicate was never stored, so nothing of it stays behind."""
    assert ingest.ingest([responses(tmp_path / "r6.csv", ["R6"])], data_dir=root).submission == "S0002"
    later = responses(tmp_path / "later.csv", ["R6", "R7"])  # R6 duplicates S0002's row
    assert ingest.ingest([later], data_dir=root).files[0].duplicates == 1  # S0003
    submissions.withdraw(root, "S0002", "carol", "test")
    assert "R6" not in response_ids(root) and "R7" in response_ids(root)
    report = ingest.ingest([later], data_dir=root).files[0]  # re-ingesting the later file stores it once more
    assert (report.stored, report.duplicates) == (1, 1) and "R6" in response_ids(root)


def test_withdrawing_the_initial_synthetic_rows_of_a_store(tmp_path, small_sample):
    root = tmp_path / "s"
    store.copy_store(small_sample, root)
    m = submissions.withdraw(root, submissions.INITIAL, "carol", "the sample is not needed")
    assert m.rows == {**m.rows, "responses": 0, "schemes": 0, "people_supported": 0}
    assert not {s.id: s for s in submissions.submissions(root)}[submissions.INITIAL].live


def test_withdraw_and_publish_never_touch_the_bundled_sample():
    before = tree_hashes(paths.BUNDLED_SAMPLE_DIR)
    with pytest.raises(submissions.SubmissionError, match="bundled synthetic sample"):
        submissions.withdraw(paths.BUNDLED_SAMPLE_DIR, submissions.INITIAL, "carol", "test")
    with pytest.raises(store.StoreError, match="bundled synthetic sample"):
        versions.publish(paths.BUNDLED_SAMPLE_DIR, 1, "carol")
    assert tree_hashes(paths.BUNDLED_SAMPLE_DIR) == before


# ---------------------------------------------------------------------------------------------------------------
# Dry runs and the upload page's scope.
def test_a_dry_run_reports_what_a_commit_would_and_writes_nothing(tmp_path, root):
    path = write_rows(tmp_path / "mixed.csv", [RESPONSE_HEADER, ["R1", "PR1", "S001", "2023-06-01", "Live-in",
                                                                 "Positive"],  # a duplicate
                                               ["R8", "P8", "S001", "2023-06-01", "Live-in", "Positive"],
                                               ["R9", "P9", "S001", "not a date", "Live-in", "Positive"]])
    before = tree_hashes(root)
    dry = ingest.ingest([path], data_dir=root, dry_run=True)
    assert tree_hashes(root) == before  # byte-identical: no file, no journal line, no lock file
    assert (dry.committed, dry.dry_run, dry.submission, dry.version) == (False, True, None, 1)
    real = ingest.ingest([path], data_dir=root)
    strip = lambda f: {**f.to_json(), "quarantine_file": None}  # noqa: E731 - the dry run writes no quarantine file
    assert [strip(f) for f in dry.files] == [strip(f) for f in real.files]
    assert (real.files[0].stored, real.files[0].duplicates, real.files[0].quarantined) == (1, 1, 1)


def test_a_dry_run_into_a_new_folder_creates_nothing(tmp_path):
    target = tmp_path / "not-yet"
    report = ingest.ingest([write_rows(tmp_path / "s.csv", SCHEMES)], data_dir=target, dry_run=True)
    assert report.files[0].stored == 2 and not target.exists()


def test_rows_of_schemes_outside_the_allowed_set_refuse_the_file(tmp_path, root):
    path = write_rows(tmp_path / "mine.csv", [RESPONSE_HEADER, ["R5", "P5", "S001", "2023-06-01", "Live-in", ""],
                                              ["R6", "P6", " S002 ", "2023-06-01", "Live-in", ""]])
    before = tree_hashes(root)
    with pytest.raises(ingest.IngestError, match=r"mine\.csv row 3: scheme 'S002' is not one you may submit for "
                                                 r"\(S001\)"):
        ingest.ingest([path], data_dir=root, allowed_schemes={"S001"})
    with pytest.raises(ingest.IngestError, match=r"s\.csv row 2: scheme 'S009'"):  # the schemes table too
        ingest.ingest([write_rows(tmp_path / "s.csv", [SCHEMES[0], ["S009", "Nine", "Homeshare", "London"]])],
                      data_dir=root, allowed_schemes={"S001"}, dry_run=True)
    assert tree_hashes(root) == before
    report = ingest.ingest([path], data_dir=root, allowed_schemes={"S001", "S002"}, submitted_by="scheme manager")
    assert report.submission == "S0002" and submissions.submissions(root)[-1].submitted_by == "scheme manager"


# ---------------------------------------------------------------------------------------------------------------
# The command line.
def test_cli_lists_withdraws_publishes_and_lists_versions(tmp_path, root, capsys):
    ingest.ingest([responses(tmp_path / "r.csv", ["R3"])], data_dir=root)
    assert cli.main(["submissions", "--data", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in listed] == ["S0001", "S0002"] and listed[1]["files"][0]["name"] == "r.csv"
    versions.publish(root, 2, "dana")
    assert cli.main(["withdraw", "S0002", "--reason", "wrong file", "--data", str(root)]) == 0
    out = capsys.readouterr().out
    assert "committed store version 3" in out and "The public view is version 2, which still holds them" in out
    assert cli.main(["withdraw", "S0002", "--reason", "again", "--data", str(root)]) == 2
    assert "already withdrawn" in capsys.readouterr().err
    assert cli.main(["submissions", "--data", str(root)]) == 0
    assert "withdrawn at" in capsys.readouterr().out and "wrong file" in (root / journal.LOG).read_text()
    assert cli.main(["publish", "--data", str(root)]) == 0  # the live version by default
    assert "Published store version 3" in capsys.readouterr().out
    assert cli.main(["publish", "7", "--data", str(root)]) == 2
    assert "no version 7" in capsys.readouterr().err
    assert cli.main(["versions", "--data", str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "[published, live]" in lines[2] and "withdrawal S0002" in lines[2]
    assert store.published_version(root) == 3
