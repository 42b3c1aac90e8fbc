"""Writing a sample store: checks, the world, the response chunks, then one commit marked synthetic."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kpi.data import derive, store, versions
from kpi.data.sample.responses import chunks
from kpi.data.sample.tables import write_responses
from kpi.data.sample.world import World

DEFAULT_RESPONSES = 60_000
DEFAULT_SEED = 1
DEFAULT_CHUNK_ROWS = 500_000
MAX_RESPONSES = 999_999_999  # response_id is "R" + nine digits


class SampleError(Exception):
    """The sample cannot be written; the message says why."""


def generate(
    out_dir: str | os.PathLike,
    responses: int = DEFAULT_RESPONSES,
    seed: int = DEFAULT_SEED,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> store.Manifest:
    """Write a synthetic store (schemes, people_supported, responses) into the new or empty folder `out_dir`.

    The rows depend only on `seed` and `responses`; `chunk_rows` only sets how many responses are held and written
    at a time (memory stays bounded by it). Responses go to `responses/fy=YYYY/part-*.parquet`. Returns the
    committed manifest (marked synthetic). Raises SampleError when `out_dir` already holds anything or an argument
    is out of range. The store's only version is published (kpi.data.versions).
    """
    root = Path(out_dir)
    _check_arguments(responses, seed, chunk_rows)
    _check_empty(root)
    world = World(seed)
    tables: dict[str, list[str]] = {
        "schemes": [store.write_parquet(root, f"schemes/{store.new_file_name()}", world.schemes_table())],
        "people_supported": [
            store.write_parquet(root, f"people_supported/{store.new_file_name()}", world.people_table())
        ],
        "responses": [],
    }
    for chunk in chunks(world, responses, seed, chunk_rows):
        tables["responses"].extend(write_responses(root, world, chunk))
    manifest = store.Manifest(
        synthetic=True,
        note=f"Synthetic sample data (seed {seed}, {responses:,} responses): made up, not real people",
        tables=tables,
        rows={"schemes": world.n_schemes, "people_supported": world.people_rows, "responses": responses},
        # From the seed, so the sample regenerates identically; it protects nothing real (every row is made up).
        key_secret=hashlib.sha256(f"khi synthetic sample {seed}".encode()).hexdigest()[:32],
        change="sample",  # its rows are the store's initial submission, "synthetic sample" (kpi.data.submissions)
    )
    with store.locked(root):
        if store.read_manifest(root).tables:  # another writer got there while we were generating
            raise SampleError(f"{root}: a store appeared here while the sample was being written; not replacing it")
        committed = derive.commit(root, manifest)
        # Published at creation: made-up rows are safe to show, and it stays what the public sees until a version
        # with real rows is published.
        versions.mark_published(root, committed.version, "kpi sample", "synthetic sample, published at creation")
        return committed


def _check_arguments(responses: int, seed: int, chunk_rows: int) -> None:
    if not 1 <= responses <= MAX_RESPONSES:
        raise SampleError(f"--responses must be between 1 and {MAX_RESPONSES:,}, not {responses}")
    if seed < 0:
        raise SampleError(f"--seed must be 0 or more, not {seed}")
    if chunk_rows < 1:
        raise SampleError(f"--chunk-rows must be 1 or more, not {chunk_rows}")


def _check_empty(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise SampleError(f"{root} is a file; --out needs a new or empty folder")
    if root.exists():
        contents = [p.name for p in root.iterdir() if p.name != ".lock"]  # a bare lock file is harmless
        if contents:
            what = "holds a store" if (root / store.MANIFEST).exists() else "is not empty"
            raise SampleError(
                f"{root} {what} ({', '.join(sorted(contents)[:5])}); the sample only writes into a new or empty "
                "folder, so nothing is overwritten. Choose another --out or remove that folder first."
            )
